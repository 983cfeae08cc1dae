/*
 * confirm.h - asking before a command changes an org.
 *
 * On a terminal (stdin and stderr are ttys) the question is asked on
 * stderr and answered on stdin; --yes answers it.  Without a terminal
 * ca2eca never waits on a prompt: it goes on only with --yes, and says
 * so otherwise.
 */
#ifndef C2E_CLI_CONFIRM_H
#define C2E_CLI_CONFIRM_H

#include <stdbool.h>

#include "cli/out.h"
#include "util/err.h"

/*
 * `question` is one line ending in "?" (e.g. "Create 10 components in org
 * 00D... and repoint 1 channel definition?").  Returns C2E_OK when the
 * answer is yes (or `yes` was given); C2E_EUSAGE when there is no
 * terminal and no --yes ("... add --yes to proceed"), or when the user
 * answered no ("not confirmed: nothing was changed").
 */
C2E_MUST_CHECK int c2e_confirm(struct c2e_out *out, bool yes,
                               const char *question, struct c2e_err *err);

#endif
