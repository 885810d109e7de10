/* Tests for sim/h5out: the streaming HDF5 writer.  Files are read back with
 * the HDF5 C API directly, not through the writer, so a symmetric bug in
 * writing and reading cannot hide. */
#include "sim/kernel/error.h"
#include "sim/h5/h5out.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>

#include <glib/gstdio.h>
#include <hdf5.h>

/* ---- fixtures ---------------------------------------------------------- */

typedef struct {
    char *dir;  /* from g_dir_make_tmp, removed with its contents */
    char *path; /* "<dir>/out.h5" */
} Fixture;

static void fixture_setup(Fixture *f, gconstpointer data)
{
    (void)data;
    GError *error = NULL;
    f->dir = g_dir_make_tmp("cirrus-h5out-XXXXXX", &error);
    g_assert_no_error(error);
    f->path = g_build_filename(f->dir, "out.h5", NULL);
}

static void remove_tree(const char *path)
{
    if (g_file_test(path, G_FILE_TEST_IS_DIR) && !g_file_test(path, G_FILE_TEST_IS_SYMLINK)) {
        GDir *d = g_dir_open(path, 0, NULL);
        const char *name;
        while (d != NULL && (name = g_dir_read_name(d)) != NULL) {
            char *child = g_build_filename(path, name, NULL);
            remove_tree(child);
            g_free(child);
        }
        if (d != NULL)
            g_dir_close(d);
        g_rmdir(path);
    } else {
        g_unlink(path);
    }
}

static void fixture_teardown(Fixture *f, gconstpointer data)
{
    (void)data;
    remove_tree(f->dir);
    g_free(f->path);
    g_free(f->dir);
}

/* Names in the directory, sorted and joined by spaces, so an assertion
 * failure shows what was left behind. */
static char *dir_listing(const char *dir)
{
    GDir *d = g_dir_open(dir, 0, NULL);
    g_assert_nonnull(d);
    GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
    const char *name;
    while ((name = g_dir_read_name(d)) != NULL)
        g_ptr_array_add(names, g_strdup(name));
    g_dir_close(d);
    g_ptr_array_sort(names, (GCompareFunc)g_strcmp0);
    g_ptr_array_add(names, NULL);
    char *joined = g_strjoinv(" ", (char **)names->pdata);
    g_ptr_array_free(names, TRUE);
    return joined;
}

/* ---- reading back ------------------------------------------------------ */

/* A deterministic value with all mantissa bits in use, so any truncation
 * or float32 round trip shows. */
static double value_at(guint series, guint row)
{
    return sqrt((double)row + 2.0) * (series + 1) + 1e6 * series - 0.1 * row;
}

static double time_at(guint row)
{
    return row * 0.25 + 1e-3;
}

/* Read a whole 1-D float64 dataset; checks the shape on the way. */
static double *read_dataset(hid_t file, const char *path, hsize_t expect_len)
{
    hid_t dset = H5Dopen2(file, path, H5P_DEFAULT);
    if (dset < 0)
        g_error("dataset %s missing", path);
    hid_t space = H5Dget_space(dset);
    g_assert_cmpint(space, >=, 0);
    g_assert_cmpint(H5Sget_simple_extent_ndims(space), ==, 1);
    hsize_t dims = 0, maxdims = 0;
    g_assert_cmpint(H5Sget_simple_extent_dims(space, &dims, &maxdims), ==, 1);
    g_assert_cmpuint(dims, ==, expect_len);
    g_assert_true(maxdims == H5S_UNLIMITED);

    hid_t type = H5Dget_type(dset);
    g_assert_cmpint(H5Tget_class(type), ==, H5T_FLOAT);
    g_assert_cmpuint(H5Tget_size(type), ==, 8);
    H5Tclose(type);

    double *data = g_new0(double, expect_len + 1);
    if (expect_len > 0)
        g_assert_cmpint(H5Dread(dset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, data), >=, 0);
    H5Sclose(space);
    H5Dclose(dset);
    return data;
}

