/*
 * compat.h - small portability helpers and the list of banned functions.
 * Include it last in every .c file of the project.
 */
#ifndef C2E_UTIL_COMPAT_H
#define C2E_UTIL_COMPAT_H

#include <stddef.h>

/* Overwrites `n` bytes at `p` in a way the compiler may not elide. */
void c2e_wipe(void *p, size_t n);

#define C2E_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#include "util/banned.h"

#endif
