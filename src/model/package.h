/*
 * package.h - package.xml manifests (Package: types/members, version).
 */
#ifndef C2E_MODEL_PACKAGE_H
#define C2E_MODEL_PACKAGE_H

#include <stddef.h>

#include "util/buf.h"
#include "util/err.h"
#include "util/str.h"

struct c2e_package_type {
	char *name;
	struct c2e_strv members;
};

struct c2e_package {
	struct c2e_package_type *types;
	size_t n_types;
	char *version;
};

/* An empty manifest for API `version` ("66.0"). */
C2E_MUST_CHECK int c2e_package_new(const char *version,
                                   struct c2e_package **out,
                                   struct c2e_err *err);
/* Parses an existing package.xml; `path` names it in messages. */
C2E_MUST_CHECK int c2e_package_parse(const char *data, size_t len,
                                     const char *path, struct c2e_package **out,
                                     struct c2e_err *err);
/* Adds a member (no duplicates). */
C2E_MUST_CHECK int c2e_package_add(struct c2e_package *pkg, const char *type,
                                   const char *member, struct c2e_err *err);
/* Writes types sorted by name, members sorted, then the version. */
C2E_MUST_CHECK int c2e_package_write(const struct c2e_package *pkg,
                                     struct c2e_buf *out, struct c2e_err *err);
void c2e_package_free(struct c2e_package *pkg);

#endif
