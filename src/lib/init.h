/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The sandbox's init (init.c), and the messages it and child_setup() send
 * the parent. Everything here runs between clone3() and execve(): system
 * calls and plain copies only, from plans the parent prepared. */
#pragma once

#include <sys/socket.h>
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
        STAGE_CWD,              /* a command of oslbox_proc_spawn_in(): its working directory */
        STAGE_INIT_PROGRAM,     /* executing oslbox-init, or its reading of the hand-off */
};

/* On the message socket of a spawn, and on the channel of each command
 * started with oslbox_proc_spawn_in() (struct child_msg, but MSG_EXIT:
 * struct init_evt). On such a channel the command itself first says
 * MSG_PID, whose credentials give the parent its pid; then init says
 * MSG_STARTED (with the command's pidfd, and the PTY master if it has one)
 * or MSG_ERROR; at the command's end, MSG_EXIT; then init closes it. */
enum { MSG_ERROR = 1, MSG_PTY = 2, MSG_STARTED = 3, MSG_PID = 4, MSG_EXIT = 5 };

struct child_msg {              /* one send(2) on a SEQPACKET socket: arrives whole */
        int32_t kind;
        int32_t stage;          /* enum child_stage */
        int32_t err;            /* positive errno */
        char what[240];         /* the path or value concerned */
};

/* Init's end of the command's channel, once the command has ended. */
struct init_evt {
        int32_t kind;           /* MSG_EXIT */
        int32_t wstatus;        /* as waitpid(2) gives it */
        uint64_t cpu_us;        /* user + system of the command and what it waited for */
        uint64_t max_rss_kb;
};

/*
 * Requests to init: one SOCK_SEQPACKET message each, a struct init_req and
 * SIZE bytes of payload (at most INIT_REQ_MAX). On the control socket:
 * INIT_REQ_TERM (SIGTERM to every process of the sandbox) and INIT_REQ_EXEC
 * (a struct init_exec and its strings, with four fds by SCM_RIGHTS: the
 * command's channel, then what goes onto its fd 0, 1 and 2); end-of-file:
 * the parent is gone, the sandbox ends. On a command's channel:
 * INIT_REQ_SIGNAL (an int32_t signal for its process group), INIT_REQ_TERM
 * and INIT_REQ_KILL (SIGTERM, SIGKILL to its group, whose rest is killed
 * when the command ends); end-of-file: its process object was freed, so
 * its group is killed.
 */
enum { INIT_REQ_TERM = 1, INIT_REQ_EXEC = 2, INIT_REQ_SIGNAL = 3, INIT_REQ_KILL = 4 };
#define INIT_REQ_MAX (64 * 1024)
/* Rows of init's children table: the first command and at most 63 more at
 * once; a request past that is refused with EAGAIN. */
#define INIT_MAX_CHILDREN 64
/* Strings of one INIT_REQ_EXEC: cwd, argv, envp and the exec paths. */
#define INIT_EXEC_MAX_STRINGS 8192

struct init_req {
        uint32_t kind;
        uint32_t size;          /* of the payload that follows */
};

struct init_req_signal {        /* INIT_REQ_SIGNAL */
        struct init_req req;    /* .size = sizeof(int32_t) */
        int32_t sig;
};

