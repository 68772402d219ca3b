/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The denial observer: init's BPF interpreter answers as the kernel does
 * under the same filter; the notify program differs from the policy's only
 * where it refuses; the table stays bounded; off means no observer. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "denials.h"
#include "init.h"
#include "seccomp-layer.h"
#include "tap.h"

struct call {
        const char *name;
        long nr;
        unsigned long a[6];
};

/* Harmless or invalid arguments: what the filter allows fails or does
 * nothing. */
static const struct call calls[] = {
        { "mount", SYS_mount, { 0 } },
        { "bpf", SYS_bpf, { 0 } },
        { "keyctl", SYS_keyctl, { 0 } },
        { "clone3", SYS_clone3, { 0 } },
        { "nr 470", 470, { 0 } },
        { "nr 500", 500, { 0 } },
        { "socket inet", SYS_socket, { AF_INET, SOCK_STREAM } },
        { "socket inet, high bits", SYS_socket, { AF_INET | (1UL << 40), SOCK_STREAM } },
        { "socket unix", SYS_socket, { AF_UNIX, SOCK_DGRAM } },
        { "socket netlink", SYS_socket, { AF_NETLINK, SOCK_RAW } },
        { "socket ax25", SYS_socket, { 3, SOCK_DGRAM } },
        { "socket inet6 high bits", SYS_socket, { AF_INET6 | (1UL << 33), SOCK_STREAM } },
        { "socket vsock", SYS_socket, { 40, SOCK_STREAM } },
        { "unshare newuser", SYS_unshare, { CLONE_NEWUSER } },
        { "unshare files", SYS_unshare, { CLONE_FILES } },
        { "ioctl TIOCSTI", SYS_ioctl, { 999, TIOCSTI } },
        { "ioctl FIONREAD", SYS_ioctl, { 999, FIONREAD } },
        { "personality 0x0400000", SYS_personality, { 0x0400000 } },
        { "personality 0xffffffff", SYS_personality, { 0xffffffff } },
        { "getppid", SYS_getppid, { 0 } },
        { "shmget", SYS_shmget, { 0, 0, 0 } },
};

/* What the kernel answers CALL with under PROG: its errno, 0, or -signal. */
static int kernel_answer(const struct sock_fprog *prog, const struct call *c)
{
        int status;
        pid_t pid = fork();

        if (pid == 0) {
                long r;
                if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, prog) < 0)
                        _exit(200);
                r = syscall(c->nr, c->a[0], c->a[1], c->a[2], c->a[3], c->a[4], c->a[5]);
                _exit(r < 0 ? (errno & 0xff) : 0);
        }
        waitpid(pid, &status, 0);
        return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
}

static void verdicts(void)
{
        for (int landlock = 0; landlock < 2; landlock++)
                for (int net = 0; net < 3 - landlock; net++) {      /* unix-and-inet: namespaces only */
                        struct osb_config cfg;
                        struct seccomp_plan plan = {};
                        struct osb_diag d = {};
                        int agree = 0, checked = 0;

                        config_init(&cfg);
                        if (seccomp_prepare(&cfg, net, landlock, &plan, &d) < 0) {
                                tap_ok(0, "prepare: %s", d.msg);
                                continue;
                        }
                        for (size_t i = 0; i < ELEMENTSOF(calls); i++) {
                                const struct call *c = &calls[i];
                                struct seccomp_data data = { .nr = (int) c->nr, .arch = seccomp_arch_native() };
                                uint32_t v;
                                int k;

                                for (int j = 0; j < 6; j++)
                                        data.args[j] = c->a[j];
                                v = denials_verdict(&plan.prog, &data);
                                /* The calls a filter allows would run: only
                                 * refusals are compared with the kernel. */
                                if ((v & SECCOMP_RET_ACTION_FULL) != SECCOMP_RET_ERRNO) {
                                        if (strcmp(c->name, "getppid") == 0 || strcmp(c->name, "ioctl FIONREAD") == 0 ||
                                            strcmp(c->name, "unshare files") == 0)
                                                agree += v == SECCOMP_RET_ALLOW, checked++;
                                        continue;
                                }
                                k = kernel_answer(&plan.prog, c);
                                checked++;
                                if (k == (int) (v & SECCOMP_RET_DATA))
                                        agree++;
                                else
                                        tap_diag("%s: interpreter %u, kernel %d", c->name, v & SECCOMP_RET_DATA, k);
                        }
                        tap_ok(agree == checked && checked >= 10,
                               "%s%s filter: the interpreter answers as the kernel (%d of %d calls)",
                               landlock ? "landlock mode's " : "", net ? "network-filtering" : "plain", agree, checked);
                        seccomp_plan_free(&plan);
                        config_done(&cfg);
                }
}

