/* cirrus — scenario loader (see scenario.h). */
#include "sim/loader/scenario.h"
#include "sim/loader/callgraph.h"
#include "sim/loader/config.h"
#include "sim/kernel/error.h"
#include "sim/loader/faults.h"
#include "sim/loader/suggest.h"
#include <string.h>

struct CirrusScenario {
    char *path, *text, *name;
    CirrusNode *root;
    const CirrusRegistry *registry;
    guint64 seed;
    CirrusTime duration, warmup, sample_interval;
    CirrusSim *building;     /* the simulation being built (for lookup) */
    CirrusCallGraph *calls;  /* its sync calls, declared in link() */
    gpointer globals;
    GDestroyNotify globals_destroy;
};

void cirrus_scenario_free(CirrusScenario *sc)
{
    if (!sc) return;
    if (sc->globals_destroy) sc->globals_destroy(sc->globals);
    cirrus_node_free(sc->root);
    g_free(sc->path);
    g_free(sc->text);
    g_free(sc->name);
    g_free(sc);
}

const char *cirrus_scenario_name(const CirrusScenario *sc) { return sc->name; }
const char *cirrus_scenario_path(const CirrusScenario *sc) { return sc->path; }
const char *cirrus_scenario_text(const CirrusScenario *sc) { return sc->text; }
guint64 cirrus_scenario_seed(const CirrusScenario *sc) { return sc->seed; }
CirrusTime cirrus_scenario_duration(const CirrusScenario *sc) { return sc->duration; }
CirrusTime cirrus_scenario_warmup(const CirrusScenario *sc) { return sc->warmup; }
CirrusTime cirrus_scenario_sample_interval(const CirrusScenario *sc) { return sc->sample_interval; }
gpointer cirrus_scenario_globals(const CirrusScenario *sc) { return sc->globals; }
const CirrusRegistry *cirrus_scenario_registry(const CirrusScenario *sc) { return sc->registry; }
const CirrusNode *cirrus_scenario_root(const CirrusScenario *sc) { return sc->root; }

void cirrus_scenario_set_globals(CirrusScenario *sc, gpointer data, GDestroyNotify destroy)
{
    if (sc->globals_destroy) sc->globals_destroy(sc->globals);
    sc->globals = data;
    sc->globals_destroy = destroy;
}

/* ---- --set KEY=VALUE ------------------------------------------------------ */

/* The item of a list of named maps called `seg` (or at index `seg`). */
static CirrusNode *named_item(CirrusNode *list, const char *seg)
{
    for (guint i = 0; i < cirrus_node_len(list); i++) {
        CirrusNode *item = cirrus_node_item(list, i);
        CirrusNode *name = cirrus_node_peek(item, "name");
        if (name && g_strcmp0(cirrus_node_scalar(name), seg) == 0) return item;
    }
    guint64 index;
    if (g_ascii_string_to_unsigned(seg, 10, 0, G_MAXUINT, &index, NULL) && index < cirrus_node_len(list))
        return cirrus_node_item(list, (guint)index);
    return NULL;
}

