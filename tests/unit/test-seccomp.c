/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The default seccomp filter: the embedded programs are what libseccomp
 * builds from the rules, and, applied in a forked child, each denied call
 * fails with its errno while its twin under allow-syscall does not. */
#include "config.h"

#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/seccomp.h>
#include <stddef.h>

#include "seccomp-layer.h"
#include "tap.h"

static void embedded_matches_rules(void)
{
        const struct seccomp_embedded *e[2][3] = {
                { &seccomp_default_no_net_filter, &seccomp_default_net_filter, &seccomp_default_inet_filter },
                { &seccomp_landlock_no_net_filter, &seccomp_landlock_net_filter, NULL },
        };

        for (int landlock = 0; landlock < 2; landlock++)
                for (int net = 0; net < 3; net++) {
                        if (!e[landlock][net])
                                continue;
                        struct osb_diag d = {};
                        scmp_filter_ctx ctx;
                        struct sock_filter *insns = NULL;
                        size_t len = 0;

                        tap_ok(seccomp_rules_build(NULL, net, landlock, &ctx, &d) == 0, "rules build (%s)", d.msg);
                        tap_ok(seccomp_export(ctx, NULL, &insns, &len) == 0, "export");
                        seccomp_release(ctx);
                        tap_ok(len == e[landlock][net]->len &&
                               memcmp(insns, e[landlock][net]->insns, len * sizeof(*insns)) == 0,
                               "the embedded %s%s program is what libseccomp builds now (%zu instructions)",
                               landlock ? "landlock mode's " : "",
                               net == SECCOMP_NET_UNIX_INET ? "unix-and-inet" : net ? "network-filtering" : "plain", len);
                        free(insns);
                }
}

/* Runs CALL in a child under a filter built with ADJUST; returns the errno it
 * got (0 when it succeeded), or -signal when it was killed. */
struct call {
        const char *name;
        long nr;
        long a[6];
        int want;               /* errno under the default filter */
};

static int run_unfiltered(const struct call *c)
{
        int status;
        pid_t pid = fork();

        if (pid == 0) {
                long r = syscall(c->nr, c->a[0], c->a[1], c->a[2], c->a[3], c->a[4], c->a[5]);
                _exit(r < 0 ? (errno & 0xff) : 0);
        }
        waitpid(pid, &status, 0);
        return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
}

/* A filter installed before ours, failing syscall OUTER_NR with ENOTBLK:
 * when ours allows a call the older filter's errno shows; when ours fails
 * it with its own errno, ours wins (the newest filter's errno, of equal
 * precedence, is the one returned). So an ENOSYS of ours can be told from
 * the kernel's. */
static long outer_nr = -1;

static int outer_filter(void)
{
        struct sock_filter f[] = {
                BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
                BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t) outer_nr, 0, 1),
                BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOTBLK),
                BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        };
        struct sock_fprog prog = { .len = ELEMENTSOF(f), .filter = f };
        return (int) syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog);
}

static int run_filtered(const struct osb_items *adjust, bool net, const struct call *c)
{
        struct osb_config cfg;
        struct seccomp_plan plan = {};
        struct osb_diag d = {};
        int status;
        pid_t pid;

        config_init(&cfg);
        if (adjust)
                cfg.syscalls = *adjust;
        if (seccomp_prepare(&cfg, net, false, &plan, &d) < 0) {
                tap_diag("prepare: %s", d.msg);
                return -1000;
        }
        pid = fork();
        if (pid == 0) {
                long r;
                if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || (outer_nr >= 0 && outer_filter() < 0) ||
                    seccomp_apply(&plan) < 0)
                        _exit(200);
                r = syscall(c->nr, c->a[0], c->a[1], c->a[2], c->a[3], c->a[4], c->a[5]);
                _exit(r < 0 ? (errno & 0xff) : 0);
        }
        seccomp_plan_free(&plan);
        waitpid(pid, &status, 0);
        return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
}

