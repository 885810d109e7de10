/* cirrus — contract checks on the hottest paths.
 *
 * cirrus_hot_assert is g_assert in builds without NDEBUG (the Debug build,
 * in which CI runs every test under ASan and UBSan) and nothing in
 * optimised ones.  Only for contracts that the code either keeps on every
 * call or breaks at once — a metric's index and kind (constants in a
 * model's code), the pending-event set's order (the kernel posts at now +
 * a delay it has checked, never earlier), a station's release after its
 * acquire, a pool's release of an object it gave (ASan builds also poison
 * a released object) — where an optimised build spent 75 of an M/M/100
 * request's ~1,700 instructions on them (docs/performance.md, "Issue
 * 22"; the last two 8 of 1,058 in its sixth round).  Everything else
 * stays g_assert. */
#ifndef CIRRUS_HOT_ASSERT_H
#define CIRRUS_HOT_ASSERT_H

#include <glib.h>

#ifdef NDEBUG
#define cirrus_hot_assert(expr) ((void)0)
#else
#define cirrus_hot_assert(expr) g_assert(expr)
#endif

#endif
