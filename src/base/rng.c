/* rng.c — keyed xoshiro256** streams and the few distributions alfe needs.
 * Owns: stream derivation.  Must not hold global state. */
#include "alfe/base/rng.h"

#include <math.h>

uint64_t rng_splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

uint64_t rng_stream_seed(uint64_t campaign_seed, uint64_t key, int purpose)
{
    /* Chain the three inputs through splitmix64 so that neighbouring keys and
     * purposes give unrelated seeds. */
    uint64_t st = campaign_seed;
    uint64_t h = rng_splitmix64(&st);
    st = h ^ key;
    h = rng_splitmix64(&st);
    st = h ^ (uint64_t)(uint32_t)purpose * 0xd1b54a32d192ed03ULL;
    return rng_splitmix64(&st);
}

void rng_stream_from_seed(rng_stream *rng, uint64_t stream_seed)
{
    uint64_t st = stream_seed;
    for (int i = 0; i < 4; i++)
        rng->s[i] = rng_splitmix64(&st);
    /* splitmix64 outputs are never all zero for four consecutive calls, but
     * keep xoshiro's one forbidden state impossible anyway. */
    if ((rng->s[0] | rng->s[1] | rng->s[2] | rng->s[3]) == 0)
        rng->s[0] = 1;
}

void rng_stream_init(rng_stream *rng, uint64_t campaign_seed, uint64_t key, int purpose)
{
    rng_stream_from_seed(rng, rng_stream_seed(campaign_seed, key, purpose));
}

double rng_normal(rng_stream *rng)
{
    /* Marsaglia's polar method; one of the pair is dropped so that the
     * stream has no hidden state beyond s[4]. */
    double u, v, s;
    do {
        u = 2.0 * rng_uniform(rng) - 1.0;
        v = 2.0 * rng_uniform(rng) - 1.0;
        s = u * u + v * v;
    } while (s >= 1.0 || s == 0.0);
    return u * sqrt(-2.0 * log(s) / s);
}

double rng_exponential(rng_stream *rng, double mean)
{
    return -mean * log(rng_uniform_open0(rng));
}

void rng_unit_vector(rng_stream *rng, int d, double *v)
{
    double norm2;
    do {
        norm2 = 0.0;
        for (int i = 0; i < d; i++) {
            v[i] = rng_normal(rng);
            norm2 += v[i] * v[i];
        }
    } while (norm2 < 1e-300);
    double inv = 1.0 / sqrt(norm2);
    for (int i = 0; i < d; i++)
        v[i] *= inv;
}
