/* cirrus — YAML node tree with positions (see node.h). */
#include "sim/loader/node.h"
#include "sim/kernel/error.h"
#include "sim/loader/suggest.h"
#include <string.h>
#include <yaml.h>

struct CirrusNode {
    CirrusNodeKind kind;
    const char *file;      /* interned */
    int line, col;         /* 1-based */
    gboolean plain;        /* scalar written without quotes */
    char *value;           /* scalar text */
    GPtrArray *keys;       /* map: key nodes (scalars) */
    GPtrArray *items;      /* map values or sequence items */
    GArray *used;          /* map: gboolean per entry */
    GPtrArray *asked;      /* map: keys asked for, interned strings */
};

static CirrusNode *node_new(CirrusNodeKind kind, const char *file, int line, int col)
{
    CirrusNode *n = g_new0(CirrusNode, 1);
    n->kind = kind;
    n->file = g_intern_string(file);
    n->line = line;
    n->col = col;
    if (kind != CIRRUS_NODE_SCALAR) n->items = g_ptr_array_new();
    if (kind == CIRRUS_NODE_MAP) {
        n->keys = g_ptr_array_new();
        n->used = g_array_new(FALSE, TRUE, sizeof(gboolean));
        n->asked = g_ptr_array_new();
    }
    return n;
}

void cirrus_node_free(CirrusNode *node)
{
    if (!node) return;
    if (node->items) {
        for (guint i = 0; i < node->items->len; i++) cirrus_node_free(node->items->pdata[i]);
        g_ptr_array_free(node->items, TRUE);
    }
    if (node->keys) {
        for (guint i = 0; i < node->keys->len; i++) cirrus_node_free(node->keys->pdata[i]);
        g_ptr_array_free(node->keys, TRUE);
        g_array_free(node->used, TRUE);
        g_ptr_array_free(node->asked, TRUE);
    }
    g_free(node->value);
    g_free(node);
}

CirrusNode *cirrus_node_new_scalar(const char *origin, int col, const char *text)
{
    CirrusNode *n = node_new(CIRRUS_NODE_SCALAR, origin, 1, col);
    n->value = g_strdup(text);
    n->plain = TRUE;
    return n;
}

void cirrus_node_error(const CirrusNode *node, GError **error, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    /* A caller pointing at a key that was not given is a bug (every error
     * must be located; the fuzz harnesses report unlocated ones), but bad
     * input must not crash the program over it. */
    if (node)
        g_set_error(error, CIRRUS_ERROR, CIRRUS_ERROR_SCENARIO, "%s:%d:%d: %s", node->file, node->line, node->col, msg);
    else
        g_set_error(error, CIRRUS_ERROR, CIRRUS_ERROR_SCENARIO, "%s", msg);
    g_free(msg);
}

/* ---- parsing ---------------------------------------------------------- */

typedef struct {
    const char *file;
    yaml_parser_t parser;
    GError **error;
} Parse;

