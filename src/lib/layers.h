/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The isolation layers' internal interface. Each layer has the same verbs:
 *   *_prepare()  parent: validates, allocates, opens; fills a plan
 *   *_apply()    child, between clone and exec: system calls only, no
 *                allocation, no locks, no stdio; returns 0 or -errno and, for
 *                errors about a path or value, points *ret_failed at it
 *   *_free()     parent: releases a plan; NULL or an empty plan is fine
 * spawn.c strings them together in child_setup(). */
#pragma once

#include <limits.h>
#include <linux/filter.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/types.h>

#include "cfg.h"
#include "util.h"

/* --- ns.c: user, mount, pid, ipc, uts and (sometimes) network namespaces --- */
struct ns_plan {
        uint64_t clone_flags;
        char uid_map[48], gid_map[48];
        const char *hostname;
};
int ns_prepare(const struct osb_config *cfg, bool netns, struct ns_plan *plan);
int ns_apply(const struct ns_plan *plan, const char **ret_failed);
int ns_probe_clone(uint64_t flags);     /* clone3 a child with FLAGS that exits at once */
int ns_probe_userns(void);              /* the namespaces every sandbox needs */
/* What a run does before its view: clone3 with the namespaces, the id maps, a
 * new procfs in the new pid and mount namespaces. Returns 0, or the first
 * failed step's -errno; RET always says which step. A child and a pipe: cheap. */
enum ns_probe_step {
        NS_STEP_NONE,           /* every step worked */
        NS_STEP_CLONE,
        NS_STEP_SETGROUPS,
        NS_STEP_UID_MAP,
        NS_STEP_GID_MAP,
        NS_STEP_PROC,           /* EPERM: /proc is covered, see NS_PROC_COVERED */
};
struct ns_probe_result {
        enum ns_probe_step step;
        int err;                /* positive errno, 0 with NS_STEP_NONE */
};
int ns_probe(struct ns_probe_result *ret);
const char *ns_probe_step_name(enum ns_probe_step step);       /* "clone3", "proc", ... */
/* Why a new procfs is refused with EPERM, and the remedy; doctor and a
 * failed run say the same. */
#define NS_PROC_COVERED \
        "/proc is covered (parts of it are hidden under other mounts, as in bubblewrap, Docker, " \
        "podman and Flatpak containers) and the kernel mounts a new procfs only where the existing " \
        "one is fully visible; run oslbox outside the container, or give the container an uncovered " \
        "/proc (docker run --security-opt systempaths=unconfined, podman run --security-opt unmask=ALL)"

/* --- rlimit.c ------------------------------------------------------------- */
#include <sys/resource.h>
struct rlimit_plan {
        struct { int resource; struct rlimit limit; } v[RLIM_NLIMITS];
        size_t n;
};
int rlimit_parse(const char *spec, int *ret_resource, struct rlimit *ret_limit, struct osb_diag *diag);
int rlimit_prepare(const struct osb_config *cfg, struct rlimit_plan *plan, struct osb_diag *diag);
/* Adds RESOURCE at VALUE (soft and hard), unless the plan is already lower. */
int rlimit_add(struct rlimit_plan *plan, int resource, rlim_t value);
int rlimit_apply(const struct rlimit_plan *plan);

/* --- cgroup.c ------------------------------------------------------------- */
struct cgroup_plan {
        bool active;
        char *v2_path;          /* the run's cgroup in the unified hierarchy */
        int v2_fd;              /* ... for CLONE_INTO_CGROUP */
        struct { const char *controller; char *path; int procs_fd; } v1[3];
        size_t n_v1;
        char warning[1536];     /* what best-effort weakened, or "" */
        bool join_v2;           /* the child joins v2_fd itself (no CLONE_INTO_CGROUP) */
        bool pids;              /* pids.max is written: the process limit is the cgroup's */
};

struct cgroup_stats {
        uint64_t memory_peak_kb, pids_peak;
        bool oom_killed;
};

