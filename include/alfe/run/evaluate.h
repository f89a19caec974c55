/* evaluate.h — the backend that turns a point's bias into (⟨η⟩, μ): the
 * oracle (analytic, or a trained network with [oracle] network) or Monte
 * Carlo on a cluster expansion ([system] model = clex).  Workers
 * call it; it must be deterministic given the point (its own random streams).
 * Owns: backend state. */
#ifndef ALFE_EVALUATE_H
#define ALFE_EVALUATE_H

#include "alfe/io/config.h"
#include "alfe/space/domain.h"
#include "alfe/space/point.h"

typedef struct evaluator evaluator;

int evaluator_create(const alfe_config *cfg, const domain *dom, evaluator **out);
void evaluator_destroy(evaluator **ev);
/* Evaluate one point; a point that fails physically is a result with status
 * POINT_FAILED, not an error.  Errors are for broken runs. */
int evaluator_run(evaluator *ev, const point_input *in, point_result *out);

/* The oracle's network (a model_set), or NULL. */
const void *evaluator_network(const evaluator *ev);

/* Monte Carlo parameters of a point under a configuration (also `alfe mc`). */
#include "alfe/lattice/mc.h"
void evaluator_mc_params(const alfe_config *cfg, const point_input *in, mc_params *p);

#endif
