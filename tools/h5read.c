/* cirrus — reading back a run's HDF5 file (see h5read.h). */
#include "tools/h5read.h"
#include <math.h>
#include "sim/kernel/error.h"
#include <hdf5.h>
#include <string.h>

struct CirrusH5Run {
    hid_t file;
    char *path;
    GPtrArray *series;
};

/* Collect "<group>/<entity>/<dataset>" for the two top groups. */
static void collect(CirrusH5Run *run, const char *top)
{
    hid_t g = H5Gopen2(run->file, top, H5P_DEFAULT);
    if (g < 0) return;
    H5G_info_t info;
    if (H5Gget_info(g, &info) >= 0) {
        for (hsize_t i = 0; i < info.nlinks; i++) {
            char name[256];
            if (H5Lget_name_by_idx(g, ".", H5_INDEX_NAME, H5_ITER_INC, i, name, sizeof name, H5P_DEFAULT) < 0) continue;
            hid_t sub = H5Gopen2(g, name, H5P_DEFAULT);
            if (sub < 0) continue;
            H5G_info_t sinfo;
            if (H5Gget_info(sub, &sinfo) >= 0) {
                for (hsize_t j = 0; j < sinfo.nlinks; j++) {
                    char ds[256];
                    if (H5Lget_name_by_idx(sub, ".", H5_INDEX_CRT_ORDER, H5_ITER_INC, j, ds, sizeof ds, H5P_DEFAULT) < 0 &&
                        H5Lget_name_by_idx(sub, ".", H5_INDEX_NAME, H5_ITER_INC, j, ds, sizeof ds, H5P_DEFAULT) < 0)
                        continue;
                    g_ptr_array_add(run->series, g_strdup_printf("%s/%s/%s", top + 1, name, ds));
                }
            }
            H5Gclose(sub);
        }
    }
    H5Gclose(g);
}

static CirrusH5Run *open_file(const char *path, gboolean allow_sweep, GError **error)
{
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    if (!g_file_test(path, G_FILE_TEST_IS_REGULAR)) {
        g_set_error(error, CIRRUS_ERROR, CIRRUS_ERROR_USAGE, "cannot read '%s': no such file", path);
        return NULL;
    }
    hid_t file = H5Fis_hdf5(path) > 0 ? H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT) : -1;
    if (file < 0) {
        g_set_error(error, CIRRUS_ERROR, CIRRUS_ERROR_USAGE, "cannot read '%s': not an HDF5 file written by cirrus run", path);
        return NULL;
    }
    if (H5Lexists(file, "/time", H5P_DEFAULT) <= 0 && H5Aexists(file, "sweep_keys") > 0 && !allow_sweep) {
        H5Fclose(file);
        g_set_error(error, CIRRUS_ERROR, CIRRUS_ERROR_USAGE,
                    "'%s' is a sweep (written by cirrus sweep), not a run: 'cirrus plot %s' draws its metrics "
                    "against the swept parameters; its points' runs are the groups /points/<i> "
                    "(docs/outputs.md, \"Sweeps\")", path, path);
        return NULL;
    }
    if (H5Lexists(file, "/time", H5P_DEFAULT) <= 0 && !(allow_sweep && H5Aexists(file, "sweep_keys") > 0)) {
        H5Fclose(file);
        g_set_error(error, CIRRUS_ERROR, CIRRUS_ERROR_USAGE, "'%s' has no /time dataset: not written by cirrus run", path);
        return NULL;
    }
    CirrusH5Run *run = g_new0(CirrusH5Run, 1);
    run->file = file;
    run->path = g_strdup(path);
    run->series = g_ptr_array_new_with_free_func(g_free);
    collect(run, "/workloads");
    collect(run, "/components");
    return run;
}

CirrusH5Run *cirrus_h5run_open(const char *path, GError **error)
{
    return open_file(path, FALSE, error);
}

CirrusH5Run *cirrus_h5run_open_any(const char *path, GError **error)
{
    return open_file(path, TRUE, error);
}

gboolean cirrus_h5run_is_sweep(CirrusH5Run *run)
{
    return H5Aexists(run->file, "sweep_keys") > 0;
}

void cirrus_h5run_close(CirrusH5Run *run)
{
    if (!run) return;
    H5Fclose(run->file);
    g_ptr_array_unref(run->series);
    g_free(run->path);
    g_free(run);
}

GPtrArray *cirrus_h5run_series(CirrusH5Run *run) { return run->series; }

static GArray *read_dataset(CirrusH5Run *run, const char *name, GError **error)
{
    hid_t ds = H5Lexists(run->file, name, H5P_DEFAULT) > 0 ? H5Dopen2(run->file, name, H5P_DEFAULT) : -1;
    if (ds < 0) {
        g_set_error(error, CIRRUS_ERROR, CIRRUS_ERROR_USAGE, "'%s' has no series '%s'", run->path, name);
        return NULL;
    }
    hid_t space = H5Dget_space(ds);
    hssize_t n = H5Sget_simple_extent_npoints(space);
    GArray *values = g_array_sized_new(FALSE, TRUE, sizeof(double), n > 0 ? (guint)n : 0);
    g_array_set_size(values, n > 0 ? (guint)n : 0);
    herr_t ok = n > 0 ? H5Dread(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values->data) : 0;
    H5Sclose(space);
    H5Dclose(ds);
    if (ok < 0) {
        g_array_free(values, TRUE);
        g_set_error(error, CIRRUS_ERROR, CIRRUS_ERROR_IO, "cannot read '%s' from '%s'", name, run->path);
        return NULL;
    }
    return values;
}

GArray *cirrus_h5run_time(CirrusH5Run *run, GError **error) { return read_dataset(run, "/time", error); }

