/* committee.c — K models trained in parallel over the ranks (committee.h).
 * Owns: the rank layout and its comm_groups, the member seeds, the
 * hand-back of trained members to every rank.  Must not know what a member
 * is (committee_model) nor call MPI (comm.h does). */
#include "alfe/network/committee.h"

#include "alfe/base/comm.h"
#include "alfe/base/error.h"
#include "alfe/base/rng.h"
#include "alfe/base/util.h"

#include <math.h>
#include <string.h>

struct committee_layout {
    int n_members;
    int world_rank, world_size;
    comm_group *world;
    comm_group *group;   /* P > K: this rank's member group; NULL otherwise */
};

int committee_layout_create(int n_members, committee_layout **out)
{
    *out = NULL;
    if (n_members < 1)
        return ALFE_FAIL(ALFE_ERR_INPUT, "committee: %d members (need at least 1)", n_members);
    committee_layout *l = ALFE_CALLOC(1, sizeof *l);
    l->n_members = n_members;
    ALFE_CHECK(comm_group_world(&l->world));
    l->world_rank = comm_group_rank(l->world);
    l->world_size = comm_group_size(l->world);
    if (l->world_size > n_members) {
        /* Spare ranks: rank r joins member r mod K; group rank 0 is rank k. */
        int status = comm_group_split(l->world_rank % n_members, l->world_rank, &l->group);
        if (status != ALFE_OK) {
            committee_layout_destroy(&l);
            ALFE_CHECK(status);
        }
    }
    *out = l;
    return ALFE_OK;
}

void committee_layout_destroy(committee_layout **layout)
{
    if (!*layout)
        return;
    comm_group_free(&(*layout)->group);
    comm_group_free(&(*layout)->world);
    ALFE_FREE(*layout);
}

int committee_layout_members(const committee_layout *l) { return l->n_members; }

int committee_layout_owner(const committee_layout *l, int member)
{
    return member % l->world_size;
}

int committee_layout_trains(const committee_layout *l, int member)
{
    if (l->world_size <= l->n_members)
        return member % l->world_size == l->world_rank;
    return l->world_rank % l->n_members == member;
}

int committee_layout_group_size(const committee_layout *l, int member)
{
    if (l->world_size <= l->n_members)
        return 1;
    /* Ranks r < P with r ≡ member (mod K). */
    return (l->world_size - 1 - member) / l->n_members + 1;
}

uint64_t committee_member_seed(uint64_t campaign_seed, int round, int member)
{
    uint64_t key = ((uint64_t)(uint32_t)round << 20) + (uint64_t)(uint32_t)member;
    return rng_stream_seed(campaign_seed, key, RNG_PURPOSE_TRAIN);
}

uint64_t committee_split_seed(uint64_t campaign_seed, int round)
{
    /* Key with the top bit set: never a member key (members < 2^20). */
    uint64_t key = ((uint64_t)1 << 63) | (uint64_t)(uint32_t)round;
    return rng_stream_seed(campaign_seed, key, RNG_PURPOSE_TRAIN);
}

void committee_member_settings(const train_settings *base, uint64_t campaign_seed, int round,
                               int member, int bootstrap, train_settings *out)
{
    *out = *base;
    out->seed = committee_member_seed(campaign_seed, round, member);
    out->split_seed = committee_split_seed(campaign_seed, round);
    out->bootstrap = bootstrap;
    out->round = round;
    out->group = NULL;
}

/* train_loss_fn over one member of a committee_model. */
typedef struct {
    const committee_model *model;
    int member;
} member_loss;

static int member_loss_fn(void *context, const int *idx, int n_idx, const double *params,
                          double *loss, double *grad)
{
    const member_loss *ml = context;
    return ml->model->loss(ml->model->model, ml->member, idx, n_idx, params, loss, grad);
}

/* train_report as doubles, for the broadcast. */
enum { REPORT_DOUBLES = 12 };

static void report_pack(const train_report *r, double *v)
{
    v[0] = r->epochs_run;
    v[1] = r->best_validation_loss;
    v[2] = r->final_training_loss;
    v[3] = r->final_learning_rate;
    v[4] = r->best_epoch;
    v[5] = r->validation_loss;
    v[6] = r->n_train;
    v[7] = r->n_validation;
    v[8] = r->lr_reductions;
    v[9] = r->stopped_early;
    v[10] = r->restored_best;
    v[11] = r->diverged;
}

static void report_unpack(const double *v, train_report *r)
{
    memset(r, 0, sizeof *r);
    r->epochs_run = (int)v[0];
    r->best_validation_loss = v[1];
    r->final_training_loss = v[2];
    r->final_learning_rate = v[3];
    r->best_epoch = (int)v[4];
    r->validation_loss = v[5];
    r->n_train = (int)v[6];
    r->n_validation = (int)v[7];
    r->lr_reductions = (int)v[8];
    r->stopped_early = (int)v[9];
    r->restored_best = (int)v[10];
    r->diverged = (int)v[11];
}

int committee_train(const committee_layout *l, const size_t *n_params, double *const *params,
                    const train_settings *settings, int n_samples, const committee_model *model,
                    train_report *reports)
{
    const int K = l->n_members;
    int status = ALFE_OK;
    for (int k = 0; k < K && status == ALFE_OK; k++) {
        memset(&reports[k], 0, sizeof reports[k]);
        if (!committee_layout_trains(l, k))
            continue;
        train_settings s = settings[k];
        s.group = l->group;
        if (model->prepare)
            status = model->prepare(model->model, k, train_max_call_samples(&s));
        if (status == ALFE_OK) {
            member_loss ml = {model, k};
            status = train_run(&s, n_params[k], params[k], n_samples, member_loss_fn, &ml,
                               &reports[k]);
        }
        if (model->release)
            model->release(model->model, k);
    }
    /* Everyone learns of a failure before anything else is exchanged. */
    status = comm_agree_status(status);
    ALFE_CHECK(status);

    double packed[REPORT_DOUBLES];
    for (int k = 0; k < K; k++) {
        const int owner = committee_layout_owner(l, k);
        comm_group_bcast_doubles(l->world, params[k], n_params[k], owner);
        if (l->world_rank == owner)
            report_pack(&reports[k], packed);
        comm_group_bcast_doubles(l->world, packed, REPORT_DOUBLES, owner);
        report_unpack(packed, &reports[k]);
    }
    return ALFE_OK;
}

void committee_mean_std(int n_members, size_t n, const double *values, double *mean,
                        double *std)
{
    for (size_t i = 0; i < n; i++) {
        double m = 0.0;
        for (int k = 0; k < n_members; k++)
            m += values[(size_t)k * n + i];
        m /= n_members;
        if (mean)
            mean[i] = m;
        if (std) {
            double v = 0.0;
            for (int k = 0; k < n_members; k++) {
                double r = values[(size_t)k * n + i] - m;
                v += r * r;
            }
            std[i] = sqrt(v / n_members);
        }
    }
}