static void table(void)
{
        /* Arguments are harmless or invalid: allowed, each call fails with
         * something other than EPERM (or succeeds); denied, EPERM. */
        const struct call calls[] = {
                { "mount", SYS_mount, { 0, 0, 0, 0 }, EPERM },
                { "umount2", SYS_umount2, { 0, 0 }, EPERM },
                { "pivot_root", SYS_pivot_root, { 0, 0 }, EPERM },
                { "move_mount", SYS_move_mount, { -1, 0, -1, 0 }, EPERM },
                { "open_tree", SYS_open_tree, { -1, 0, 0 }, EPERM },
                { "fsopen", SYS_fsopen, { 0, 0 }, EPERM },
                { "fsmount", SYS_fsmount, { -1, 0, 0 }, EPERM },
                { "ptrace", SYS_ptrace, { 9999 }, EPERM },
                { "process_vm_readv", SYS_process_vm_readv, { 0, 0, 0, 0 }, EPERM },
                { "process_vm_writev", SYS_process_vm_writev, { 0, 0, 0, 0 }, EPERM },
                { "kexec_load", SYS_kexec_load, { 0, 0, 0, 0 }, EPERM },
                { "kexec_file_load", SYS_kexec_file_load, { -1, -1, 0, 0 }, EPERM },
                { "init_module", SYS_init_module, { 0, 0, 0 }, EPERM },
                { "finit_module", SYS_finit_module, { -1, 0, 0 }, EPERM },
                { "delete_module", SYS_delete_module, { 0, 0 }, EPERM },
                { "bpf", SYS_bpf, { -1, 0, 0 }, EPERM },
                { "perf_event_open", SYS_perf_event_open, { 0, 0, -1, -1 }, EPERM },
                { "userfaultfd", SYS_userfaultfd, { -1 }, EPERM },
                { "keyctl", SYS_keyctl, { -1 }, EPERM },
                { "add_key", SYS_add_key, { 0 }, EPERM },
                { "request_key", SYS_request_key, { 0 }, EPERM },
                { "setns", SYS_setns, { -1, 0 }, EPERM },
                { "open_by_handle_at", SYS_open_by_handle_at, { -1, 0, 0 }, EPERM },
                { "name_to_handle_at", SYS_name_to_handle_at, { -1, 0, 0, 0 }, EPERM },
                { "reboot", SYS_reboot, { 0, 0, 0 }, EPERM },
                { "swapon", SYS_swapon, { 0, 0 }, EPERM },
                { "swapoff", SYS_swapoff, { 0 }, EPERM },
                { "acct", SYS_acct, { -1 }, EPERM },
                { "syslog", SYS_syslog, { -1 }, EPERM },
                { "settimeofday", SYS_settimeofday, { -1, -1 }, EPERM },
                { "clock_settime", SYS_clock_settime, { -1, 0 }, EPERM },
                { "adjtimex", SYS_adjtimex, { 0 }, EPERM },
                { "iopl", SYS_iopl, { 99 }, EPERM },
                { "ioperm", SYS_ioperm, { 0, 0, 99 }, EPERM },
                { "io_uring_setup", SYS_io_uring_setup, { 0, 0 }, EPERM },
                { "io_uring_enter", SYS_io_uring_enter, { -1, 0, 0, 0 }, EPERM },
                { "io_uring_register", SYS_io_uring_register, { -1, 0, 0, 0 }, EPERM },
                { "unshare", SYS_unshare, { CLONE_NEWUSER }, EPERM },
                { "clone3", SYS_clone3, { 0, 0 }, ENOSYS },
                /* newer than libseccomp 2.5.4: by number */
                { "statmount", 457, { 0, 0, 0, 0 }, EPERM },
                { "listmount", 458, { 0, 0, 0, 0 }, EPERM },
                { "lsm_set_self_attr", 460, { 0, 0, 0, 0 }, EPERM },
                { "open_tree_attr", 467, { -1, 0, 0, 0, 0 }, EPERM },
        };
        for (size_t i = 0; i < ELEMENTSOF(calls); i++) {
                struct osb_items allow = {};
                int got = run_filtered(NULL, false, &calls[i]), bare = run_unfiltered(&calls[i]), relaxed;

                tap_ok(got == calls[i].want, "%-18s denied with %s (got %d; %d without the filter)",
                       calls[i].name, calls[i].want == EPERM ? "EPERM" : "ENOSYS", got, bare);
                items_push(&allow, calls[i].name, OSB_SYSCALL_ALLOW);
                relaxed = run_filtered(&allow, false, &calls[i]);
                tap_ok(relaxed == bare, "%-18s under allow-syscall gets what the kernel says (%d, want %d)",
                       calls[i].name, relaxed, bare);
                free(allow.v[0].value);
                free(allow.v);
        }
}

