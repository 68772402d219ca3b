/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Landlock: a second wall mirroring the mount plan. Guarantees: the command
 * may read and execute under read-only paths and /proc, do anything under
 * writable ones and tmpfs, use the device nodes, and nothing else, even
 * through a file descriptor or a path that leads out of the mount view.
 * Every access right the running kernel's ABI knows is handled (refer: 2,
 * truncate: 3, ioctl_dev: 5); from ABI 4 TCP bind and connect are denied
 * when the network is "none"; from ABI 6 signals and abstract unix sockets
 * are scoped to the sandbox. The rules are made from the mounts themselves
 * (fds the child holds), not by path. Landlock cannot narrow a right below
 * a rule that grants it, so the read-only places inside the working
 * directory (.git/config) are held by the mount alone.
 *
 * Needs Landlock (Linux >= 5.13, enabled in the LSM list). A right the policy
 * relies on that this kernel cannot enforce is a refusal, not a downgrade;
 * the one place a weaker ABI is compensated is network "none", which falls
 * back to a network namespace below ABI 6 (see spawn.c).
 *
 * The installed uapi headers may be older than the kernel, so every constant
 * newer than Landlock's first ABI is defined here when missing.
 */
#include "config.h"

#include <fcntl.h>
#include <linux/landlock.h>
#include <string.h>
#include <sys/syscall.h>

#include "layers.h"

#ifndef LANDLOCK_CREATE_RULESET_VERSION
#define LANDLOCK_CREATE_RULESET_VERSION (1U << 0)
#endif
#ifndef LANDLOCK_ACCESS_FS_REFER                /* ABI 2 */
#define LANDLOCK_ACCESS_FS_REFER (1ULL << 13)
#endif
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE             /* ABI 3 */
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14)
#endif
#ifndef LANDLOCK_ACCESS_FS_IOCTL_DEV            /* ABI 5 */
#define LANDLOCK_ACCESS_FS_IOCTL_DEV (1ULL << 15)
#endif
#ifndef LANDLOCK_ACCESS_NET_BIND_TCP            /* ABI 4 */
#define LANDLOCK_ACCESS_NET_BIND_TCP (1ULL << 0)
#define LANDLOCK_ACCESS_NET_CONNECT_TCP (1ULL << 1)
#endif
#ifndef LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET     /* ABI 6 */
#define LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET (1ULL << 0)
#define LANDLOCK_SCOPE_SIGNAL (1ULL << 1)
#endif
#ifndef __NR_landlock_create_ruleset
#define __NR_landlock_create_ruleset 444
#define __NR_landlock_add_rule 445
#define __NR_landlock_restrict_self 446
#endif

/* struct landlock_ruleset_attr as of ABI 6; older kernels are given the
 * prefix they know (the size tells them which). */
struct ll_ruleset_attr {
        uint64_t handled_access_fs;
        uint64_t handled_access_net;
        uint64_t scoped;
};

struct ll_path_beneath_attr {
        uint64_t allowed_access;
        int32_t parent_fd;
} __attribute__((packed));

#define LL_RULE_PATH_BENEATH 1

#define FS_READ (LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR)
#define FS_FILE_RIGHTS (LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE | \
                        LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_TRUNCATE | \
                        LANDLOCK_ACCESS_FS_IOCTL_DEV)

/* The filesystem rights each ABI knows. */
static uint64_t fs_rights(int abi)
{
        uint64_t all = (LANDLOCK_ACCESS_FS_MAKE_SYM << 1) - 1;     /* ABI 1 */
        if (abi >= 2)
                all |= LANDLOCK_ACCESS_FS_REFER;
        if (abi >= 3)
                all |= LANDLOCK_ACCESS_FS_TRUNCATE;
        if (abi >= 5)
                all |= LANDLOCK_ACCESS_FS_IOCTL_DEV;
        return all;
}