static gboolean apply_set(CirrusNode *root, const char *assignment, GError **error)
{
    const char *eq = strchr(assignment, '=');
    if (!eq || eq == assignment) {
        g_set_error(error, CIRRUS_ERROR, CIRRUS_ERROR_USAGE,
                    "--set '%s': expected KEY=VALUE, e.g. --set duration=2h", assignment);
        return FALSE;
    }
    char *path = g_strndup(assignment, (gsize)(eq - assignment));
    char *label = g_strdup_printf("--set %s", path);
    char **segs = g_strsplit(path, ".", -1);
    guint n = g_strv_length(segs);
    gboolean ok = FALSE;
    CirrusNode *value = NULL, *at = root;

    for (guint i = 0; i < n; i++) {
        if (segs[i][0] == '\0') {
            g_set_error(error, CIRRUS_ERROR, CIRRUS_ERROR_USAGE,
                        "--set %s: the path has an empty part (two dots, or a dot at an end)", path);
            goto out;
        }
    }

    /* The value is YAML too, so that maps can be set: {dist: constant, value: 1s}.
     * A blank value is an empty text (not an empty YAML "file"). */
    if (eq[1 + strspn(eq + 1, " \t")] == '\0') value = cirrus_node_new_scalar(label, 1, "");
    else if (!(value = cirrus_node_parse(label, eq + 1, strlen(eq + 1), error))) goto out;

    for (guint i = 0; i + 1 < n; i++) {
        CirrusNode *next = NULL;
        if (cirrus_node_kind(at) == CIRRUS_NODE_SEQ) {
            /* Names may hold '.' (web.v2): try the longest run of segments
             * that names an item first, leaving at least the last as the key. */
            for (guint j = n - 2; !next; j--) {
                GString *name = g_string_new(segs[i]);
                for (guint k = i + 1; k <= j; k++) g_string_append_printf(name, ".%s", segs[k]);
                next = named_item(at, name->str);
                g_string_free(name, TRUE);
                if (next) i = j;
                if (j == i) break;
            }
        } else if (cirrus_node_kind(at) == CIRRUS_NODE_MAP) {
            next = cirrus_node_peek(at, segs[i]);
            if (!next) {   /* create an intermediate map that was left out */
                next = cirrus_node_parse(label, "{}", 2, NULL);
                cirrus_node_set(at, segs[i], next);
            }
        }
        if (!next) {
            g_set_error(error, CIRRUS_ERROR, CIRRUS_ERROR_SCENARIO,
                        "--set %s: '%s' is not in the scenario (no list item or key of that name)",
                        path, segs[i]);
            goto out;
        }
        at = next;
    }
    if (n == 0 || segs[n - 1][0] == '\0' || cirrus_node_kind(at) != CIRRUS_NODE_MAP) {
        g_set_error(error, CIRRUS_ERROR, CIRRUS_ERROR_SCENARIO,
                    "--set %s: the path must end at a key of a map", path);
        goto out;
    }
    cirrus_node_set(at, segs[n - 1], value);
    value = NULL;
    ok = TRUE;
out:
    cirrus_node_free(value);
    g_strfreev(segs);
    g_free(label);
    g_free(path);
    return ok;
}

/* ---- building ---------------------------------------------------------------- */

static const CirrusModelType *find_type(const CirrusRegistry *reg, const char *name)
{
    for (guint i = 0; reg->types[i]; i++)
        if (strcmp(reg->types[i]->name, name) == 0) return reg->types[i];
    return NULL;
}

static gboolean valid_name(const char *s)
{
    if (!g_ascii_isalnum(s[0]) || strlen(s) > 64) return FALSE;
    for (; *s; s++)
        if (!g_ascii_isalnum(*s) && *s != '-' && *s != '_' && *s != '.') return FALSE;
    return TRUE;
}

