/*
 * confirm.c - asking before a command changes an org (see confirm.h).
 *
 * A terminal means both ends of the conversation are one: stdin to read
 * the answer and stderr to ask (stdout may be a pipe or carry --json).
 * Only "y" or "yes", in any case, is a yes; an empty line, anything else
 * or the end of the input is a no.
 */
#include "cli/confirm.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "util/compat.h"

/* Longer answers are read to the end of the line and are a no. */
#define ANSWER_MAX 32

/* True for "y" or "yes" in any case, with white space around. */
static bool is_yes(const char *s)
{
	size_t n;

	while (*s == ' ' || *s == '\t')
		s++;
	n = strlen(s);
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		n--;
	if (n == 1)
		return tolower((unsigned char)s[0]) == 'y';
	if (n == 3)
		return tolower((unsigned char)s[0]) == 'y' &&
		       tolower((unsigned char)s[1]) == 'e' &&
		       tolower((unsigned char)s[2]) == 's';
	return false;
}

int c2e_confirm(struct c2e_out *out, bool yes, const char *question,
                struct c2e_err *err)
{
	FILE *ef = out && out->errf ? out->errf : stderr;
	char line[ANSWER_MAX];
	bool whole_line;
	int c;

	if (yes)
		return C2E_OK;
	if (!isatty(STDIN_FILENO) || !isatty(STDERR_FILENO))
		return c2e_err_set(err, C2E_EUSAGE,
		                   "this command changes the org and needs "
		                   "confirmation: there is no terminal to ask "
		                   "on, so add --yes to proceed");
	fprintf(ef, "ca2eca: %s [y/N] ", question);
	fflush(ef);
	if (!fgets(line, sizeof(line), stdin)) {
		fputc('\n', ef); /* end of input: close the prompt's line */
		fflush(ef);
		return c2e_err_set(err, C2E_EUSAGE,
		                   "not confirmed: nothing was changed");
	}
	/* without a newline the answer ended the input, or was cut short */
	whole_line = strchr(line, '\n') != NULL || feof(stdin);
	if (!whole_line) {
		/* too long to be a yes: drop the rest of the line */
		do
			c = getchar();
		while (c != EOF && c != '\n');
	}
	if (!whole_line || !is_yes(line))
		return c2e_err_set(err, C2E_EUSAGE,
		                   "not confirmed: nothing was changed");
	return C2E_OK;
}