static void spot_checks(void)
{
        struct osb_config cfg;
        struct seccomp_plan plan = {};
        struct osb_diag d = {};
        struct seccomp_data mount = { .nr = SYS_mount, .arch = seccomp_arch_native() };
        struct seccomp_data clone3 = { .nr = SYS_clone3, .arch = seccomp_arch_native() };
        struct seccomp_data other = { .nr = SYS_getpid, .arch = 0x12345678 };

        config_init(&cfg);
        if (seccomp_prepare(&cfg, true, false, &plan, &d) < 0)
                return;
        tap_ok(denials_verdict(&plan.prog, &mount) == (SECCOMP_RET_ERRNO | EPERM), "mount: EPERM");
        tap_ok(denials_verdict(&plan.prog, &clone3) == (SECCOMP_RET_ERRNO | ENOSYS), "clone3: ENOSYS");
        tap_ok(denials_verdict(&plan.prog, &other) == SECCOMP_RET_KILL_PROCESS, "another arch: killed");
        {
                /* A jump out of the program: no answer but the kill. */
                struct sock_filter bad[] = { BPF_JUMP(BPF_JMP | BPF_JA, 5, 0, 0), BPF_STMT(BPF_RET | BPF_K, 0) };
                struct sock_fprog p = { .len = 2, .filter = bad };
                tap_ok(denials_verdict(&p, &mount) == SECCOMP_RET_KILL_PROCESS, "a jump out of the program: killed");
        }
        seccomp_plan_free(&plan);
        config_done(&cfg);
}

static void notify_program(void)
{
        struct osb_config cfg;
        struct seccomp_plan plan = {};
        struct osb_diag d = {};
        struct denials *dn = NULL;
        struct sock_fprog np;
        size_t changed = 0, other = 0;

        config_init(&cfg);
        tap_ok(denials_new(&cfg, &dn, &d) == 0 && !dn, "log-denials off: no observer, no table");
        cfg.log_denials = true;
        if (denials_new(&cfg, &dn, &d) < 0 || !dn || seccomp_prepare(&cfg, true, false, &plan, &d) < 0) {
                tap_ok(0, "prepare: %s", d.msg);
                return;
        }
        tap_ok(denials_notify_program(dn, &plan.prog, false, &np) == 0 && np.len > plan.prog.len, "notify program");
        for (size_t i = 0, pre = np.len - plan.prog.len; i < plan.prog.len; i++) {
                const struct sock_filter *a = &plan.prog.filter[i], *b = &np.filter[pre + i];
                if (memcmp(a, b, sizeof(*a)) == 0)
                        continue;
                if (a->code == (BPF_RET | BPF_K) && (a->k & SECCOMP_RET_ACTION_FULL) == SECCOMP_RET_ERRNO &&
                    b->code == a->code && b->k == SECCOMP_RET_USER_NOTIF)
                        changed++;
                else
                        other++;
        }
        tap_ok(changed > 0 && other == 0, "only the refusals became notifications (%zu of %u instructions)",
               changed, np.len);

        {
                /* Bounded: distinct denials past DENIALS_MAX are counted. */
                struct denials_table *t = denials_table(dn);
                struct seccomp_data data = { .nr = SYS_personality };
                for (unsigned i = 0; i < DENIALS_MAX + 500; i++) {
                        data.args[0] = 0x0400000 + ((uint64_t) i << 8);
                        denials_note_syscall(t, getpid(), &data, EPERM);
                        denials_note_syscall(t, getpid(), &data, EPERM);
                }
                tap_ok(t->n == DENIALS_MAX && t->unlisted == 1000 && t->rec[0].count == 2,
                       "the table keeps %u distinct entries, counts the rest (%u, %llu)", DENIALS_MAX, t->n,
                       (unsigned long long) t->unlisted);
                tap_is_str(t->rec[0].comm, "test-denials", "the process's name, from /proc");
        }
        {
                struct oslbox_result res = { .size = sizeof(res) };
                const struct oslbox_denial *v = NULL;
                uint64_t unlisted = 0;
                tap_ok(denials_collect(dn, &res) == 0 && denials_get(dn, &v, &unlisted) == DENIALS_MAX &&
                       unlisted == 1000, "collected");
                char want[256];
                snprintf(want, sizeof(want), "personality(2) by test-denials (pid %d), 2 times: seccomp default "
                         "filter (allow with --allow-syscall personality)", (int) getpid());
                tap_is_str(v[0].line, want, "the line");
        }
        denials_free(dn);
        seccomp_plan_free(&plan);
        config_done(&cfg);
}