struct init_exec {
        uint32_t argc, envc, n_paths;   /* >= 1, >= 0, >= 1 */
        uint32_t pty_slots;     /* bit N: fd N gets a new PTY of the sandbox's own */
        uint16_t pty_rows, pty_cols;
        uint32_t reserved;      /* 0 */
        /* Then, each NUL-terminated: the working directory, argv, envp,
         * the exec paths in the order to try them. */
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
#define INIT_IDLE_DROP_MS 1000

struct init_plan {
        int sock;               /* the message socket (close-on-exec) */
        int ctl;                /* the control socket: struct init_req, or end-of-file */
        struct spawn_shared *shared;    /* where the command's wait status goes */
        bool keep_alive;        /* the first command's end does not end the sandbox */
        /* The landlock isolation mode: no pid namespace. Init is a child
         * subreaper outside the command's Landlock domain, and its end kills
         * every descendant (init_exit()) and removes PRIVDIR. */
        bool landlock;
        struct privdir *privdir;        /* NULL: none */
        const struct notify_ctx *notify;        /* for a command whose filter has a listener */
        /* The caller's read-only segments, which init drops once idle for
         * INIT_IDLE_DROP_MS (text_drop()): an idle sandbox keeps only the
         * code it runs. */
        struct text_range text[TEXT_RANGES_MAX];
        size_t n_text;
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
        const struct rlimit_plan *rlimits;      /* the command's, not init's: init must stay able
                                                   to take fds and poll under nofile=N */
        /* Commands of oslbox_proc_spawn_in() (the first command has init's
         * own stdio, cwd and message socket): */
        int stdio[3];           /* dup'ed onto 0, 1, 2; -1: keep init's */
        const char *cwd;        /* NULL: init's */
        int msg_sock;           /* where MSG_PID and a failure go */
        bool say_pid;           /* send MSG_PID first */
        int landlock_fd;        /* >= 0: the ruleset the command enters before its filter (the
                                   landlock mode); -1: init entered its own already */
};

/* A row of init's children table: a command init started. */
struct init_child {
        pid_t pid;              /* 0: a free row */
        int chan;               /* its channel to its process object; -1: none (the first
                                   command, or the object was freed) */
        int listener;           /* its seccomp listener; -1: none */
        bool killing;           /* its group is killed when it ends (a kill was asked) */
};
/* Where the command's execve(2) finds its path: log-denials' filter lets
 * a call naming this buffer through unobserved, since init, suspended in
 * vfork() until it returns, could not answer it. */
extern char init_exec_path[PATH_MAX];
/* The header of the command's sendmsg(2) that hands its filter's listener
 * to init, after the filter is loaded: the observer lets it through. */
extern struct msghdr init_listener_msg;

/* Sends the parent one error record and exits: 127 or 126 for STAGE_EXEC
 * (not found, cannot execute), else 125. */
_Noreturn void init_fail(int sock, enum child_stage stage, int r, const char *what);

/* Writes V in decimal at P, without a NUL; returns the end. For init's
 * paths under /proc: plain stores, no formatting. */
char *init_put_uint(char *p, unsigned long v);

/* Starts CMD as a child of init, in a session of its own, under the
 * policy's seccomp filter. Returns its pid, or -errno when it could not be
 * forked; a failure after the fork reaches the parent through SOCK. When
 * the filter has a listener, its fd is in *RET_LISTENER (-1: the command
 * failed before loading it). */
pid_t init_start(const struct init_plan *plan, const struct init_cmd *cmd, int *ret_listener);

/* Opens a new PTY of the sandbox's own /dev/pts, WS its size: the master
 * and the slave, both close-on-exec. */
int init_pty_open(const struct winsize *ws, int *ret_master, int *ret_slave);

/* Init's event loop: reaps, forwards signals to the first command's
 * process group, obeys the control socket and the commands' channels.
 * Exits with the first command's status once it ends (with keep-alive:
 * once a teardown left no process), or with 125 when one of its own calls
 * fails (recorded in the shared page), never looping on an error: its exit
 * ends the pid namespace. SFD is the signalfd of every signal; CMD the
 * first command's plan, which exec requests share the filter and signal
 * resets of. */
_Noreturn void init_loop(const struct init_plan *plan, const struct init_cmd *cmd, int sfd);

/* The whole of init once child_setup() applied the layers: becomes an
 * unkillable-by-accident pid 1 (SIGCHLD at default, signals read from a
 * signalfd, not dumpable), starts CMD (none when its argv is NULL, with
 * keep-alive), tells the parent, runs the loop. */
_Noreturn void init_run(const struct init_plan *plan, const struct init_cmd *cmd);

/* --- init-exec.c: init as a program of its own, oslbox-init ---------------- */
struct init_handoff;
struct init_handoff_map {      /* the parent's view of the memfd */
        void *base;             /* the status page, then the hand-off */
        size_t len, page;
        int fd;                 /* -1: none */
        struct init_handoff *handoff;
        char arg[24];           /* the memfd's number, oslbox-init's argv[1] */
        char *argv[3], *envp[1];
};
/* Whether the caller is large enough (INIT_EXEC_MIN_KB resident) that
 * executing oslbox-init costs less than forking it. */
#define INIT_EXEC_MIN_KB (8 * 1024)
bool init_exec_pays(void);
/* An O_PATH fd of this liboslbox's oslbox-init, close-on-exec, its path in
 * PATH (SIZE bytes), or -errno: next to the library's own file (the
 * program's, for a static link), else in PKGLIBEXECDIR. */
int init_program_open(char *path, size_t size);
/* The parent, before the clone: a memfd with the status page and what
 * oslbox-init needs of PLAN and CMD; RULESET_FD is the ruleset it enters. */
int init_handoff_prepare(struct init_handoff_map *m, const struct init_plan *plan, const struct init_cmd *cmd,
                         int ruleset_fd);
/* After the clone: unmaps the hand-off, not the status page (M->base,
 * unmapped by whoever holds it), and closes the memfd. */
void init_handoff_release(struct init_handoff_map *m);
/* The child, last: executes PROG_FD with the hand-off; returns -errno. */
int init_exec(const struct init_handoff_map *m, int prog_fd, int pty_slave);
/* oslbox-init: maps the hand-off of memfd FD into PLAN and CMD. */
int init_handoff_load(int fd, struct init_plan *plan, struct init_cmd *cmd, int *ret_ruleset);
