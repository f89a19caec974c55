/* evaluate.c — backend dispatch for point evaluation.
 * Owns: the evaluator.  The optional [oracle] delay simulates evaluation cost
 * (exponentially distributed per point, from the point's own stream) so that
 * restart and load balance can be exercised with the fast oracle. */
#include "alfe/evaluate.h"

#include "alfe/error.h"
#include "alfe/oracle.h"
#include "alfe/rng.h"
#include "alfe/util.h"

#include <time.h>

struct evaluator {
    int model;
    double delay;
    oracle_model oracle;
};

int evaluator_create(const alfe_config *cfg, const domain *dom, evaluator **out)
{
    evaluator *ev = ALFE_CALLOC(1, sizeof *ev);
    ev->model = cfg->model;
    ev->delay = cfg->oracle_delay;
    if (cfg->model != MODEL_ORACLE) {
        free(ev);
        return ALFE_FAIL(ALFE_ERR_INPUT, "model %d has no evaluator in this version",
                         cfg->model);
    }
    oracle_init(&ev->oracle, dom, cfg);
    *out = ev;
    return ALFE_OK;
}

void evaluator_destroy(evaluator **ev)
{
    ALFE_FREE(*ev);
}

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

int evaluator_run(evaluator *ev, const point_input *in, point_result *out)
{
    double t0 = alfe_wall_time();
    ALFE_CHECK(oracle_evaluate(&ev->oracle, in, out));
    if (ev->delay > 0)
        simulated_cost(in, ev->delay);
    out->wall_seconds = alfe_wall_time() - t0;
    return ALFE_OK;
}