bool cgroup_usable(void);       /* a cgroup this user may create children in, with memory and pids */

/* What oslbox doctor shows: the caller's cgroups and whether it can make
 * children there (each is tried). */
struct cgroup_probe {
        char v2[PATH_MAX];              /* the unified hierarchy's mount point, or "" */
        char v2_dir[PATH_MAX];          /* the caller's cgroup in it */
        char v2_controllers[256];       /* what it delegates (cgroup.subtree_control) */
        bool v2_can_create;
        struct { const char *name; char dir[PATH_MAX]; bool mounted, can_create; } v1[3];
};
int cgroup_probe(struct cgroup_probe *ret);
/* Creates the run's cgroups and writes the limits; without them, refuses or
 * (resources best-effort) adds rlimits to RL and fills plan->warning. */
/* USERNS: the sandbox has a user namespace of its own (RLIMIT_NPROC then
 * counts its processes alone). */
int cgroup_prepare(const struct osb_config *cfg, struct cgroup_plan *plan, struct rlimit_plan *rl, bool userns,
                   struct osb_diag *diag);
int cgroup_apply(const struct cgroup_plan *plan);       /* child: join the v1 cgroups (and v2, join_v2) */
void cgroup_kill(const struct cgroup_plan *plan);       /* cgroup.kill of the v2 cgroup, if any */
void cgroup_collect(const struct cgroup_plan *plan, struct cgroup_stats *ret);
void cgroup_destroy(struct cgroup_plan *plan);          /* NULL and repeats are fine */

/* --- mount.c: the filesystem view -------------------------------------- */
enum view_access {
        VIEW_ROOT,      /* the new root: list it, nothing more */
        VIEW_RO,        /* read and execute */
        VIEW_RW,        /* everything */
        VIEW_DEV,       /* device nodes: read, write, ioctl */
        VIEW_PROC,      /* procfs */
        VIEW_NONE,      /* symlinks: no rule of their own */
};

enum mount_op_kind {
        MOUNT_OP_BIND,
        MOUNT_OP_TMPFS,
        MOUNT_OP_PROC,
        MOUNT_OP_DEVPTS,
        MOUNT_OP_SYMLINK,
        MOUNT_OP_HIDE,          /* file: /dev/null bound nodev over it; directory: an empty tmpfs */
        MOUNT_OP_PROTECT,       /* the mount point (made if missing) bound onto itself with attr */
};

struct mount_op {
        enum mount_op_kind kind;
        char *src;              /* bind: host path; symlink: link target */
        char *dst;              /* absolute path inside the sandbox */
        int src_fd;             /* bind, hidden file: the source at the canonical path SRC, opened
                                   and checked by the parent, which holds it; else -1 */
        dev_t src_dev;          /* ... its identity: the child binds what it opens at SRC only if
                                   it is this object */
        ino_t src_ino;
        bool file;              /* the mount point is a file, not a directory */
        bool seal;              /* made read-only once all below it is mounted */
        unsigned attr;          /* MOUNT_ATTR_* */
        const char *mode;       /* tmpfs root mode */
        enum view_access access;
        bool host_view;         /* added by host-view: outside the policy's own view */
};

struct mount_plan {
        struct mount_op *ops;   /* parents before children */
        size_t n_ops;
        int *fds;               /* child: each op's mount, kept for Landlock's rules */
        int root_fd;            /* child: the new root's mount */
        size_t cwd_op;          /* the op mounted at the working directory */
        const char *staging;    /* where the new root is attached before pivot */
        char *cwd;              /* the command's working directory, inside */
};

int mount_prepare(const struct osb_config *cfg, const char *cwd, const char *home,
                  struct mount_plan **ret_plan, struct osb_diag *diag);
/* Child: builds the view, binding each host object only if it is the one
 * the parent checked, and enters the working directory. Each mount's fd
 * stays open in plan->fds and plan->root_fd until mount_close(). */