static void parse_error_at(Parse *p, const yaml_mark_t *mark, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
static void parse_error_at(Parse *p, const yaml_mark_t *mark, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_set_error(p->error, CIRRUS_ERROR, CIRRUS_ERROR_SCENARIO, "%s:%d:%d: %s", p->file,
                (int)mark->line + 1, (int)mark->column + 1, msg);
    g_free(msg);
}

static gboolean next_event(Parse *p, yaml_event_t *ev)
{
    if (yaml_parser_parse(&p->parser, ev)) return TRUE;
    const yaml_parser_t *y = &p->parser;
    /* The problem is often found far from its cause (an unclosed bracket is
     * noticed lines later, or at the end of the file): also say where the
     * construct being parsed began. */
    if (y->context && (y->context_mark.line != y->problem_mark.line ||
                       y->context_mark.column != y->problem_mark.column))
        parse_error_at(p, &y->problem_mark, "invalid YAML: %s %s that starts at line %d, column %d",
                       y->problem ? y->problem : "syntax error", y->context,
                       (int)y->context_mark.line + 1, (int)y->context_mark.column + 1);
    else if (y->context)
        parse_error_at(p, &y->problem_mark, "invalid YAML: %s %s", y->problem ? y->problem : "syntax error", y->context);
    else
        parse_error_at(p, &y->problem_mark, "invalid YAML: %s", y->problem ? y->problem : "syntax error");
    return FALSE;
}

static CirrusNode *parse_node(Parse *p, yaml_event_t *ev, int depth);

/* Parse the children of a map or sequence whose start event was consumed. */
static gboolean parse_children(Parse *p, CirrusNode *node, int depth)
{
    yaml_event_type_t end = node->kind == CIRRUS_NODE_MAP ? YAML_MAPPING_END_EVENT : YAML_SEQUENCE_END_EVENT;
    for (;;) {
        yaml_event_t ev;
        if (!next_event(p, &ev)) return FALSE;
        if (ev.type == end) { yaml_event_delete(&ev); return TRUE; }
        CirrusNode *child = parse_node(p, &ev, depth + 1);  /* consumes ev */
        if (!child) return FALSE;
        if (node->kind == CIRRUS_NODE_SEQ) { g_ptr_array_add(node->items, child); continue; }
        if (child->kind != CIRRUS_NODE_SCALAR) {
            cirrus_node_error(child, p->error, "a map key must be a plain name, not %s",
                              cirrus_node_kind_name(child->kind));
            cirrus_node_free(child);
            return FALSE;
        }
        if (cirrus_node_peek(node, child->value)) {
            cirrus_node_error(child, p->error, "duplicate key '%s'", child->value);
            cirrus_node_free(child);
            return FALSE;
        }
        yaml_event_t vev;
        if (!next_event(p, &vev)) { cirrus_node_free(child); return FALSE; }
        CirrusNode *value = parse_node(p, &vev, depth + 1);
        if (!value) { cirrus_node_free(child); return FALSE; }
        gboolean no = FALSE;
        g_ptr_array_add(node->keys, child);
        g_ptr_array_add(node->items, value);
        g_array_append_val(node->used, no);
    }
}

/* Build a node from an event (which this consumes), recursing for
 * collections.  NULL with *p->error set on failure. */
static CirrusNode *parse_node(Parse *p, yaml_event_t *ev, int depth)
{
    const yaml_mark_t *m = &ev->start_mark;
    int line = (int)m->line + 1, col = (int)m->column + 1;
    CirrusNode *node = NULL;
    if (depth > CIRRUS_NODE_MAX_DEPTH) {
        parse_error_at(p, m, "nesting deeper than %d levels", CIRRUS_NODE_MAX_DEPTH);
        yaml_event_delete(ev);
        return NULL;
    }
    switch (ev->type) {
    case YAML_SCALAR_EVENT:
        node = node_new(CIRRUS_NODE_SCALAR, p->file, line, col);
        node->value = g_strndup((const char *)ev->data.scalar.value, ev->data.scalar.length);
        node->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
        if (strlen(node->value) != ev->data.scalar.length) {
            parse_error_at(p, m, "a value contains a NUL character");
            cirrus_node_free(node);
            node = NULL;
        }
        yaml_event_delete(ev);
        return node;
    case YAML_MAPPING_START_EVENT:
    case YAML_SEQUENCE_START_EVENT:
        node = node_new(ev->type == YAML_MAPPING_START_EVENT ? CIRRUS_NODE_MAP : CIRRUS_NODE_SEQ,
                        p->file, line, col);
        yaml_event_delete(ev);
        if (!parse_children(p, node, depth)) { cirrus_node_free(node); return NULL; }
        return node;
    case YAML_ALIAS_EVENT:
        parse_error_at(p, m, "YAML aliases (*%s) are not supported: write the value out",
                       (const char *)ev->data.alias.anchor);
        yaml_event_delete(ev);
        return NULL;
    default:
        parse_error_at(p, m, "unexpected YAML structure");
        yaml_event_delete(ev);
        return NULL;
    }
}

CirrusNode *cirrus_node_parse(const char *file, const char *text, gsize len, GError **error)
{
    Parse p = { .file = file, .error = error };
    CirrusNode *root = NULL;
    yaml_event_t ev;
    if (!yaml_parser_initialize(&p.parser)) {
        g_set_error(error, CIRRUS_ERROR, CIRRUS_ERROR_RUN, "cannot initialise the YAML parser");
        return NULL;
    }
    yaml_parser_set_input_string(&p.parser, (const unsigned char *)text, len);
    /* STREAM-START, then DOCUMENT-START (or STREAM-END for an empty file). */
    if (!next_event(&p, &ev)) goto out;
    yaml_event_delete(&ev);
    if (!next_event(&p, &ev)) goto out;
    if (ev.type == YAML_STREAM_END_EVENT) {
        yaml_event_delete(&ev);
        g_set_error(error, CIRRUS_ERROR, CIRRUS_ERROR_SCENARIO, "%s:1:1: the file is empty: expected a scenario map", file);
        goto out;
    }
    yaml_event_delete(&ev);
    if (!next_event(&p, &ev)) goto out;
    root = parse_node(&p, &ev, 0);
    if (!root) goto out;
    if (!next_event(&p, &ev)) goto fail;               /* DOCUMENT-END */
    yaml_event_delete(&ev);
    if (!next_event(&p, &ev)) goto fail;
    if (ev.type != YAML_STREAM_END_EVENT) {
        parse_error_at(&p, &ev.start_mark, "only one YAML document is allowed per scenario file");
        yaml_event_delete(&ev);
        goto fail;
    }
    yaml_event_delete(&ev);
    goto out;
fail:
    cirrus_node_free(root);
    root = NULL;
out:
    yaml_parser_delete(&p.parser);
    return root;
}

CirrusNode *cirrus_node_parse_file(const char *path, GError **error)
{
    char *text = NULL;
    gsize len = 0;
    GError *io = NULL;
    if (!g_file_get_contents(path, &text, &len, &io)) {
        g_set_error(error, CIRRUS_ERROR, CIRRUS_ERROR_IO, "cannot read '%s': %s", path, io->message);
        g_error_free(io);
        return NULL;
    }
    CirrusNode *n = cirrus_node_parse(path, text, len, error);
    g_free(text);
    return n;
}

/* ---- access ----------------------------------------------------------- */

CirrusNodeKind cirrus_node_kind(const CirrusNode *n) { return n->kind; }
const char *cirrus_node_file(const CirrusNode *n) { return n->file; }
int cirrus_node_line(const CirrusNode *n) { return n->line; }
int cirrus_node_col(const CirrusNode *n) { return n->col; }
const char *cirrus_node_scalar(const CirrusNode *n) { return n->kind == CIRRUS_NODE_SCALAR ? n->value : NULL; }

const char *cirrus_node_kind_name(CirrusNodeKind kind)
{
    switch (kind) {
    case CIRRUS_NODE_SCALAR: return "a single value";
    case CIRRUS_NODE_MAP: return "a map (key: value)";
    case CIRRUS_NODE_SEQ: return "a list";
    }
    return "?";
}

gboolean cirrus_node_is_null(const CirrusNode *n)
{
    return n->kind == CIRRUS_NODE_SCALAR && n->plain &&
           (n->value[0] == '\0' || strcmp(n->value, "~") == 0 || strcmp(n->value, "null") == 0);
}

guint cirrus_node_len(const CirrusNode *n) { return n->items ? n->items->len : 0; }

CirrusNode *cirrus_node_item(const CirrusNode *n, guint i)
{
    g_assert(n->items && i < n->items->len);
    return n->items->pdata[i];
}

CirrusNode *cirrus_node_key_node(const CirrusNode *map, guint i)
{
    g_assert(map->keys && i < map->keys->len);
    return map->keys->pdata[i];
}

const char *cirrus_node_key(const CirrusNode *map, guint i) { return cirrus_node_key_node(map, i)->value; }

static gint find_key(const CirrusNode *map, const char *key)
{
    if (!map || map->kind != CIRRUS_NODE_MAP) return -1;
    for (guint i = 0; i < map->keys->len; i++)
        if (strcmp(((CirrusNode *)map->keys->pdata[i])->value, key) == 0) return (gint)i;
    return -1;
}

CirrusNode *cirrus_node_peek(const CirrusNode *map, const char *key)
{
    gint i = find_key(map, key);
    return i < 0 ? NULL : map->items->pdata[i];
}

CirrusNode *cirrus_node_get(CirrusNode *map, const char *key)
{
    if (!map || map->kind != CIRRUS_NODE_MAP) return NULL;
    const char *k = g_intern_string(key);
    gboolean seen = FALSE;
    for (guint i = 0; i < map->asked->len && !seen; i++) seen = map->asked->pdata[i] == k;
    if (!seen) g_ptr_array_add(map->asked, (gpointer)k);
    gint i = find_key(map, key);
    if (i < 0) return NULL;
    g_array_index(map->used, gboolean, i) = TRUE;
    return map->items->pdata[i];
}

void cirrus_node_set(CirrusNode *map, const char *key, CirrusNode *value)
{
    g_assert(map->kind == CIRRUS_NODE_MAP);
    gint i = find_key(map, key);
    if (i >= 0) {
        cirrus_node_free(map->items->pdata[i]);
        map->items->pdata[i] = value;
        return;
    }
    gboolean no = FALSE;
    g_ptr_array_add(map->keys, cirrus_node_new_scalar(value->file, value->col, key));
    g_ptr_array_add(map->items, value);
    g_array_append_val(map->used, no);
}

void cirrus_node_mark_used(CirrusNode *node)
{
    if (node->kind == CIRRUS_NODE_MAP)
        for (guint i = 0; i < node->used->len; i++) g_array_index(node->used, gboolean, i) = TRUE;
    for (guint i = 0; i < cirrus_node_len(node); i++) cirrus_node_mark_used(node->items->pdata[i]);
}

gboolean cirrus_node_check_unused(const CirrusNode *node, const char *context, GError **error)
{
    if (node->kind == CIRRUS_NODE_MAP && node->asked->len > 0) {
        for (guint i = 0; i < node->keys->len; i++) {
            if (g_array_index(node->used, gboolean, i)) continue;
            const CirrusNode *k = node->keys->pdata[i];
            GString *msg = g_string_new(NULL);
            g_string_printf(msg, "unknown key '%s' in %s", k->value, context);
            cirrus_suggest_append(msg, k->value, (const char *const *)node->asked->pdata, node->asked->len);
            cirrus_node_error(k, error, "%s", msg->str);
            g_string_free(msg, TRUE);
            return FALSE;
        }
    }
    for (guint i = 0; i < cirrus_node_len(node); i++)
        if (!cirrus_node_check_unused(node->items->pdata[i], context, error)) return FALSE;
    return TRUE;
}
