/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The landlock isolation mode (isolation.c): no namespace, the view held by
 * Landlock rules the parent makes from host objects it opened, plus a
 * private directory for HOME and TMPDIR. */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "cfg.h"
#include "layers.h"
#include "notify.h"

/* The run's private directory, PARENT_FD/NAME, with home/ and tmp/ in it:
 * made by the parent, removed by the sandbox's init when the sandbox ends
 * and, should init not get to it, by the parent once init is reaped. */
struct privdir {
        int parent_fd;          /* O_PATH: $XDG_RUNTIME_DIR or /tmp; -1: none */
        char name[32];
        dev_t dev;
        ino_t ino;
};

struct isolation_plan {
        char *dir, *home, *tmp;         /* absolute paths of the private directory and its parts */
        struct notify_root *roots;      /* the view, for notify.c */
        size_t n_roots, cap_roots;
        struct notify_ctx notify;
        int cwd_fd;                     /* borrowed from the mount plan: where init changes to */
};

/* Why the landlock mode cannot run here (the kernel's Landlock) or with
 * this configuration (a directive it cannot honour), as one sentence with
 * the remedy; 0 when it can. Cheap: no plan is made. */
int isolation_check(const struct osb_config *cfg, int abi, struct osb_diag *diag);

/* Fills LL (a new ruleset, its rules added here) and PLAN from the mount
 * plan's host objects, and makes the private directory in PD. CALLER_ENV
 * gives $XDG_RUNTIME_DIR; HOME is the caller's home directory, whose
 * ro and rw paths appear in the private home as symbolic links. */
int isolation_prepare(const struct osb_config *cfg, const struct mount_plan *mounts, int abi, const char *home,
                      char *const *caller_env, struct landlock_plan *ll, struct isolation_plan *plan,
                      struct privdir *pd, struct osb_diag *diag);
void isolation_plan_free(struct isolation_plan *plan);

/* Removes the private directory and all in it, following no symbolic link,
 * at any depth (subtrees past a bound are moved up first), never opening
 * anything that could block. System calls only (init calls it); BUF is
 * scratch space for getdents. 0, or -errno (what is left then stays). */
int privdir_remove(struct privdir *pd, char *buf, size_t size);
/* The parent's: removes what is left, then closes PD's fd. */
void privdir_done(struct privdir *pd);

/* What a run with CFG would get here, by trying (ns_probe(): a child in
 * new namespaces with a new procfs) and by isolation_check(). */
struct isolation_probe {
        enum osb_isolation mode;        /* NAMESPACES, LANDLOCK, or AUTO: neither, the run refuses */
        bool namespaces_ok, landlock_ok;
        enum ns_probe_step step;        /* where namespaces failed */
        int err;
        int abi;
        char why[256];                  /* why namespaces failed, as a run's report says */
        char landlock_why[1024];        /* why the landlock mode would refuse */
};
int isolation_probe(const struct osb_config *cfg, struct isolation_probe *ret);