int mount_apply(struct mount_plan *plan, const char **ret_failed);
void mount_close(struct mount_plan *plan);      /* child, once Landlock's rules are added */
/* Whether PATH (absolute) is in the default view: under a system directory
 * or CWD, or for WRITABLE under CWD only. */
bool mount_in_default_view(const char *path, const char *cwd, bool writable);
/* Calls FN for each entry of the default view on this host, as a directive
 * ("ro", "rw", "tmpfs") and its path. */
int mount_default_view(const char *cwd, const char *home,
                       int (*fn)(const char *directive, const char *path, void *userdata), void *userdata);
void mount_plan_free(struct mount_plan *plan);
const char *mount_op_verb(enum mount_op_kind kind);

/* --- landlock.c: the second wall ----------------------------------------- */
struct landlock_rule {
        const char *path;       /* inside the sandbox: what a failure names */
        const int *fd;          /* the mount the rule is for, filled in by mount_apply() */
        uint64_t access;
};

struct landlock_plan {
        int abi;
        int ruleset_fd;
        struct landlock_rule *rules;
        size_t n_rules;
        uint64_t handled_fs, handled_net, scoped;
};

int landlock_abi(void);         /* 0 when unavailable, else the ABI version */
int landlock_prepare(const struct osb_config *cfg, const struct mount_plan *mounts,
                     int abi, struct landlock_plan *plan, struct osb_diag *diag);
int landlock_apply(const struct landlock_plan *plan, const char **ret_failed);
/* landlock_apply()'s first half, for an init that enters the ruleset after
 * executing oslbox-init (init-exec.c). */
int landlock_add_rules(const struct landlock_plan *plan, const char **ret_failed);
void landlock_plan_free(struct landlock_plan *plan);
/* The landlock isolation mode's: an empty ruleset, filled in the parent
 * with rules for host objects it opened (O_PATH fds), and entered by the
 * command alone (landlock_restrict(), a system call). */
int landlock_prepare_ruleset(const struct osb_config *cfg, int abi, struct landlock_plan *plan,
                             struct osb_diag *diag);
int landlock_add_host_rule(const struct landlock_plan *plan, int fd, uint64_t access);
int landlock_restrict(int ruleset_fd);
uint64_t landlock_rights(enum view_access access, int abi, bool file);
const char *landlock_missing(void);     /* why landlock_abi() is 0: the errno's text */
/* True when this ABI can keep a sandbox without a network namespace off the
 * host's abstract unix sockets (scoping, ABI >= 6). */
bool landlock_can_scope_abstract(int abi);

/* --- caps.c ------------------------------------------------------------- */
struct caps_plan {
        int last_cap;
        bool keep_bounding;     /* no CAP_SETPCAP (no user namespace, not root): the bounding set
                                   and securebits stay; no_new_privs keeps them from granting */
};
/* USERNS: the sandbox has a user namespace (all capabilities in it, to drop). */
int caps_prepare(struct caps_plan *plan, bool userns, struct osb_diag *diag);
int caps_apply(const struct caps_plan *plan);

/* --- seccomp.c (declared in seccomp.h) ---------------------------------- */
struct seccomp_plan {
        struct sock_fprog prog;
        void *owned;            /* a filter built at run time, else NULL */
        bool listener;          /* notify rules: loaded with a listener (the landlock mode) */
        bool observes;          /* log-denials observes path calls: init asks the listener
                                   for synchronous wake-ups */
};

/* --- env.c -------------------------------------------------------------- */
struct env_info {
        const char *home, *user, *cwd;
        const char *tmpdir;     /* NULL: /tmp */
};
int env_prepare(const struct osb_config *cfg, char *const *caller_env,
                const struct env_info *info, struct strv *ret_env, struct osb_diag *diag);
/* Sets ENTRY (NAME=VALUE) in ENV, replacing an earlier NAME. */
int env_put(struct strv *env, const char *entry);
/* The value of NAME in ENV, or NULL. */
const char *env_get(char *const *env, const char *name);
