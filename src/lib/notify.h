/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Seccomp user notifications, answered by the sandbox's init (notify.c).
 * Everything here runs in init: system calls and plain copies only, from
 * tables the parent prepared before clone. */
#pragma once

#include <linux/filter.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* A place of the view, by identity: a directory (and all beneath it) or a
 * file, as the Landlock rules name them. */
struct notify_root {
        dev_t dev;
        ino_t ino;
        bool dir;
        bool writable;          /* the rule grants writes (make_sock among them) */
};

struct notify_ctx {
        const struct notify_root *roots;
        size_t n_roots;
        bool net_none;          /* connect and bind are notified */
        int ruleset_fd;         /* the command's Landlock ruleset: binds are made under it */
        /* log-denials (denials.c): the filter as the policy made it, whose
         * answers init gives to the calls the loaded one notifies instead
         * of refusing, and where they are recorded; NULL: off. */
        struct sock_fprog verdict;
        struct denials_table *denials;
        /* host-view: the plan, whose ops of the policy's own view tell a
         * path outside it (denials.c); NULL: off. */
        const struct mount_plan *host_view;
        bool landlock;          /* the landlock mode: ROOTS are the view (denials.c looks there) */
};

/* The landlock mode's view, for the denial observer: 1 when PID's PATH
 * (relative to its DIRFD or working directory, FOLLOW: symbolic links
 * followed) is in the view, WRITABLE: in a writable place of it; 0 when
 * it is not; -errno when it cannot be resolved (-ENOENT: not there). */
int notify_path_in_view(const struct notify_ctx *ctx, pid_t pid, int dirfd, const char *path, bool follow,
                        bool writable);

/* Receives one notification on LISTENER and answers it. Returns 0, or
 * -errno when the listener itself failed (init then stops polling it);
 * a notification whose target went away is no failure. Never blocks for
 * long: a connect is made non-blocking, a bind by a short-lived child. */
int notify_serve(const struct notify_ctx *ctx, int listener);