struct prefix_row {
        const char *name;
        struct seccomp_data data;
        uint32_t want;
};

/* The verdicts of the observer's program for the default filter (LANDLOCK:
 * the landlock mode's) against ROWS. */
static void prefix_rows(bool landlock, const struct prefix_row *rows, size_t n)
{
        struct osb_config cfg;
        struct seccomp_plan plan = {};
        struct osb_diag d = {};
        struct denials *dn = NULL;
        struct sock_fprog np;

        config_init(&cfg);
        cfg.log_denials = true;
        if (denials_new(&cfg, &dn, &d) < 0 || seccomp_prepare(&cfg, true, landlock, &plan, &d) < 0 ||
            denials_notify_program(dn, &plan.prog, landlock, &np) < 0) {
                tap_ok(0, "prepare%s: %s", landlock ? " (landlock mode)" : "", d.msg);
                config_done(&cfg);
                return;
        }
        for (size_t i = 0; i < n; i++) {
                uint32_t v = denials_verdict(&np, &rows[i].data);
                tap_ok(v == rows[i].want, "%s: %s: %#x", landlock ? "the landlock mode's observer" : "observer's program",
                       rows[i].name, v);
        }
        denials_free(dn);
        seccomp_plan_free(&plan);
        config_done(&cfg);
}

/* The observer's prefix, run by the interpreter: the path calls are
 * notified, fstat's AT_EMPTY_PATH and init's own execve are not, the
 * policy's program decides the rest, another ABI is still killed; with
 * network none the sends naming an address. The landlock mode's: the path
 * calls and the signals, not connect (init mediates it, as the policy's
 * own notify rule says). */