static void conditional(void)
{
        struct osb_items allow_ioctl = {}, deny_getppid = {};
        int sv[2];
        const struct call tiocsti = { "ioctl", SYS_ioctl, { 0, TIOCSTI, 0 }, EPERM };
        const struct call tiocsti_high = { "ioctl", SYS_ioctl, { 0, (long) (0x100000000UL | TIOCSTI), 0 }, EPERM };
        const struct call tioclinux = { "ioctl", SYS_ioctl, { 0, TIOCLINUX, 0 }, EPERM };
        const struct call fionread = { "ioctl", SYS_ioctl, { 0, FIONREAD, 0 }, 0 };
        const struct call clone_user = { "clone", SYS_clone, { CLONE_NEWUSER | SIGCHLD, 0, 0, 0 }, EPERM };
        const struct call unshare_files = { "unshare", SYS_unshare, { CLONE_FILES }, 0 };
        const struct call inet = { "socket", SYS_socket, { AF_INET, SOCK_DGRAM, 0 }, EPERM };
        const struct call inet_high = { "socket", SYS_socket, { (long) (0x100000000UL | AF_INET), SOCK_DGRAM, 0 }, EPERM };
        const struct call unix_ = { "socket", SYS_socket, { AF_UNIX, SOCK_DGRAM, 0 }, 0 };
        const struct call vsock = { "socket", SYS_socket, { 40, SOCK_STREAM, 0 }, EPERM };
        const struct call vsock_high = { "socket", SYS_socket, { (long) (0x100000000UL | 40), SOCK_STREAM, 0 }, EPERM };
        const struct call getppid_ = { "getppid", SYS_getppid, { 0 }, EPERM };
        const struct call x32 = { "x32 getpid", 0x40000000 | 39, { 0 }, 0 };
        char fionread_buf[8];
        long fi = (long) (uintptr_t) fionread_buf;

        /* fd 0 of the child: a socket, not a terminal; unfiltered, TIOCSTI
         * would give ENOTTY. */
        socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
        dup2(sv[0], 0);
        tap_is_int(run_filtered(NULL, false, &tiocsti), EPERM, "ioctl TIOCSTI: EPERM");
        tap_is_int(run_filtered(NULL, false, &tiocsti_high), EPERM, "ioctl TIOCSTI with bits 32-63 set: EPERM");
        tap_is_int(run_filtered(NULL, false, &tioclinux), EPERM, "ioctl TIOCLINUX: EPERM");
        {
                struct call f = fionread;
                f.a[2] = fi;
                tap_is_int(run_filtered(NULL, false, &f), 0, "ioctl FIONREAD: allowed");
        }
        items_push(&allow_ioctl, "ioctl", OSB_SYSCALL_ALLOW);
        tap_is_int(run_filtered(&allow_ioctl, false, &tiocsti), EPERM, "allow-syscall ioctl keeps TIOCSTI denied");
        tap_is_int(run_filtered(&allow_ioctl, false, &tiocsti_high), EPERM,
                   "allow-syscall ioctl keeps TIOCSTI with high bits denied");
        tap_is_int(run_filtered(NULL, false, &clone_user), EPERM, "clone(CLONE_NEWUSER): EPERM");
        tap_is_int(run_filtered(NULL, false, &unshare_files), 0, "unshare(CLONE_FILES): allowed");
        tap_is_int(run_filtered(NULL, true, &inet), EPERM, "network filter: socket(AF_INET) EPERM");
        tap_is_int(run_filtered(NULL, true, &inet_high), EPERM, "network filter: AF_INET with high bits EPERM");
        tap_is_int(run_filtered(NULL, false, &inet), 0, "no network filter: socket(AF_INET) allowed");
        tap_is_int(run_filtered(NULL, true, &unix_), 0, "network filter: socket(AF_UNIX) allowed");
        tap_is_int(run_filtered(NULL, false, &vsock), EPERM, "socket(AF_VSOCK): EPERM without the network filter");
        tap_is_int(run_filtered(NULL, false, &vsock_high), EPERM, "socket(AF_VSOCK) with high bits: EPERM");
        tap_is_int(run_filtered(NULL, false, &getppid_), 0, "getppid: allowed by default");
        items_push(&deny_getppid, "getppid", OSB_SYSCALL_DENY);
        tap_is_int(run_filtered(&deny_getppid, false, &getppid_), EPERM, "deny-syscall getppid: EPERM");
        tap_is_int(run_filtered(NULL, false, &x32), -SIGSYS, "an x32 system call kills the process (SIGSYS)");
        close(sv[0]);
        close(sv[1]);
        for (size_t i = 0; i < allow_ioctl.n; i++)
                free(allow_ioctl.v[i].value);
        free(allow_ioctl.v);
        for (size_t i = 0; i < deny_getppid.n; i++)
                free(deny_getppid.v[i].value);
        free(deny_getppid.v);
}

static void items_free(struct osb_items *it)
{
        for (size_t i = 0; i < it->n; i++)
                free(it->v[i].value);
        free(it->v);
        *it = (struct osb_items) {};
}

/* socketpair() as socket(): AF_VSOCK always, all but AF_UNIX with the
 * network filter; the low 32 bits of the family are compared. */