/* Read `name` (and `type` unless fixed) of one entry, and add the component. */
static gboolean add_entry(CirrusScenario *sc, CirrusSim *sim, CirrusNode *entry, const char *section,
                          const char *fixed_type, GError **error)
{
    const char *name, *type_name = fixed_type;
    if (cirrus_node_kind(entry) != CIRRUS_NODE_MAP) {
        cirrus_node_error(entry, error, "each entry of '%s' must be a map with a 'name'", section);
        return FALSE;
    }
    if (!cirrus_cfg_require(entry, "name", "a unique name", error) ||
        !cirrus_cfg_string(entry, "name", NULL, &name, error))
        return FALSE;
    CirrusNode *name_node = cirrus_node_peek(entry, "name");
    if (!valid_name(name)) {
        cirrus_node_error(name_node, error, "name '%s' must start with a letter or digit and hold only "
                          "letters, digits, '-', '_' and '.' (at most 64)", name);
        return FALSE;
    }
    if (cirrus_sim_find(sim, name)) {
        cirrus_node_error(name_node, error, "duplicate name '%s': every workload and component needs its own", name);
        return FALSE;
    }
    if (!fixed_type) {
        if (!cirrus_cfg_require(entry, "type", "the component's model, e.g. service", error) ||
            !cirrus_cfg_string(entry, "type", NULL, &type_name, error))
            return FALSE;
    }
    const CirrusModelType *type = find_type(sc->registry, type_name);
    if (type && !fixed_type && g_strcmp0(type_name, sc->registry->workload_type) == 0) {
        cirrus_node_error(cirrus_node_peek(entry, "type"), error, "'%s' is not a component type: "
                          "workloads go in the 'workloads' list", type_name);
        return FALSE;
    }
    if (!type) {
        GPtrArray *names = g_ptr_array_new();
        for (guint i = 0; sc->registry->types[i]; i++)
            if (g_strcmp0(sc->registry->types[i]->name, sc->registry->workload_type) != 0)
                g_ptr_array_add(names, (gpointer)sc->registry->types[i]->name);
        g_ptr_array_add(names, NULL);
        char *list = g_strjoinv(", ", (char **)names->pdata);
        GString *msg = g_string_new(NULL);
        g_string_printf(msg, "unknown component type '%s' (this version models: %s)", type_name, list);
        cirrus_suggest_append(msg, type_name, (const char *const *)names->pdata, names->len - 1);
        cirrus_node_error(cirrus_node_peek(entry, "type"), error, "%s", msg->str);
        g_string_free(msg, TRUE);
        g_free(list);
        g_ptr_array_free(names, TRUE);
        return FALSE;
    }
    /* Any component may say where it runs; region_outage faults find it by
     * that (the models need not read it).  Workloads have client regions. */
    const char *region = NULL;
    if (!fixed_type && !cirrus_cfg_string(entry, "region", NULL, &region, error)) return FALSE;
    if (region && !*region) {
        cirrus_node_error(cirrus_node_peek(entry, "region"), error, "a region must be a name such as us-east-1");
        return FALSE;
    }
    CirrusComponent *c = cirrus_sim_add(sim, type, section, name);
    if (region) cirrus_component_set_region(c, region);
    return cirrus_model_configure(type, c, cirrus_component_state(c), entry, error);
}

static gboolean add_section(CirrusScenario *sc, CirrusSim *sim, const char *section,
                            const char *fixed_type, GError **error)
{
    CirrusNode *list;
    if (!cirrus_cfg_list(sc->root, section, &list, error)) return FALSE;
    for (guint i = 0; list && i < cirrus_node_len(list); i++)
        if (!add_entry(sc, sim, cirrus_node_item(list, i), section, fixed_type, error)) return FALSE;
    return TRUE;
}

CirrusComponent *cirrus_scenario_lookup(CirrusScenario *sc, const CirrusNode *at, const char *name,
                                        GError **error)
{
    return cirrus_sim_lookup_at(sc->building, at, name, error);
}

void cirrus_scenario_sync_call(CirrusScenario *sc, CirrusComponent *from, CirrusComponent *to,
                               const CirrusNode *at)
{
    if (sc->calls) cirrus_callgraph_add(sc->calls, from, to, at);   /* only while building */
}

CirrusComponent *cirrus_sim_lookup_at(CirrusSim *sim, const CirrusNode *at, const char *name, GError **error)
{
    CirrusComponent *c = cirrus_sim_find(sim, name);
    if (c) return c;
    guint n = cirrus_sim_n_components(sim);
    const char **names = g_new(const char *, n + 1);
    for (guint i = 0; i < n; i++) names[i] = cirrus_component_name(cirrus_sim_component(sim, i));
    GString *msg = g_string_new(NULL);
    g_string_printf(msg, "unknown component '%s'", name);
    cirrus_suggest_append(msg, name, names, n);
    cirrus_node_error(at, error, "%s", msg->str);
    g_string_free(msg, TRUE);
    g_free(names);
    return NULL;
}

