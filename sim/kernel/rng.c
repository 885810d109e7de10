/* cirrus — random number streams: xoshiro256** seeded through SplitMix64.
 *
 * Reference: D. Blackman, S. Vigna, "Scrambled linear pseudorandom number
 * generators" (2018), and the public-domain reference code at
 * https://prng.di.unimi.it/.  Everything here is pure integer arithmetic on
 * fixed-width types (plus a few libm calls for normal/exp), so a stream is
 * bit-for-bit the same on every platform. */
#include "sim/kernel/rng.h"

#include <glib.h>
#include <math.h>

/* One SplitMix64 step: advances *state by the golden-ratio increment and
 * returns a well-mixed 64-bit value.  Consecutive outputs come from distinct
 * counter values through a bijection, so at most one of them is zero and the
 * xoshiro state we fill with four of them can never be all zeros. */
static uint64_t splitmix64(uint64_t *state)
{
    uint64_t z = (*state += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

/* FNV-1a, 64-bit: tiny, stable across machines and good enough to tell
 * component names apart (the result is mixed again through SplitMix64). */
static uint64_t fnv1a64(const char *s)
{
    uint64_t h = UINT64_C(0xcbf29ce484222325);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        h ^= *p;
        h *= UINT64_C(0x100000001b3);
    }
    return h;
}

void cirrus_rng_seed(CirrusRng *rng, uint64_t seed)
{
    uint64_t st = seed;
    for (int i = 0; i < 4; i++) rng->s[i] = splitmix64(&st);
}

void cirrus_rng_seed_named(CirrusRng *rng, uint64_t seed, const char *name,
                           uint64_t replication)
{
    /* Fold the three inputs in one at a time, each followed by a SplitMix64
     * step.  Every step is a bijection of the 64-bit value, so for a fixed
     * (seed, replication) distinct name hashes give distinct stream seeds,
     * and likewise for replications; the avalanche of the mixer makes
     * neighbouring inputs (replication 1 vs 2) produce unrelated seeds. */
    uint64_t st = seed;
    uint64_t x = splitmix64(&st) ^ fnv1a64(name ? name : "");
    x = splitmix64(&x) ^ replication;
    x = splitmix64(&x);
    cirrus_rng_seed(rng, x);
}

/* Full 64x64 -> 128-bit product, returned as (high, low) words. */
static inline uint64_t mul_hi_lo(uint64_t a, uint64_t b, uint64_t *lo)
{
#ifdef __SIZEOF_INT128__
    __extension__ typedef unsigned __int128 u128;
    u128 m = (u128)a * b;
    *lo = (uint64_t)m;
    return (uint64_t)(m >> 64);
#else
    /* Portable schoolbook product on 32-bit halves. */
    uint64_t a0 = a & 0xffffffffu, a1 = a >> 32;
    uint64_t b0 = b & 0xffffffffu, b1 = b >> 32;
    uint64_t p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
    uint64_t mid = (p00 >> 32) + (p01 & 0xffffffffu) + (p10 & 0xffffffffu);
    *lo = (mid << 32) | (p00 & 0xffffffffu);
    return p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
#endif
}

uint64_t cirrus_rng_below(CirrusRng *rng, uint64_t n)
{
    g_return_val_if_fail(n > 0, 0);
    /* Lemire, "Fast random integer generation in an interval" (2019): the
     * high word of x * n is uniform on [0, n) once we reject the low words
     * below 2^64 mod n.  The (slow) modulo is only computed in the rare case
     * the low word is small enough for rejection to be possible at all. */
    uint64_t lo;
    uint64_t hi = mul_hi_lo(cirrus_rng_next(rng), n, &lo);
    if (lo < n) {
        const uint64_t threshold = (0 - n) % n; /* 2^64 mod n */
        while (lo < threshold) hi = mul_hi_lo(cirrus_rng_next(rng), n, &lo);
    }
    return hi;
}

double cirrus_rng_normal(CirrusRng *rng)
{
    /* Marsaglia's polar method.  It yields two independent normals; we
     * deliberately discard the second so that the stream's position depends
     * only on how many values were drawn, not on a hidden cache. */
    double u, v, s;
    do {
        u = 2.0 * cirrus_rng_uniform(rng) - 1.0;
        v = 2.0 * cirrus_rng_uniform(rng) - 1.0;
        s = u * u + v * v;
    } while (s >= 1.0 || s == 0.0);
    return u * sqrt(-2.0 * log(s) / s);
}
