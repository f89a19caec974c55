/* stopflag.c — async-signal-safe recording of SIGTERM / SIGUSR1.
 * Owns: the handlers and the flag. */
#include "alfe/base/stopflag.h"

#include <signal.h>
#include <string.h>

static volatile sig_atomic_t received;

static void on_signal(int sig)
{
    if (!received)
        received = sig;
}

void stopflag_install(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGUSR1, &sa, NULL);
}

int stopflag_signal(void) { return (int)received; }

void stopflag_raise(int signal_number)
{
    if (!received)
        received = signal_number;
}

const char *stopflag_signal_name(int signal_number)
{
    switch (signal_number) {
    case SIGTERM: return "SIGTERM";
    case SIGUSR1: return "SIGUSR1";
    default: return "a stop request";
    }
}
