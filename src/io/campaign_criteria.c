/* campaign_criteria.c — the active-learning records of a round in the
 * campaign file and `alfe info`'s criteria block.
 *
 * /rounds/NNNN gets, next to points/budget/weight_per_criterion:
 *   proposed_per_criterion       i64[C]  candidates before the filters
 *   mse_before_per_criterion     f64[C]  previous committee's mu MSE on the
 *                                        criterion's new rows, before training
 *   spread_before_per_criterion  f64[C]  its mean mu spread there
 *   mse_after_per_criterion      f64[C]  the MSE after training on them
 *   reweight_rule                str     none | surprise | improvement
 *   stop_reason                  str     "" or converged | no_improvement
 * and the root attribute stop_reason repeats the last written round's, so
 * `alfe info` and the job script see a stopped campaign.
 * Owns: those attributes and the info block.  Must not call MPI. */
#include "campaign_internal.h"

#include "alfe/base/error.h"
#include "alfe/base/util.h"
#include "alfe/io/campaign_io.h"
#include "alfe/io/h5util.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

int campaign_criteria_write(hid_t g, const round_record *rec)
{
    ALFE_CHECK(h5u_attr_write_i64_array(g, "proposed_per_criterion", rec->proposed,
                                        CRITERION_COUNT));
    ALFE_CHECK(h5u_attr_write_f64_array(g, "mse_before_per_criterion", rec->mse_before,
                                        CRITERION_COUNT));
    ALFE_CHECK(h5u_attr_write_f64_array(g, "spread_before_per_criterion", rec->spread_before,
                                        CRITERION_COUNT));
    ALFE_CHECK(h5u_attr_write_f64_array(g, "mse_after_per_criterion", rec->mse_after,
                                        CRITERION_COUNT));
    ALFE_CHECK(h5u_attr_write_string(g, "reweight_rule",
                                     rec->reweight_rule[0] ? rec->reweight_rule : "none"));
    ALFE_CHECK(h5u_attr_write_string(g, "stop_reason", rec->stop_reason));
    hid_t file = H5Iget_file_id(g);
    if (file < 0)
        return ALFE_FAIL(ALFE_ERR_RUNTIME, "cannot find the file of a round group");
    int status = h5u_attr_write_string(file, "stop_reason", rec->stop_reason);
    H5Fclose(file);
    return status;
}

void campaign_criteria_read(hid_t g, round_record *rec)
{
    for (int k = 0; k < CRITERION_COUNT; k++)
        rec->mse_before[k] = rec->spread_before[k] = rec->mse_after[k] = NAN;
    memset(rec->proposed, 0, sizeof rec->proposed);
    rec->reweight_rule[0] = rec->stop_reason[0] = '\0';
    /* Files written before these records: the defaults above stay. */
    if (H5Aexists(g, "proposed_per_criterion") <= 0)
        return;
    h5u_attr_read_numeric_n(g, "proposed_per_criterion", H5T_NATIVE_INT64, rec->proposed, CRITERION_COUNT);
    h5u_attr_read_numeric_n(g, "mse_before_per_criterion", H5T_NATIVE_DOUBLE, rec->mse_before, CRITERION_COUNT);
    h5u_attr_read_numeric_n(g, "spread_before_per_criterion", H5T_NATIVE_DOUBLE,
                          rec->spread_before, CRITERION_COUNT);
    h5u_attr_read_numeric_n(g, "mse_after_per_criterion", H5T_NATIVE_DOUBLE, rec->mse_after, CRITERION_COUNT);
    h5u_attr_read_string(g, "reweight_rule", rec->reweight_rule, sizeof rec->reweight_rule);
    h5u_attr_read_string(g, "stop_reason", rec->stop_reason, sizeof rec->stop_reason);
}

int campaign_read_stop_reason(hid_t file, char *buf, size_t size)
{
    buf[0] = '\0';
    if (H5Aexists(file, "stop_reason") <= 0)
        return 0;
    h5u_attr_read_string(file, "stop_reason", buf, size);
    return buf[0] != '\0';
}

/* One line per criterion that had a budget, proposals or rows. */
/* A metric, or "—" when it was not measured (NaN: no committee yet). */
static const char *metric_text(double v, char *buf, size_t size)
{
    if (!isfinite(v))
        return "\xe2\x80\x94";
    snprintf(buf, size, "%.4g", v);
    return buf;
}

static void print_round_criteria(const round_record *rec, FILE *out)
{
    for (int k = 0; k < CRITERION_COUNT; k++) {
        if (rec->budget[k] <= 0 && rec->proposed[k] == 0 && rec->per_criterion[k] == 0)
            continue;
        char b1[32], b2[32], b3[32];
        /* "—" is one column wide but three bytes: pad by hand. */
        const char *m[3] = {metric_text(rec->mse_before[k], b1, sizeof b1),
                            metric_text(rec->spread_before[k], b2, sizeof b2),
                            metric_text(rec->mse_after[k], b3, sizeof b3)};
        fprintf(out, "%5d  %-16s %8.0f %7.3f %9lld %8lld", rec->round, criterion_names[k],
                rec->budget[k], rec->weight[k], (long long)rec->proposed[k],
                (long long)rec->per_criterion[k]);
        for (int i = 0; i < 3; i++)
            fprintf(out, " %*s", m[i][0] == '\xe2' ? 13 : 11, m[i]);
        fputc('\n', out);
    }
}

void campaign_criteria_print(hid_t file, int n_rounds, FILE *out)
{
    /* Only campaigns that used a criterion beyond space filling. */
    int any = 0;
    for (int r = 0; r < n_rounds && !any; r++) {
        round_record rec;
        campaign_read_round_from(file, r, &rec);
        for (int k = CRITERION_SPECIAL; k < CRITERION_COUNT; k++)
            any |= rec.per_criterion[k] > 0 || rec.budget[k] > 0;
    }
    if (!any)
        return;
    fprintf(out, "\n%5s  %-16s %8s %7s %9s %8s %11s %11s %11s\n", "round", "criterion", "budget",
            "weight", "proposed", "kept", "mse_before", "spread", "mse_after");
    for (int r = 0; r < n_rounds; r++) {
        round_record rec;
        campaign_read_round_from(file, r, &rec);
        print_round_criteria(&rec, out);
        if (rec.stop_reason[0])
            fprintf(out, "%5d  stopped after this round: %s\n", r, rec.stop_reason);
    }
    round_record last;
    campaign_read_round_from(file, n_rounds - 1, &last);
    fprintf(out, "%5s  re-weighting rule: %s\n", "", last.reweight_rule[0] ? last.reweight_rule
                                                                        : "none");
}
