/*
 * project.h - a retrieved Salesforce project on disk.
 *
 * Two layouts are understood:
 *  - source format (SFDX): sfdx-project.json names the package
 *    directories; files are X.<suffix>-meta.xml anywhere below them;
 *  - metadata format: a directory holding package.xml (the project
 *    itself, or its src/), files are <dir>/X.<suffix>.
 */
#ifndef C2E_MODEL_PROJECT_H
#define C2E_MODEL_PROJECT_H

#include <stdbool.h>
#include <stddef.h>

#include "model/mdtype.h"
#include "util/err.h"
#include "util/str.h"

struct c2e_project_file {
	char *rel_path; /* relative to the project root */
	char *full_name; /* component name from the file name */
	const struct c2e_mdtype *mdtype;
};

struct c2e_project {
	char *root; /* as given */
	bool source_format; /* SFDX source format, else metadata format */
	char *mdapi_root; /* metadata format: "src" or "." */
	struct c2e_strv package_dirs; /* source format: from sfdx-project.json */
	struct c2e_project_file *files; /* every metadata file we know */
	size_t n_files;
	size_t alloc;
};

/*
 * Opens a project: finds its layout and lists its metadata files, sorted
 * by type and name.  A directory that is neither layout is C2E_EDATA
 * naming it.
 */
C2E_MUST_CHECK int c2e_project_open(const char *dir, struct c2e_project **out,
                                    struct c2e_err *err);
void c2e_project_free(struct c2e_project *p);

/* The next file of type `type_name` after index `*i` (start at 0). */
const struct c2e_project_file *
c2e_project_next(const struct c2e_project *p, const char *type_name, size_t *i);

/*
 * Where a new component of `mdtype` named `name` goes, relative to the
 * project root, next to `sibling` (a file of the same project, e.g. the
 * connected app it comes from).  Caller frees.
 */
C2E_MUST_CHECK int c2e_project_path_for(const struct c2e_project *p,
                                        const struct c2e_project_file *sibling,
                                        const struct c2e_mdtype *mdtype,
                                        const char *name, char **out,
                                        struct c2e_err *err);

/* Where the package.xml listing new components goes (relative). */
const char *c2e_project_manifest_path(const struct c2e_project *p);

#endif