static void check_storage(hid_t file, const char *path)
{
    hid_t dset = H5Dopen2(file, path, H5P_DEFAULT);
    g_assert_cmpint(dset, >=, 0);
    hid_t dcpl = H5Dget_create_plist(dset);
    g_assert_cmpint(dcpl, >=, 0);
    g_assert_cmpint(H5Pget_layout(dcpl), ==, H5D_CHUNKED);
    hsize_t chunk = 0;
    g_assert_cmpint(H5Pget_chunk(dcpl, 1, &chunk), ==, 1);
    g_assert_cmpuint(chunk, >=, 256);

    unsigned flags = 0, level = 0;
    size_t n_values = 1;
    g_assert_cmpint(H5Pget_filter_by_id2(dcpl, H5Z_FILTER_DEFLATE, &flags, &n_values, &level,
                                         0, NULL, NULL), >=, 0);
    g_assert_cmpuint(n_values, ==, 1);
    g_assert_cmpuint(level, ==, 4);
    n_values = 0;
    g_assert_cmpint(H5Pget_filter_by_id2(dcpl, H5Z_FILTER_SHUFFLE, &flags, &n_values, NULL,
                                         0, NULL, NULL), >=, 0);
    H5Pclose(dcpl);
    H5Dclose(dset);
}

static char *read_string_attr(hid_t file, const char *name)
{
    hid_t attr = H5Aopen(file, name, H5P_DEFAULT);
    g_assert_cmpint(attr, >=, 0);
    hid_t ftype = H5Aget_type(attr);
    g_assert_cmpint(H5Tget_class(ftype), ==, H5T_STRING);
    g_assert_cmpint(H5Tget_cset(ftype), ==, H5T_CSET_UTF8);
    hid_t space = H5Aget_space(attr);
    g_assert_cmpint(H5Sget_simple_extent_type(space), ==, H5S_SCALAR);
    H5Sclose(space);

    char *result;
    if (H5Tis_variable_str(ftype) > 0) {
        hid_t mtype = H5Tcopy(H5T_C_S1);
        H5Tset_size(mtype, H5T_VARIABLE);
        H5Tset_cset(mtype, H5T_CSET_UTF8);
        char *vl = NULL;
        g_assert_cmpint(H5Aread(attr, mtype, &vl), >=, 0);
        result = g_strdup(vl);
        H5free_memory(vl);
        H5Tclose(mtype);
    } else {
        size_t size = H5Tget_size(ftype);
        result = g_malloc0(size + 1);
        g_assert_cmpint(H5Aread(attr, ftype, result), >=, 0);
    }
    H5Tclose(ftype);
    H5Aclose(attr);
    return result;
}

static double read_double_attr(hid_t file, const char *name)
{
    hid_t attr = H5Aopen(file, name, H5P_DEFAULT);
    g_assert_cmpint(attr, >=, 0);
    hid_t ftype = H5Aget_type(attr);
    g_assert_cmpint(H5Tget_class(ftype), ==, H5T_FLOAT);
    H5Tclose(ftype);
    double v = 0;
    g_assert_cmpint(H5Aread(attr, H5T_NATIVE_DOUBLE, &v), >=, 0);
    H5Aclose(attr);
    return v;
}

static gint64 read_int64_attr(hid_t file, const char *name)
{
    hid_t attr = H5Aopen(file, name, H5P_DEFAULT);
    g_assert_cmpint(attr, >=, 0);
    hid_t ftype = H5Aget_type(attr);
    g_assert_cmpint(H5Tget_class(ftype), ==, H5T_INTEGER);
    g_assert_cmpuint(H5Tget_size(ftype), ==, 8);
    H5Tclose(ftype);
    int64_t v = 0;
    g_assert_cmpint(H5Aread(attr, H5T_NATIVE_INT64, &v), >=, 0);
    H5Aclose(attr);
    return v;
}

