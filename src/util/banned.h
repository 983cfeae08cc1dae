/*
 * banned.h - functions this project must not call (after git's banned.h).
 * Unbounded copies, non-reentrant time functions, string-to-number calls
 * without error checks, and shell-outs.
 */
#ifndef C2E_UTIL_BANNED_H
#define C2E_UTIL_BANNED_H

#define C2E_BANNED(func) sorry_##func##_is_a_banned_function

#undef strcpy
#define strcpy(x, y) C2E_BANNED(strcpy)
#undef strcat
#define strcat(x, y) C2E_BANNED(strcat)
#undef strncpy
#define strncpy(x, y, n) C2E_BANNED(strncpy)
#undef strncat
#define strncat(x, y, n) C2E_BANNED(strncat)
#undef sprintf
#define sprintf(...) C2E_BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) C2E_BANNED(vsprintf)
#undef strtok
#define strtok(x, y) C2E_BANNED(strtok)
#undef gets
#define gets(x) C2E_BANNED(gets)
#undef atoi
#define atoi(x) C2E_BANNED(atoi)
#undef atol
#define atol(x) C2E_BANNED(atol)
#undef gmtime
#define gmtime(x) C2E_BANNED(gmtime)
#undef localtime
#define localtime(x) C2E_BANNED(localtime)
#undef ctime
#define ctime(x) C2E_BANNED(ctime)
#undef asctime
#define asctime(x) C2E_BANNED(asctime)
#undef mktemp
#define mktemp(x) C2E_BANNED(mktemp)
#undef system
#define system(x) C2E_BANNED(system)
#undef popen
#define popen(x, y) C2E_BANNED(popen)

#endif
