/*
 * fs.h - files and directories: capped reads, atomic writes, listings.
 * Every message names the path it is about.
 */
#ifndef C2E_UTIL_FS_H
#define C2E_UTIL_FS_H

#include <stdbool.h>
#include <stddef.h>

#include "util/buf.h"
#include "util/err.h"
#include "util/str.h"

/*
 * Reads the whole file into `out` (appending).  A missing or unreadable
 * file, a directory, or one larger than `max` bytes is C2E_EDATA.
 */
C2E_MUST_CHECK int c2e_fs_read(const char *path, size_t max,
                               struct c2e_buf *out, struct c2e_err *err);

/*
 * Writes `len` bytes to `path` through a temporary file in the same
 * directory, fsync and rename, so readers see the old or the new file and
 * never a torn one.  `mode` applies to a newly created file.
 */
C2E_MUST_CHECK int c2e_fs_write_atomic(const char *path, const void *data,
                                       size_t len, unsigned int mode,
                                       struct c2e_err *err);
/*
 * The same without the fsync, for a file that only summarizes what is
 * durable elsewhere: running processes still see the old or the new file,
 * but after a power cut it may be empty or missing, and its readers must
 * accept that.
 */
C2E_MUST_CHECK int c2e_fs_write_atomic_lazy(const char *path, const void *data,
                                            size_t len, unsigned int mode,
                                            struct c2e_err *err);

/* mkdir -p.  Existing directories are fine. */
C2E_MUST_CHECK int c2e_fs_mkdirs(const char *path, struct c2e_err *err);

bool c2e_fs_exists(const char *path);
bool c2e_fs_is_dir(const char *path);
bool c2e_fs_is_file(const char *path);

/* Names in `dir` (no "." or ".."), sorted bytewise. */
C2E_MUST_CHECK int c2e_fs_list(const char *dir, struct c2e_strv *out,
                               struct c2e_err *err);

/* "a" + "/" + "b"; NULL when out of memory.  Caller frees. */
char *c2e_path_join(const char *a, const char *b);

/* The last component of `path` (borrowed, points into `path`). */
const char *c2e_path_base(const char *path);

/* The directory part of `path` ("." when there is none).  Caller frees. */
char *c2e_path_dir(const char *path);

#endif
