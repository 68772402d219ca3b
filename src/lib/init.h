/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The sandbox's init (init.c), and the messages it and child_setup() send
 * the parent. Everything here runs between clone3() and execve(): system
 * calls and plain copies only, from plans the parent prepared. */
#pragma once

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "isolation.h"
#include "layers.h"
#include "notify.h"
#include "proc.h"

enum child_stage {
        STAGE_CGROUP,
        STAGE_STDIO,
        STAGE_NS,
        STAGE_MOUNT,
        STAGE_RLIMIT,
        STAGE_PTY,
        STAGE_CAPS,
        STAGE_LANDLOCK,
        STAGE_SECCOMP,
        STAGE_INIT,
        STAGE_SESSION,
        STAGE_EXEC,
};

enum { MSG_ERROR = 1, MSG_PTY = 2, MSG_STARTED = 3 };

struct child_msg {              /* one send(2) on a SEQPACKET socket: arrives whole */
        int32_t kind;
        int32_t stage;          /* enum child_stage */
        int32_t err;            /* positive errno */
        char what[240];         /* the path or value concerned */
};

/* The kernel's struct sigaction: glibc's sigaction() refuses signals 32 and
 * 33, which it keeps for itself, yet a caller (GNU make, for one) may hand
 * them down ignored, and an ignored signal survives execve(). */
struct kernel_sigaction {
        void (*handler)(int);
        unsigned long flags;
        void (*restorer)(void);
        uint64_t mask;
};

static inline int raw_sigaction(int sig, const struct kernel_sigaction *act, struct kernel_sigaction *old)
{
        return (int) syscall(SYS_rt_sigaction, sig, act, old, sizeof(uint64_t));
}

/* What init needs of its own: the channels to the parent. */
struct init_plan {
        int sock;               /* the message socket (close-on-exec) */
        int ctl;                /* the control socket: 'T', or end-of-file */
        struct spawn_shared *shared;    /* where the command's wait status goes */
        /* The landlock isolation mode: no pid namespace. Init is a child
         * subreaper outside the command's Landlock domain, and its end kills
         * every descendant (init_exit()) and removes PRIVDIR. */
        bool landlock;
        struct privdir *privdir;        /* NULL: none */
        const struct notify_ctx *notify;        /* for a command whose filter has a listener */
};

/* One command for init to start, prepared in the parent. */
struct init_cmd {
        char *const *argv;
        char *const *envp;
        char *const *exec_paths;        /* tried in order, as execvp(3) would */
        size_t n_exec_paths;
        bool pty_slot[3];       /* fd N gets the PTY slave */
        int pty_slave;          /* -1: no PTY */
        uint64_t reset;         /* bit N-1: signal N is reset to SIG_DFL (not a sigset_t:
                                   glibc's refuses 32 and 33) */
        const struct seccomp_plan *seccomp;     /* the policy's filter: the command's alone */
        int landlock_fd;        /* >= 0: the ruleset the command enters before its filter (the
                                   landlock mode); -1: init entered its own already */
};

/* Where the command's execve(2) finds its path: log-denials' filter lets
 * a call naming this buffer through unobserved, since init, suspended in
 * vfork() until it returns, could not answer it. */
extern char init_exec_path[PATH_MAX];

/* Sends the parent one error record and exits: 127 or 126 for STAGE_EXEC
 * (not found, cannot execute), else 125. */
_Noreturn void init_fail(int sock, enum child_stage stage, int r, const char *what);

/* Starts CMD as a child of init, in a session of its own, under the
 * policy's seccomp filter. Returns its pid, or -errno when it could not be
 * forked; a failure after the fork reaches the parent through SOCK. When
 * the filter has a listener, its fd is in *RET_LISTENER (-1: the command
 * failed before loading it). */
pid_t init_start(const struct init_plan *plan, const struct init_cmd *cmd, int *ret_listener);

/* Init's event loop: reaps, forwards signals to COMMAND's process group,
 * obeys the control socket. Exits with COMMAND's status once it ends, or
 * with 125 when one of its own calls fails (recorded in the shared page),
 * never looping on an error: its exit ends the pid namespace. SFD is the
 * signalfd of every signal. */
_Noreturn void init_loop(const struct init_plan *plan, int sfd, pid_t command);

/* The whole of init once child_setup() applied the layers: becomes an
 * unkillable-by-accident pid 1 (SIGCHLD at default, signals read from a
 * signalfd, not dumpable), starts CMD, tells the parent, runs the loop. */
_Noreturn void init_run(const struct init_plan *plan, const struct init_cmd *cmd);
