/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The effective configuration a policy holds: what the option table's
 * handlers write and what each layer's *_prepare() reads. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct osb_item {
        char *value;
        int kind;               /* per list: enum osb_mount_kind, osb_syscall_kind */
};

struct osb_items {
        struct osb_item *v;
        size_t n, cap;
};

enum osb_mount_kind {
        OSB_MOUNT_RO,
        OSB_MOUNT_RW,
        OSB_MOUNT_TMPFS,
        OSB_MOUNT_RO_TRY,       /* as RO/RW, skipped when the path is missing */
        OSB_MOUNT_RW_TRY,
        OSB_MOUNT_RW_CREATE,    /* as RW, the directory made first when missing */
};

enum osb_syscall_kind {
        OSB_SYSCALL_ALLOW,
        OSB_SYSCALL_DENY,
};

enum osb_net {
        OSB_NET_NONE,
        OSB_NET_HOST,
};

/* How the sandbox is isolated (isolation.c): auto takes namespaces where
 * this caller can create them here, else landlock. */
enum osb_isolation {
        OSB_ISOLATION_AUTO,
        OSB_ISOLATION_NAMESPACES,
        OSB_ISOLATION_LANDLOCK,
};

#define OSB_DEFAULT_KILL_AFTER_MS 2000
#define OSB_DEFAULT_HOSTNAME "oslbox"
/* The default process limit ("pids default"): podman uses 2048, the issue
 * that asked for it measured a fork bomb at 1500 against a pid_max of 32768. */
#define OSB_DEFAULT_PIDS 4096
#define OSB_DEFAULT_DETACH_KEYS "ctrl-]"

struct osb_config {
        bool pty;
        uint64_t timeout_ms;            /* 0: none */
        uint64_t kill_after_ms;
        enum osb_net net;
        char *cwd;                      /* absolute; NULL: the caller's */
        char *hostname;
        char *report_path;
        struct osb_items mounts;        /* in order: a later entry for a path wins */
        struct osb_items env;           /* NAME=VALUE */
        struct osb_items keep_env;      /* names or globs */
        struct osb_items syscalls;      /* allow/deny adjustments, in order */
        struct osb_items rlimits;
        uint64_t memory_bytes;          /* 0: no limit */
        uint64_t pids;                  /* 0: no limit */
        bool pids_default;              /* pids is the default limit: RLIMIT_NPROC where it binds,
                                         * else a cgroup if one is usable; never refused */
        uint64_t cpu_millis;            /* thousandths of a CPU; 0: no limit */
        bool resources_best_effort;     /* rlimits when no cgroup is usable */
        bool git_writable;              /* no-protect-git: .git/config and hooks stay writable */
        char detach_keys[64];           /* as written, checked; "": the default, ctrl-] */
        bool keep_alive;                /* the sandbox outlives its first command */
        enum osb_isolation isolation;
        bool signals_unscoped;          /* no-signal-scoping: the landlock mode may run without
                                         * Landlock's signal scoping (ABI < 6) */
        bool log_denials;               /* log-denials: report what the sandbox refused */
        bool host_view;                 /* host-view: the rest of the host read-only, each use of it
                                         * reported as outside the view (oslbox learn's trial) */
        bool require_userns;            /* a "require userns" line: the sandbox must use namespaces */
};

int config_init(struct osb_config *cfg);
int config_copy(const struct osb_config *src, struct osb_config *dst);
void config_done(struct osb_config *cfg);
int items_push(struct osb_items *items, const char *value, int kind);
