#include "util/compat.h"

#include <string.h>

void c2e_wipe(void *p, size_t n)
{
	/* glibc's explicit_bzero: memset's speed, never elided */
	if (n)
		explicit_bzero(p, n);
}
