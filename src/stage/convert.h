/*
 * convert.h - the offline stage: a retrieved project's connected apps
 * become External Client App metadata files, with a report per app.
 *
 * Nothing is written until every input has been read, parsed and mapped
 * and every output path checked; then files are written one by one
 * through atomic renames.
 */
#ifndef C2E_STAGE_CONVERT_H
#define C2E_STAGE_CONVERT_H

#include <stdbool.h>
#include <stddef.h>

#include "model/mapping.h"
#include "util/err.h"
#include "util/str.h"

#define C2E_DEFAULT_API_VERSION "66.0"

struct c2e_convert_opts {
	const char *project; /* --project DIR */
	const char *out; /* --out DIR; NULL: the project itself */
	const struct c2e_strv *apps; /* --app NAME...; NULL or empty: all */
	const char *name_template; /* --name */
	const char *distribution; /* --distribution */
	bool dry_run;
	bool force;
};

struct c2e_convert_app {
	char *source_path; /* the connected app file, relative to project */
	struct c2e_mapping *mapping;
	struct c2e_strv ccds; /* CCD developer names that share the prefix */
	/* CCDs with the prefix that other connected apps have too */
	struct c2e_strv ambiguous_ccds;
	struct c2e_strv files; /* output files, relative to the out dir */
	bool written; /* its files were (or, dry run, would be) written */
};

struct c2e_convert_result {
	char *project;
	char *out;
	bool source_format;
	bool dry_run;
	struct c2e_convert_app *apps; /* sorted by connected app name */
	size_t n_apps;
	size_t n_converted;
	size_t n_blocked;
	char *manifest; /* package.xml path relative to out, or NULL */
	bool manifest_merged; /* an existing package.xml was extended */
	struct c2e_strv
	        extra_files; /* other files written (sfdx-project.json) */
};

C2E_MUST_CHECK int c2e_convert(const struct c2e_convert_opts *opts,
                               struct c2e_convert_result **out,
                               struct c2e_err *err);
void c2e_convert_result_free(struct c2e_convert_result *r);

#endif
