/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The process object shared by spawn.c and spawn-in.c (start) and
 * supervise.c (wait, kill). */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "oslbox.h"
#include "cfg.h"
#include "isolation.h"
#include "layers.h"
#include "util.h"

/* One page, MAP_SHARED between the parent and the sandbox's init: init
 * writes the command's wait status there before it exits, since its own
 * exit status cannot tell "exited 137" from "killed by SIGKILL", or what
 * went wrong when it ended the sandbox on an error of its own. */
struct spawn_shared {
        int32_t valid;
        int32_t wstatus;
        int32_t init_err;       /* init failed and ended the sandbox: positive errno */
        char init_call[16];     /* ... in this call */
};

enum proc_phase {
        PHASE_NEW,
        PHASE_RUNNING,          /* deadline: the policy's timeout, if any */
        PHASE_TERMINATING,      /* SIGTERM sent to all; deadline: SIGKILL */
        PHASE_KILLED,           /* SIGKILL sent; waiting for the pidfd */
        PHASE_DONE,
};

/* What the layers applied, for the report. */
struct proc_layers {
        uint64_t clone_flags;
        int landlock_abi;
        uint64_t landlock_fs, landlock_net, landlock_scoped;
        bool seccomp_net_filter;
        bool seccomp_net_inet;          /* ... and AF_INET, AF_INET6 (log-denials, own netns) */
        unsigned seccomp_len;
        enum osb_net net;
        bool landlock_mode;     /* the landlock isolation mode: no namespace */
        bool pids_limited;      /* a process limit is in force (a cgroup or RLIMIT_NPROC that binds) */
};

/* Where the report goes, fixed when the run starts: its directory, opened
 * once, and the file's name in it (report.c). */
struct report_target {
        int dir_fd;             /* O_PATH | O_DIRECTORY; -1: no report */
        char *name;
        char *path;             /* as the policy gave it, for messages */
};

/* What oslbox_proc_spawn_in() needs of a sandbox, kept from its spawn and
 * never changed after it: concurrent spawn_in calls only read it. */
struct sandbox_info {
        struct osb_config cfg;  /* the policy's: env, keep-env, kill-after */
        char *cwd;              /* the sandbox's working directory, inside */
        char *home, *user;      /* HOME (may be NULL) and USER inside */
        char *tmpdir;           /* TMPDIR inside (the landlock mode's private one); NULL: /tmp */
        uint64_t reset;         /* the signals init's commands reset (init knows them too) */
};
void sandbox_info_free(struct sandbox_info *sb);        /* NULL is fine */

/* struct oslbox_spawn_attr as 0.1 had it ends before env_extra: a caller
 * built with it passes that size, and the later fields read as 0. */
#define SPAWN_ATTR_SIZE_0 offsetof(struct oslbox_spawn_attr, env_extra)
#define SPAWN_ATTR_GET(attr, field, dflt)                                                       \
        ((attr) && (attr)->size >= offsetof(struct oslbox_spawn_attr, field) + sizeof((attr)->field) \
                 ? (attr)->field : (dflt))

struct oslbox_proc {
        struct osb_diag diag;
        enum proc_phase phase;
        bool exec_failed;
        bool timed_out;
        pid_t pid;
        int pidfd;
        int ctl_fd;             /* control socket (struct init_req): the sandbox's, or with
                                   in_sandbox the command's channel; closed: it dies */
        int pty_fd;
        int event_fd;           /* epoll over pidfd and timer_fd, made on request */
        int timer_fd;
        struct spawn_shared *shared;
        uint64_t start_ns;
        uint64_t deadline_ns;   /* the next supervisor action, 0: none */
        uint64_t kill_after_ms;
        struct report_target report;
        struct cgroup_plan cgroup;      /* collected and removed once reaped */
        bool cgroup_used;
        uint64_t memory_limit_kb;
        struct proc_layers layers;
        struct oslbox_result result;
        struct sandbox_info *sandbox;   /* made by oslbox_proc_spawn(): a sandbox to spawn in */
        bool in_sandbox;        /* made by oslbox_proc_spawn_in(): pid and pidfd are the
                                   command's, its end comes on ctl_fd */
        bool chan_eof;          /* in_sandbox: the channel ended with no status: the sandbox
                                   ended, and the command is reported killed once its pidfd says so */
        struct privdir privdir;         /* the landlock mode's HOME and TMPDIR */
        struct denials *denials;        /* log-denials; NULL: off */
        char isolation_reason[512];     /* why auto did not take namespaces, or "" */
        uint64_t pids_limit;            /* the policy's process limit (see layers.pids_limited) */
};

uint64_t now_ns(void);
/* spawn.c, also for spawn-in.c */
int spawn_open_null(void);      /* /dev/null, close-on-exec, above 2 */
int spawn_exec_paths(const char *name, char *const *envp, struct strv *ret, struct osb_diag *diag);
int spawn_attr_check(const struct oslbox_spawn_attr *attr, struct osb_diag *diag);
/* ATTR's env_extra, each NAME=VALUE set in ENV. */
int spawn_env_extra(const struct oslbox_spawn_attr *attr, struct strv *env, struct osb_diag *diag);
/* supervise.c */
int proc_arm(struct oslbox_proc *p, uint64_t deadline_ns);
int proc_reap(struct oslbox_proc *p, bool block);
/* Kills and reaps a sandbox still running, closes and frees what P holds. */
void proc_release(struct oslbox_proc *p);
/* report.c */
/* Opens PATH's directory (which must exist) and checks that the report can
 * be made there; fills RET. */
int report_prepare(const char *path, struct report_target *ret, struct osb_diag *diag);
/* Writes P's report to a new file in the directory and renames it over the
 * name: nothing at the name is followed or opened. */
int report_write(const struct oslbox_proc *p, struct osb_diag *diag);
void report_target_done(struct report_target *t);       /* repeats are fine */
