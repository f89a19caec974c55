/* timers.h — per-phase wall-clock timers (an enum plus a name table, as in
 * CoMD's performanceTimers).  The run record stores min/avg/max over ranks.
 * Owns: this process's timer totals. */
#ifndef ALFE_TIMERS_H
#define ALFE_TIMERS_H

enum run_timer {
    TIMER_TOTAL,    /* whole run */
    TIMER_SETUP,    /* config, checks, open/create */
    TIMER_ACQUIRE,  /* proposing points (rank 0) */
    TIMER_EVALUATE, /* evaluating points (oracle or Monte Carlo) */
    TIMER_WRITE,    /* writing result rows */
    TIMER_WAIT,     /* waiting for work or for other ranks */
    TIMER_BOUNDARY, /* collective file operations at round boundaries */
    TIMER_TRAIN,    /* training the committee and measuring it */
    TIMER_COUNT
};
extern const char *const run_timer_names[TIMER_COUNT];

void timer_start(enum run_timer t);
void timer_stop(enum run_timer t);
double timer_seconds(enum run_timer t);

#endif