static void socketpairs(void)
{
        int sv[2];
        long a = (long) (uintptr_t) sv;
        const struct call inet = { "socketpair", SYS_socketpair, { AF_INET, SOCK_STREAM, 0, a }, EPERM };
        const struct call inet_high = { "socketpair", SYS_socketpair,
                                        { (long) (0x100000000UL | AF_INET), SOCK_STREAM, 0, a }, EPERM };
        const struct call netlink = { "socketpair", SYS_socketpair, { AF_NETLINK, SOCK_DGRAM, 0, a }, EPERM };
        const struct call unix_ = { "socketpair", SYS_socketpair, { AF_UNIX, SOCK_STREAM, 0, a }, 0 };
        const struct call vsock = { "socketpair", SYS_socketpair, { 40, SOCK_STREAM, 0, a }, EPERM };
        const struct call vsock_high = { "socketpair", SYS_socketpair,
                                         { (long) (0x100000000UL | 40), SOCK_STREAM, 0, a }, EPERM };
        struct osb_items allow = {};

        tap_is_int(run_filtered(NULL, true, &inet), EPERM, "network filter: socketpair(AF_INET) EPERM");
        tap_is_int(run_filtered(NULL, true, &inet_high), EPERM, "network filter: socketpair(AF_INET, high bits) EPERM");
        tap_is_int(run_filtered(NULL, true, &netlink), EPERM, "network filter: socketpair(AF_NETLINK) EPERM");
        tap_is_int(run_filtered(NULL, false, &inet), run_unfiltered(&inet),
                   "no network filter: socketpair(AF_INET) gets what the kernel says (%d)", run_unfiltered(&inet));
        tap_is_int(run_filtered(NULL, true, &unix_), 0, "network filter: socketpair(AF_UNIX) allowed");
        tap_is_int(run_filtered(NULL, false, &vsock), EPERM, "socketpair(AF_VSOCK): EPERM without the network filter");
        tap_is_int(run_filtered(NULL, false, &vsock_high), EPERM, "socketpair(AF_VSOCK) with high bits: EPERM");
        items_push(&allow, "socketpair", OSB_SYSCALL_ALLOW);
        tap_is_int(run_filtered(&allow, true, &inet), EPERM, "allow-syscall socketpair keeps the family rules");
        items_free(&allow);
}

/* personality(): Docker's values only, unless allow-syscall personality. */
static void personalities(void)
{
        static const unsigned long ok[] = { 0x0, 0x8, 0x20000, 0x20008, 0xffffffff, 0x100000000UL };
        static const unsigned long bad[] = { 0x0400000 /* READ_IMPLIES_EXEC */, 0x0040000 /* ADDR_NO_RANDOMIZE */,
                                             0x0040008, 0x1, 0xfffffffe, 0x100040000UL };
        struct osb_items allow = {}, deny = {};

        for (size_t i = 0; i < ELEMENTSOF(ok); i++) {
                const struct call c = { "personality", SYS_personality, { (long) ok[i] }, 0 };
                tap_is_int(run_filtered(NULL, false, &c), 0, "personality(%#lx): allowed", ok[i]);
        }
        items_push(&allow, "personality", OSB_SYSCALL_ALLOW);
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                const struct call c = { "personality", SYS_personality, { (long) bad[i] }, EPERM };
                tap_is_int(run_filtered(NULL, false, &c), EPERM, "personality(%#lx): EPERM", bad[i]);
                tap_is_int(run_filtered(&allow, false, &c), run_unfiltered(&c),
                           "... under allow-syscall personality gets what the kernel says (%d)", run_unfiltered(&c));
        }
        items_push(&deny, "personality", OSB_SYSCALL_DENY);
        {
                const struct call c = { "personality", SYS_personality, { 0xffffffff }, EPERM };
                tap_is_int(run_filtered(&deny, false, &c), EPERM, "deny-syscall personality: personality(0xffffffff) EPERM");
        }
        items_free(&allow);
        items_free(&deny);
}

/* Numbers above the newest reviewed syscall fail with ENOSYS from the
 * filter (told from the kernel's by the older filter's ENOTBLK). */
static void newer_than_reviewed(void)
{
        static const long past[] = { 470, 471, 500, 511, 0x3fffffff };
        const struct call newest = { "file_setattr", 469, { -1, 0, 0, 0, 0 }, 0 };

        for (size_t i = 0; i < ELEMENTSOF(past); i++) {
                const struct call c = { "past", past[i], { 0 }, ENOSYS };
                outer_nr = past[i];
                tap_is_int(run_filtered(NULL, false, &c), ENOSYS, "syscall %ld, past the reviewed table: ENOSYS from the filter",
                           past[i]);
                tap_is_int(run_filtered(NULL, true, &c), ENOSYS, "... with the network filter too");
        }
        outer_nr = 469;
        tap_is_int(run_filtered(NULL, false, &newest), ENOTBLK, "syscall 469 (file_setattr), reviewed: allowed through");
        outer_nr = -1;
}

int main(void)
{
        embedded_matches_rules();
        table();
        conditional();
        socketpairs();
        personalities();
        newer_than_reviewed();
        return tap_done();
}