CirrusSim *cirrus_scenario_build(CirrusScenario *sc, guint64 replication, GError **error)
{
    CirrusSim *sim = cirrus_sim_new(sc->seed, replication);
    sc->building = sim;
    sc->calls = cirrus_callgraph_new();
    gboolean ok = (!sc->registry->prepare || sc->registry->prepare(sc, sim, error)) &&
                  add_section(sc, sim, "workloads", sc->registry->workload_type, error) &&
                  add_section(sc, sim, "components", NULL, error) &&
                  cirrus_faults_read(cirrus_node_get(sc->root, "faults"), sim, sc->duration, error);
    /* Keys nobody asked for, component by component for a precise context.
     * Models read their keys in configure(), so this can come before link():
     * a misspelt key (say 'componets') is then reported as such rather than
     * as the unknown target it leads to. */
    for (guint s = 0; ok && s < 2; s++) {
        const char *section = s == 0 ? "workloads" : "components";
        CirrusNode *list = cirrus_node_peek(sc->root, section);
        for (guint i = 0; ok && list && i < cirrus_node_len(list); i++) {
            CirrusNode *entry = cirrus_node_item(list, i);
            CirrusComponent *c = cirrus_sim_find(sim, cirrus_node_scalar(cirrus_node_peek(entry, "name")));
            char *ctx = g_strdup_printf("%s '%s'", s == 0 ? "workload" : cirrus_component_type(c),
                                        cirrus_component_name(c));
            ok = cirrus_node_check_unused(entry, ctx, error);
            g_free(ctx);
        }
    }
    if (ok) ok = cirrus_node_check_unused(sc->root, "the scenario", error);
    for (guint i = 0; ok && i < cirrus_sim_n_components(sim); i++) {
        CirrusComponent *c = cirrus_sim_component(sim, i);
        ok = cirrus_model_link(cirrus_component_model(c), c, cirrus_component_state(c), sc, error);
    }
    if (ok) ok = cirrus_callgraph_check(sc->calls, sim, error);
    if (ok && sc->registry->built) ok = sc->registry->built(sc, sim, error);
    cirrus_callgraph_free(sc->calls);
    sc->calls = NULL;
    sc->building = NULL;
    if (!ok) {
        cirrus_sim_free(sim);
        return NULL;
    }
    return sim;
}

