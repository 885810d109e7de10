/* cirrus — sync call graph and its cycle check (see callgraph.h). */
#include "sim/loader/callgraph.h"
#include "sim/kernel/kernel.h"

typedef struct {
    CirrusComponent *from, *to;
    const CirrusNode *at;
} Edge;

struct CirrusCallGraph {
    GArray *edges;   /* Edge, in the order declared */
};

CirrusCallGraph *cirrus_callgraph_new(void)
{
    CirrusCallGraph *g = g_new0(CirrusCallGraph, 1);
    g->edges = g_array_new(FALSE, FALSE, sizeof(Edge));
    return g;
}

void cirrus_callgraph_free(CirrusCallGraph *g)
{
    if (!g) return;
    g_array_free(g->edges, TRUE);
    g_free(g);
}

void cirrus_callgraph_add(CirrusCallGraph *g, CirrusComponent *from, CirrusComponent *to, const CirrusNode *at)
{
    Edge e = { from, to, at };
    g_array_append_val(g->edges, e);
}

enum { WHITE, GREY, BLACK };

typedef struct {
    const CirrusCallGraph *g;
    GHashTable *colour;      /* component -> colour + 1 (absent: white); looked up, never iterated */
    GPtrArray *path;         /* the grey components, outermost first */
    GError **error;
} Walk;

static int colour_of(Walk *w, CirrusComponent *c)
{
    gpointer v = g_hash_table_lookup(w->colour, c);
    return v ? GPOINTER_TO_INT(v) - 1 : WHITE;
}

static void refuse(Walk *w, const Edge *closing)
{
    GString *cycle = g_string_new(NULL);
    guint start = 0;
    while (w->path->pdata[start] != closing->to) start++;
    for (guint i = start; i < w->path->len; i++)
        g_string_append_printf(cycle, "%s -> ", cirrus_component_name(w->path->pdata[i]));
    g_string_append(cycle, cirrus_component_name(closing->to));
    cirrus_node_error(closing->at, w->error, "sync calls form a cycle: %s (every request entering it "
                      "would call on forever; make one of the calls async or go through a queue)", cycle->str);
    g_string_free(cycle, TRUE);
}

/* Depth-first from `c`; FALSE once a cycle has been reported. */
static gboolean visit(Walk *w, CirrusComponent *c)
{
    g_hash_table_insert(w->colour, c, GINT_TO_POINTER(GREY + 1));
    g_ptr_array_add(w->path, c);
    for (guint i = 0; i < w->g->edges->len; i++) {
        const Edge *e = &g_array_index(w->g->edges, Edge, i);
        if (e->from != c) continue;
        int colour = colour_of(w, e->to);
        if (colour == GREY) { refuse(w, e); return FALSE; }
        if (colour == WHITE && !visit(w, e->to)) return FALSE;
    }
    g_ptr_array_set_size(w->path, w->path->len - 1);
    g_hash_table_insert(w->colour, c, GINT_TO_POINTER(BLACK + 1));
    return TRUE;
}

gboolean cirrus_callgraph_check(const CirrusCallGraph *g, CirrusSim *sim, GError **error)
{
    Walk w = { g, g_hash_table_new(g_direct_hash, g_direct_equal), g_ptr_array_new(), error };
    gboolean ok = TRUE;
    for (guint i = 0; ok && i < cirrus_sim_n_components(sim); i++) {
        CirrusComponent *c = cirrus_sim_component(sim, i);
        if (colour_of(&w, c) == WHITE) ok = visit(&w, c);
    }
    g_hash_table_destroy(w.colour);
    g_ptr_array_free(w.path, TRUE);
    return ok;
}
