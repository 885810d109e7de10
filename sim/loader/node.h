/* cirrus — a YAML document as a tree of nodes that remember where they were.
 *
 * The loader parses a whole file with libyaml into this tree, keeping the
 * file name, line and column (1-based) of every node, so that any later
 * error — a bad unit, an unknown key, an unknown target — can name the exact
 * place.  Maps keep their keys in file order.  Scalars are kept as text;
 * typed access (durations, rates, ...) is config.h's job.
 *
 * Each map also records which keys were asked for and which were used, so
 * that after a model has read its configuration, any key it did not use is
 * reported as unknown, with the nearest key it did ask for as a suggestion. */
#ifndef CIRRUS_NODE_H
#define CIRRUS_NODE_H

#include <glib.h>

typedef enum {
    CIRRUS_NODE_SCALAR,
    CIRRUS_NODE_MAP,
    CIRRUS_NODE_SEQ,
} CirrusNodeKind;

typedef struct CirrusNode CirrusNode;

/* Deepest nesting accepted; deeper documents are refused, not recursed. */
#define CIRRUS_NODE_MAX_DEPTH 64

/* Parse YAML text (one document; an empty document is an empty map is
 * refused by the caller).  `file` names it in messages.  Anchors are
 * accepted and ignored; aliases are refused (they would allow exponential
 * "billion laughs" expansion).  Duplicate keys are refused. */
CirrusNode *cirrus_node_parse(const char *file, const char *text, gsize len, GError **error);
/* Read and parse a file (CIRRUS_ERROR_IO if it cannot be read). */
CirrusNode *cirrus_node_parse_file(const char *path, GError **error);
void        cirrus_node_free(CirrusNode *node);

/* A scalar node made from text given outside a file (e.g. --set), located
 * at (origin, 1, col). */
CirrusNode *cirrus_node_new_scalar(const char *origin, int col, const char *text);

CirrusNodeKind cirrus_node_kind(const CirrusNode *node);
const char    *cirrus_node_kind_name(CirrusNodeKind kind);  /* "a map", ... */
const char    *cirrus_node_file(const CirrusNode *node);
int            cirrus_node_line(const CirrusNode *node);
int            cirrus_node_col(const CirrusNode *node);
const char    *cirrus_node_scalar(const CirrusNode *node);   /* NULL unless scalar */
/* TRUE for a plain (unquoted) scalar `~`, `null` or empty. */
gboolean       cirrus_node_is_null(const CirrusNode *node);

/* Sequences and maps: number of items/entries, and item/value i. */
guint        cirrus_node_len(const CirrusNode *node);
CirrusNode  *cirrus_node_item(const CirrusNode *node, guint i);
/* Map entries: key text and key node of entry i. */
const char  *cirrus_node_key(const CirrusNode *map, guint i);
CirrusNode  *cirrus_node_key_node(const CirrusNode *map, guint i);

/* Map lookup by key; records `key` as asked for and, if present, marks the
 * entry used.  NULL when absent (or when `map` is not a map). */
CirrusNode  *cirrus_node_get(CirrusNode *map, const char *key);
/* Lookup without marking anything (for --set and for peeking). */
CirrusNode  *cirrus_node_peek(const CirrusNode *map, const char *key);
/* Replace or add a map entry's value (takes ownership of value). */
void         cirrus_node_set(CirrusNode *map, const char *key, CirrusNode *value);
/* Mark a whole subtree used (for keys a model deliberately ignores). */
void         cirrus_node_mark_used(CirrusNode *node);

/* Walk the maps that were read (asked at least one key) below and including
 * `node`; the first unused key gives a CIRRUS_ERROR_SCENARIO error
 * "file:line:col: unknown key 'k' in <context> (did you mean 'x'?)". */
gboolean cirrus_node_check_unused(const CirrusNode *node, const char *context, GError **error);

/* Set a scenario error located at `node`: "file:line:col: <message>". */
void cirrus_node_error(const CirrusNode *node, GError **error, const char *fmt, ...) G_GNUC_PRINTF(3, 4);

#endif
