/* cirrus — streaming HDF5 output (see sim/h5/h5out.h for the contract).
 *
 * The writer knows nothing about metrics: it holds a list of float64
 * columns (column 0 is /time, column i + 1 is series i), buffers one block
 * of rows per column and appends each full block to the extendible
 * datasets.  Memory is therefore (series + 1) * BLOCK_ROWS * 8 bytes plus
 * HDF5's metadata cache, which has a fixed upper bound, whatever the
 * length of the run (200 series: the same ~38 MB peak RSS at 200k and at
 * 1.2M rows).
 *
 * Failure policy: any HDF5 or file-system failure after the temporary file
 * exists marks the writer as failed.  A failed writer refuses further rows
 * and refuses to commit, so an incomplete file is never renamed to the
 * final path; close() then deletes the temporary file. */
#include "sim/h5/h5out.h"

#include "sim/kernel/error.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <hdf5.h>

/* Rows per block, and rows per HDF5 chunk: the two are equal on purpose.
 * Every flush but the last then writes exactly one whole, chunk-aligned
 * chunk per dataset, so HDF5 never has to read back, decompress and
 * recompress a chunk it has already written, and the chunk cache is
 * useless (see make_dapl).  1024 float64 rows are 8 KiB: large enough for
 * shuffle + deflate to find redundancy and to keep the chunk index small
 * (a day sampled every second is 85 chunks per series), small enough that
 * a scenario with a thousand series buffers only 8 MiB, and that short
 * runs do not pad their single chunk with much fill. */
#define BLOCK_ROWS 1024

/* Moderate deflate: level 4 is most of level 9's ratio on shuffled float64
 * at a fraction of its CPU time. */
#define DEFLATE_LEVEL 4

typedef struct {
    char *path;  /* absolute dataset path: "/time", "/components/web/Latency.p99" */
    hid_t dset;  /* H5I_INVALID_HID until the datasets are created */
    double *buf; /* BLOCK_ROWS values; NULL until the datasets are created */
} Column;

struct CirrusH5 {
    char *path;          /* final path, as given; named in every error */
    char *tmp_path;      /* "<path>.tmp-XXXXXX" */
    hid_t file;
    GArray *columns;     /* of Column; [0] is /time */
    GHashTable *paths;   /* dataset paths declared so far, to catch duplicates */
    guint n_buf;         /* rows buffered, < BLOCK_ROWS between calls */
    hsize_t n_rows;      /* rows already in the file */
    gboolean started;    /* datasets created: no more series may be added */
    gboolean failed;     /* the file is incomplete: never commit it */
    gboolean no_series;  /* tables only: cirrus_h5_without_series */
};

static Column *column(CirrusH5 *h, guint i)
{
    return &g_array_index(h->columns, Column, i);
}

/* ---- HDF5 library workaround ----------------------------------------- */

/* HDF5 before 1.14.1 (HDFFV-11052 / CVE-2020-10812): when H5Fclose fails,
 * as it does when the disk fills up, the library frees the file but leaves
 * its ID registered, and the clean-up it runs from atexit() then
 * dereferences it: a run that reported "No space left on device" properly
 * would still die of SIGSEGV on the way out.  This module closes every
 * file it opens explicitly, so that clean-up has nothing useful to do.
 * H5dont_atexit() turns it off but only before the library initialises,
 * which another module or a test may trigger before our first open: hence
 * a constructor.  (It just sets a flag; it cannot fail the first time, and
 * there would be nothing to do if it did.) */
#if defined(__GNUC__)
__attribute__((constructor)) static void disable_hdf5_atexit(void)
{
    (void)H5dont_atexit();
}
#endif

/* ---- errors ------------------------------------------------------------ */

/* HDF5's low-level messages are long and mostly about its internals
 * ("H5O_msg_read_oh(): message type not found"); the one part a user can
 * act on is an operating-system error, which the file drivers record as
 * "..., errno = 28, error message = 'No space left on device', ...". */
static herr_t os_error_cb(unsigned n, const H5E_error2_t *err, void *data)
{
    (void)n;
    char **out = data;
    static const char key[] = "error message = '";
    const char *start = err->desc != NULL ? strstr(err->desc, key) : NULL;
    if (*out != NULL || start == NULL)
        return 0;
    start += sizeof key - 1;
    const char *end = strchr(start, '\'');
    if (end != NULL && end > start)
        *out = g_strndup(start, (gsize)(end - start));
    return 0;
}