/* Write `n_rows` rows of the value_at() pattern. */
static void append_rows(CirrusH5 *h, guint n_series, guint n_rows)
{
    double *values = g_new(double, n_series + 1);
    for (guint r = 0; r < n_rows; r++) {
        for (guint s = 0; s < n_series; s++)
            values[s] = value_at(s, r);
        GError *error = NULL;
        g_assert_true(cirrus_h5_append(h, time_at(r), values, n_series, &error));
        g_assert_no_error(error);
    }
    g_free(values);
}

static void check_rows(hid_t file, const char *const *paths, guint n_series, guint n_rows)
{
    double *t = read_dataset(file, "/time", n_rows);
    for (guint r = 0; r < n_rows; r++)
        if (t[r] != time_at(r))
            g_error("/time[%u] = %.17g, want %.17g", r, t[r], time_at(r));
    g_free(t);
    for (guint s = 0; s < n_series; s++) {
        double *v = read_dataset(file, paths[s], n_rows);
        for (guint r = 0; r < n_rows; r++)
            if (v[r] != value_at(s, r))
                g_error("%s[%u] = %.17g, want %.17g", paths[s], r, v[r], value_at(s, r));
        g_free(v);
    }
}

/* ---- tests ------------------------------------------------------------- */

static const char *const roundtrip_paths[] = {
    "/components/a/busy",
    "/components/a/Latency.p99",
    "/workloads/w/requests",
};

/* 1300 rows: more than one block, ending in a partial one. */
#define ROUNDTRIP_ROWS 1300

static void test_roundtrip(Fixture *f, gconstpointer data)
{
    (void)data;
    GError *error = NULL;
    CirrusH5 *h = cirrus_h5_open(f->path, &error);
    g_assert_no_error(error);
    g_assert_nonnull(h);

    /* The temporary file sits next to the final one, under the agreed
     * name, and the final name does not exist until commit. */
    char *prefix = g_strconcat(f->path, ".tmp-", NULL);
    const char *tmp = cirrus_h5_temp_path(h);
    g_assert_true(g_str_has_prefix(tmp, prefix));
    g_assert_cmpuint(strlen(tmp), ==, strlen(prefix) + 6);
    g_free(prefix);
    char *tmp_copy = g_strdup(tmp);
    g_assert_true(g_file_test(tmp_copy, G_FILE_TEST_IS_REGULAR));
    g_assert_false(g_file_test(f->path, G_FILE_TEST_EXISTS));

    g_assert_cmpuint(cirrus_h5_add_series(h, "/components/a", "busy"), ==, 0);
    g_assert_cmpuint(cirrus_h5_add_series(h, "/components/a/", "Latency.p99"), ==, 1);
    g_assert_cmpuint(cirrus_h5_add_series(h, "/workloads/w", "requests"), ==, 2);

    /* 50 KiB of multi-line, non-ASCII text, like a scenario file. */
    GString *yaml = g_string_new(NULL);
    for (guint i = 0; yaml->len < 50 * 1024; i++)
        g_string_append_printf(yaml, "# line %u — naïve\nkey_%u: %u\n", i, i, i * 7);

    /* Set before the rows, replaced (with another type) after some. */
    g_assert_true(cirrus_h5_attr_string(h, "seed", "not yet", &error));
    g_assert_no_error(error);
    append_rows(h, 3, 700);
    g_assert_true(cirrus_h5_attr_string(h, "scenario", yaml->str, &error));
    g_assert_true(cirrus_h5_attr_double(h, "duration_s", 3600.125, &error));
    g_assert_true(cirrus_h5_attr_int64(h, "seed", G_GINT64_CONSTANT(0x4000000000000007), &error));
    g_assert_true(cirrus_h5_attr_int64(h, "negative", G_GINT64_CONSTANT(-42), &error));
    g_assert_true(cirrus_h5_attr_string(h, "empty", "", &error));
    g_assert_no_error(error);

    /* The remaining rows, in one more call pattern (the block boundary at
     * whatever size falls inside one of the two runs). */
    double values[3];
    for (guint r = 700; r < ROUNDTRIP_ROWS; r++) {
        for (guint s = 0; s < 3; s++)
            values[s] = value_at(s, r);
        g_assert_true(cirrus_h5_append(h, time_at(r), values, 3, &error));
        g_assert_no_error(error);
    }

    g_assert_true(cirrus_h5_close(h, TRUE, &error));
    g_assert_no_error(error);
    g_assert_true(g_file_test(f->path, G_FILE_TEST_IS_REGULAR));
    g_assert_false(g_file_test(tmp_copy, G_FILE_TEST_EXISTS));
    g_free(tmp_copy);

    hid_t file = H5Fopen(f->path, H5F_ACC_RDONLY, H5P_DEFAULT);
    g_assert_cmpint(file, >=, 0);
    check_rows(file, roundtrip_paths, 3, ROUNDTRIP_ROWS);
    check_storage(file, "/time");
    for (guint s = 0; s < 3; s++)
        check_storage(file, roundtrip_paths[s]);

    /* Intermediate groups really are groups. */
    H5O_info_t info;
    g_assert_cmpint(H5Oget_info_by_name(file, "/components", &info, H5P_DEFAULT), >=, 0);
    g_assert_cmpint(info.type, ==, H5O_TYPE_GROUP);
    g_assert_cmpint(H5Oget_info_by_name(file, "/workloads/w", &info, H5P_DEFAULT), >=, 0);
    g_assert_cmpint(info.type, ==, H5O_TYPE_GROUP);

    char *s = read_string_attr(file, "scenario");
    g_assert_cmpuint(strlen(s), ==, yaml->len);
    g_assert_cmpstr(s, ==, yaml->str);
    g_free(s);
    s = read_string_attr(file, "empty");
    g_assert_cmpstr(s, ==, "");
    g_free(s);
    g_assert_cmpfloat(read_double_attr(file, "duration_s"), ==, 3600.125);
    g_assert_cmpint(read_int64_attr(file, "seed"), ==, G_GINT64_CONSTANT(0x4000000000000007));
    g_assert_cmpint(read_int64_attr(file, "negative"), ==, -42);

    /* Exactly the attributes set: replacing did not leave a duplicate. */
    H5O_info_t root;
    g_assert_cmpint(H5Oget_info(file, &root), >=, 0);
    g_assert_cmpuint(root.num_attrs, ==, 5);
    g_assert_cmpint(H5Fclose(file), >=, 0);
    g_string_free(yaml, TRUE);

    char *listing = dir_listing(f->dir);
    g_assert_cmpstr(listing, ==, "out.h5");
    g_free(listing);
}

