/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The denial observer (log-denials, denials.c). Two halves:
 *   init's    denials_verdict(), denials_note_syscall(): system calls and
 *             plain copies only, into the table shared with the parent;
 *   parent's  denials_new() before the clone, denials_collect() once the
 *             sandbox ended: reads the table, names the directive, formats. */
#pragma once

#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "oslbox.h"
#include "cfg.h"
#include "util.h"

/* Distinct denials kept; the rest are only counted. */
#define DENIALS_MAX OSLBOX_DENIALS_MAX
#define DENIAL_WHAT_MAX 1024

enum denial_kind {
        DENIAL_SYSCALL = 1,     /* the seccomp filter refused NR (with ERR) */
        DENIAL_KILLED,          /* the filter killed the process (a call of another ABI) */
        DENIAL_PATH,            /* a path outside the view (arg2 PATH_MISSING) or a write to a
                                   read-only one (PATH_READ_ONLY); arg: enum path_op */
        DENIAL_UNIX_ABSTRACT,   /* connect(2) to an abstract unix name (network none's own
                                   namespace has none of the host's): what, '@' for NULs */
        DENIAL_INET,            /* connect(2) or a send to an inet address (network none, in
                                   the sandbox's own empty network namespace): what,
                                   "1.2.3.4:80" or "[h:h:h:h:h:h:h:h]:80"; arg: family;
                                   arg2: socket type, 0 if unknown */
        DENIAL_SIGNAL,          /* the landlock mode: a signal to a process outside the sandbox
                                   (Landlock's scoping refuses it): arg: the target pid
                                   (negative: a process group), arg2: the signal; what:
                                   the target's command name */
};

enum path_op {
        PATH_OP_OPEN,           /* decided by the flags: one of the next three */
        PATH_OP_READ,
        PATH_OP_WRITE,
        PATH_OP_CREATE,
        PATH_OP_EXEC,
        PATH_OP_STAT,
        PATH_OP_MKDIR,
        PATH_OP_REMOVE,
        PATH_OP_RENAME,
        PATH_OP_CONNECT,        /* a unix socket's path */
};

enum { PATH_MISSING = 1, PATH_READ_ONLY = 2 };

/* One distinct denial. Written by init, read by the parent after the end:
 * the parent trusts no length or string in it (the sandbox could have
 * reached init's memory only through init's own code, but a bug there
 * must not become one here). */
struct denial_rec {
        uint32_t kind;          /* enum denial_kind */
        int32_t nr;             /* the system call */
        int32_t err;            /* the errno it got (positive) */
        int32_t pid;            /* the first process denied, in the sandbox's pid namespace */
        uint64_t count;
        uint64_t arg;           /* what decided besides NR: socket family, clone flags, ioctl
                                   request; 0 */
        uint64_t arg2;          /* socket type */
        char comm[16];          /* its command name, /proc/PID/comm */
        char what[DENIAL_WHAT_MAX];     /* an address, a path; "" */
};

/* MAP_SHARED between the parent and init, made before the clone. */
struct denials_table {
        uint32_t n;
        uint32_t unused;
        uint64_t unlisted;      /* denials past the DENIALS_MAX distinct ones */
        struct denial_rec rec[DENIALS_MAX];
};

struct denials;
struct mount_plan;
struct notify_ctx;

/* --- parent --- */

/* The observer for a run under CFG (NULL when log-denials is off: no
 * table, no notify rules). */
int denials_new(const struct osb_config *cfg, struct denials **ret, struct osb_diag *diag);
void denials_free(struct denials *d);   /* NULL is fine */
struct denials_table *denials_table(const struct denials *d);
/* PROG with every SECCOMP_RET_ERRNO turned into SECCOMP_RET_USER_NOTIF,
 * and (but in the landlock mode) the observer's prefix before it: the
 * program the command loads; D keeps it. The answers init gives are
 * PROG's own (denials_verdict() on the original). */
int denials_notify_program(struct denials *d, const struct sock_fprog *prog, bool landlock_mode,
                           struct sock_fprog *ret);
/* Once the sandbox ended: reads the table (and RES: a command killed by
 * SIGSYS), sorts most frequent first, names the directives. */
int denials_collect(struct denials *d, const struct oslbox_result *res);
/* What denials_collect() found. */
size_t denials_get(const struct denials *d, const struct oslbox_denial **ret, uint64_t *ret_unlisted);
int denials_error(const struct denials *d);     /* denials_collect()'s failure, or 0 */

/* --- init --- */

/* What PROG answers for DATA: a SECCOMP_RET_* value, with its data. A
 * program that cannot run (a bad instruction, a jump out of it) answers
 * SECCOMP_RET_KILL_PROCESS, as the kernel would refuse to load it. */
uint32_t denials_verdict(const struct sock_fprog *prog, const struct seccomp_data *data);
/* Records that PID's call DATA got ERR. Only system calls and copies. */
void denials_note_syscall(struct denials_table *t, pid_t pid, const struct seccomp_data *data, int err);
/* Observes PID's path call DATA, which the filter allows and the kernel
 * is about to decide, into CTX's table: records its path when it is
 * missing here under one of the view's own directories (the parent then
 * checks the host), or a write to a read-only place; with CTX's host_view
 * (the plan of a host-view run), also a path that exists only through
 * host-view's directories, as outside the view; in the landlock mode
 * (CTX's landlock), one the view's rules do not cover, which Landlock
 * refused. Never changes what the call does. */
void denials_note_path(const struct notify_ctx *ctx, pid_t pid, const struct seccomp_data *data);
/* What denials_note_path() read is looked at here, after the answer, so
 * that the call waits for the reading only. */
void denials_examine(void);
/* The observed calls' numbers, into NRS (at most MAX); their count. */
size_t denials_path_calls(int *nrs, size_t max);
/* Records that PID (COMM already read, may be "") was killed by the filter. */
void denials_note_killed(struct denials_table *t, pid_t pid, const char *comm);
/* PID's command name, read through a /proc directory fd kept open; "" when
 * it cannot be read. */
void denials_comm(pid_t pid, char comm[16]);