static void prefix(void)
{
        const uint32_t arch = seccomp_arch_native();
        const struct prefix_row rows[] = {
                { "openat", { .nr = SYS_openat, .arch = arch }, SECCOMP_RET_USER_NOTIF },
                { "newfstatat", { .nr = SYS_newfstatat, .arch = arch }, SECCOMP_RET_USER_NOTIF },
                { "newfstatat AT_EMPTY_PATH", { .nr = SYS_newfstatat, .arch = arch, .args = { 3, 0, 0, AT_EMPTY_PATH } },
                  SECCOMP_RET_ALLOW },
                { "statx AT_EMPTY_PATH", { .nr = SYS_statx, .arch = arch, .args = { 3, 0, AT_EMPTY_PATH } },
                  SECCOMP_RET_ALLOW },
                { "execve", { .nr = SYS_execve, .arch = arch, .args = { 0x1000 } }, SECCOMP_RET_USER_NOTIF },
                { "execve of init_exec_path", { .nr = SYS_execve, .arch = arch,
                                                .args = { (uint64_t) (uintptr_t) init_exec_path } },
                  SECCOMP_RET_ALLOW },
                { "execve, the same low half", { .nr = SYS_execve, .arch = arch,
                                                 .args = { ((uint64_t) (uintptr_t) init_exec_path) ^ (1ULL << 40) } },
                  SECCOMP_RET_USER_NOTIF },
                { "connect (network none)", { .nr = SYS_connect, .arch = arch }, SECCOMP_RET_USER_NOTIF },
                { "sendto with an address", { .nr = SYS_sendto, .arch = arch, .args = { 3, 0, 1, 0, 0x1000, 16 } },
                  SECCOMP_RET_USER_NOTIF },
                { "sendto with one above 4 GiB", { .nr = SYS_sendto, .arch = arch, .args = { 3, 0, 1, 0, 1ULL << 40 } },
                  SECCOMP_RET_USER_NOTIF },
                { "send (sendto without an address)", { .nr = SYS_sendto, .arch = arch, .args = { 3, 0x1000, 1 } },
                  SECCOMP_RET_ALLOW },
                { "sendmsg", { .nr = SYS_sendmsg, .arch = arch, .args = { 3, 0x1000 } }, SECCOMP_RET_USER_NOTIF },
                { "sendmsg of init_listener_msg", { .nr = SYS_sendmsg, .arch = arch,
                                                    .args = { 3, (uint64_t) (uintptr_t) &init_listener_msg } },
                  SECCOMP_RET_ALLOW },
                { "sendmsg, the same low half", { .nr = SYS_sendmsg, .arch = arch,
                                                  .args = { 3, ((uint64_t) (uintptr_t) &init_listener_msg) ^ (1ULL << 40) } },
                  SECCOMP_RET_USER_NOTIF },
                { "sendmmsg", { .nr = SYS_sendmmsg, .arch = arch }, SECCOMP_RET_USER_NOTIF },
                { "kill (the namespaces mode: not observed)", { .nr = SYS_kill, .arch = arch }, SECCOMP_RET_ALLOW },
                { "mount: the policy's refusal", { .nr = SYS_mount, .arch = arch }, SECCOMP_RET_USER_NOTIF },
                { "getpid", { .nr = SYS_getpid, .arch = arch }, SECCOMP_RET_ALLOW },
                { "openat of another arch", { .nr = SYS_openat, .arch = 0x40000003 }, SECCOMP_RET_KILL_PROCESS },
                { "x32 openat", { .nr = 0x40000000 | 257, .arch = arch }, SECCOMP_RET_KILL_PROCESS },
        };
        const struct prefix_row ll[] = {
                { "openat", { .nr = SYS_openat, .arch = arch }, SECCOMP_RET_USER_NOTIF },
                { "kill", { .nr = SYS_kill, .arch = arch, .args = { 1, 15 } }, SECCOMP_RET_USER_NOTIF },
                { "tgkill", { .nr = SYS_tgkill, .arch = arch }, SECCOMP_RET_USER_NOTIF },
                { "rt_sigqueueinfo", { .nr = SYS_rt_sigqueueinfo, .arch = arch }, SECCOMP_RET_USER_NOTIF },
                { "sendto with an address", { .nr = SYS_sendto, .arch = arch, .args = { 3, 0, 1, 0, 0x1000 } },
                  SECCOMP_RET_ALLOW },
                { "getpid", { .nr = SYS_getpid, .arch = arch }, SECCOMP_RET_ALLOW },
        };

        prefix_rows(false, rows, ELEMENTSOF(rows));
        prefix_rows(true, ll, ELEMENTSOF(ll));
}

int main(void)
{
        prefix();
        verdicts();
        spot_checks();
        notify_program();
        printf("1..%d\n", tap_n);
        return tap_failed ? 1 : 0;
}
