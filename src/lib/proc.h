/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The process object shared by spawn.c (start) and supervise.c (wait, kill). */
#pragma once

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

struct oslbox_proc {
        struct osb_diag diag;
        enum proc_phase phase;
        bool exec_failed;
        bool timed_out;
        pid_t pid;
        int pidfd;
        int ctl_fd;             /* control socket: 'T': SIGTERM everyone; closed: the sandbox dies */
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
        struct privdir privdir;         /* the landlock mode's HOME and TMPDIR */
        struct denials *denials;        /* log-denials; NULL: off */
        char isolation_reason[512];     /* why auto did not take namespaces, or "" */
};

uint64_t now_ns(void);
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
