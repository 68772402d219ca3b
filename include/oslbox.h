/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * liboslbox: run one command confined by namespaces, Landlock, dropped
 * capabilities and seccomp, as a drop-in replacement for fork/exec.
 *
 * Every call returns 0 (or a count or fd) on success and a negative errno on
 * failure; none prints, exits or aborts. When an errno is not enough, a
 * message is kept on the object the call concerns (oslbox_policy_error(),
 * oslbox_proc_error()). Nothing is global: objects may be used from many
 * threads, one object per thread at a time, except that a policy that is
 * not being changed may be given to concurrent oslbox_proc_spawn() calls
 * (it is only read), and a sandbox to concurrent oslbox_proc_spawn_in()
 * calls, also while another thread waits for it (not while it is freed).
 * See liboslbox(3).
 */
#ifndef OSLBOX_H
#define OSLBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(OSLBOX_BUILDING) && defined(__GNUC__)
#define OSLBOX_API __attribute__((visibility("default")))
#else
#define OSLBOX_API
#endif

/* The version of the library the program runs with, e.g. "0.1.0". */
OSLBOX_API const char *oslbox_version(void);

/* --- policies ------------------------------------------------------------ */

struct oslbox_policy;

/* A new policy holding the embedded default (see oslbox.policy(5)). */
OSLBOX_API int oslbox_policy_new(struct oslbox_policy **ret_policy);
OSLBOX_API int oslbox_policy_copy(const struct oslbox_policy *policy,
                                  struct oslbox_policy **ret_copy);
OSLBOX_API void oslbox_policy_free(struct oslbox_policy *policy);

/* Apply one directive, as a policy file line or long option would: NAME is
 * the directive without dashes ("rw", "timeout"); VALUE is its argument, NULL
 * for directives that take none ("pty"). -EINVAL: unknown directive or bad
 * value; the message is on the policy. */
OSLBOX_API int oslbox_policy_set(struct oslbox_policy *policy, const char *name,
                                 const char *value);

/* The effective value of single-valued directive NAME, as explain prints it
 * ("30s", "none"; "" for a flag that is set), malloc'ed in *RET_VALUE, or
 * NULL when it is unset. -EINVAL: unknown, or a list directive. */
OSLBOX_API int oslbox_policy_get(const struct oslbox_policy *policy, const char *name, char **ret_value);

/* Apply the directives of a policy file (see oslbox.policy(5)). A PATH
 * without a slash and not ending in ".policy" names a shipped policy.
 * -ENOENT, -EINVAL, ...; the message, FILE:LINE: error: ..., on POLICY. */
OSLBOX_API int oslbox_policy_load(struct oslbox_policy *policy, const char *path);

/* Check a policy file as a compiler would: parse PATH as
 * oslbox_policy_load() does (applying its valid directives to POLICY), but
 * go on after an error at the next line, and in every included file.
 * Returns the number of errors (0: valid) and sets *RET_ERRORS to them,
 * malloc'ed, one "FILE:LINE: error: ..." line each (NULL when none).
 * -EINVAL: bad arguments; -ENOMEM. */
OSLBOX_API int oslbox_policy_check(struct oslbox_policy *policy, const char *path, char **ret_errors);

/* The project policy: the first .oslbox.policy in DIR or its parents,
 * stopping at the root or a directory holding .git. Such a file comes with
 * the repository, so until oslbox_policy_trust() records it (its path and
 * SHA-256), only its directives that take access away apply; one that
 * widens access fails the load with -EPERM, naming it. Returns 1 and sets
 * *RET_PATH (malloc'ed; may be NULL) when a file was applied, 0 when there
 * is none. */
OSLBOX_API int oslbox_policy_load_project(struct oslbox_policy *policy, const char *dir,
                                          char **ret_path);
/* Only finds it: 1 and *RET_PATH (malloc'ed), or 0 when there is none. */
OSLBOX_API int oslbox_policy_find_project(const char *dir, char **ret_path);

