/* cirrus — "did you mean ...?" for misspelt names. */
#ifndef CIRRUS_SUGGEST_H
#define CIRRUS_SUGGEST_H

#include <glib.h>

/* Optimal-string-alignment edit distance (insert, delete, substitute,
 * transpose adjacent), case-insensitive. */
guint cirrus_edit_distance(const char *a, const char *b);

/* The candidate nearest to `word`, or NULL if none is close enough to be a
 * plausible typo (distance <= max(2, strlen(word) / 3)). */
const char *cirrus_suggest(const char *word, const char *const *candidates, guint n);

/* Append " (did you mean 'x'?)" to `msg` when there is a suggestion. */
void cirrus_suggest_append(GString *msg, const char *word, const char *const *candidates, guint n);

#endif
