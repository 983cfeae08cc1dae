/*
 * mdtype.h - metadata types as files: directory and suffix per type, as
 * in the source-deploy-retrieve registry (forcedotcom/source-deploy-
 * retrieve src/registry/metadataRegistry.json).
 */
#ifndef C2E_MODEL_MDTYPE_H
#define C2E_MODEL_MDTYPE_H

#include <stdbool.h>
#include <stddef.h>

struct c2e_mdtype {
	const char *name; /* "ExtlClntAppGlobalOauthSettings" */
	const char *dir; /* "extlClntAppGlobalOauthSets" */
	const char *suffix; /* "ecaGlblOauth" */
};

/* Every type ca2eca reads or writes. */
extern const struct c2e_mdtype c2e_mdtypes[];
extern const size_t c2e_n_mdtypes;

const struct c2e_mdtype *c2e_mdtype_find(const char *name);

/*
 * Recognises a file name of a known type, in source format
 * (`X.<suffix>-meta.xml`) or metadata format (`X.<suffix>`).  Sets the
 * type, the full name length (the `X` part) and whether it is source
 * format.  Returns NULL when the name is not a metadata file we know.
 */
const struct c2e_mdtype *c2e_mdtype_from_filename(const char *filename,
                                                  size_t *name_len_out,
                                                  bool *source_format_out);

#endif
