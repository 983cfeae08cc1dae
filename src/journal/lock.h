/*
 * lock.h - one writer per org at a time.
 *
 * The lock is an flock(2) on a file next to the journal
 * (<journal>.<orgId>.lock): the operating system releases it when the
 * process dies, however it dies.  The file also holds a holder record
 * (pid, host, start time, nonce, command) for diagnosis.  A live holder's
 * lock is never taken over; `ca2eca unlock --force NONCE` removes a lock
 * whose holder is gone but whose record stayed (e.g. on a network file
 * system that does not release locks).
 */
#ifndef C2E_JOURNAL_LOCK_H
#define C2E_JOURNAL_LOCK_H

#include "util/err.h"

struct c2e_lock;

struct c2e_lock_holder {
	long pid;
	char host[256];
	char started_at[32]; /* ISO 8601 UTC */
	char nonce[33]; /* 32 hex characters */
	char command[32];
};

/*
 * Takes the lock of `org_id` for `command`.  When another process holds
 * it: C2E_ECONFLICT with a message naming the holder (pid, host, start,
 * command, nonce), and *holder_out filled (may be NULL).
 */
C2E_MUST_CHECK int c2e_lock_acquire(const char *journal_path,
                                    const char *org_id, const char *command,
                                    struct c2e_lock **out,
                                    struct c2e_lock_holder *holder_out,
                                    struct c2e_err *err);
const struct c2e_lock_holder *c2e_lock_holder(const struct c2e_lock *l);
/* Releases the lock and empties the holder record (the file stays). */
void c2e_lock_release(struct c2e_lock *l);

/*
 * Removes the lock whose holder record has `nonce`.  Refused
 * (C2E_ECONFLICT) when its holder is alive (it still holds the flock);
 * C2E_ENOTFOUND when no lock has that nonce.  *was_out (may be NULL)
 * receives the removed holder record.
 */
C2E_MUST_CHECK int c2e_lock_force_unlock(const char *journal_path,
                                         const char *nonce,
                                         struct c2e_lock_holder *was_out,
                                         struct c2e_err *err);

#endif
