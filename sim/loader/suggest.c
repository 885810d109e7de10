/* cirrus — nearest-name suggestions (see suggest.h). */
#include "sim/loader/suggest.h"
#include <string.h>

guint cirrus_edit_distance(const char *a, const char *b)
{
    gsize n = strlen(a), m = strlen(b);
    /* Three rolling rows suffice for the transposition case. */
    guint *prev2 = g_new0(guint, m + 1), *prev = g_new0(guint, m + 1), *cur = g_new0(guint, m + 1);
    for (gsize j = 0; j <= m; j++) prev[j] = (guint)j;
    for (gsize i = 1; i <= n; i++) {
        cur[0] = (guint)i;
        for (gsize j = 1; j <= m; j++) {
            guint cost = g_ascii_tolower(a[i - 1]) == g_ascii_tolower(b[j - 1]) ? 0 : 1;
            guint best = MIN(prev[j] + 1, cur[j - 1] + 1);
            best = MIN(best, prev[j - 1] + cost);
            if (i > 1 && j > 1 && g_ascii_tolower(a[i - 1]) == g_ascii_tolower(b[j - 2]) &&
                g_ascii_tolower(a[i - 2]) == g_ascii_tolower(b[j - 1]))
                best = MIN(best, prev2[j - 2] + 1);
            cur[j] = best;
        }
        guint *t = prev2; prev2 = prev; prev = cur; cur = t;
    }
    guint d = prev[m];
    g_free(prev2); g_free(prev); g_free(cur);
    return d;
}

const char *cirrus_suggest(const char *word, const char *const *candidates, guint n)
{
    const char *best = NULL;
    guint best_d = G_MAXUINT, limit = MAX(2u, (guint)strlen(word) / 3);
    for (guint i = 0; i < n; i++) {
        guint d = cirrus_edit_distance(word, candidates[i]);
        if (d < best_d) { best_d = d; best = candidates[i]; }
    }
    return best_d <= limit ? best : NULL;
}

void cirrus_suggest_append(GString *msg, const char *word, const char *const *candidates, guint n)
{
    const char *s = cirrus_suggest(word, candidates, n);
    if (s) g_string_append_printf(msg, " (did you mean '%s'?)", s);
}
