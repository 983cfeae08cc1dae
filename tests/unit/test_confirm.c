/*
 * test_confirm.c - the confirmation prompt (src/cli/confirm.c, compiled
 * into this test with out.c and exit.c: it belongs to the executable).
 *
 * Without a terminal: stdin is pointed at /dev/null.  With one: a child
 * process gets a pseudo-terminal as stdin (and stderr), and the parent
 * reads the prompt and types the answer, as a person would.
 */
#define _XOPEN_SOURCE 700 /* posix_openpt, grantpt, unlockpt, ptsname */

#include "test.h"
#include "cli/confirm.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util/compat.h"

#define QUESTION "Create 10 components in org 00D000000000001?"
#define PROMPT   "ca2eca: " QUESTION " [y/N] "
#define NO_TTY                                                  \
	"this command changes the org and needs confirmation: " \
	"there is no terminal to ask on, so add --yes to proceed"
#define NOT_CONFIRMED "not confirmed: nothing was changed"

/* How long the child may take to ask and to answer. */
#define PTY_TIMEOUT_MS 20000

/* The size of a stdio stream's contents. */
static long stream_size(FILE *f)
{
	fflush(f);
	return ftell(f);
}

/* Runs c2e_confirm with stdin on /dev/null; stderr is captured. */
static int confirm_no_stdin(bool json, bool yes, struct c2e_err *err,
                            long *stderr_bytes)
{
	struct c2e_out out;
	FILE *cap = tmpfile();
	int saved = dup(STDIN_FILENO);
	int nul = open("/dev/null", O_RDONLY);
	int rc;

	ASSERT_NOT_NULL(cap);
	ASSERT(saved >= 0 && nul >= 0);
	ASSERT(dup2(nul, STDIN_FILENO) == STDIN_FILENO);
	close(nul);
	c2e_out_init(&out, json);
	out.errf = cap;
	rc = c2e_confirm(&out, yes, QUESTION, err);
	ASSERT(dup2(saved, STDIN_FILENO) == STDIN_FILENO);
	close(saved);
	*stderr_bytes = stream_size(cap);
	fclose(cap);
	c2e_out_release(&out);
	return rc;
}

static void test_confirm__yes_goes_on_without_asking(void)
{
	struct c2e_err err = C2E_ERR_INIT;
	long written = -1;

	ASSERT_OK(confirm_no_stdin(false, true, &err, &written), &err);
	ASSERT_INT_EQ(written, 0);
	ASSERT_OK(confirm_no_stdin(true, true, &err, &written), &err);
	ASSERT_INT_EQ(written, 0);
}

static void test_confirm__no_terminal_needs_yes(void)
{
	struct c2e_err err = C2E_ERR_INIT;
	long written = -1;

	ASSERT_INT_EQ(confirm_no_stdin(false, false, &err, &written),
	              C2E_EUSAGE);
	ASSERT_STR_EQ(err.msg, NO_TTY);
	ASSERT_INT_EQ(written, 0); /* never a prompt nobody can answer */
	c2e_err_clear(&err);
	ASSERT_INT_EQ(confirm_no_stdin(true, false, &err, &written),
	              C2E_EUSAGE);
	ASSERT_STR_EQ(err.msg, NO_TTY);
	ASSERT_INT_EQ(written, 0);
}

/* --- on a pseudo-terminal --- */

enum pty_mode {
	PTY_TEXT, /* text mode, stdin and stderr on the terminal */
	PTY_JSON, /* --json mode, the same */
	PTY_NO_OUT, /* no struct c2e_out: stderr itself */
	PTY_STDIN_ONLY /* stderr is not the terminal */
};

struct pty_result {
	int rc;
	char msg[C2E_ERR_MSG_MAX];
	char screen[4096]; /* what the terminal showed */
	size_t screen_len;
};

/* Child: answers c2e_confirm on the terminal `slave`; reports on `fd`. */
static void child(const char *slave, enum pty_mode mode, int fd)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_out out;
	int s = open(slave, O_RDWR);
	int nul = open("/dev/null", O_WRONLY);
	int rc;

	if (s < 0 || nul < 0 || dup2(s, STDIN_FILENO) < 0 ||
	    dup2(mode == PTY_STDIN_ONLY ? nul : s, STDERR_FILENO) < 0)
		_exit(99);
	c2e_out_init(&out, mode == PTY_JSON);
	rc = c2e_confirm(mode == PTY_NO_OUT ? NULL : &out, false, QUESTION,
	                 &err);
	if (write(fd, &rc, sizeof(rc)) != (ssize_t)sizeof(rc) ||
	    write(fd, err.msg, sizeof(err.msg)) != (ssize_t)sizeof(err.msg))
		_exit(98);
	c2e_out_release(&out);
	_exit(0);
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Reads what the terminal shows into r->screen until it holds `until`
 * (NULL: until the child has closed the terminal).  False on timeout.
 */
static bool read_screen(int master, struct pty_result *r, const char *until)
{
	long deadline = now_ms() + PTY_TIMEOUT_MS;

	for (;;) {
		struct pollfd p = { master, POLLIN, 0 };
		long left = deadline - now_ms();
		ssize_t n;

		if (until && strstr(r->screen, until))
			return true;
		if (left <= 0)
			return false;
		if (poll(&p, 1, (int)left) <= 0)
			continue;
		n = read(master, r->screen + r->screen_len,
		         sizeof(r->screen) - 1 - r->screen_len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) /* EIO: the child closed the terminal */
			return until == NULL;
		r->screen_len += (size_t)n;
		r->screen[r->screen_len] = '\0';
		if (r->screen_len == sizeof(r->screen) - 1)
			return false;
	}
}