/* `what`, plus the operating-system error behind the failed HDF5 call if
 * HDF5 recorded one. */
static char *hdf5_reason(const char *what)
{
    char *os_message = NULL;
    if (H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, os_error_cb, &os_message) < 0 || os_message == NULL) {
        g_free(os_message);
        return g_strdup(what);
    }
    char *reason = g_strdup_printf("%s: %s", what, os_message);
    g_free(os_message);
    return reason;
}

static void set_io_error(const CirrusH5 *h, GError **error, const char *reason)
{
    g_set_error(error, CIRRUS_ERROR, CIRRUS_ERROR_IO, "cannot write '%s': %s", h->path, reason);
}

/* Report a failed HDF5 call and mark the file as incomplete.  Always
 * returns FALSE so callers can `return hdf5_fail(...)`. */
static gboolean hdf5_fail(CirrusH5 *h, GError **error, const char *what)
{
    char *reason = hdf5_reason(what);
    set_io_error(h, error, reason);
    g_free(reason);
    h->failed = TRUE;
    return FALSE;
}

static gboolean check_usable(const CirrusH5 *h, GError **error)
{
    if (!h->failed)
        return TRUE;
    set_io_error(h, error, "an earlier write to the file failed");
    return FALSE;
}

/* ---- property lists ---------------------------------------------------- */

static hid_t make_lcpl(void)
{
    hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
    if (lcpl < 0)
        return H5I_INVALID_HID;
    /* "/components/web" and its parents come into being with the first
     * dataset created under them. */
    if (H5Pset_create_intermediate_group(lcpl, 1) < 0) {
        H5Pclose(lcpl);
        return H5I_INVALID_HID;
    }
    return lcpl;
}

static hid_t make_dcpl(void)
{
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    if (dcpl < 0)
        return H5I_INVALID_HID;
    const hsize_t chunk = BLOCK_ROWS;
    /* Filters run in the order added: shuffle groups the bytes of equal
     * significance (sign/exponent bytes of a slowly varying series are
     * nearly constant), which is what lets deflate compress float64. */
    if (H5Pset_chunk(dcpl, 1, &chunk) < 0 || H5Pset_shuffle(dcpl) < 0 ||
        H5Pset_deflate(dcpl, DEFLATE_LEVEL) < 0) {
        H5Pclose(dcpl);
        return H5I_INVALID_HID;
    }
    return dcpl;
}

static hid_t make_dapl(void)
{
    hid_t dapl = H5Pcreate(H5P_DATASET_ACCESS);
    if (dapl < 0)
        return H5I_INVALID_HID;
    /* Each chunk is written once, whole (BLOCK_ROWS == chunk), and never
     * read back, so HDF5's per-dataset chunk cache (1 MiB by default,
     * i.e. up to 1 GiB for a thousand series) would only hold memory.  A
     * zero-byte cache makes HDF5 compress and write each chunk at once. */
    if (H5Pset_chunk_cache(dapl, H5D_CHUNK_CACHE_NSLOTS_DEFAULT, 0, 1.0) < 0) {
        H5Pclose(dapl);
        return H5I_INVALID_HID;
    }
    return dapl;
}

/* ---- datasets ---------------------------------------------------------- */

/* Create every dataset, empty, and allocate the block buffers.  Done once,
 * at the first append (or at close if no row was ever appended), so that
 * errors have a GError to go to; from then on the set of series is fixed. */