/* Records PATH as trusted, as it is now, in $XDG_STATE_HOME/oslbox/ (by
 * default ~/.local/state/oslbox/). A later change untrusts it again.
 * Failures leave their message on POLICY. */
OSLBOX_API int oslbox_policy_trust(struct oslbox_policy *policy, const char *path);

/* The effective policy as a policy file, each directive commented with
 * where it came from. *RET_TEXT is malloc'ed. */
OSLBOX_API int oslbox_policy_explain(const struct oslbox_policy *policy, char **ret_text);

/* The message of the last failed call on POLICY, or "" if none. */
OSLBOX_API const char *oslbox_policy_error(const struct oslbox_policy *policy);

/* --- the option table ----------------------------------------------------- */

enum {
        OSLBOX_OPTION_LIST     = 1 << 0, /* may repeat; values accumulate */
        OSLBOX_OPTION_CLI_ONLY = 1 << 1, /* a command-line flag, not a directive */
        OSLBOX_OPTION_WIDENS   = 1 << 2, /* can give the command more access */
};

struct oslbox_option {
        const char *name;     /* "rw": --rw on the command line, rw in files */
        const char *metavar;  /* "PATH", or NULL when it takes no value */
        const char *layer;    /* "mount", "seccomp", ...: what it configures */
        const char *help;     /* one or more sentences */
        unsigned flags;       /* OSLBOX_OPTION_* */
};

/* Row INDEX of the option table, or NULL past its end. */
OSLBOX_API const struct oslbox_option *oslbox_option_get(size_t index);

/* --- spawning --------------------------------------------------------------- */

enum oslbox_stdio_kind {
        OSLBOX_STDIO_INHERIT = 0, /* the caller's own fd 0, 1 or 2 */
        OSLBOX_STDIO_FD,          /* .fd, dup'ed onto 0, 1 or 2 */
        OSLBOX_STDIO_NULL,        /* /dev/null */
        OSLBOX_STDIO_PTY,         /* a new terminal; see oslbox_proc_pty() */
};

struct oslbox_stdio {
        enum oslbox_stdio_kind kind;
        int fd;
};

struct oslbox_spawn_attr {
        size_t size;             /* sizeof(struct oslbox_spawn_attr) */
        const char *cwd;         /* absolute working directory; NULL: the caller's */
        char *const *envp;       /* this environment and the policy's env
                                    directives; NULL: the caller's through the
                                    allowlist, keep-env, and env */
        struct oslbox_stdio stdio[3];
        unsigned short pty_rows; /* window size of a PTY; 0: 24x80 */
        unsigned short pty_cols;
        /* Later fields: a SIZE that ends before one leaves it 0 (NULL). */
        char *const *env_extra;  /* NAME=VALUE entries set last, as more env directives */
        uint64_t timeout_ms;     /* end the command after this long (for a sandbox: the
                                    shorter of this and the policy's timeout); 0: none */
};

struct oslbox_proc;

OSLBOX_API int oslbox_proc_new(struct oslbox_proc **ret_proc);

/* Start ARGV[0] (searched in the sandbox's PATH when it has no slash) under
 * POLICY. Returns once the command was executed or failed to be; ATTR may be
 * NULL. -EINVAL: bad argument; -ENOENT, -EACCES, ...: setup or exec failure;
 * -EOPNOTSUPP: a layer the policy asks for is unavailable. The message is on
 * PROC, and oslbox_proc_exec_failed() tells an exec failure from a setup one.
 * With the keep-alive directive the sandbox outlives its first command
 * (until oslbox_proc_kill(), the timeout or oslbox_proc_free()), and ARGV
 * may be NULL or empty: a sandbox with no command, for spawn_in. */
OSLBOX_API int oslbox_proc_spawn(struct oslbox_proc *proc,
                                 const struct oslbox_policy *policy,
                                 const char *const argv[],
                                 const struct oslbox_spawn_attr *attr);

