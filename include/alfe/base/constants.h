/* constants.h — physical constants and fixed sizes shared by every layer.
 * Owns: nothing (macros only).  Must not include other alfe headers. */
#ifndef ALFE_CONSTANTS_H
#define ALFE_CONSTANTS_H

/* Boltzmann constant, eV/K (CODATA 2018). */
#define ALFE_KB_EV 8.617333262e-5
/* The largest number of order parameters d. */
#define ALFE_MAX_DIM 32

#endif