static gboolean create_datasets(CirrusH5 *h, GError **error)
{
    g_assert(!h->started);
    h->started = TRUE;

    hid_t lcpl = make_lcpl();
    hid_t dcpl = make_dcpl();
    hid_t dapl = make_dapl();
    const hsize_t dims = 0, maxdims = H5S_UNLIMITED;
    hid_t space = H5Screate_simple(1, &dims, &maxdims);
    gboolean ok = TRUE;
    if (lcpl < 0 || dcpl < 0 || dapl < 0 || space < 0)
        ok = hdf5_fail(h, error, "cannot set up dataset properties");

    for (guint i = 0; ok && i < h->columns->len; i++) {
        Column *c = column(h, i);
        c->dset = H5Dcreate2(h->file, c->path, H5T_IEEE_F64LE, space, lcpl, dcpl, dapl);
        if (c->dset < 0) {
            char *what = g_strdup_printf("cannot create dataset '%s'", c->path);
            ok = hdf5_fail(h, error, what);
            g_free(what);
            break;
        }
        c->buf = g_new(double, BLOCK_ROWS);
    }

    /* Cleanup failures here cannot affect the file's contents. */
    if (space >= 0) H5Sclose(space);
    if (dapl >= 0) H5Pclose(dapl);
    if (dcpl >= 0) H5Pclose(dcpl);
    if (lcpl >= 0) H5Pclose(lcpl);
    return ok;
}

/* Append one column's buffered rows [n_rows, n_rows + n) to its dataset. */
static gboolean write_column(CirrusH5 *h, Column *c, hsize_t n, GError **error)
{
    const hsize_t start = h->n_rows, new_size = h->n_rows + n;
    const char *what = "cannot extend dataset '%s'";
    hid_t filespace = H5I_INVALID_HID, memspace = H5I_INVALID_HID;
    gboolean ok = FALSE;

    if (H5Dset_extent(c->dset, &new_size) < 0)
        goto out;
    what = "cannot write dataset '%s'";
    /* The dataspace must be fetched after set_extent to see the new size. */
    if ((filespace = H5Dget_space(c->dset)) < 0 ||
        H5Sselect_hyperslab(filespace, H5S_SELECT_SET, &start, NULL, &n, NULL) < 0 ||
        (memspace = H5Screate_simple(1, &n, NULL)) < 0 ||
        H5Dwrite(c->dset, H5T_NATIVE_DOUBLE, memspace, filespace, H5P_DEFAULT, c->buf) < 0)
        goto out;
    ok = TRUE;
out:
    if (!ok) {
        char *msg = g_strdup_printf(what, c->path);
        hdf5_fail(h, error, msg);
        g_free(msg);
    }
    if (memspace >= 0) H5Sclose(memspace);
    if (filespace >= 0) H5Sclose(filespace);
    return ok;
}

static gboolean flush(CirrusH5 *h, GError **error)
{
    if (h->n_buf == 0)
        return TRUE;
    /* Blocks start on chunk boundaries; only the final flush is partial. */
    g_assert(h->n_rows % BLOCK_ROWS == 0);
    for (guint i = 0; i < h->columns->len; i++)
        if (!write_column(h, column(h, i), h->n_buf, error))
            return FALSE;
    h->n_rows += h->n_buf;
    h->n_buf = 0;
    return TRUE;
}

/* ---- attributes -------------------------------------------------------- */

/* Set a scalar root attribute stored as `file_type` from `buf` of
 * `mem_type`. */
static gboolean write_root_attr(CirrusH5 *h, const char *name, hid_t file_type,
                                hid_t mem_type, const void *buf, GError **error)
{
    char *what = NULL;
    hid_t space = H5I_INVALID_HID, attr = H5I_INVALID_HID;
    gboolean ok = FALSE;

    /* Replace, not fail, when set twice: HDF5 has no "create or open" for
     * attributes, and the new value may have a different type or size. */
    htri_t exists = H5Aexists(h->file, name);
    if (exists < 0 || (exists > 0 && H5Adelete(h->file, name) < 0)) {
        what = g_strdup_printf("cannot replace attribute '%s'", name);
        goto out;
    }
    if ((space = H5Screate(H5S_SCALAR)) < 0 ||
        (attr = H5Acreate2(h->file, name, file_type, space, H5P_DEFAULT, H5P_DEFAULT)) < 0 ||
        H5Awrite(attr, mem_type, buf) < 0) {
        what = g_strdup_printf("cannot write attribute '%s'", name);
        goto out;
    }
    ok = TRUE;
out:
    if (attr >= 0 && H5Aclose(attr) < 0 && ok) {
        what = g_strdup_printf("cannot write attribute '%s'", name);
        ok = FALSE;
    }
    if (!ok)
        hdf5_fail(h, error, what);
    if (space >= 0) H5Sclose(space);
    g_free(what);
    return ok;
}