/* Runs the prompt in a child on a new terminal and types `answer`. */
static void run_on_pty(enum pty_mode mode, const char *answer,
                       struct pty_result *r)
{
	int master, fds[2], status = 0;
	const char *slave;
	bool asked;
	pid_t pid;

	memset(r, 0, sizeof(*r));
	master = posix_openpt(O_RDWR | O_NOCTTY);
	ASSERT(master >= 0);
	ASSERT(grantpt(master) == 0 && unlockpt(master) == 0);
	slave = ptsname(master);
	ASSERT_NOT_NULL(slave);
	ASSERT(pipe(fds) == 0);
	fflush(NULL);
	pid = fork();
	ASSERT(pid >= 0);
	if (pid == 0) {
		close(master);
		close(fds[0]);
		child(slave, mode, fds[1]);
	}
	close(fds[1]);
	asked = mode == PTY_STDIN_ONLY || read_screen(master, r, "[y/N] ");
	if (asked && mode != PTY_STDIN_ONLY &&
	    write(master, answer, strlen(answer)) != (ssize_t)strlen(answer))
		asked = false;
	if (!asked) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		close(master);
		close(fds[0]);
		test__fail(__FILE__, __LINE__,
		           "no prompt; the terminal "
		           "showed: \"%s\"",
		           r->screen);
	}
	if (read(fds[0], &r->rc, sizeof(r->rc)) != (ssize_t)sizeof(r->rc) ||
	    read(fds[0], r->msg, sizeof(r->msg)) != (ssize_t)sizeof(r->msg))
		r->rc = 12345;
	r->msg[sizeof(r->msg) - 1] = '\0';
	ASSERT(waitpid(pid, &status, 0) == pid);
	read_screen(master, r, NULL); /* the echo, and what came after */
	close(master);
	close(fds[0]);
	ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void expect_answer(int line, enum pty_mode mode, const char *answer,
                          bool confirmed)
{
	struct pty_result r;

	run_on_pty(mode, answer, &r);
	if (strncmp(r.screen, PROMPT, strlen(PROMPT)) != 0)
		test__fail(__FILE__, line, "prompt: got \"%s\"", r.screen);
	if (confirmed && r.rc != C2E_OK)
		test__fail(__FILE__, line, "answer \"%s\": rc %d: %s", answer,
		           r.rc, r.msg);
	if (!confirmed &&
	    (r.rc != C2E_EUSAGE || strcmp(r.msg, NOT_CONFIRMED) != 0))
		test__fail(__FILE__, line, "answer \"%s\": rc %d: \"%s\"",
		           answer, r.rc, r.msg);
}

#define EXPECT_YES(mode, answer) expect_answer(__LINE__, mode, answer, true)
#define EXPECT_NO(mode, answer)  expect_answer(__LINE__, mode, answer, false)

static void test_confirm__terminal_yes(void)
{
	EXPECT_YES(PTY_TEXT, "y\n");
	EXPECT_YES(PTY_TEXT, "Y\n");
	EXPECT_YES(PTY_TEXT, "yes\n");
	EXPECT_YES(PTY_TEXT, "YeS\n");
	EXPECT_YES(PTY_TEXT, "  yes \t\n");
	/* "y" and then the end of the input (^D twice) */
	EXPECT_YES(PTY_TEXT, "y\x04\x04");
	/* --json still asks on the terminal (stderr) */
	EXPECT_YES(PTY_JSON, "y\n");
	EXPECT_YES(PTY_NO_OUT, "yes\n");
}

static void test_confirm__terminal_no(void)
{
	char long_yes[200];

	EXPECT_NO(PTY_TEXT, "n\n");
	EXPECT_NO(PTY_TEXT, "no\n");
	EXPECT_NO(PTY_TEXT, "\n"); /* the default is no */
	EXPECT_NO(PTY_TEXT, "yess\n");
	EXPECT_NO(PTY_TEXT, "y es\n");
	EXPECT_NO(PTY_TEXT, "ja\n");
	EXPECT_NO(PTY_TEXT, "\x04"); /* end of input (^D) */
	EXPECT_NO(PTY_JSON, "N\n");
	memset(long_yes, 'y', sizeof(long_yes) - 2);
	long_yes[sizeof(long_yes) - 2] = '\n';
	long_yes[sizeof(long_yes) - 1] = '\0';
	EXPECT_NO(PTY_TEXT, long_yes);
}

static void test_confirm__terminal_prompt_and_end_of_input(void)
{
	struct pty_result r;

	/* the question on one line, the answer echoed after it */
	run_on_pty(PTY_TEXT, "y\n", &r);
	ASSERT_INT_EQ(r.rc, C2E_OK);
	ASSERT_STR_EQ(r.screen, PROMPT "y\r\n");
	/* at the end of the input the prompt's line is ended */
	run_on_pty(PTY_TEXT, "\x04", &r);
	ASSERT_INT_EQ(r.rc, C2E_EUSAGE);
	ASSERT(r.screen_len > 0 && r.screen[r.screen_len - 1] == '\n');
	/* a terminal on stdin alone is not enough: nobody sees the prompt */
	run_on_pty(PTY_STDIN_ONLY, "", &r);
	ASSERT_INT_EQ(r.rc, C2E_EUSAGE);
	ASSERT_STR_EQ(r.msg, NO_TTY);
	ASSERT_INT_EQ(r.screen_len, 0);
}

int main(void)
{
	RUN(test_confirm__yes_goes_on_without_asking);
	RUN(test_confirm__no_terminal_needs_yes);
	RUN(test_confirm__terminal_yes);
	RUN(test_confirm__terminal_no);
	RUN(test_confirm__terminal_prompt_and_end_of_input);
	return test_summary();
}