/* Start ARGV[0] in the running sandbox SANDBOX (an object of
 * oslbox_proc_spawn()): its init forks it, so it is in every layer of the
 * sandbox and under its policy's filter, with its own stdio, working
 * directory (ATTR->cwd, inside the sandbox; NULL: the sandbox's) and
 * environment (ATTR->envp or the caller's, through the sandbox policy's
 * allowlist, keep-env and env, then env_extra). PROC then has the
 * command's pid, pidfd, PTY, wait, signal (to its process group) and kill
 * (of its process group), and ends when the sandbox does. Several threads
 * may call it at once on one SANDBOX. -ESRCH: the sandbox has ended;
 * -EAGAIN: it runs as many commands as it can; -E2BIG: the arguments and
 * environment are too large; and as oslbox_proc_spawn(). */
OSLBOX_API int oslbox_proc_spawn_in(struct oslbox_proc *proc,
                                    struct oslbox_proc *sandbox,
                                    const char *const argv[],
                                    const struct oslbox_spawn_attr *attr);

/* After a failed oslbox_proc_spawn(): true when the sandbox was built and
 * only executing the command failed (not found: a shell says 127; found but
 * not executable: 126). */
OSLBOX_API bool oslbox_proc_exec_failed(const struct oslbox_proc *proc);

/* The host pid of the sandbox's init and a pidfd for it. Signals sent to it
 * are forwarded to the command. The pidfd stays owned by PROC. For a
 * command of oslbox_proc_spawn_in(): the command's own. */
OSLBOX_API pid_t oslbox_proc_pid(const struct oslbox_proc *proc);
OSLBOX_API int oslbox_proc_pidfd(const struct oslbox_proc *proc);

/* An fd that becomes readable when oslbox_proc_wait() has work: the sandbox
 * ended or a deadline passed. For the caller's poll/epoll loop; owned by PROC. */
OSLBOX_API int oslbox_proc_fd(struct oslbox_proc *proc);

/* The PTY master when a stdio slot was OSLBOX_STDIO_PTY, else -EBADF. It stays
 * owned by PROC unless taken with oslbox_proc_take_pty(). */
OSLBOX_API int oslbox_proc_pty(const struct oslbox_proc *proc);
OSLBOX_API int oslbox_proc_take_pty(struct oslbox_proc *proc);

struct oslbox_result {
        size_t size;          /* sizeof(struct oslbox_result), set by the caller */
        int exit_code;        /* the command's status, or -1 if killed */
        int signal;           /* the signal that killed it, or 0 */
        bool timed_out;       /* the policy's timeout tore the sandbox down */
        uint64_t wall_ms;     /* from spawn to end */
        uint64_t cpu_ms;      /* user + system, every sandboxed process */
        uint64_t max_rss_kb;  /* largest resident set of any of them */
        /* With memory, pids or cpus limits enforced by a cgroup: */
        uint64_t memory_limit_kb;  /* the memory limit, or 0 */
        uint64_t memory_peak_kb;   /* the cgroup's peak memory, or 0 if unknown */
        uint64_t pids_peak;        /* the cgroup's peak process count, or 0 if unknown */
        bool oom_killed;           /* the kernel killed a process for memory */
};

/* Wait for the sandbox to end, enforcing the policy's timeout and grace.
 * TIMEOUT_MS < 0 blocks, 0 polls. Returns 0 and fills RESULT when it ended
 * (its size field must be set; later calls give the same result),
 * -ETIMEDOUT while it still runs, -ECHILD before a spawn. */
OSLBOX_API int oslbox_proc_wait(struct oslbox_proc *proc, int timeout_ms,
                                struct oslbox_result *result);