static gboolean attr_preconditions(CirrusH5 *h, const char *name, GError **error)
{
    g_return_val_if_fail(h != NULL, FALSE);
    g_return_val_if_fail(name != NULL && name[0] != '\0', FALSE);
    g_return_val_if_fail(error == NULL || *error == NULL, FALSE);
    return check_usable(h, error);
}

gboolean cirrus_h5_attr_string(CirrusH5 *h, const char *name, const char *value, GError **error)
{
    g_return_val_if_fail(value != NULL, FALSE);
    if (!attr_preconditions(h, name, error))
        return FALSE;

    /* A variable-length string: the data lives in the global heap, so a
     * scenario of any size fits (a fixed-size string attribute is stored
     * in the object header, which the default file format caps at 64 KiB),
     * and an empty string needs no special case (fixed size 0 is invalid).
     * The type says UTF-8 so h5py returns str; bytes that are not UTF-8
     * are replaced rather than written under a false label. */
    char *valid = g_utf8_validate(value, -1, NULL) ? NULL : g_utf8_make_valid(value, -1);
    const char *text = valid != NULL ? valid : value;
    gboolean ok;
    hid_t type = H5Tcopy(H5T_C_S1);
    if (type < 0 || H5Tset_size(type, H5T_VARIABLE) < 0 || H5Tset_cset(type, H5T_CSET_UTF8) < 0)
        ok = hdf5_fail(h, error, "cannot create a string type");
    else
        ok = write_root_attr(h, name, type, type, &text, error);
    if (type >= 0) H5Tclose(type);
    g_free(valid);
    return ok;
}

gboolean cirrus_h5_attr_double(CirrusH5 *h, const char *name, double value, GError **error)
{
    if (!attr_preconditions(h, name, error))
        return FALSE;
    /* Fixed little-endian file types (as for the datasets) keep the file
     * identical whichever machine wrote it; HDF5 converts from native. */
    return write_root_attr(h, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &value, error);
}

gboolean cirrus_h5_attr_int64(CirrusH5 *h, const char *name, gint64 value, GError **error)
{
    if (!attr_preconditions(h, name, error))
        return FALSE;
    int64_t v = value;
    return write_root_attr(h, name, H5T_STD_I64LE, H5T_NATIVE_INT64, &v, error);
}

/* ---- tables ------------------------------------------------------------ */

/* Memory and file layouts are the same packed compound: a char * for a
 * string member (HDF5's variable-length string), a double for a number. */
static hid_t table_type(const CirrusH5Field *fields, guint n_fields, hid_t str_type, gsize *row_size)
{
    gsize size = 0;
    for (guint f = 0; f < n_fields; f++) size += fields[f].strings ? sizeof(char *) : sizeof(double);
    *row_size = size;
    hid_t type = H5Tcreate(H5T_COMPOUND, size);
    gsize offset = 0;
    for (guint f = 0; type >= 0 && f < n_fields; f++) {
        gboolean str = fields[f].strings != NULL;
        if (H5Tinsert(type, fields[f].name, offset, str ? str_type : H5T_NATIVE_DOUBLE) < 0) {
            H5Tclose(type);
            return H5I_INVALID_HID;
        }
        offset += str ? sizeof(char *) : sizeof(double);
    }
    return type;
}

