/*
 * manifest.h - the list of orgs a batch works on.
 *
 * A CSV file (RFC 4180: a header line, commas, double quotes around
 * fields that hold commas, quotes or line breaks, "" for a quote inside)
 * that admins edit in a spreadsheet or a text editor.  Blank lines and
 * lines starting with '#' are skipped.  Columns (by header name, any
 * order; unknown columns are an error):
 *
 *   alias        required, unique: letters, digits, '-', '_', '.'
 *   auth_file    the `sf org display --json --verbose` file, or
 *   login_url, client_id, username, jwt_key
 *                the admin's JWT bearer login (all four)
 *   apps         connected apps to migrate, separated by ';' (empty:
 *                every one that can be migrated)
 *   verify_user  the user that verifies the new ECAs
 *   verify_key   the private key matching the apps' certificate
 *   ccd          auto (default) or manual
 *
 * Relative paths are relative to the manifest's directory.  A bad line is
 * C2E_EDATA naming the manifest, the line number and the column.
 */
#ifndef C2E_MODEL_MANIFEST_H
#define C2E_MODEL_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>

#include "util/buf.h"
#include "util/err.h"
#include "util/str.h"

struct c2e_manifest_org {
	long line; /* line number in the manifest (1-based) */
	char *alias;
	char *auth_file; /* absolute or relative to the cwd; NULL if none */
	char *login_url;
	char *client_id;
	char *username;
	char *jwt_key;
	struct c2e_strv apps;
	char *verify_user;
	char *verify_key;
	bool ccd_manual;
	char *raw; /* the line as written (for retry manifests) */
};

struct c2e_manifest {
	char *path;
	char *header; /* the header line as written */
	struct c2e_manifest_org *orgs;
	size_t n;
};

C2E_MUST_CHECK int c2e_manifest_parse(const char *data, size_t len,
                                      const char *path,
                                      struct c2e_manifest **out,
                                      struct c2e_err *err);
C2E_MUST_CHECK int c2e_manifest_read(const char *path,
                                     struct c2e_manifest **out,
                                     struct c2e_err *err);
void c2e_manifest_free(struct c2e_manifest *m);

/*
 * The shard of an org: a stable function of its alias alone (FNV-1a), so
 * the N shards of a manifest cover every org exactly once whatever the
 * order of its lines.  `index` is 1-based.
 */
bool c2e_manifest_in_shard(const char *alias, unsigned index, unsigned count);
/* "I/N" -> index and count; -1 when malformed or I not in 1..N. */
int c2e_shard_parse(const char *s, unsigned *index_out, unsigned *count_out);

/*
 * A manifest with the same header and only the given orgs' lines, so a
 * retry can be fed straight back to `ca2eca batch`.
 */
C2E_MUST_CHECK int c2e_manifest_write_subset(const struct c2e_manifest *m,
                                             const bool *keep,
                                             struct c2e_buf *out,
                                             struct c2e_err *err);

#endif