int landlock_abi(void)
{
        long abi = syscall(__NR_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
        return abi < 0 ? 0 : (int) abi;
}

/* Why the ABI probe fails: ENOSYS (not built, or a seccomp filter or
 * emulator in the way), EOPNOTSUPP (built, not enabled). */
static int abi_errno(void)
{
        long abi = syscall(__NR_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
        return abi < 0 ? -errno : 0;
}

bool landlock_can_scope_abstract(int abi)
{
        return abi >= 6;
}

static uint64_t view_rights(enum view_access access, int abi, bool file)
{
        uint64_t all = fs_rights(abi), r;

        switch (access) {
        case VIEW_ROOT:
                r = LANDLOCK_ACCESS_FS_READ_DIR;
                break;
        case VIEW_RO:
                r = FS_READ | LANDLOCK_ACCESS_FS_EXECUTE;
                break;
        case VIEW_RW:
                r = all;
                break;
        case VIEW_DEV:
                r = FS_READ | LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_TRUNCATE |
                    LANDLOCK_ACCESS_FS_IOCTL_DEV;
                break;
        case VIEW_PROC:
                /* Read-only, as its mount: a root caller's sandbox is uid 0
                 * on the host, and procfs grants writes (/proc/sys, the
                 * sysrq trigger) by file mode. What programs write there,
                 * another thread's comm, their own oom_score_adj or attr/,
                 * fails (with EROFS: the mount refuses first). A rule on
                 * /proc/self would name one process's directory, so there
                 * is no per-process exception to make. Execute: a re-exec
                 * of /proc/self/exe. */
                r = FS_READ | LANDLOCK_ACCESS_FS_EXECUTE;
                break;
        default:
                r = 0;
        }
        r &= all;
        /* A rule on a file may only carry rights that apply to files. */
        return file ? r & FS_FILE_RIGHTS : r;
}

uint64_t landlock_rights(enum view_access access, int abi, bool file)
{
        return view_rights(access, abi, file);
}

const char *landlock_missing(void)
{
        return errno_text(-abi_errno());
}

/* The ruleset every sandbox gets: each right this ABI knows is handled. */
static int ruleset_create(const struct osb_config *cfg, int abi, struct landlock_plan *plan, struct osb_diag *diag)
{
        struct ll_ruleset_attr attr = {};
        size_t attr_size;
        int fd;

        attr.handled_access_fs = fs_rights(abi);
        attr_size = sizeof(attr.handled_access_fs);
        if (abi >= 4) {
                attr_size = offsetof(struct ll_ruleset_attr, scoped);
                if (cfg->net == OSB_NET_NONE)
                        attr.handled_access_net = LANDLOCK_ACCESS_NET_BIND_TCP |
                                                  LANDLOCK_ACCESS_NET_CONNECT_TCP;
        }
        if (abi >= 6) {
                attr_size = sizeof(attr);
                attr.scoped = LANDLOCK_SCOPE_SIGNAL;
                if (cfg->net == OSB_NET_NONE)
                        attr.scoped |= LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET;
        }
        /* The ruleset fd is close-on-exec from the kernel. */
        fd = fd_move_above_stdio((int) syscall(__NR_landlock_create_ruleset, &attr, attr_size, 0));
        if (fd < 0)
                return diag_errno(diag, -errno, "cannot create a Landlock ruleset (ABI %d)", abi);
        plan->abi = abi;
        plan->ruleset_fd = fd;
        plan->handled_fs = attr.handled_access_fs;
        plan->handled_net = attr.handled_access_net;
        plan->scoped = attr.scoped;
        return 0;
}

int landlock_prepare_ruleset(const struct osb_config *cfg, int abi, struct landlock_plan *plan,
                             struct osb_diag *diag)
{
        return ruleset_create(cfg, abi, plan, diag);
}

int landlock_add_host_rule(const struct landlock_plan *plan, int fd, uint64_t access)
{
        struct ll_path_beneath_attr rule = { .allowed_access = access, .parent_fd = fd };

        if (syscall(__NR_landlock_add_rule, plan->ruleset_fd, LL_RULE_PATH_BENEATH, &rule, 0) < 0)
                return -errno;
        return 0;
}

int landlock_restrict(int ruleset_fd)
{
        return syscall(__NR_landlock_restrict_self, ruleset_fd, 0) < 0 ? -errno : 0;
}

int landlock_prepare(const struct osb_config *cfg, const struct mount_plan *mounts, int abi,
                     struct landlock_plan *plan, struct osb_diag *diag)
{
        size_t n = 0;
        int r;

        if (abi < 1)
                return diag_set(diag, -EOPNOTSUPP,
                                "Landlock is not available (landlock_create_ruleset: %s; it needs Linux "
                                ">= 5.13 with landlock in the lsm= list); oslbox cannot run without it",
                                errno_text(-abi_errno()));

        plan->rules = calloc(mounts->n_ops + 1, sizeof(*plan->rules));
        if (!plan->rules)
                return diag_errno(diag, -ENOMEM, "Landlock");
        /* Each rule is for a mount the child holds: Landlock rules attach
         * to inodes, so a rule made from the mount's fd is the rule for the
         * object mounted, with no path looked up again. */
        plan->rules[n++] = (struct landlock_rule) { "/", &mounts->root_fd, view_rights(VIEW_ROOT, abi, false) };
        for (size_t i = 0; i < mounts->n_ops; i++) {
                const struct mount_op *op = &mounts->ops[i];
                uint64_t access;
                if (op->access == VIEW_NONE)
                        continue;
                access = view_rights(op->access, abi, op->file);
                if (access)
                        plan->rules[n++] = (struct landlock_rule) { op->dst, &mounts->fds[i], access };
        }
        plan->n_rules = n;
        if ((r = ruleset_create(cfg, abi, plan, diag)) < 0) {
                free(plan->rules);
                plan->rules = NULL;
                return r;
        }
        return 0;
}

int landlock_add_rules(const struct landlock_plan *plan, const char **ret_failed)
{
        /* Rules are added here, from the mounts of the sandbox's own view,
         * because the tmpfs directories they are for exist only inside it. */
        for (size_t i = 0; i < plan->n_rules; i++) {
                struct ll_path_beneath_attr rule = { .allowed_access = plan->rules[i].access,
                                                     .parent_fd = *plan->rules[i].fd };

                *ret_failed = plan->rules[i].path;
                if (syscall(__NR_landlock_add_rule, plan->ruleset_fd, LL_RULE_PATH_BENEATH, &rule, 0) < 0)
                        return -errno;
        }
        *ret_failed = NULL;
        return 0;
}

int landlock_apply(const struct landlock_plan *plan, const char **ret_failed)
{
        int r = landlock_add_rules(plan, ret_failed);

        if (r < 0)
                return r;
        if ((r = landlock_restrict(plan->ruleset_fd)) < 0)
                return r;
        close(plan->ruleset_fd);
        return 0;
}

void landlock_plan_free(struct landlock_plan *plan)
{
        if (!plan)
                return;
        free(plan->rules);
        plan->rules = NULL;
        plan->ruleset_fd = safe_close(plan->ruleset_fd);
}