gboolean cirrus_h5_table(CirrusH5 *h, const char *path, const CirrusH5Field *fields, guint n_fields,
                         guint n_rows, GError **error)
{
    g_return_val_if_fail(h != NULL && path != NULL && path[0] == '/' && n_fields > 0, FALSE);
    if (!check_usable(h, error))
        return FALSE;
    gsize row_size = 0;   /* set by table_type; gcc -fprofile-use (scripts/build-fast.sh) cannot see it */
    hid_t str = H5Tcopy(H5T_C_S1);
    if (str >= 0 && (H5Tset_size(str, H5T_VARIABLE) < 0 || H5Tset_cset(str, H5T_CSET_UTF8) < 0)) {
        H5Tclose(str);
        str = H5I_INVALID_HID;
    }
    hid_t type = str >= 0 ? table_type(fields, n_fields, str, &row_size) : H5I_INVALID_HID;
    /* Rows packed as the compound lays them out; strings that are not
     * UTF-8 are replaced, as for string attributes. */
    guint8 *rows = type >= 0 ? g_malloc0(row_size * MAX(n_rows, 1u)) : NULL;
    GPtrArray *made_valid = g_ptr_array_new_with_free_func(g_free);
    for (guint r = 0; rows && r < n_rows; r++) {
        guint8 *p = rows + r * row_size;
        for (guint f = 0; f < n_fields; f++) {
            if (fields[f].strings) {
                const char *text = fields[f].strings[r] ? fields[f].strings[r] : "";
                if (!g_utf8_validate(text, -1, NULL)) {
                    text = g_utf8_make_valid(text, -1);
                    g_ptr_array_add(made_valid, (gpointer)text);
                }
                memcpy(p, &text, sizeof text);
                p += sizeof text;
            } else {
                memcpy(p, &fields[f].numbers[r], sizeof(double));
                p += sizeof(double);
            }
        }
    }
    const hsize_t dims = n_rows;
    hid_t lcpl = make_lcpl();
    hid_t space = H5Screate_simple(1, &dims, NULL);
    hid_t dset = type >= 0 && lcpl >= 0 && space >= 0
                     ? H5Dcreate2(h->file, path, type, space, lcpl, H5P_DEFAULT, H5P_DEFAULT)
                     : H5I_INVALID_HID;
    /* The rows go through HDF5's type conversion (the strings are
     * variable-length), whose buffer is 1 MiB by default, allocated
     * zeroed (and page-faulted in) at every H5Dwrite: 90% of the time of
     * a summary table (5.5 ms of 6, perf), 10 tables per replicated run
     * file.  A buffer about the table's size converts the same rows (the
     * file's rows can be twice the memory's: a variable-length string is
     * 16 bytes there; HDF5 refuses a buffer smaller than one row). */
    gsize conv = CLAMP(2 * row_size * (gsize)n_rows, 64u << 10, 1u << 20);
    hid_t dxpl = H5Pcreate(H5P_DATASET_XFER);
    if (dxpl >= 0 && H5Pset_buffer(dxpl, conv, NULL, NULL) < 0) {
        H5Pclose(dxpl);
        dxpl = H5I_INVALID_HID;
    }
    gboolean ok = dset >= 0 && dxpl >= 0 && (n_rows == 0 || H5Dwrite(dset, type, H5S_ALL, H5S_ALL, dxpl, rows) >= 0);
    if (dset >= 0 && H5Dclose(dset) < 0) ok = FALSE;
    if (!ok) {
        char *what = g_strdup_printf("cannot write table '%s'", path);
        hdf5_fail(h, error, what);
        g_free(what);
    }
    if (dxpl >= 0) H5Pclose(dxpl);
    if (space >= 0) H5Sclose(space);
    if (lcpl >= 0) H5Pclose(lcpl);
    if (type >= 0) H5Tclose(type);
    if (str >= 0) H5Tclose(str);
    g_ptr_array_unref(made_valid);
    g_free(rows);
    return ok;
}

/* ---- public API -------------------------------------------------------- */

CirrusH5 *cirrus_h5_open(const char *path, GError **error)
{
    g_return_val_if_fail(path != NULL && path[0] != '\0', NULL);
    g_return_val_if_fail(error == NULL || *error == NULL, NULL);

    /* HDF5 prints its error stack to stderr by default; cirrus reports
     * errors itself, through GError, with the path the user gave. */
    if (H5Eset_auto2(H5E_DEFAULT, NULL, NULL) < 0) {
        g_set_error(error, CIRRUS_ERROR, CIRRUS_ERROR_IO,
                    "cannot write '%s': cannot initialise the HDF5 library", path);
        return NULL;
    }

    /* Reserve a unique name in the destination directory (same file
     * system, so the final rename is atomic).  0666 before umask: the
     * result should get the permissions of any file the user creates, not
     * mkstemp's 0600. */
    char *tmp_path = g_strconcat(path, ".tmp-XXXXXX", NULL);
    int fd = g_mkstemp_full(tmp_path, O_RDWR, 0666);
    if (fd < 0) {
        int saved = errno;
        g_set_error(error, CIRRUS_ERROR, CIRRUS_ERROR_IO, "cannot write '%s': %s", path,
                    g_strerror(saved));
        g_free(tmp_path);
        return NULL;
    }
    close(fd);

    CirrusH5 *h = g_new0(CirrusH5, 1);
    h->path = g_strdup(path);
    h->tmp_path = tmp_path;
    h->file = H5I_INVALID_HID;
    h->columns = g_array_new(FALSE, TRUE, sizeof(Column));
    h->paths = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, NULL);

    Column time = { g_strdup("/time"), H5I_INVALID_HID, NULL };
    g_array_append_val(h->columns, time);
    g_hash_table_add(h->paths, time.path);

    /* STRONG close degree: H5Fclose really closes the file (and any object
     * an error path failed to close), so what is renamed is complete. */
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    if (fapl >= 0 && H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG) >= 0)
        h->file = H5Fcreate(tmp_path, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
    if (h->file < 0) {
        hdf5_fail(h, error, "cannot create the HDF5 file");
        if (fapl >= 0) H5Pclose(fapl);
        cirrus_h5_close(h, FALSE, NULL);
        return NULL;
    }
    H5Pclose(fapl);
    return h;
}

