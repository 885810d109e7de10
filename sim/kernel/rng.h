/* cirrus — random number streams.
 *
 * Each component owns one stream, derived from (scenario seed, component
 * name), so that adding or reordering components never changes the numbers
 * another component sees.  The generator is xoshiro256** (Blackman & Vigna),
 * seeded through SplitMix64 as its authors recommend. */
#ifndef CIRRUS_RNG_H
#define CIRRUS_RNG_H

#include <math.h>
#include <stdint.h>

/* 2^-53: turns the top 53 bits of a 64-bit word into a double in [0, 1). */
#define CIRRUS_RNG_2POW_M53 (1.0 / 9007199254740992.0)

static inline uint64_t cirrus_rng_rotl_(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

typedef struct CirrusRng {
    uint64_t s[4];
} CirrusRng;

/* Seed a stream from a 64-bit seed alone. */
void cirrus_rng_seed(CirrusRng *rng, uint64_t seed);

/* Seed a stream from (seed, name, replication).  The name is hashed with a
 * stable 64-bit hash (FNV-1a), so the result is the same on every machine. */
void cirrus_rng_seed_named(CirrusRng *rng, uint64_t seed, const char *name,
                           uint64_t replication);

/* Next raw 64-bit value.  This and the uniform and exponential draws
 * below are inline: two exponential draws are most of an M/M/c request's
 * randomness, and the calls cost more than xoshiro's few operations. */
static inline uint64_t cirrus_rng_next(CirrusRng *rng)
{
    uint64_t *s = rng->s;
    const uint64_t result = cirrus_rng_rotl_(s[1] * 5, 7) * 9;
    const uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = cirrus_rng_rotl_(s[3], 45);
    return result;
}

/* Uniform double in [0, 1) with 53 random bits. */
static inline double cirrus_rng_uniform(CirrusRng *rng)
{
    /* The top bits of xoshiro256** are its best ones. */
    return (double)(cirrus_rng_next(rng) >> 11) * CIRRUS_RNG_2POW_M53;
}

/* Uniform double in (0, 1]: never 0, safe to take the log of. */
static inline double cirrus_rng_uniform_pos(CirrusRng *rng)
{
    return (double)((cirrus_rng_next(rng) >> 11) + 1) * CIRRUS_RNG_2POW_M53;
}

/* Uniform integer in [0, n), n > 0, without modulo bias (Lemire). */
uint64_t cirrus_rng_below(CirrusRng *rng, uint64_t n);

/* Standard normal N(0, 1) (polar Box-Muller, no cached second value so
 * the stream position depends only on the number of calls). */
double cirrus_rng_normal(CirrusRng *rng);

/* ---- exponential draws: a 256-layer ziggurat ----
 *
 * Marsaglia and Tsang, "The Ziggurat Method for Generating Random
 * Variables" (J. Stat. Software 5(8), 2000), in the 64-bit form: one raw
 * word gives the layer (its low 8 bits) and a 53-bit uniform (its top 53),
 * and 98.9% of draws end at one integer comparison and one multiply, with
 * no log().  The tables are computed once (rng.c) from the layers' edges;
 * the rare draws outside the inner rectangles take cirrus_rng_exp1_slow_. */
typedef struct CirrusRngZigLayer {
    uint64_t inner;     /* a 53-bit draw below this lies under the curve */
    double width;       /* the layer's right edge x 2^-53 */
} CirrusRngZigLayer;

extern CirrusRngZigLayer cirrus_rng_zig_[256];

/* The draws whose point fell outside its layer's inner rectangle: the
 * wedge test, the tail beyond the base layer, and the retries. */
double cirrus_rng_exp1_slow_(CirrusRng *rng, uint64_t word);

/* Exponential with mean 1 (never negative, never -0.0). */
static inline double cirrus_rng_exp1(CirrusRng *rng)
{
    uint64_t word = cirrus_rng_next(rng);
    const CirrusRngZigLayer *layer = &cirrus_rng_zig_[word & 255];
    uint64_t j = word >> 11;
    if (__builtin_expect(j < layer->inner, 1)) return (double)j * layer->width;
    return cirrus_rng_exp1_slow_(rng, word);
}

#endif