GArray *cirrus_h5run_read(CirrusH5Run *run, const char *series, GError **error)
{
    char *name = g_strconcat("/", series, NULL);
    GArray *v = read_dataset(run, name, error);
    g_free(name);
    return v;
}

char *cirrus_h5run_attr_string(CirrusH5Run *run, const char *name)
{
    if (H5Aexists(run->file, name) <= 0) return NULL;
    hid_t attr = H5Aopen(run->file, name, H5P_DEFAULT);
    hid_t type = H5Tcopy(H5T_C_S1);
    H5Tset_size(type, H5T_VARIABLE);
    H5Tset_cset(type, H5T_CSET_UTF8);
    char *value = NULL, *out = NULL;
    if (H5Aread(attr, type, &value) >= 0 && value) {
        out = g_strdup(value);
        H5free_memory(value);
    }
    H5Tclose(type);
    H5Aclose(attr);
    return out;
}

gboolean cirrus_h5run_attr_double(CirrusH5Run *run, const char *name, double *value)
{
    if (H5Aexists(run->file, name) <= 0) return FALSE;
    hid_t attr = H5Aopen(run->file, name, H5P_DEFAULT);
    gboolean ok = attr >= 0 && H5Aread(attr, H5T_NATIVE_DOUBLE, value) >= 0;
    if (attr >= 0) H5Aclose(attr);
    return ok;
}

const char *cirrus_h5run_path(CirrusH5Run *run) { return run->path; }

gboolean cirrus_h5run_truncated(CirrusH5Run *run, double *at_s, double *duration_s)
{
    double flag = 0, at = NAN, duration = NAN;
    if (!cirrus_h5run_attr_double(run, "truncated", &flag) || flag == 0) return FALSE;
    cirrus_h5run_attr_double(run, "truncated_at_s", &at);
    cirrus_h5run_attr_double(run, "duration_s", &duration);
    if (at_s) *at_s = at;
    if (duration_s) *duration_s = duration;
    return TRUE;
}

char *cirrus_h5run_truncated_text(CirrusH5Run *run)
{
    double at, duration;
    if (!cirrus_h5run_truncated(run, &at, &duration)) return NULL;
    return g_strdup_printf("truncated at %.6g s of %.6g s", at, duration);
}

/* Read one member of a compound dataset into `buf` (one `size`-byte
 * element per row) as `member_type`; the row count, or -1. */
static gssize read_member(CirrusH5Run *run, const char *table, const char *field, hid_t member_type, gsize size,
                          GArray *buf)
{
    if (H5Lexists(run->file, table, H5P_DEFAULT) <= 0) return -1;
    hid_t ds = H5Dopen2(run->file, table, H5P_DEFAULT);
    if (ds < 0) return -1;
    hid_t ftype = H5Dget_type(ds), space = H5Dget_space(ds), mtype = H5Tcreate(H5T_COMPOUND, size);
    hssize_t n = space >= 0 ? H5Sget_simple_extent_npoints(space) : -1;
    gboolean ok = ftype >= 0 && H5Tget_class(ftype) == H5T_COMPOUND && H5Tget_member_index(ftype, field) >= 0 &&
                  n >= 0 && mtype >= 0 && H5Tinsert(mtype, field, 0, member_type) >= 0;
    if (ok) {
        g_array_set_size(buf, (guint)n);
        ok = n == 0 || H5Dread(ds, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf->data) >= 0;
    }
    if (mtype >= 0) H5Tclose(mtype);
    if (space >= 0) H5Sclose(space);
    if (ftype >= 0) H5Tclose(ftype);
    H5Dclose(ds);
    return ok ? (gssize)n : -1;
}

GPtrArray *cirrus_h5run_table_strings(CirrusH5Run *run, const char *table, const char *field)
{
    hid_t str = H5Tcopy(H5T_C_S1);
    H5Tset_size(str, H5T_VARIABLE);
    H5Tset_cset(str, H5T_CSET_UTF8);
    GArray *raw = g_array_new(FALSE, TRUE, sizeof(char *));
    gssize n = read_member(run, table, field, str, sizeof(char *), raw);
    H5Tclose(str);
    GPtrArray *out = NULL;
    if (n >= 0) {
        out = g_ptr_array_new_with_free_func(g_free);
        for (guint i = 0; i < raw->len; i++) {
            char *v = g_array_index(raw, char *, i);
            g_ptr_array_add(out, g_strdup(v ? v : ""));
            if (v) H5free_memory(v);
        }
    }
    g_array_free(raw, TRUE);
    return out;
}

GArray *cirrus_h5run_table_numbers(CirrusH5Run *run, const char *table, const char *field)
{
    GArray *out = g_array_new(FALSE, TRUE, sizeof(double));
    if (read_member(run, table, field, H5T_NATIVE_DOUBLE, sizeof(double), out) < 0) {
        g_array_free(out, TRUE);
        return NULL;
    }
    return out;
}

GPtrArray *cirrus_h5run_children(CirrusH5Run *run, const char *group)
{
    if (H5Lexists(run->file, group, H5P_DEFAULT) <= 0) return NULL;
    hid_t g = H5Gopen2(run->file, group, H5P_DEFAULT);
    if (g < 0) return NULL;
    GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
    H5G_info_t info;
    if (H5Gget_info(g, &info) >= 0)
        for (hsize_t i = 0; i < info.nlinks; i++) {
            char name[256];
            if (H5Lget_name_by_idx(g, ".", H5_INDEX_NAME, H5_ITER_INC, i, name, sizeof name, H5P_DEFAULT) >= 0)
                g_ptr_array_add(out, g_strdup(name));
        }
    H5Gclose(g);
    return out;
}
