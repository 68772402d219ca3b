/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Namespaces. Guarantees: the command runs in new user, mount, pid, ipc and
 * uts namespaces (and a network namespace when the policy's network mode
 * needs one); the caller's uid and gid map to themselves, nothing else is
 * mapped and setgroups(2) is denied, so files it writes belong to the caller.
 *
 * Needs user namespaces usable by the caller (Linux >= 3.8, not disabled by
 * sysctl or an LSM). Without them clone3 fails and the run is refused.
 */
#include "config.h"

#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "layers.h"

int ns_prepare(const struct osb_config *cfg, bool netns, struct ns_plan *plan)
{
        uid_t uid = geteuid();
        gid_t gid = getegid();

        plan->clone_flags = CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS |
                            (netns ? CLONE_NEWNET : 0);
        snprintf(plan->uid_map, sizeof(plan->uid_map), "%u %u 1\n", (unsigned) uid, (unsigned) uid);
        snprintf(plan->gid_map, sizeof(plan->gid_map), "%u %u 1\n", (unsigned) gid, (unsigned) gid);
        plan->hostname = cfg->hostname ? cfg->hostname : OSB_DEFAULT_HOSTNAME;
        return 0;
}

static int write_file(const char *path, const char *text)
{
        int fd = open(path, O_WRONLY | O_CLOEXEC);
        size_t len = strlen(text);
        ssize_t k;
        int saved;

        if (fd < 0)
                return -errno;
        k = write(fd, text, len);
        saved = errno;
        close(fd);
        if (k < 0)
                return -saved;
        return (size_t) k == len ? 0 : -EIO;
}

int ns_apply(const struct ns_plan *plan, const char **ret_failed)
{
        int r;

        /* A process may map its own ids in the namespace it just entered;
         * no round trip with the parent is needed. */
        *ret_failed = "/proc/self/setgroups";
        if ((r = write_file("/proc/self/setgroups", "deny")) < 0)
                return r;
        *ret_failed = "/proc/self/uid_map";
        if ((r = write_file("/proc/self/uid_map", plan->uid_map)) < 0)
                return r;
        *ret_failed = "/proc/self/gid_map";
        if ((r = write_file("/proc/self/gid_map", plan->gid_map)) < 0)
                return r;
        *ret_failed = plan->hostname;
        if (sethostname(plan->hostname, strlen(plan->hostname)) < 0)
                return -errno;
        *ret_failed = NULL;
        return 0;
}

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

int ns_probe_clone(uint64_t flags)
{
        int pidfd = -1;
        struct clone_args args = { .flags = flags | CLONE_PIDFD, .pidfd = (uint64_t) (uintptr_t) &pidfd,
                                   .exit_signal = 0 };
        siginfo_t si;
        long pid = syscall(SYS_clone3, &args, sizeof(args));

        if (pid == 0)
                _exit(0);
        if (pid < 0)
                return -errno;
        (void) syscall(SYS_waitid, P_PIDFD, pidfd, &si, WEXITED | __WALL, NULL);  /* our child: reaped */
        close(pidfd);
        return 0;
}

int ns_probe_userns(void)
{
        return ns_probe_clone(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS);
}

/* The probe's child: the steps of a run up to its first mount, reported on
 * FD as one record (below PIPE_BUF: it arrives whole). Syscalls only. */
static _Noreturn void probe_child(int fd, const char *uid_map, const char *gid_map)
{
        struct ns_probe_result res = { .step = NS_STEP_NONE };
        int fs, mnt, r = 0;

        if ((r = write_file("/proc/self/setgroups", "deny")) < 0)
                res.step = NS_STEP_SETGROUPS;
        else if ((r = write_file("/proc/self/uid_map", uid_map)) < 0)
                res.step = NS_STEP_UID_MAP;
        else if ((r = write_file("/proc/self/gid_map", gid_map)) < 0)
                res.step = NS_STEP_GID_MAP;
        else {
                /* A detached procfs is enough: the kernel's check for a fully
                 * visible /proc (mount_too_revealing) is made in fsmount. */
                fs = fsopen("proc", FSOPEN_CLOEXEC);
                if (fs < 0 || fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0 ||
                    (mnt = fsmount(fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
                                                        MOUNT_ATTR_NOEXEC)) < 0) {
                        r = -errno;
                        res.step = NS_STEP_PROC;
                }
        }
        res.err = -r;
        (void) !write(fd, &res, sizeof(res));   /* nothing to do if the parent went away */
        _exit(0);
}

int ns_probe(struct ns_probe_result *ret)
{
        char uid_map[48], gid_map[48];
        struct ns_probe_result res = { .step = NS_STEP_CLONE };
        int pidfd = -1, p[2];
        struct clone_args args = { .flags = CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC |
                                            CLONE_NEWUTS | CLONE_PIDFD,
                                   .pidfd = (uint64_t) (uintptr_t) &pidfd, .exit_signal = 0 };
        siginfo_t si;
        ssize_t k;
        long pid;

        snprintf(uid_map, sizeof(uid_map), "%u %u 1\n", (unsigned) geteuid(), (unsigned) geteuid());
        snprintf(gid_map, sizeof(gid_map), "%u %u 1\n", (unsigned) getegid(), (unsigned) getegid());
        if (pipe2(p, O_CLOEXEC) < 0) {
                res.err = errno;
                *ret = res;
                return -res.err;
        }
        pid = syscall(SYS_clone3, &args, sizeof(args));
        if (pid == 0) {
                close(p[0]);
                probe_child(p[1], uid_map, gid_map);
        }
        if (pid < 0)
                res.err = errno;
        close(p[1]);
        if (pid > 0) {
                do
                        k = read(p[0], &res, sizeof(res));
                while (k < 0 && errno == EINTR);
                (void) syscall(SYS_waitid, P_PIDFD, pidfd, &si, WEXITED | __WALL, NULL);  /* our child: reaped */
                close(pidfd);
                if (k != (ssize_t) sizeof(res))
                        res = (struct ns_probe_result) { .step = NS_STEP_CLONE, .err = EIO };
        }
        close(p[0]);
        *ret = res;
        return res.step == NS_STEP_NONE ? 0 : -res.err;
}

const char *ns_probe_step_name(enum ns_probe_step step)
{
        static const char *const names[] = {
                [NS_STEP_NONE] = "none",          [NS_STEP_CLONE] = "clone3",
                [NS_STEP_SETGROUPS] = "setgroups", [NS_STEP_UID_MAP] = "uid_map",
                [NS_STEP_GID_MAP] = "gid_map",    [NS_STEP_PROC] = "proc",
        };
        return (unsigned) step < ELEMENTSOF(names) ? names[step] : "?";
}
