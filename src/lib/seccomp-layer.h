/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <seccomp.h>

#include "cfg.h"
#include "layers.h"

bool seccomp_syscall_known(const char *name);
bool seccomp_supported(void);      /* filters with kill-process: Linux >= 4.14 */

/* The socket families a filter allows (network "none" allows only AF_UNIX;
 * with log-denials in the namespaces mode also AF_INET and AF_INET6, in
 * the sandbox's empty network namespace, so that connect and send show the
 * address refused). Booleans convert: true is SECCOMP_NET_UNIX. */
enum seccomp_net {
        SECCOMP_NET_ANY = 0,
        SECCOMP_NET_UNIX = 1,
        SECCOMP_NET_UNIX_INET = 2,
};

/* NET_FILTER: the families allowed. LANDLOCK: the landlock isolation
 * mode's filter (see seccomp-rules.c). */
int seccomp_prepare(const struct osb_config *cfg, enum seccomp_net net_filter, bool landlock,
                    struct seccomp_plan *plan, struct osb_diag *diag);
/* Loads the filter: 0, or for a plan with a listener its fd (close-on-exec). */
int seccomp_apply(const struct seccomp_plan *plan);
void seccomp_plan_free(struct seccomp_plan *plan);

/* seccomp-rules.c: the default filter with CFG's adjustments, as a libseccomp
 * context. Used at build time (the embedded programs) and at run time (when
 * allow-syscall or deny-syscall change it). */
int seccomp_rules_build(const struct osb_items *adjust, enum seccomp_net net_filter, bool landlock,
                        scmp_filter_ctx *ret_ctx, struct osb_diag *diag);
/* CTX's program, after a prefix of our own: the arch check, ENOSYS above
 * the newest reviewed syscall, the personality values unless ADJUST allows
 * personality. */
int seccomp_export(scmp_filter_ctx ctx, const struct osb_items *adjust, struct sock_filter **ret,
                   size_t *ret_len);
/* NAME's number on this architecture, whether libseccomp knows it or not;
 * __NR_SCMP_ERROR when it is no syscall. */
int seccomp_syscall_number(const char *name);
/* NR's name (malloc'ed), whether libseccomp knows it or not; NULL when it
 * has none. */
char *seccomp_syscall_name(int nr);
/* NR is at most the newest syscall reviewed (above it: ENOSYS). */
bool seccomp_syscall_reviewed(int nr);
/* NAME is among what the landlock mode's filter adds to the default. */
bool seccomp_landlock_denied(const char *name);

/* seccomp-default.c, generated: the default filters, built once. */
struct seccomp_embedded {
        const struct sock_filter *insns;
        unsigned short len;
};
extern const struct seccomp_embedded seccomp_default_net_filter;
extern const struct seccomp_embedded seccomp_default_inet_filter;      /* log-denials' network none */
extern const struct seccomp_embedded seccomp_default_no_net_filter;
extern const struct seccomp_embedded seccomp_landlock_net_filter;
extern const struct seccomp_embedded seccomp_landlock_no_net_filter;
