/* point.c — the names of the criteria that propose points (the table that
 * belongs to enum criterion_id in point.h).  The campaign file stores them as
 * the attribute "criterion_names".
 * Owns: the name table.  Must not know about files, configuration or MPI. */
#include "alfe/space/point.h"

const char *const criterion_names[CRITERION_COUNT] = {
    "global_billiard", "global_sobol", "special",     "high_error", "wells",
    "instability",     "lowest_g",     "sensitivity", "qbc"};
