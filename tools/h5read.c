/* cirrus — reading back a run's HDF5 file (see h5read.h). */
#include "tools/h5read.h"
#include "sim/error.h"
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

CirrusH5Run *cirrus_h5run_open(const char *path, GError **error)
{
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    hid_t file = H5Fis_hdf5(path) > 0 ? H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT) : -1;
    if (file < 0) {
        g_set_error(error, CIRRUS_ERROR, CIRRUS_ERROR_USAGE, "cannot read '%s': not an HDF5 file written by cirrus run", path);
        return NULL;
    }
    if (H5Lexists(file, "/time", H5P_DEFAULT) <= 0) {
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
