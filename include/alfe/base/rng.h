/* rng.h — keyed random streams (xoshiro256** seeded through splitmix64).
 *
 * A stream is identified by (campaign seed, key, purpose) — never by rank or
 * arrival order — so a campaign gives the same numbers on 1 or 64 ranks
 * (as XSBench derives its streams from the sample index).  The key is a point
 * id for per-point streams and a round number for per-round streams.
 * References: Vigna & Blackman, "Scrambled linear pseudorandom number
 * generators" (2021) for xoshiro256**; Steele et al. (2014) for splitmix64. */
#ifndef ALFE_RNG_H
#define ALFE_RNG_H

#include <stdint.h>

/* Purposes: one enum so no two streams ever collide by accident. */
enum rng_purpose {
    RNG_PURPOSE_POINT = 0,        /* per point: the point's seed (stored per row);
                                     its own streams are (point seed, 0, purpose) */
    RNG_PURPOSE_ORACLE_NOISE = 1, /* per point: noise on the oracle's mu */
    RNG_PURPOSE_MONTE_CARLO = 2,  /* per point: the Monte Carlo chain */
    RNG_PURPOSE_BILLIARD = 3,     /* per round: the space-filling walk */
    RNG_PURPOSE_ACQUIRE = 4,      /* per round: perturbations, subsampling */
    RNG_PURPOSE_TRAIN = 5,        /* per (round, member): network training */
    RNG_PURPOSE_DELAY = 6,        /* per point: simulated evaluation cost */
    RNG_PURPOSE_PERTURB = 7,      /* per (round, criterion): perturbation of the
                                     criterion's points (select.h) */
    RNG_PURPOSE_POOL = 8,         /* per round: the acquisition pool's walks */
    RNG_PURPOSE_REGIONS = 9,      /* per automatic region: its sample ([metrics]) */
    RNG_PURPOSE_TEST = 99         /* tests only */
};

typedef struct {
    uint64_t s[4];
} rng_stream;

uint64_t rng_splitmix64(uint64_t *state);
/* The 64-bit seed of the stream (seed, key, purpose); stored per point. */
uint64_t rng_stream_seed(uint64_t campaign_seed, uint64_t key, int purpose);
void rng_stream_init(rng_stream *rng, uint64_t campaign_seed, uint64_t key, int purpose);
/* Start a stream from a seed returned by rng_stream_seed. */
void rng_stream_from_seed(rng_stream *rng, uint64_t stream_seed);

static inline uint64_t rng_rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static inline uint64_t rng_next_u64(rng_stream *rng)
{
    uint64_t *s = rng->s;
    const uint64_t result = rng_rotl(s[1] * 5, 7) * 9;
    const uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rng_rotl(s[3], 45);
    return result;
}

/* Uniform on [0, 1) with 53 random bits. */
static inline double rng_uniform(rng_stream *rng)
{
    return (double)(rng_next_u64(rng) >> 11) * 0x1.0p-53;
}

/* Uniform on (0, 1]: safe for logarithms. */
static inline double rng_uniform_open0(rng_stream *rng)
{
    return ((double)(rng_next_u64(rng) >> 11) + 1.0) * 0x1.0p-53;
}

/* Uniform integer in [0, n) without modulo bias (Lemire, "Fast random
 * integer generation in an interval", 2019).  Inline: the Monte Carlo hot
 * loop draws one per attempt. */
static inline uint64_t rng_below(rng_stream *rng, uint64_t n)
{
    __uint128_t m = (__uint128_t)rng_next_u64(rng) * n;
    uint64_t low = (uint64_t)m;
    if (low < n) {
        uint64_t threshold = -n % n;
        while (low < threshold) {
            m = (__uint128_t)rng_next_u64(rng) * n;
            low = (uint64_t)m;
        }
    }
    return (uint64_t)(m >> 64);
}
double rng_normal(rng_stream *rng);
double rng_exponential(rng_stream *rng, double mean);
/* A direction uniform on the unit sphere in R^d. */
void rng_unit_vector(rng_stream *rng, int d, double *v);

#endif
