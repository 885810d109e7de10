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

/* ---- the exponential ziggurat (rng.h) ----
 *
 * 256 layers of equal area v under f(x) = exp(-x): the base layer is the
 * rectangle [0, r] x [0, f(r)] plus the tail beyond r; layer i >= 1 spans
 * heights f(x_i) .. f(x_{i+1}) and widths 0 .. x_i, with x_1 = r and
 * x_{i+1} = -log(v / x_i + f(x_i)) down to x_256 = 0.  r and v are the
 * values that make the recursion end at 0 (Marsaglia and Tsang, table 1). */
#define ZIG_R 7.69711747013104972
#define ZIG_V 0.0039496598225815571993

CirrusRngZigLayer cirrus_rng_zig_[256];
static double zig_height[257];  /* f(x_i), for the wedge test */

/* Filled when the program loads (before main, so before any stream can
 * draw, and once: no lock on the draw's path).  exp() and log() are
 * libm's, as the draws were before the ziggurat. */
__attribute__((constructor)) static void zig_init(void)
{
    double edge[257];   /* x_i; x_0 is the base layer's width v / f(r) */
    edge[0] = ZIG_V / exp(-ZIG_R);
    edge[1] = ZIG_R;
    for (int i = 1; i < 255; i++) edge[i + 1] = -log(ZIG_V / edge[i] + exp(-edge[i]));
    edge[256] = 0.0;
    for (int i = 0; i <= 256; i++) zig_height[i] = exp(-edge[i]);
    for (int i = 0; i < 256; i++) {
        cirrus_rng_zig_[i].inner = (uint64_t)(edge[i + 1] / edge[i] / CIRRUS_RNG_2POW_M53);
        cirrus_rng_zig_[i].width = edge[i] * CIRRUS_RNG_2POW_M53;
    }
}

double cirrus_rng_exp1_slow_(CirrusRng *rng, uint64_t word)
{
    unsigned i = (unsigned)(word & 255);
    if (i == 0)   /* the tail: beyond r, Exp(1) is r + Exp(1) (memoryless) */
        return ZIG_R - log(cirrus_rng_uniform_pos(rng));
    /* The wedge between the inner rectangle and the curve: a height
     * uniform across the layer, kept if under f(x); else a new draw. */
    double x = (double)(word >> 11) * cirrus_rng_zig_[i].width;
    double y = zig_height[i] + cirrus_rng_uniform(rng) * (zig_height[i + 1] - zig_height[i]);
    if (y < exp(-x)) return x;
    return cirrus_rng_exp1(rng);
}
