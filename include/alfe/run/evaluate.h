/* evaluate.h — the backend that turns a point's bias into (⟨η⟩, μ): the
 * oracle (analytic, or a trained network with [oracle] network) or Monte
 * Carlo on a cluster expansion ([system] model = clex).  Workers
 * call it; it must be deterministic given the point (its own random streams).
 * Owns: backend state. */
#ifndef ALFE_EVALUATE_H
#define ALFE_EVALUATE_H

#include "alfe/io/config.h"
#include "alfe/network/idnn_committee.h"
#include "alfe/run/system.h"
#include "alfe/space/point.h"

typedef struct evaluator evaluator;

/* On the system's objects (which must outlive the evaluator): the oracle
 * (its network as the free energy when [oracle] network is set) or a chain
 * on the system's supercell (none on a rank without a cluster expansion,
 * which then cannot evaluate). */
int evaluator_create(const alfe_system *sys, evaluator **out);
void evaluator_destroy(evaluator **ev);
/* Evaluate one point; a point that fails physically is a result with status
 * POINT_FAILED, not an error.  Errors are for broken runs. */
int evaluator_run(evaluator *ev, const point_input *in, point_result *out);

/* The oracle's network (owned by the system), or NULL. */
idnn_committee *evaluator_network(const evaluator *ev);

/* Monte Carlo parameters of a point under a configuration (also `alfe mc`). */
#include "alfe/lattice/mc.h"
void evaluator_mc_params(const alfe_config *cfg, const point_input *in, mc_params *p);

#endif