/* Many blocks: rows keep landing where they belong across every flush. */
static void test_many_rows(Fixture *f, gconstpointer data)
{
    (void)data;
    static const char *const paths[] = { "/s/x", "/y" };
    const guint n_rows = 100003;
    GError *error = NULL;
    CirrusH5 *h = cirrus_h5_open(f->path, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(cirrus_h5_add_series(h, "/s", "x"), ==, 0);
    g_assert_cmpuint(cirrus_h5_add_series(h, "/", "y"), ==, 1);
    append_rows(h, 2, n_rows);
    g_assert_true(cirrus_h5_close(h, TRUE, &error));
    g_assert_no_error(error);

    hid_t file = H5Fopen(f->path, H5F_ACC_RDONLY, H5P_DEFAULT);
    g_assert_cmpint(file, >=, 0);
    check_rows(file, paths, 2, n_rows);
    H5Fclose(file);
}

/* No rows at all still gives a well-formed file with empty datasets. */
static void test_empty(Fixture *f, gconstpointer data)
{
    (void)data;
    static const char *const paths[] = { "/components/a/q" };
    GError *error = NULL;
    CirrusH5 *h = cirrus_h5_open(f->path, &error);
    g_assert_no_error(error);
    cirrus_h5_add_series(h, "/components/a", "q");
    g_assert_true(cirrus_h5_close(h, TRUE, &error));
    g_assert_no_error(error);

    hid_t file = H5Fopen(f->path, H5F_ACC_RDONLY, H5P_DEFAULT);
    g_assert_cmpint(file, >=, 0);
    check_rows(file, paths, 1, 0);
    check_storage(file, paths[0]);
    H5Fclose(file);
}

static void test_no_commit(Fixture *f, gconstpointer data)
{
    (void)data;
    GError *error = NULL;
    CirrusH5 *h = cirrus_h5_open(f->path, &error);
    g_assert_no_error(error);
    char *tmp = g_strdup(cirrus_h5_temp_path(h));
    cirrus_h5_add_series(h, "/components/a", "busy");
    append_rows(h, 1, 3000); /* some blocks already on disk */
    g_assert_true(cirrus_h5_attr_double(h, "x", 1.0, &error));

    g_assert_true(cirrus_h5_close(h, FALSE, &error));
    g_assert_no_error(error);
    g_assert_false(g_file_test(f->path, G_FILE_TEST_EXISTS));
    g_assert_false(g_file_test(tmp, G_FILE_TEST_EXISTS));
    char *listing = dir_listing(f->dir);
    g_assert_cmpstr(listing, ==, "");
    g_free(listing);
    g_free(tmp);
}

static void test_open_fails(Fixture *f, gconstpointer data)
{
    (void)data;
    char *path = g_build_filename(f->dir, "no-such-dir", "out.h5", NULL);
    GError *error = NULL;
    CirrusH5 *h = cirrus_h5_open(path, &error);
    g_assert_null(h);
    g_assert_error(error, CIRRUS_ERROR, CIRRUS_ERROR_IO);
    g_assert_nonnull(strstr(error->message, path));
    g_assert_nonnull(strstr(error->message, g_strerror(ENOENT)));
    g_clear_error(&error);
    g_free(path);
    char *listing = dir_listing(f->dir);
    g_assert_cmpstr(listing, ==, "");
    g_free(listing);
}

#define PRECIOUS "an earlier run's results\n"

static void write_precious(const char *path)
{
    GError *error = NULL;
    g_assert_true(g_file_set_contents(path, PRECIOUS, -1, &error));
    g_assert_no_error(error);
}

static void assert_precious(const char *path)
{
    char *contents = NULL;
    GError *error = NULL;
    g_assert_true(g_file_get_contents(path, &contents, NULL, &error));
    g_assert_no_error(error);
    g_assert_cmpstr(contents, ==, PRECIOUS);
    g_free(contents);
}

/* An existing file at the final path survives a run that does not commit,
 * and is replaced by one that does. */
static void test_existing_untouched(Fixture *f, gconstpointer data)
{
    (void)data;
    write_precious(f->path);
    GError *error = NULL;
    CirrusH5 *h = cirrus_h5_open(f->path, &error);
    g_assert_no_error(error);
    cirrus_h5_add_series(h, "/components/a", "busy");
    append_rows(h, 1, 2000);
    assert_precious(f->path); /* not even while running */
    g_assert_true(cirrus_h5_close(h, FALSE, &error));
    g_assert_no_error(error);
    assert_precious(f->path);
    char *listing = dir_listing(f->dir);
    g_assert_cmpstr(listing, ==, "out.h5");
    g_free(listing);

    h = cirrus_h5_open(f->path, &error);
    g_assert_no_error(error);
    append_rows(h, 0, 10);
    g_assert_true(cirrus_h5_close(h, TRUE, &error));
    g_assert_no_error(error);
    g_assert_cmpint(H5Fis_hdf5(f->path), >, 0);
}

/* The rename fails (the final path is a non-empty directory): the commit
 * reports an IO error naming the path, the temporary file is gone and the
 * directory is untouched. */
static void test_commit_fails(Fixture *f, gconstpointer data)
{
    (void)data;
    g_assert_cmpint(g_mkdir(f->path, 0700), ==, 0);
    char *inside = g_build_filename(f->path, "keep", NULL);
    write_precious(inside);

    GError *error = NULL;
    CirrusH5 *h = cirrus_h5_open(f->path, &error);
    g_assert_no_error(error);
    char *tmp = g_strdup(cirrus_h5_temp_path(h));
    cirrus_h5_add_series(h, "/components/a", "busy");
    append_rows(h, 1, 100);
    g_assert_false(cirrus_h5_close(h, TRUE, &error));
    g_assert_error(error, CIRRUS_ERROR, CIRRUS_ERROR_IO);
    g_assert_nonnull(strstr(error->message, f->path));
    g_clear_error(&error);

    g_assert_false(g_file_test(tmp, G_FILE_TEST_EXISTS));
    assert_precious(inside);
    char *listing = dir_listing(f->dir);
    g_assert_cmpstr(listing, ==, "out.h5");
    g_free(listing);
    g_free(inside);
    g_free(tmp);
}

/* An HDF5 failure (a series whose path runs through another series'
 * dataset) surfaces as an IO error at the first append, and the broken
 * file is neither committed nor left behind. */
static void test_hdf5_failure(Fixture *f, gconstpointer data)
{
    (void)data;
    write_precious(f->path);
    GError *error = NULL;
    CirrusH5 *h = cirrus_h5_open(f->path, &error);
    g_assert_no_error(error);
    char *tmp = g_strdup(cirrus_h5_temp_path(h));
    cirrus_h5_add_series(h, "/x", "y");
    cirrus_h5_add_series(h, "/x/y", "z");
    const double values[2] = { 1, 2 };
    g_assert_false(cirrus_h5_append(h, 0.0, values, 2, &error));
    g_assert_error(error, CIRRUS_ERROR, CIRRUS_ERROR_IO);
    g_assert_nonnull(strstr(error->message, f->path));
    g_assert_nonnull(strstr(error->message, "/x/y/z"));
    g_clear_error(&error);

    /* Sticky: no more rows, and no commit. */
    g_assert_false(cirrus_h5_append(h, 1.0, values, 2, &error));
    g_assert_error(error, CIRRUS_ERROR, CIRRUS_ERROR_IO);
    g_clear_error(&error);
    g_assert_false(cirrus_h5_close(h, TRUE, &error));
    g_assert_error(error, CIRRUS_ERROR, CIRRUS_ERROR_IO);
    g_assert_nonnull(strstr(error->message, f->path));
    g_clear_error(&error);

    g_assert_false(g_file_test(tmp, G_FILE_TEST_EXISTS));
    assert_precious(f->path);
    g_free(tmp);
}

/* The disk fills up mid-run (simulated with a file-size limit, which makes
 * write() fail with EFBIG): the error surfaces as an IO error naming the
 * path, at an append or at the latest at close, and nothing is committed.
 * Also guards the H5dont_atexit() workaround in h5out.c: without it this
 * process would pass every assertion and then crash at exit. */
static void test_write_fails(Fixture *f, gconstpointer data)
{
    (void)data;
    struct rlimit saved;
    g_assert_cmpint(getrlimit(RLIMIT_FSIZE, &saved), ==, 0);
    if (saved.rlim_max != RLIM_INFINITY && saved.rlim_max < 64 * 1024) {
        g_test_skip("file size limit already too low");
        return;
    }
    void (*old_handler)(int) = signal(SIGXFSZ, SIG_IGN); /* EFBIG, not death */
    struct rlimit low = saved;
    low.rlim_cur = 64 * 1024;
    g_assert_cmpint(setrlimit(RLIMIT_FSIZE, &low), ==, 0);

    GError *error = NULL;
    CirrusH5 *h = cirrus_h5_open(f->path, &error);
    g_assert_no_error(error);
    char *tmp = g_strdup(cirrus_h5_temp_path(h));
    for (guint s = 0; s < 4; s++) {
        char *name = g_strdup_printf("s%u", s);
        cirrus_h5_add_series(h, "/components/a", name);
        g_free(name);
    }
    /* ~3 MiB of values that do not compress to under 64 KiB. */
    double values[4];
    gboolean ok = TRUE;
    for (guint r = 0; ok && r < 100000; r++) {
        for (guint s = 0; s < 4; s++)
            values[s] = value_at(s, r) * 1.000000001;
        ok = cirrus_h5_append(h, time_at(r), values, 4, &error);
    }
    if (!ok) {
        g_assert_error(error, CIRRUS_ERROR, CIRRUS_ERROR_IO);
        g_assert_nonnull(strstr(error->message, f->path));
        g_test_message("append failed: %s", error->message);
        g_clear_error(&error);
    }
    gboolean committed = cirrus_h5_close(h, TRUE, &error);

    g_assert_cmpint(setrlimit(RLIMIT_FSIZE, &saved), ==, 0);
    signal(SIGXFSZ, old_handler);

    g_assert_false(committed);
    g_assert_error(error, CIRRUS_ERROR, CIRRUS_ERROR_IO);
    g_assert_nonnull(strstr(error->message, f->path));
    g_test_message("close failed: %s", error->message);
    g_clear_error(&error);
    g_assert_false(g_file_test(f->path, G_FILE_TEST_EXISTS));
    g_assert_false(g_file_test(tmp, G_FILE_TEST_EXISTS));
    g_free(tmp);
}

/* Programming errors abort in a child process.  The child writes into
 * the parent's temporary directory (passed in the environment, which the
 * child inherits) because it dies before it could clean up one of its own. */
#define TRAP_DIR_ENV "CIRRUS_TEST_H5OUT_DIR"

static CirrusH5 *child_open(void)
{
    const char *dir = g_getenv(TRAP_DIR_ENV);
    g_assert_nonnull(dir);
    char *path = g_build_filename(dir, "out.h5", NULL);
    CirrusH5 *h = cirrus_h5_open(path, NULL);
    g_assert_nonnull(h);
    g_free(path);
    return h;
}

static void run_trapped(const char *expect_stderr)
{
    GError *error = NULL;
    char *dir = g_dir_make_tmp("cirrus-h5out-XXXXXX", &error);
    g_assert_no_error(error);
    g_setenv(TRAP_DIR_ENV, dir, TRUE);
    g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
    g_unsetenv(TRAP_DIR_ENV);
    remove_tree(dir);
    g_free(dir);
    g_test_trap_assert_failed();
    g_test_trap_assert_stderr(expect_stderr);
}

/* Declaring a series after rows exist would make it shorter than /time. */
static void test_add_series_late(void)
{
    if (g_test_subprocess()) {
        CirrusH5 *h = child_open();
        cirrus_h5_add_series(h, "/a", "b");
        const double v = 1.0;
        cirrus_h5_append(h, 0.0, &v, 1, NULL);
        cirrus_h5_add_series(h, "/a", "c"); /* aborts: criticals are fatal in tests */
        cirrus_h5_close(h, FALSE, NULL);
        return;
    }
    run_trapped("*started*");
}

/* The same dataset twice, however the group is spelled. */
static void test_duplicate_series(void)
{
    if (g_test_subprocess()) {
        CirrusH5 *h = child_open();
        cirrus_h5_add_series(h, "/a", "b");
        cirrus_h5_add_series(h, "//a/", "b");
        cirrus_h5_close(h, FALSE, NULL);
        return;
    }
    run_trapped("*'/a/b' declared twice*");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    /* Failures here are asserted on, not printed. */
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);

#define ADD(name, fn) g_test_add("/sim/h5out/" name, Fixture, NULL, fixture_setup, fn, fixture_teardown)
    ADD("roundtrip", test_roundtrip);
    ADD("many-rows", test_many_rows);
    ADD("empty", test_empty);
    ADD("no-commit", test_no_commit);
    ADD("open-fails", test_open_fails);
    ADD("existing-untouched", test_existing_untouched);
    ADD("commit-fails", test_commit_fails);
    ADD("hdf5-failure", test_hdf5_failure);
    ADD("write-fails", test_write_fails);
#undef ADD
    g_test_add_func("/sim/h5out/add-series-late", test_add_series_late);
    g_test_add_func("/sim/h5out/duplicate-series", test_duplicate_series);
    return g_test_run();
}