/* "/components//web/" -> "/components/web", "/" -> "".  Returns NULL for
 * "." or ".." components, which HDF5 would interpret. */
static char *normalize_group(const char *group)
{
    GString *out = g_string_new(NULL);
    char **parts = g_strsplit(group, "/", -1);
    gboolean ok = TRUE;
    for (char **p = parts; *p != NULL; p++) {
        if ((*p)[0] == '\0')
            continue;
        if (strcmp(*p, ".") == 0 || strcmp(*p, "..") == 0) {
            ok = FALSE;
            break;
        }
        g_string_append_c(out, '/');
        g_string_append(out, *p);
    }
    g_strfreev(parts);
    return g_string_free(out, !ok);
}

guint cirrus_h5_add_series(CirrusH5 *h, const char *group, const char *name)
{
    g_return_val_if_fail(h != NULL, G_MAXUINT);
    /* Every dataset must have as many rows as /time. */
    g_return_val_if_fail(!h->started, G_MAXUINT);
    g_return_val_if_fail(group != NULL && group[0] == '/', G_MAXUINT);
    g_return_val_if_fail(name != NULL && name[0] != '\0' && strchr(name, '/') == NULL &&
                             strcmp(name, ".") != 0 && strcmp(name, "..") != 0,
                         G_MAXUINT);

    char *norm = normalize_group(group);
    g_return_val_if_fail(norm != NULL, G_MAXUINT);
    char *path = g_strconcat(norm, "/", name, NULL);
    g_free(norm);
    if (g_hash_table_contains(h->paths, path)) {
        g_critical("cirrus_h5_add_series: series '%s' declared twice", path);
        g_free(path);
        return G_MAXUINT;
    }

    Column c = { path, H5I_INVALID_HID, NULL };
    g_array_append_val(h->columns, c);
    g_hash_table_add(h->paths, path);
    return h->columns->len - 2; /* column 0 is /time */
}

gboolean cirrus_h5_append(CirrusH5 *h, double time_s, const double *values,
                          guint n_values, GError **error)
{
    g_return_val_if_fail(h != NULL, FALSE);
    g_return_val_if_fail(n_values == h->columns->len - 1, FALSE);
    g_return_val_if_fail(values != NULL || n_values == 0, FALSE);
    g_return_val_if_fail(error == NULL || *error == NULL, FALSE);
    g_return_val_if_fail(!h->no_series, FALSE);

    if (!check_usable(h, error))
        return FALSE;
    if (!h->started && !create_datasets(h, error))
        return FALSE;

    column(h, 0)->buf[h->n_buf] = time_s;
    for (guint i = 0; i < n_values; i++)
        column(h, i + 1)->buf[h->n_buf] = values[i];
    if (++h->n_buf == BLOCK_ROWS)
        return flush(h, error);
    return TRUE;
}

void cirrus_h5_without_series(CirrusH5 *h)
{
    g_return_if_fail(h != NULL && !h->started && h->columns->len == 1);
    /* "Started" with no dataset created: close() creates no /time, and
     * every Column stays H5I_INVALID_HID, which close_handles skips. */
    h->started = TRUE;
    h->no_series = TRUE;
}

