/* cirrus — random number streams.
 *
 * Each component owns one stream, derived from (scenario seed, component
 * name), so that adding or reordering components never changes the numbers
 * another component sees.  The generator is xoshiro256** (Blackman & Vigna),
 * seeded through SplitMix64 as its authors recommend. */
#ifndef CIRRUS_RNG_H
#define CIRRUS_RNG_H

#include <stdint.h>

typedef struct CirrusRng {
    uint64_t s[4];
} CirrusRng;

/* Seed a stream from a 64-bit seed alone. */
void cirrus_rng_seed(CirrusRng *rng, uint64_t seed);

/* Seed a stream from (seed, name, replication).  The name is hashed with a
 * stable 64-bit hash (FNV-1a), so the result is the same on every machine. */
void cirrus_rng_seed_named(CirrusRng *rng, uint64_t seed, const char *name,
                           uint64_t replication);

/* Next raw 64-bit value. */
uint64_t cirrus_rng_next(CirrusRng *rng);

/* Uniform double in [0, 1) with 53 random bits. */
double cirrus_rng_uniform(CirrusRng *rng);

/* Uniform double in (0, 1]: never 0, safe to take the log of. */
double cirrus_rng_uniform_pos(CirrusRng *rng);

/* Uniform integer in [0, n), n > 0, without modulo bias (Lemire). */
uint64_t cirrus_rng_below(CirrusRng *rng, uint64_t n);

/* Standard normal N(0, 1) (polar Box-Muller, no cached second value so
 * the stream position depends only on the number of calls). */
double cirrus_rng_normal(CirrusRng *rng);

/* Exponential with mean 1. */
double cirrus_rng_exp1(CirrusRng *rng);

#endif