/* With log-denials: one distinct thing the sandbox refused. */
struct oslbox_denial {
        const char *layer;    /* "seccomp", "network", "ipc", "filesystem", "signal" */
        const char *what;     /* "mount(2)", "socket AF_INET (TCP)" */
        const char *syscall;  /* the system call's name ("syscall 470" when it has
                                 none), or NULL */
        const char *address;  /* network: the destination, or NULL */
        const char *path;     /* filesystem: the host path, or NULL */
        const char *process;  /* the first process refused: its command name, with
                                 control bytes as '?' ("" if unknown) */
        pid_t pid;            /* ... its pid inside the sandbox (0: unknown) */
        uint64_t count;       /* how many times, by any process of that name */
        const char *reason;   /* "seccomp default filter", "network none" */
        const char *allow;    /* the directive that would allow it ("allow-syscall
                                 mount"), or NULL when none does */
        const char *line;     /* all of it, as oslbox(1) prints it after "denied: " */
};

/* How many distinct denials a run keeps. */
#define OSLBOX_DENIALS_MAX 1000

/* After oslbox_proc_wait() returned 0, with log-denials: the denials,
 * most frequent first, in *RET (owned by PROC, *RET_N of them), and in
 * *RET_UNLISTED (may be NULL) how many more were not kept (past 1000
 * distinct ones). Returns 0; -ENODATA: log-denials was off; -ECHILD: the
 * sandbox has not ended; -ENOMEM. */
OSLBOX_API int oslbox_proc_denials(const struct oslbox_proc *proc, const struct oslbox_denial **ret,
                                   size_t *ret_n, uint64_t *ret_unlisted);

/* Send SIG to the command's process group (not to the rest of the
 * sandbox). SIGKILL and SIGSTOP reach the sandbox's init instead: SIGKILL
 * ends the whole sandbox. For a command of oslbox_proc_spawn_in(), every
 * signal goes to its process group. */
OSLBOX_API int oslbox_proc_signal(struct oslbox_proc *proc, int sig);

enum {
        OSLBOX_KILL_GRACEFUL = 0, /* SIGTERM to all, SIGKILL after kill-after */
        OSLBOX_KILL_NOW      = 1, /* SIGKILL to every process at once */
};
/* Tear the whole sandbox down (a command of oslbox_proc_spawn_in(): its
 * process group). Graceful teardown completes in wait. */
OSLBOX_API int oslbox_proc_kill(struct oslbox_proc *proc, unsigned flags);

/* After a successful spawn: what was weakened because the policy allowed it
 * (resources best-effort without a cgroup), or "" if nothing. */
OSLBOX_API const char *oslbox_proc_warning(const struct oslbox_proc *proc);

/* The message of the last failure on PROC, or "" if none. */
OSLBOX_API const char *oslbox_proc_error(const struct oslbox_proc *proc);

/* Kills a sandbox still running (SIGKILL), reaps it, closes its fds; for a
 * command of oslbox_proc_spawn_in(), kills its process group. */
OSLBOX_API void oslbox_proc_free(struct oslbox_proc *proc);

/* --- the host ----------------------------------------------------------------- */

enum {
        OSLBOX_DOCTOR_JSON = 1 << 0, /* JSON instead of aligned text */
};

/* What this host and caller can confine with, as text for a person or as
 * JSON (see oslbox(1)). *RET_TEXT is malloc'ed; free() it. Returns how many
 * of the layers every sandbox needs are missing (0: none), or -errno. */
OSLBOX_API int oslbox_doctor(unsigned flags, char **ret_text);

/* Gives back the pages of code and read-only data this process has run
 * (every loaded object's read-only segments: the system keeps them in its
 * page cache and maps them again as they run again) and the free memory
 * of its malloc heap: for a long-lived process that holds sandboxes and
 * sits idle, a supervisor, so that its resident set is what it still runs
 * rather than all it ever ran. Safe at any time, in any thread, but in a
 * process that patched its own code in place (a hooking library), whose
 * patches it would undo; what runs next takes a few page faults. Each
 * sandbox's init does this itself once idle for a second. */
OSLBOX_API void oslbox_release_memory(void);

#ifdef __cplusplus
}
#endif
#endif
