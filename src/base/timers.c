/* timers.c — accumulate wall time per phase.  Owns: the totals. */
#include "alfe/base/timers.h"

#include "alfe/base/util.h"

const char *const run_timer_names[TIMER_COUNT] = {"total",     "setup", "acquire", "evaluate",
                                                  "write_row", "wait",  "boundary", "train"};

static double started[TIMER_COUNT];
static double total[TIMER_COUNT];

void timer_start(enum run_timer t) { started[t] = alfe_wall_time(); }
void timer_stop(enum run_timer t) { total[t] += alfe_wall_time() - started[t]; }
double timer_seconds(enum run_timer t) { return total[t]; }
