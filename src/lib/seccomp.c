/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Seccomp. Guarantees: the command runs under the default filter of
 * seccomp-rules.c, adjusted by allow-syscall and deny-syscall, loaded last so
 * that it may forbid what the earlier layers needed.
 *
 * Building a filter with libseccomp costs about 0.3 ms, more than the rest
 * of seccomp's share of a start, so the two default programs are built once,
 * at build time, and embedded; only a policy that adjusts the list pays for
 * a build at run time (and the landlock mode has two of its own). The child
 * only calls seccomp(2).
 *
 * The landlock mode's filters answer some calls with SECCOMP_RET_USER_NOTIF:
 * they are loaded with SECCOMP_FILTER_FLAG_NEW_LISTENER (Linux >= 5.0), and
 * the kernel allows one listener per filter stack, so under a container
 * runtime that installed one of its own the load fails with EBUSY and the
 * run is refused.
 */
#include "config.h"

#include <linux/seccomp.h>
#include <sys/syscall.h>

#include "seccomp-layer.h"

bool seccomp_supported(void)
{
        uint32_t action = SECCOMP_RET_KILL_PROCESS;
        return syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &action) == 0;
}

bool seccomp_syscall_known(const char *name)
{
        return seccomp_syscall_number(name) != __NR_SCMP_ERROR;
}

int seccomp_prepare(const struct osb_config *cfg, enum seccomp_net net_filter, bool landlock,
                    struct seccomp_plan *plan, struct osb_diag *diag)
{
        const struct seccomp_embedded *e;
        scmp_filter_ctx ctx;
        struct sock_filter *insns;
        size_t len;
        int r;

        /* The landlock mode's filters have notify rules: their loader gets a listener. */
        plan->listener = landlock;
        /* The inet variant is the namespaces mode's only (log-denials). */
        if (cfg->syscalls.n == 0 && !(landlock && net_filter == SECCOMP_NET_UNIX_INET)) {
                if (landlock)
                        e = net_filter ? &seccomp_landlock_net_filter : &seccomp_landlock_no_net_filter;
                else
                        e = net_filter == SECCOMP_NET_UNIX_INET ? &seccomp_default_inet_filter
                          : net_filter ? &seccomp_default_net_filter : &seccomp_default_no_net_filter;
                plan->prog.filter = (struct sock_filter *) e->insns;
                plan->prog.len = e->len;
                plan->owned = NULL;
                return 0;
        }
        if ((r = seccomp_rules_build(&cfg->syscalls, net_filter, landlock, &ctx, diag)) < 0)
                return r;
        r = seccomp_export(ctx, &cfg->syscalls, &insns, &len);
        seccomp_release(ctx);
        if (r < 0)
                return diag_errno(diag, r, "cannot export the seccomp filter");
        plan->prog.filter = insns;
        plan->prog.len = (unsigned short) len;
        plan->owned = insns;
        return 0;
}

int seccomp_apply(const struct seccomp_plan *plan)
{
        long r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
                         plan->listener ? SECCOMP_FILTER_FLAG_NEW_LISTENER : 0, &plan->prog);
        if (r < 0)
                return -errno;
        return plan->listener ? (int) r : 0;
}

void seccomp_plan_free(struct seccomp_plan *plan)
{
        if (!plan)
                return;
        free(plan->owned);
        plan->owned = NULL;
        plan->prog.filter = NULL;
}
