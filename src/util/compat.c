#include "util/compat.h"

#include <string.h>

void c2e_wipe(void *p, size_t n)
{
	volatile unsigned char *v = p;

	while (n--)
		*v++ = 0;
}