gboolean cirrus_h5_copy_file(CirrusH5 *h, const char *src_path, const char *dst_group, GError **error)
{
    g_return_val_if_fail(h != NULL && src_path != NULL && dst_group != NULL && dst_group[0] == '/', FALSE);
    if (!check_usable(h, error))
        return FALSE;
    hid_t src = H5Fopen(src_path, H5F_ACC_RDONLY, H5P_DEFAULT);
    hid_t lcpl = make_lcpl();
    /* Copying the root group copies its attributes and everything below
     * it; HDF5 creates dst_group as the copy. */
    gboolean ok = src >= 0 && lcpl >= 0 && H5Ocopy(src, "/", h->file, dst_group, H5P_DEFAULT, lcpl) >= 0;
    if (!ok) {
        char *what = g_strdup_printf("cannot copy '%s' into '%s'", src_path, dst_group);
        hdf5_fail(h, error, what);
        g_free(what);
    }
    if (lcpl >= 0) H5Pclose(lcpl);
    if (src >= 0) H5Fclose(src);
    return ok;
}

/* Close every HDF5 handle; FALSE if any close failed (the file may then
 * be incomplete on disk). */
static gboolean close_handles(CirrusH5 *h)
{
    gboolean ok = TRUE;
    for (guint i = 0; i < h->columns->len; i++) {
        Column *c = column(h, i);
        if (c->dset >= 0 && H5Dclose(c->dset) < 0)
            ok = FALSE;
        c->dset = H5I_INVALID_HID;
    }
    if (h->file >= 0 && H5Fclose(h->file) < 0)
        ok = FALSE;
    h->file = H5I_INVALID_HID;
    return ok;
}

/* H5Fclose leaves the data in the page cache; without fsync a crash soon
 * after the rename could leave a complete-looking name on an incomplete
 * file, which is exactly what the temporary name is there to prevent. */
static gboolean sync_file(const char *file_path, int *err)
{
    int fd = g_open(file_path, O_RDONLY, 0);
    if (fd < 0) {
        *err = errno;
        return FALSE;
    }
    gboolean ok = fsync(fd) == 0;
    if (!ok)
        *err = errno;
    close(fd);
    return ok;
}

gboolean cirrus_h5_close(CirrusH5 *h, gboolean commit, GError **error)
{
    /* No check on *error: close must free h and remove the temporary file
     * whatever the caller got wrong. */
    g_return_val_if_fail(h != NULL, FALSE);

    gboolean ok = TRUE;
    if (commit) {
        ok = check_usable(h, error) &&
             (h->started || create_datasets(h, error)) &&
             flush(h, error);
    }
    if (!close_handles(h) && ok && commit)
        ok = hdf5_fail(h, error, "cannot close the HDF5 file");

    if (commit && ok) {
        int err = 0;
        char *reason = NULL;
        if (!sync_file(h->tmp_path, &err))
            reason = g_strdup_printf("cannot sync '%s': %s", h->tmp_path, g_strerror(err));
        else if (g_rename(h->tmp_path, h->path) != 0) {
            err = errno;
            reason = g_strdup_printf("cannot rename '%s': %s", h->tmp_path, g_strerror(err));
        }
        if (reason != NULL) {
            set_io_error(h, error, reason);
            g_free(reason);
            ok = FALSE;
        }
    }

    /* Not committed (by choice or by failure): the temporary file goes,
     * and the final path was never touched. */
    if ((!commit || !ok) && g_unlink(h->tmp_path) != 0 && errno != ENOENT && ok) {
        int err = errno;
        char *reason = g_strdup_printf("cannot remove '%s': %s", h->tmp_path, g_strerror(err));
        set_io_error(h, error, reason);
        g_free(reason);
        ok = FALSE;
    }

    for (guint i = 0; i < h->columns->len; i++) {
        g_free(column(h, i)->path);
        g_free(column(h, i)->buf);
    }
    g_array_free(h->columns, TRUE);
    g_hash_table_destroy(h->paths);
    g_free(h->tmp_path);
    g_free(h->path);
    g_free(h);
    return ok;
}

const char *cirrus_h5_temp_path(const CirrusH5 *h)
{
    g_return_val_if_fail(h != NULL, NULL);
    return h->tmp_path;
}
