/* coordinator.h — the campaign driver behind `alfe run`: rounds of
 * acquire → evaluate (farm) → record, with resume and graceful stop.
 * Owns: the round loop.  Rank 0 decides; every rank takes part in the
 * collective steps. */
#ifndef ALFE_COORDINATOR_H
#define ALFE_COORDINATOR_H

/* Collective.  Returns ALFE_OK also when stopped by a signal (resumable). */
int coordinator_run(const char *config_path);
/* Collective: `alfe train` — retrain the latest finished round's committee
 * from the stored rows (warm start from the round before) and replace its
 * models and metrics. */
int coordinator_train(const char *config_path);

#endif
