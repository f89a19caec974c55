/* stopflag.h — graceful stop on SIGTERM or SIGUSR1 (SLURM sends them before
 * a job's time limit).  The handler only records the signal; the farm stops
 * handing out points and lets those in flight finish.
 * Owns: the signal handlers. */
#ifndef ALFE_STOPFLAG_H
#define ALFE_STOPFLAG_H

void stopflag_install(void);
/* 0, or the number of the first signal received. */
int stopflag_signal(void);
/* For tests and for stops requested by another rank. */
void stopflag_raise(int signal_number);
const char *stopflag_signal_name(int signal_number);

#endif