static gboolean read_top_level(CirrusScenario *sc, GError **error)
{
    CirrusNode *root = sc->root;
    const char *name, *description;
    gint64 seed;
    CirrusNode *faults, *slo;
    if (cirrus_node_kind(root) != CIRRUS_NODE_MAP) {
        cirrus_node_error(root, error, "a scenario must be a map with at least 'name' and 'duration', not %s",
                          cirrus_node_kind_name(cirrus_node_kind(root)));
        return FALSE;
    }
    if (!cirrus_cfg_require(root, "name", "the scenario's name", error) ||
        !cirrus_cfg_string(root, "name", NULL, &name, error) ||
        !cirrus_cfg_string(root, "description", "", &description, error) ||
        !cirrus_cfg_require(root, "duration", "simulated time, e.g. 2h", error) ||
        !cirrus_cfg_duration(root, "duration", 0, CIRRUS_MS, 3650 * CIRRUS_DAY, &sc->duration, error) ||
        !cirrus_cfg_duration(root, "warmup", 0, 0, CIRRUS_TIME_NEVER, &sc->warmup, error) ||
        !cirrus_cfg_int(root, "seed", 1, 0, G_MAXINT64, &seed, error) ||
        !cirrus_cfg_duration(root, "sample_interval", 10 * CIRRUS_SEC, CIRRUS_MS, sc->duration,
                             &sc->sample_interval, error) ||
        !cirrus_cfg_list(root, "faults", &faults, error) ||
        /* The scenario's service levels: read by the tools (tools/slo.h),
         * which check each item's syntax; the kernel only keeps the list. */
        !cirrus_cfg_list(root, "slo", &slo, error))
        return FALSE;
    if (!*name || strpbrk(name, "/\\")) {
        /* It names the default output file, NAME.h5. */
        cirrus_node_error(cirrus_node_peek(root, "name"), error,
                          "the scenario's name '%s' must not be empty or hold '/' or '\\' "
                          "(it names the default output file)", name);
        return FALSE;
    }
    if (sc->warmup >= sc->duration) {
        cirrus_node_error(cirrus_node_peek(root, "warmup"), error,
                          "'warmup' (%s) must be shorter than 'duration' (%s)",
                          cirrus_node_scalar(cirrus_node_peek(root, "warmup")),
                          cirrus_node_scalar(cirrus_node_peek(root, "duration")));
        return FALSE;
    }
    /* Keep a row count that a person can plot and a file can hold. */
    if (sc->duration / sc->sample_interval > 10000000) {
        CirrusNode *interval = cirrus_node_peek(root, "sample_interval");
        if (interval)
            cirrus_node_error(interval, error, "sample_interval gives more than 10 million rows over "
                              "the duration; make it longer");
        else   /* the default 10s: point at the duration that is too long for it */
            cirrus_node_error(cirrus_node_peek(root, "duration"), error, "the duration holds more than "
                              "10 million of the default 10s sample_interval; set a longer sample_interval");
        return FALSE;
    }
    sc->name = g_strdup(name);
    sc->seed = (guint64)seed;
    if (sc->registry->read_globals && !sc->registry->read_globals(sc, root, error)) return FALSE;
    return TRUE;
}

static CirrusScenario *finish_load(CirrusScenario *sc, const char *const *sets, GError **error)
{
    for (guint i = 0; sets && sets[i]; i++)
        if (!apply_set(sc->root, sets[i], error)) goto fail;
    if (!read_top_level(sc, error)) goto fail;
    CirrusSim *check = cirrus_scenario_build(sc, 0, error);
    if (!check) goto fail;
    cirrus_sim_free(check);
    return sc;
fail:
    cirrus_scenario_free(sc);
    return NULL;
}

/* Parse `text` (owned by the new scenario) and load it. */
static CirrusScenario *load_from(const char *path, char *text, gsize len, const CirrusRegistry *registry,
                                 const char *const *sets, GError **error)
{
    CirrusNode *root = cirrus_node_parse(path, text, len, error);
    if (!root) { g_free(text); return NULL; }
    CirrusScenario *sc = g_new0(CirrusScenario, 1);
    sc->path = g_strdup(path);
    sc->text = text;
    sc->root = root;
    sc->registry = registry;
    return finish_load(sc, sets, error);
}

CirrusScenario *cirrus_scenario_load_text(const char *label, const char *text, const CirrusRegistry *registry,
                                          const char *const *sets, GError **error)
{
    return load_from(label, g_strdup(text), strlen(text), registry, sets, error);
}

CirrusScenario *cirrus_scenario_load(const char *path, const CirrusRegistry *registry,
                                     const char *const *sets, GError **error)
{
    char *text = NULL;
    gsize len = 0;
    GError *io = NULL;
    if (!g_file_get_contents(path, &text, &len, &io)) {
        /* A scenario that cannot be read is a bad command line: exit 2. */
        g_set_error(error, CIRRUS_ERROR, CIRRUS_ERROR_USAGE, "cannot read '%s': %s", path, io->message);
        g_error_free(io);
        return NULL;
    }
    if (strlen(text) != len || !g_utf8_validate(text, (gssize)len, NULL)) {
        g_set_error(error, CIRRUS_ERROR, CIRRUS_ERROR_SCENARIO,
                    "%s:1:1: not a YAML scenario: the file holds binary data (NUL bytes or invalid UTF-8)", path);
        g_free(text);
        return NULL;
    }
    return load_from(path, text, len, registry, sets, error);
}
