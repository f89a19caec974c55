/* evaluate.c — backend dispatch for point evaluation: the analytic oracle
 * or a Monte Carlo chain on the cluster expansion.
 * Owns: the evaluator (for clex: one chain whose buffers are reused point
 * after point; the model, supercell and order parameters are the system's,
 * as is the oracle's network).  The optional
 * [oracle] delay simulates evaluation cost (exponentially distributed per
 * point, from the point's own stream) so that restart and load balance can be
 * exercised with the fast oracle. */
#include "alfe/run/evaluate.h"

#include "alfe/base/error.h"
#include "alfe/base/rng.h"
#include "alfe/base/util.h"
#include "alfe/lattice/mc_point.h"
#include "alfe/space/oracle.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct evaluator {
    int model;
    double delay;
    oracle_model oracle;
    idnn_committee *network;     /* the system's [oracle] network, or NULL */
    const alfe_config *cfg;
    mc_chain *chains[MC_POINT_MAX_CHAINS]; /* [mc] chains, on the system's supercell
                                              and order parameters */
    int n_chains;
    point_curvature curvature;   /* the last point's (point_result.curvature) */
};

int evaluator_create(const alfe_system *sys, evaluator **out)
{
    *out = NULL;
    const alfe_config *cfg = sys->cfg;
    evaluator *ev = ALFE_CALLOC(1, sizeof *ev);
    ev->model = cfg->model;
    ev->delay = cfg->oracle_delay;
    ev->cfg = cfg;
    int status = ALFE_OK;
    if (cfg->model == MODEL_ORACLE) {
        system_oracle_model(sys, &ev->oracle);
        ev->network = sys->oracle_network;
    } else if (sys->sc && sys->op) {
        ev->n_chains = cfg->mc_chains > 1 ? cfg->mc_chains : 1;
        if (ev->n_chains > MC_POINT_MAX_CHAINS)
            status = ALFE_FAIL(ALFE_ERR_INPUT, "[mc] chains = %d: at most %d", ev->n_chains,
                               MC_POINT_MAX_CHAINS);
        for (int c = 0; c < ev->n_chains && status == ALFE_OK; c++)
            status = mc_chain_create(sys->sc, sys->op, &ev->chains[c]);
    }
    /* else: the coordinating rank of a multi-rank run, which never
     * evaluates (farm.c) and has no cluster expansion (system.c). */
    if (status != ALFE_OK) {
        evaluator_destroy(&ev);
        return status;
    }
    *out = ev;
    return ALFE_OK;
}

void evaluator_destroy(evaluator **evp)
{
    if (!evp || !*evp)
        return;
    evaluator *ev = *evp;
    for (int c = 0; c < MC_POINT_MAX_CHAINS; c++)
        mc_chain_destroy(&ev->chains[c]);
    ALFE_FREE(*evp);
}

idnn_committee *evaluator_network(const evaluator *ev) { return ev ? ev->network : NULL; }

static void simulated_cost(const point_input *in, double mean)
{
    rng_stream rng;
    rng_stream_init(&rng, in->seed, 0, RNG_PURPOSE_DELAY);
    double seconds = rng_exponential(&rng, mean);
    struct timespec ts;
    ts.tv_sec = (time_t)seconds;
    ts.tv_nsec = (long)((seconds - (double)ts.tv_sec) * 1e9);
    while (nanosleep(&ts, &ts) != 0) {
    }
}

void evaluator_mc_params(const alfe_config *cfg, const point_input *in, mc_params *p)
{
    memset(p, 0, sizeof *p);
    p->temperature = in->temperature;
    memcpy(p->kappa, in->kappa, sizeof p->kappa);
    memcpy(p->phi, in->phi, sizeof p->phi);
    p->exchange_potential = cfg->mc_exchange_potential;
    p->min_passes = cfg->mc_min_passes;
    p->max_passes = cfg->mc_max_passes;
    p->check_every = cfg->mc_check_every;
    p->mu_precision = cfg->mc_mu_precision;
    p->confidence = cfg->mc_confidence;
    p->min_tau_samples = cfg->mc_min_tau_samples;
    p->min_acceptance = cfg->mc_min_acceptance;
    p->seed = in->seed;
}

static int run_chain(evaluator *ev, const point_input *in, point_result *out)
{
    const int d = ev->cfg->dimension;
    mc_params p;
    mc_result r;
    evaluator_mc_params(ev->cfg, in, &p);
    ALFE_CHECK(mc_point_run(ev->chains, ev->n_chains, &p, &r, NULL));
    memset(out, 0, sizeof *out);
    int finite = 1;
    for (int j = 0; j < d; j++) {
        out->eta_mean[j] = r.eta_mean[j];
        out->mu[j] = r.mu[j];
        out->mu_stderr[j] = r.mu_stderr[j];
        out->tau[j] = r.tau[j];
        finite &= isfinite(r.eta_mean[j]) && isfinite(r.mu[j]);
    }
    /* Not converged is data with a flag; no usable average is a failure. */
    out->status = finite ? POINT_DONE : POINT_FAILED;
    out->converged = r.converged;
    out->frozen = r.frozen;
    out->frozen_reason = r.frozen_reason;
    out->passes = r.passes;
    out->samples = r.samples;
    out->equilibration_samples = r.equilibration_samples;
    out->acceptance = r.acceptance;
    out->chains = r.chains;
    out->chains_agree = r.chains_agree;
    out->chains_chi2 = r.chains_chi2;
    out->chains_chi2_limit = r.chains_chi2_limit;
    out->chains_worst = r.chains_worst;
    ev->curvature = r.curvature;
    out->curvature = &ev->curvature;
    return ALFE_OK;
}

int evaluator_run(evaluator *ev, const point_input *in, point_result *out)
{
    double t0 = alfe_wall_time();
    if (ev->model == MODEL_ORACLE) {
        ALFE_CHECK(oracle_evaluate(&ev->oracle, in, out));
        oracle_curvature(&ev->oracle, in, out, &ev->curvature);
        out->curvature = &ev->curvature;
        if (ev->delay > 0)
            simulated_cost(in, ev->delay);
    } else if (!ev->chains[0]) {
        return ALFE_FAIL(ALFE_ERR_RUNTIME, "the coordinating rank does not run chains");
    } else {
        ALFE_CHECK(run_chain(ev, in, out));
    }
    out->wall_seconds = alfe_wall_time() - t0;
    return ALFE_OK;
}
