/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The denial observer (log-denials): what the sandbox refused, to which
 * process, by which layer, and the directive that would allow it.
 *
 * Seccomp. The command loads its filter with every SECCOMP_RET_ERRNO
 * answer turned into SECCOMP_RET_USER_NOTIF (denials_notify_program(): the
 * same program otherwise, so the same calls stop there), and the sandbox's
 * init answers each of those notifications with what the original program
 * answers for the same seccomp_data: init runs it (denials_verdict(), a
 * classic BPF interpreter of the instructions seccomp accepts), so the
 * errno cannot drift from the filter's, argument checks included, whatever
 * allow-syscall and deny-syscall made of it. Calls the filter kills (a call
 * of another ABI) cannot be notified: the command killed by SIGSYS is
 * reported from its wait status. clone3 is not reported: its ENOSYS is the
 * filter's way of sending libc to clone(2), whose flags it can check, and
 * libc does so without the command noticing. Without log-denials the
 * filter is byte for byte today's and no table exists: nothing is paid.
 *
 * The filesystem (namespaces mode). A prefix before the policy's program
 * notifies the path calls (and, with network none, connect(2)); init
 * reads what the call names, answers SECCOMP_USER_NOTIF_FLAG_CONTINUE and
 * then looks (denials_examine()): the kernel, Landlock and the view decide
 * the call as without init, and nothing init reads decides anything, so a
 * target changing its memory meanwhile can only mislead the report. Init
 * keeps a path missing under one of the view's own directories, or a write
 * meeting a read-only mount; the parent keeps of the missing ones those
 * the host has (lstat, nothing followed or opened) and names ro or rw of
 * the file or its directory. The command's own first execve(2) is let
 * through unobserved (it names init_exec_path): init waits in vfork() for
 * it. In the landlock mode, where the host is visible as it is, init (outside
 * the command's domain) asks notify.c's view whether the view's rules
 * cover what was read, run or written: what they do not, Landlock refused;
 * and kill(2) and its kin are observed, for a target outside the sandbox.
 * With host-view (oslbox learn's trial) the host's other top-level
 * directories are in the view read-only, flagged in the plan: a path that
 * exists only through one of them (made canonical through an O_PATH fd's
 * name in /proc, then matched against the plan's ops) is recorded as
 * outside the view, though the call succeeds, so that the trial goes on.
 *
 * Init records into a table the parent mapped (MAP_SHARED) before the
 * clone: DENIALS_MAX distinct entries, then only a count, so a command
 * making endless distinct denials costs oslbox a fixed 1 MiB. The parent
 * reads it once the sandbox ended and trusts nothing in it beyond its
 * bounds: every string is cut at its size and shown with its control bytes
 * replaced (a process may name itself anything).
 *
 * Needs SECCOMP_FILTER_FLAG_NEW_LISTENER (Linux >= 5.0): without it the
 * filter cannot be loaded and the run is refused, as for the landlock
 * mode's own notify rules.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/sched.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <unistd.h>

#include "denials.h"
#include "init.h"
#include "notify.h"
#include "seccomp-layer.h"
#include "util.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif
#ifndef AF_VSOCK
#define AF_VSOCK 40
#endif

#define NS_FLAGS (CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | \
                  CLONE_NEWNET | CLONE_NEWTIME)

/* --- init's half: system calls and plain copies only ---------------------------- */

uint32_t denials_verdict(const struct sock_fprog *prog, const struct seccomp_data *data)
{
        const struct sock_filter *f = prog->filter;
        uint32_t a = 0, x = 0, mem[BPF_MEMWORDS] = {};
        const unsigned char *bytes = (const unsigned char *) data;

        /* Jumps go forward only: at most LEN steps. */
        for (size_t pc = 0; pc < prog->len; pc++) {
                const struct sock_filter *i = &f[pc];
                uint32_t k = i->k, src = BPF_SRC(i->code) == BPF_X ? x : k;
                size_t skip = 0;

                switch (BPF_CLASS(i->code)) {
                case BPF_LD:
                        if (i->code == (BPF_LD | BPF_W | BPF_ABS)) {
                                if (k % 4 || k > sizeof(*data) - 4)
                                        return SECCOMP_RET_KILL_PROCESS;
                                memcpy(&a, bytes + k, 4);
                        } else if (i->code == (BPF_LD | BPF_W | BPF_LEN))
                                a = sizeof(*data);
                        else if (i->code == (BPF_LD | BPF_IMM))
                                a = k;
                        else if (i->code == (BPF_LD | BPF_MEM) && k < BPF_MEMWORDS)
                                a = mem[k];
                        else
                                return SECCOMP_RET_KILL_PROCESS;
                        break;
                case BPF_LDX:
                        if (i->code == (BPF_LDX | BPF_W | BPF_LEN))
                                x = sizeof(*data);
                        else if (i->code == (BPF_LDX | BPF_IMM))
                                x = k;
                        else if (i->code == (BPF_LDX | BPF_MEM) && k < BPF_MEMWORDS)
                                x = mem[k];
                        else
                                return SECCOMP_RET_KILL_PROCESS;
                        break;
                case BPF_ST:
                case BPF_STX:
                        if (k >= BPF_MEMWORDS)
                                return SECCOMP_RET_KILL_PROCESS;
                        mem[k] = BPF_CLASS(i->code) == BPF_ST ? a : x;
                        break;
                case BPF_ALU:
                        switch (BPF_OP(i->code)) {
                        case BPF_ADD: a += src; break;
                        case BPF_SUB: a -= src; break;
                        case BPF_MUL: a *= src; break;
                        case BPF_DIV:
                                if (!src)
                                        return SECCOMP_RET_KILL_PROCESS;
                                a /= src;
                                break;
                        case BPF_OR: a |= src; break;
                        case BPF_AND: a &= src; break;
                        case BPF_XOR: a ^= src; break;
                        case BPF_LSH: a = src < 32 ? a << src : 0; break;
                        case BPF_RSH: a = src < 32 ? a >> src : 0; break;
                        case BPF_NEG: a = -a; break;
                        default: return SECCOMP_RET_KILL_PROCESS;
                        }
                        break;
                case BPF_JMP:
                        switch (BPF_OP(i->code)) {
                        case BPF_JA: skip = k; break;
                        case BPF_JEQ: skip = a == src ? i->jt : i->jf; break;
                        case BPF_JGT: skip = a > src ? i->jt : i->jf; break;
                        case BPF_JGE: skip = a >= src ? i->jt : i->jf; break;
                        case BPF_JSET: skip = a & src ? i->jt : i->jf; break;
                        default: return SECCOMP_RET_KILL_PROCESS;
                        }
                        if (skip >= prog->len - pc - 1)
                                return SECCOMP_RET_KILL_PROCESS;
                        pc += skip;
                        break;
                case BPF_RET:
                        return BPF_RVAL(i->code) == BPF_A ? a : k;
                case BPF_MISC:
                        if (BPF_MISCOP(i->code) == BPF_TAX)
                                x = a;
                        else
                                a = x;
                        break;
                default:
                        return SECCOMP_RET_KILL_PROCESS;
                }
        }
        return SECCOMP_RET_KILL_PROCESS;       /* fell off the end */
}

static int proc_dir = -1;

void denials_comm(pid_t pid, char comm[16])
{
        char path[32], tmp[24];
        size_t n = 0, t = 0;
        unsigned long v = (unsigned long) pid;
        ssize_t k;
        int fd;

        comm[0] = '\0';
        if (proc_dir < 0 && (proc_dir = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
                return;
        do
                tmp[t++] = (char) ('0' + v % 10);
        while ((v /= 10));
        while (t)
                path[n++] = tmp[--t];
        memcpy(path + n, "/comm", 6);
        fd = openat(proc_dir, path, O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC);
        if (fd < 0)
                return;
        k = read(fd, comm, 15);
        close(fd);
        if (k <= 0) {
                comm[0] = '\0';
                return;
        }
        if (comm[k - 1] == '\n')
                k--;
        comm[k] = '\0';
}

/* Init's own index of the table (its private memory): slot - 1 is the
 * entry, 0 free. Twice the entries, so that probes stay short. */
#define SLOTS 2048
static uint16_t slots[SLOTS];

static uint32_t rec_hash(const struct denial_rec *r)
{
        uint32_t h = 2166136261u;
        const unsigned char *p;

#define MIX(b) (h = (h ^ (unsigned char) (b)) * 16777619u)
        p = (const unsigned char *) &r->kind;
        for (size_t i = 0; i < offsetof(struct denial_rec, pid); i++)
                MIX(p[i]);
        p = (const unsigned char *) &r->arg;
        for (size_t i = 0; i < 2 * sizeof(uint64_t); i++)
                MIX(p[i]);
        for (const char *c = r->comm; *c; c++)
                MIX(*c);
        MIX(0);
        for (const char *c = r->what; *c; c++)
                MIX(*c);
#undef MIX
        return h;
}

static bool rec_same(const struct denial_rec *a, const struct denial_rec *b)
{
        return a->kind == b->kind && a->nr == b->nr && a->err == b->err && a->arg == b->arg &&
               a->arg2 == b->arg2 && strcmp(a->comm, b->comm) == 0 && strcmp(a->what, b->what) == 0;
}

static void note(struct denials_table *t, const struct denial_rec *key)
{
        uint32_t h = rec_hash(key);

        for (uint32_t i = 0; i < SLOTS; i++) {
                uint16_t *s = &slots[(h + i) % SLOTS];
                struct denial_rec *r;

                if (*s) {
                        r = &t->rec[*s - 1];
                        if (rec_same(r, key)) {
                                r->count++;
                                return;
                        }
                        continue;
                }
                if (t->n >= DENIALS_MAX)
                        break;
                r = &t->rec[t->n];
                memcpy(r, key, offsetof(struct denial_rec, what));
                memcpy(r->what, key->what, strnlen(key->what, sizeof(r->what) - 1) + 1);
                r->what[sizeof(r->what) - 1] = '\0';
                r->count = 1;
                *s = (uint16_t) ++t->n;
                return;
        }
        t->unlisted++;
}

void denials_note_syscall(struct denials_table *t, pid_t pid, const struct seccomp_data *data, int err)
{
        struct denial_rec key = { .kind = DENIAL_SYSCALL, .nr = data->nr, .err = err, .pid = pid };

        switch (data->nr) {
        case SYS_socket:
        case SYS_socketpair:
                key.arg = data->args[0] & 0xffffffffULL;
                key.arg2 = data->args[1] & 0xf;         /* SOCK_TYPE_MASK: no flags */
                break;
        case SYS_ioctl:
                key.arg = data->args[1] & 0xffffffffULL;
                break;
        case SYS_clone:
        case SYS_unshare:
                key.arg = data->args[0] & NS_FLAGS;
                break;
        case SYS_personality:
                key.arg = data->args[0] & 0xffffffffULL;
                break;
        }
        denials_comm(pid, key.comm);
        note(t, &key);
}

/* --- the filesystem, observed --------------------------------------------------- */

/* The calls observed: each one's path argument, its directory fd (-1:
 * none, the path is relative to the working directory), what it does. */
struct path_call {
        int nr;
        int8_t dirfd_arg, path_arg, flags_arg;  /* argument indexes, -1: none */
        uint8_t op;
        bool nofollow;
};

static const struct path_call path_calls[] = {
#ifdef SYS_open
        { SYS_open, -1, 0, 1, PATH_OP_OPEN, false },
        { SYS_creat, -1, 0, -1, PATH_OP_CREATE, false },
        { SYS_stat, -1, 0, -1, PATH_OP_STAT, false },
        { SYS_lstat, -1, 0, -1, PATH_OP_STAT, true },
        { SYS_access, -1, 0, -1, PATH_OP_STAT, false },
        { SYS_mkdir, -1, 0, -1, PATH_OP_MKDIR, true },
        { SYS_unlink, -1, 0, -1, PATH_OP_REMOVE, true },
        { SYS_rmdir, -1, 0, -1, PATH_OP_REMOVE, true },
        { SYS_rename, -1, 0, -1, PATH_OP_RENAME, true },
#endif
        { SYS_openat, 0, 1, 2, PATH_OP_OPEN, false },
        { SYS_openat2, 0, 1, -1, PATH_OP_OPEN, false },
        { SYS_execve, -1, 0, -1, PATH_OP_EXEC, false },
        { SYS_execveat, 0, 1, -1, PATH_OP_EXEC, false },
        { SYS_newfstatat, 0, 1, 3, PATH_OP_STAT, false },
        { SYS_statx, 0, 1, 2, PATH_OP_STAT, false },
        { SYS_faccessat, 0, 1, -1, PATH_OP_STAT, false },
        { SYS_faccessat2, 0, 1, -1, PATH_OP_STAT, false },
        { SYS_mkdirat, 0, 1, -1, PATH_OP_MKDIR, true },
        { SYS_unlinkat, 0, 1, -1, PATH_OP_REMOVE, true },
        { SYS_renameat, 0, 1, -1, PATH_OP_RENAME, true },
        { SYS_renameat2, 0, 1, -1, PATH_OP_RENAME, true },
        { SYS_truncate, -1, 0, -1, PATH_OP_WRITE, false },
        { SYS_chdir, -1, 0, -1, PATH_OP_STAT, false },
};

size_t denials_path_calls(int *nrs, size_t max)
{
        size_t n = 0;
        for (size_t i = 0; i < ELEMENTSOF(path_calls) && n < max; i++)
                nrs[n++] = path_calls[i].nr;
        return n;
}

static int read_string(pid_t pid, uint64_t addr, char *buf, size_t size)
{
        size_t n = 0;

        while (n < size) {
                size_t chunk = 4096 - ((addr + n) & 4095);
                struct iovec local, remote;
                const char *z;

                if (chunk > size - n)
                        chunk = size - n;
                local = (struct iovec) { buf + n, chunk };
                remote = (struct iovec) { (void *) (uintptr_t) (addr + n), chunk };
                if (process_vm_readv(pid, &local, 1, &remote, 1, 0) != (ssize_t) chunk)
                        return -EFAULT;
                if ((z = memchr(buf + n, 0, chunk)))
                        return (int) (z - buf);
                n += chunk;
        }
        return -ENAMETOOLONG;
}

/* The nearest ancestor of PATH (absolute, cut in place) that exists. */
static void existing_ancestor(char *path, struct stat *st)
{
        for (;;) {
                char *slash = strrchr(path, '/');
                if (!slash || slash == path) {
                        memcpy(path, "/", 2);
                        (void) stat(path, st);
                        return;
                }
                *slash = '\0';
                if (stat(path, st) == 0)
                        return;
        }
}

#ifndef TMPFS_MAGIC
#define TMPFS_MAGIC 0x01021994
#endif

static char obs_path[PATH_MAX];
static pid_t comm_pid;          /* whose name comm_cache holds (0: none) */
static char comm_cache[16];
static void note_path_at(struct denials_table *t, pid_t pid, int nr, int dirfd, int op, bool nofollow);

/* What denials_note_path() read, for denials_examine() once the call goes
 * on: the target waits only for the reading. */
static struct {
        struct denials_table *t;        /* NULL: nothing pending */
        pid_t pid;
        int nr, op;
        bool nofollow;
        const struct mount_plan *host_view;     /* host-view: the plan */
        const struct notify_ctx *landlock;      /* the landlock mode: its view */
        char comm[16];                          /* an execve's caller, read before it went on */
        size_t len;                     /* of abs_path */
        struct denial_rec key;          /* an abstract name or an address, ready */
        char abs_path[DENIAL_WHAT_MAX];
} pending;

/* connect(2) of a unix socket (network none): an abstract name (the
 * parent checks that the host has it) or a path (as the path calls). */
static void note_connect(struct denials_table *t, pid_t pid, const struct seccomp_data *data)
{
        struct sockaddr_un sa = {};
        size_t len = data->args[2] < sizeof(sa) ? (size_t) data->args[2] : sizeof(sa);
        const size_t off = offsetof(struct sockaddr_un, sun_path);
        struct iovec local = { &sa, len }, remote = { (void *) (uintptr_t) data->args[1], len };

        if (len <= off + 1 || process_vm_readv(pid, &local, 1, &remote, 1, 0) != (ssize_t) len ||
            sa.sun_family != AF_UNIX)
                return;
        if (sa.sun_path[0]) {
                size_t n = strnlen(sa.sun_path, len - off);
                memcpy(obs_path, sa.sun_path, n);
                obs_path[n] = '\0';
                note_path_at(t, pid, data->nr, AT_FDCWD, PATH_OP_CONNECT, false);
                return;
        }
        /* As /proc/net/unix shows it: '@' for each NUL. */
        pending.key = (struct denial_rec) { .kind = DENIAL_UNIX_ABSTRACT, .nr = data->nr, .err = ECONNREFUSED,
                                            .pid = pid };
        for (size_t i = 0; i < len - off && i < sizeof(pending.key.what) - 1; i++)
                pending.key.what[i] = sa.sun_path[i] ? sa.sun_path[i] : '@';
        /* The caller's name now, while it waits: it may be gone after. */
        denials_comm(pid, pending.key.comm);
        pending.t = t;
        pending.pid = pid;
        pending.nr = -1;
}

/* The type (SOCK_STREAM, SOCK_DGRAM) of PID's socket FD, through a copy of
 * it (pidfd_getfd: init is the target's ancestor in its user namespace);
 * 0 when it cannot be told. */
static int socket_type(pid_t pid, int fd)
{
        int pidfd, copy, type = 0;
        socklen_t len = sizeof(type);

        if (fd < 0 || (pidfd = (int) syscall(SYS_pidfd_open, pid, 0)) < 0)
                return 0;
        copy = (int) syscall(SYS_pidfd_getfd, pidfd, fd, 0);
        close(pidfd);
        if (copy < 0)
                return 0;
        if (getsockopt(copy, SOL_SOCKET, SO_TYPE, &type, &len) < 0)
                type = 0;
        close(copy);
        return type;
}

/* "h" of a 16-bit group, by hand (no stdio in init). */
static char *put_hex16(char *p, unsigned v)
{
        static const char digits[] = "0123456789abcdef";
        bool started = false;

        for (int shift = 12; shift >= 0; shift -= 4) {
                unsigned d = (v >> shift) & 15;
                if (d || started || shift == 0) {
                        *p++ = digits[d];
                        started = true;
                }
        }
        return p;
}

/* An inet address PID's call NR (connect, sendto, sendmsg, sendmmsg) on its
 * socket SOCK gives, read from ADDR (LEN bytes): "1.2.3.4:80" or
 * "[h:h:h:h:h:h:h:h]:80" (the parent writes it canonically), with the
 * socket's type, for denials_examine(). Network none in the
 * namespaces mode with log-denials: the sandbox's network namespace is
 * empty, so each one is refused, or reaches only the sandbox's own
 * loopback (the parent keeps those only where the host listens). */
static void note_inet(struct denials_table *t, pid_t pid, int nr, int sock, uint64_t addr, uint64_t len)
{
        struct sockaddr_in6 sa = {};
        size_t n = len < sizeof(sa) ? (size_t) len : sizeof(sa);
        struct iovec local = { &sa, n }, remote = { (void *) (uintptr_t) addr, n };
        char *w;
        unsigned port;

        if (!addr || n < sizeof(sa_family_t) || process_vm_readv(pid, &local, 1, &remote, 1, 0) != (ssize_t) n)
                return;
        pending.key = (struct denial_rec) { .kind = DENIAL_INET, .nr = nr, .err = ENETUNREACH, .pid = pid,
                                            .arg = sa.sin6_family };
        w = pending.key.what;
        if (sa.sin6_family == AF_INET && n >= sizeof(struct sockaddr_in)) {
                const struct sockaddr_in *in4 = (const struct sockaddr_in *) &sa;
                const unsigned char *b = (const unsigned char *) &in4->sin_addr;
                for (int i = 0; i < 4; i++) {
                        w = init_put_uint(w, b[i]);
                        *w++ = i < 3 ? '.' : ':';
                }
                port = ntohs(in4->sin_port);
        } else if (sa.sin6_family == AF_INET6 && n >= sizeof(struct sockaddr_in6)) {
                const unsigned char *b = sa.sin6_addr.s6_addr;
                *w++ = '[';
                for (int i = 0; i < 16; i += 2) {
                        w = put_hex16(w, (unsigned) b[i] << 8 | b[i + 1]);
                        *w++ = i < 14 ? ':' : ']';
                }
                *w++ = ':';
                port = ntohs(sa.sin6_port);
        } else
                return;         /* AF_UNIX (sendto, sendmsg), AF_UNSPEC: not this */
        *init_put_uint(w, port) = '\0';
        /* Now, while the call waits: after it the socket may be closed. */
        pending.key.arg2 = (uint64_t) socket_type(pid, sock);
        /* The caller's name now, while it waits: it may be gone after. */
        denials_comm(pid, pending.key.comm);
        pending.t = t;
        pending.pid = pid;
        pending.nr = -1;
}

/* The parent of PID, from /proc/PID/stat (the last ')' ends the name); 0
 * when it cannot be read. No stdio: init's own buffer. */
static pid_t parent_of(pid_t pid)
{
        static char buf[512];
        char path[32], *p;
        unsigned long ppid = 0;
        ssize_t k;
        int fd;

        *init_put_uint(path, (unsigned long) pid) = '\0';
        memcpy(path + strlen(path), "/stat", 6);
        if (proc_dir < 0 && (proc_dir = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
                return 0;
        if ((fd = openat(proc_dir, path, O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC)) < 0)
                return 0;
        k = read(fd, buf, sizeof(buf) - 1);
        close(fd);
        if (k <= 0)
                return 0;
        buf[k] = '\0';
        if (!(p = strrchr(buf, ')')) || p[1] != ' ' || !p[2] || p[3] != ' ')
                return 0;
        for (p += 4; *p >= '0' && *p <= '9'; p++)
                ppid = ppid * 10 + (unsigned long) (*p - '0');
        return (pid_t) ppid;
}

/* Whether PID exists and is no descendant of init (the landlock mode has
 * no pid namespace: init is the sandbox's subreaper, so every process of
 * the sandbox has it above). */
static bool outside_sandbox(pid_t pid)
{
        pid_t self = getpid(), p = pid;

        if (pid <= 0 || parent_of(pid) == 0)
                return false;   /* gone, or not ours to read: nothing to say */
        for (int depth = 0; depth < 256 && p > 1; depth++) {
                if (p == self)
                        return false;
                p = parent_of(p);
        }
        return true;
}

/* kill(2) and its kin (the landlock mode): the target and signal, for
 * denials_examine(), which keeps them when the target is outside. */
static void note_signal(struct denials_table *t, pid_t pid, const struct seccomp_data *data)
{
        int target, sig;

        switch (data->nr) {
        case SYS_kill:
        case SYS_tkill:
        case SYS_rt_sigqueueinfo:
                target = (int) data->args[0];
                sig = (int) data->args[1];
                break;
        case SYS_tgkill:
        case SYS_rt_tgsigqueueinfo:
                target = (int) data->args[1];
                sig = (int) data->args[2];
                break;
        default:
                return;
        }
        if (target == 0 || target == -1)
                return;         /* its own group, or all it may signal: Landlock sorts those */
        pending.key = (struct denial_rec) { .kind = DENIAL_SIGNAL, .nr = data->nr, .err = EPERM, .pid = pid,
                                            .arg = (uint64_t) (int64_t) target, .arg2 = (uint64_t) sig };
        /* The caller's name now, while it waits: it may be gone after. */
        denials_comm(pid, pending.key.comm);
        pending.t = t;
        pending.pid = pid;
        pending.nr = -1;
}

/* sendmsg(2) and sendmmsg(2): the address in the (first) message header. */
static void note_msg(struct denials_table *t, pid_t pid, const struct seccomp_data *data)
{
        struct msghdr mh;
        struct iovec local = { &mh, sizeof(mh) }, remote = { (void *) (uintptr_t) data->args[1], sizeof(mh) };

        /* struct mmsghdr starts with its struct msghdr */
        if (process_vm_readv(pid, &local, 1, &remote, 1, 0) != (ssize_t) sizeof(mh))
                return;
        note_inet(t, pid, data->nr, (int) data->args[0], (uint64_t) (uintptr_t) mh.msg_name, mh.msg_namelen);
}

void denials_note_path(const struct notify_ctx *ctx, pid_t pid, const struct seccomp_data *data)
{
        struct denials_table *t = ctx->denials;
        const struct path_call *c = NULL;
        uint64_t flags = 0;
        int op;

        pending.host_view = ctx->host_view;
        pending.landlock = ctx->landlock ? ctx : NULL;
        if (data->nr == SYS_kill || data->nr == SYS_tkill || data->nr == SYS_tgkill ||
            data->nr == SYS_rt_sigqueueinfo || data->nr == SYS_rt_tgsigqueueinfo) {
                note_signal(t, pid, data);
                return;
        }
        if (data->nr == SYS_connect) {
                note_connect(t, pid, data);
                if (!pending.t)
                        note_inet(t, pid, data->nr, (int) data->args[0], data->args[1], data->args[2]);
                return;
        }
        if (data->nr == SYS_sendto) {
                note_inet(t, pid, data->nr, (int) data->args[0], data->args[4], data->args[5]);
                return;
        }
        if (data->nr == SYS_sendmsg || data->nr == SYS_sendmmsg) {
                note_msg(t, pid, data);
                return;
        }
        for (size_t i = 0; i < ELEMENTSOF(path_calls); i++)
                if (path_calls[i].nr == data->nr)
                        c = &path_calls[i];
        if (!c || read_string(pid, data->args[c->path_arg], obs_path, sizeof(obs_path)) <= 0)
                return;         /* "" (AT_EMPTY_PATH), unreadable: nothing to say */
        if (c->flags_arg >= 0)
                flags = data->args[c->flags_arg];
        op = c->op;
        if (op == PATH_OP_OPEN)
                op = flags & O_CREAT ? PATH_OP_CREATE : (flags & O_ACCMODE) != O_RDONLY ? PATH_OP_WRITE : PATH_OP_READ;
        if (data->nr == SYS_openat2) {
                struct iovec local = { &flags, sizeof(flags) },
                             remote = { (void *) (uintptr_t) data->args[2], sizeof(flags) };
                if (process_vm_readv(pid, &local, 1, &remote, 1, 0) != sizeof(flags))
                        return;
                op = flags & O_CREAT ? PATH_OP_CREATE : (flags & O_ACCMODE) != O_RDONLY ? PATH_OP_WRITE : PATH_OP_READ;
        }
        note_path_at(t, pid, data->nr, c->dirfd_arg >= 0 ? (int) data->args[c->dirfd_arg] : AT_FDCWD, op,
                     c->nofollow);
}

/* OBS_PATH (read from PID), relative to DIRFD, used by call NR to do OP:
 * made absolute into pending. */
static void note_path_at(struct denials_table *t, pid_t pid, int nr, int dirfd, int op, bool nofollow)
{
        char *abs_path = pending.abs_path;
        size_t n = 0, len;
        int k;

        /* Absolute, as the target sees it: its working directory or
         * directory fd, read from /proc (not followed: readlink). */
        if (obs_path[0] != '/') {
                char link[64], *p = link;
                p = init_put_uint(p, (unsigned long) pid);
                if (dirfd == AT_FDCWD)
                        memcpy(p, "/cwd", 5);
                else {
                        memcpy(p, "/fd/", 4);
                        *init_put_uint(p + 4, (unsigned long) (unsigned) dirfd) = '\0';
                }
                if (proc_dir < 0 && (proc_dir = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
                        return;
                k = (int) readlinkat(proc_dir, link, abs_path, sizeof(pending.abs_path) - 1);
                if (k <= 0 || abs_path[0] != '/')
                        return;
                n = (size_t) k;
                if (n > 1)
                        abs_path[n++] = '/';
        }
        len = strlen(obs_path);
        if (n + len >= sizeof(pending.abs_path))
                return;
        memcpy(abs_path + n, obs_path, len + 1);
        pending.t = t;
        pending.pid = pid;
        pending.nr = nr;
        pending.op = op;
        pending.nofollow = nofollow;
        pending.len = n + len;
        /* The caller's name, read while it waits (after the call it may be
         * gone, or, after an execve(2), another program's): once per
         * process, kept until it executes something. */
        if (pid != comm_pid) {
                denials_comm(pid, comm_cache);
                comm_pid = pid;
        }
        memcpy(pending.comm, comm_cache, sizeof(pending.comm));
        if (op == PATH_OP_EXEC)
                comm_pid = 0;
}

/* host-view: whether CANON (canonical, existing) is outside the policy's
 * own view: below one of host-view's directories and no deeper op of the
 * policy's, and no ancestor of one (the view has those directories, as
 * mount points, and their stat). */
static bool outside_own_view(const struct mount_plan *m, const char *canon)
{
        const struct mount_op *best = NULL;
        size_t best_len = 0;

        for (size_t i = 0; i < m->n_ops; i++) {
                const struct mount_op *op = &m->ops[i];
                size_t n = strlen(op->dst);

                if (!op->host_view && path_startswith(op->dst, canon))
                        return false;
                if (n > best_len && path_startswith(canon, op->dst))
                        best = op, best_len = n;
        }
        return best && best->host_view;
}

/* PATH (absolute, existing) made canonical into BUF, as the kernel
 * resolves it for init (the same view): through an O_PATH fd's name in
 * /proc. False when it cannot be told. */
static bool canonical(const char *path, bool nofollow, char *buf, size_t size)
{
        char link[32] = "self/fd/";
        int fd;
        ssize_t k;

        if (proc_dir < 0 && (proc_dir = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
                return false;
        fd = open(path, O_PATH | O_CLOEXEC | (nofollow ? O_NOFOLLOW : 0));
        if (fd < 0)
                return false;
        *init_put_uint(link + 8, (unsigned long) fd) = '\0';
        k = readlinkat(proc_dir, link, buf, size - 1);
        close(fd);
        if (k <= 0 || buf[0] != '/')
                return false;
        buf[k] = '\0';
        return true;
}

/* The name of the pending call's process: read before an execve went on,
 * else now. */
static void pending_comm(pid_t pid, char comm[16])
{
        if (pending.comm[0])
                memcpy(comm, pending.comm, sizeof(pending.comm));
        else
                denials_comm(pid, comm);
}

/* The landlock mode: the host is visible as it is, and Landlock refused
 * what the view's rules do not cover (init, outside the command's domain,
 * sees the host as the caller does, and asks notify.c's view). Kept: a
 * file read or run outside the view, a write to a file or a name made or
 * removed in a directory that is not a writable place of it. Not kept:
 * look-ups (Landlock does not check them), directories read (a directory
 * the view lists only, as /etc, has no rule of its own to match), /proc
 * and /dev (no directive opens more of them). */
static void examine_landlock(const struct notify_ctx *ctx, struct denials_table *t, pid_t pid, int nr, int op,
                             const char *abs_path, size_t len)
{
        static struct denial_rec key;
        static char dir[DENIAL_WHAT_MAX];
        bool writes = op == PATH_OP_WRITE || op == PATH_OP_CREATE || op == PATH_OP_MKDIR || op == PATH_OP_REMOVE ||
                      op == PATH_OP_RENAME;
        const char *at = abs_path;
        struct stat st;
        int r, ro;

        if (op == PATH_OP_STAT || op == PATH_OP_CONNECT || path_startswith(abs_path, "/proc") ||
            path_startswith(abs_path, "/dev"))
                return;
        if (stat(abs_path, &st) == 0 && S_ISDIR(st.st_mode) && !writes)
                return;
        if (op == PATH_OP_CREATE && stat(abs_path, &st) == 0)
                op = PATH_OP_WRITE;     /* O_CREAT of what is there: a write of it */
        if (op == PATH_OP_CREATE || op == PATH_OP_MKDIR || op == PATH_OP_REMOVE || op == PATH_OP_RENAME) {
                /* Names are made and removed in the directory. */
                char *slash;
                memcpy(dir, abs_path, len + 1);
                slash = strrchr(dir, '/');
                if (!slash)
                        return;
                if (slash == dir)
                        slash[1] = '\0';
                else
                        *slash = '\0';
                at = dir;
        }
        r = notify_path_in_view(ctx, pid, AT_FDCWD, at, !pending.nofollow || at == dir, writes);
        if (r != 0)
                return;         /* in the view, or not there (nothing Landlock kept) */
        ro = writes ? notify_path_in_view(ctx, pid, AT_FDCWD, at, true, false) : 0;
        key = (struct denial_rec) { .kind = DENIAL_PATH, .nr = nr, .err = EACCES, .pid = pid,
                                    .arg = (uint64_t) op, .arg2 = ro == 1 ? PATH_READ_ONLY : PATH_MISSING };
        memcpy(key.what, abs_path, len + 1);
        pending_comm(pid, key.comm);
        note(t, &key);
}

void denials_examine(void)
{
        static char up[DENIAL_WHAT_MAX];
        static struct denial_rec key;
        const char *abs_path = pending.abs_path;
        struct denials_table *t = pending.t;
        int op = pending.op, nr = pending.nr;
        pid_t pid = pending.pid;
        size_t len = pending.len;
        struct statfs fs;
        struct stat st;

        if (!t)
                return;
        pending.t = NULL;
        if (nr < 0) {           /* an abstract name, an address, a signal */
                if (pending.key.kind == DENIAL_SIGNAL) {
                        /* The call went on: a target outside the sandbox
                         * was refused by Landlock's scoping, and is still
                         * there to name (a process group by its leader). */
                        pid_t target = (pid_t) (int64_t) pending.key.arg;
                        if (!outside_sandbox(target < 0 ? -target : target))
                                return;
                        denials_comm(target < 0 ? -target : target, pending.key.what);
                }
                note(t, &pending.key);
                return;
        }
        if (pending.landlock) {
                examine_landlock(pending.landlock, t, pid, nr, op, abs_path, len);
                return;
        }
        /* The call went on meanwhile: what it made exists now (and is no
         * denial), what it removed is gone (see below). */
        if ((pending.nofollow ? lstat(abs_path, &st) : stat(abs_path, &st)) == 0) {
                if (pending.host_view && canonical(abs_path, pending.nofollow, up, sizeof(up)) && outside_own_view(pending.host_view, up)) {
                        /* There only through host-view: the policy needs
                         * it. What exists is read, written or removed, not
                         * made. */
                        key = (struct denial_rec) { .kind = DENIAL_PATH, .nr = nr, .err = ENOENT, .pid = pid,
                                                    .arg = (uint64_t) (op == PATH_OP_MKDIR ? PATH_OP_STAT
                                                                     : op == PATH_OP_CREATE ? PATH_OP_WRITE : op),
                                                    .arg2 = PATH_MISSING };
                        len = strlen(up);
                        memcpy(key.what, up, len + 1);
                        pending_comm(pid, key.comm);
                        note(t, &key);
                        return;
                }
                if (op == PATH_OP_READ || op == PATH_OP_STAT || op == PATH_OP_EXEC || op == PATH_OP_MKDIR ||
                    op == PATH_OP_CONNECT)
                        return;
                /* A device, FIFO or socket is written whatever the mount says. */
                if ((op == PATH_OP_WRITE || op == PATH_OP_CREATE) && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))
                        return;
                memcpy(up, abs_path, len + 1);
                if (op != PATH_OP_WRITE && op != PATH_OP_CREATE)
                        existing_ancestor(up, &st);     /* the directory changed */
                if (statfs(up, &fs) < 0 || !(fs.f_flags & ST_RDONLY))
                        return;
                key = (struct denial_rec) { .kind = DENIAL_PATH, .nr = nr, .err = EROFS, .pid = pid,
                                            .arg = (uint64_t) (op == PATH_OP_CREATE ? PATH_OP_WRITE : op),
                                            .arg2 = PATH_READ_ONLY };
        } else {
                if (errno != ENOENT)
                        return;
                /* Missing here: outside the view if its nearest existing
                 * ancestor is one of the view's own empty directories (the
                 * root, a hidden directory: read-only tmpfs) or the private
                 * home; the sandbox's private /tmp and /dev/shm are its own. */
                memcpy(up, abs_path, len + 1);
                existing_ancestor(up, &st);
                if (statfs(up, &fs) < 0)
                        return;
                if (op == PATH_OP_CREATE || op == PATH_OP_MKDIR) {
                        /* Made in an existing directory: a denial only
                         * when that is read-only. */
                        size_t ul = strlen(up);
                        if (strncmp(abs_path, up, ul) == 0 && !strchr(abs_path + ul + (ul > 1), '/')) {
                                if (!(fs.f_flags & ST_RDONLY))
                                        return;
                                key = (struct denial_rec) { .kind = DENIAL_PATH, .nr = nr, .err = EROFS,
                                                            .pid = pid, .arg = (uint64_t) op,
                                                            .arg2 = PATH_READ_ONLY };
                                goto record;
                        }
                }
                if (fs.f_type != TMPFS_MAGIC)
                        return;
                /* Gone from a writable place: perhaps removed by the call itself. */
                if ((op == PATH_OP_REMOVE || op == PATH_OP_RENAME) && !(fs.f_flags & ST_RDONLY))
                        return;
                if (!(fs.f_flags & ST_RDONLY) && (strcmp(up, "/tmp") == 0 || strncmp(up, "/tmp/", 5) == 0 ||
                                                  strcmp(up, "/dev/shm") == 0 || strncmp(up, "/dev/shm/", 9) == 0))
                        return;
                key = (struct denial_rec) { .kind = DENIAL_PATH, .nr = nr, .err = ENOENT, .pid = pid,
                                            .arg = (uint64_t) op, .arg2 = PATH_MISSING };
        }
record:
        memcpy(key.what, abs_path, len + 1);
        pending_comm(pid, key.comm);
        note(t, &key);
}

void denials_note_killed(struct denials_table *t, pid_t pid, const char *comm)
{
        struct denial_rec key = { .kind = DENIAL_KILLED, .nr = -1, .err = 0, .pid = pid };
        size_t n = strnlen(comm, sizeof(key.comm) - 1);

        memcpy(key.comm, comm, n);
        key.comm[n] = '\0';
        note(t, &key);
}

/* --- the parent's half ------------------------------------------------------------- */

struct denials {
        struct denials_table *table;
        struct sock_filter *notify;     /* the program the command loads */
        bool landlock_mode, net_none;
        struct osb_items policy_denied; /* deny-syscall names, as the policy left them */
        struct oslbox_denial *v;
        size_t n;
        uint64_t unlisted;
        int error;                      /* denials_collect() failed: -errno */
        bool collected;
};

int denials_new(const struct osb_config *cfg, struct denials **ret, struct osb_diag *diag)
{
        struct denials *d;

        *ret = NULL;
        if (!cfg->log_denials)
                return 0;
        d = calloc(1, sizeof(*d));
        if (!d)
                return diag_errno(diag, -ENOMEM, "cannot prepare the denial log");
        d->net_none = cfg->net == OSB_NET_NONE;
        /* Untouched pages cost nothing: a run with few denials uses a few. */
        d->table = mmap(NULL, sizeof(*d->table), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE,
                        -1, 0);
        if (d->table == MAP_FAILED) {
                int r = -errno;
                free(d);
                return diag_errno(diag, r, "cannot map the denial table");
        }
        for (size_t i = 0; i < cfg->syscalls.n; i++) {
                int last = -1;
                for (size_t j = 0; j < cfg->syscalls.n; j++)
                        if (strcmp(cfg->syscalls.v[j].value, cfg->syscalls.v[i].value) == 0)
                                last = cfg->syscalls.v[j].kind;
                if (last == OSB_SYSCALL_DENY && items_push(&d->policy_denied, cfg->syscalls.v[i].value, 0) < 0) {
                        denials_free(d);
                        return diag_errno(diag, -ENOMEM, "cannot prepare the denial log");
                }
        }
        *ret = d;
        return 0;
}

static void free_entry(struct oslbox_denial *e)
{
        free((char *) e->what);
        free((char *) e->syscall);
        free((char *) e->address);
        free((char *) e->path);
        free((char *) e->process);
        free((char *) e->reason);
        free((char *) e->allow);
        free((char *) e->line);
        *e = (struct oslbox_denial) {};
}

static void entries_free(struct denials *d)
{
        for (size_t i = 0; i < d->n; i++)
                free_entry(&d->v[i]);
        free(d->v);
        d->v = NULL;
        d->n = 0;
}

void denials_free(struct denials *d)
{
        if (!d)
                return;
        entries_free(d);
        if (d->table)
                munmap(d->table, sizeof(*d->table));
        free(d->notify);
        for (size_t i = 0; i < d->policy_denied.n; i++)
                free(d->policy_denied.v[i].value);
        free(d->policy_denied.v);
        free(d);
}

struct denials_table *denials_table(const struct denials *d)
{
        return d ? d->table : NULL;
}

#define ARG_LOW(i) (offsetof(struct seccomp_data, args[i]) + (__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__ ? 4 : 0))
#define ARG_HIGH(i) (offsetof(struct seccomp_data, args[i]) + (__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__ ? 0 : 4))

/* At F[K], four instructions: argument ARG (all 64 bits) equal to VALUE
 * goes on to AT_ORIG, else to AT_NOTIFY. Returns the next index. */
static size_t arg_is(struct sock_filter *f, size_t k, int arg, uint64_t value, size_t at_orig, size_t at_notify)
{
        f[k++] = (struct sock_filter) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, (uint32_t) ARG_LOW(arg));
        f[k] = (struct sock_filter) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t) value, 0,
                                             (uint8_t) (at_notify - k - 1));
        k++;
        f[k++] = (struct sock_filter) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, (uint32_t) ARG_HIGH(arg));
        f[k] = (struct sock_filter) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t) (value >> 32),
                                             (uint8_t) (at_orig - k - 1), (uint8_t) (at_notify - k - 1));
        return k + 1;
}

/* The observer's prefix: the path calls are notified (init lets them go
 * on, SECCOMP_USER_NOTIF_FLAG_CONTINUE, once it looked), but not the
 * fstat(2) of glibc, newfstatat or statx with AT_EMPTY_PATH; everything
 * else, and a call of another ABI, goes on to the policy's program, which
 * follows the prefix. Returns its length. */
static size_t path_prefix(struct sock_filter *f, bool connect, bool signals, uint64_t exec_skip,
                          uint64_t sendmsg_skip)
{
        static const int signal_calls[] = { SYS_kill, SYS_tkill, SYS_tgkill, SYS_rt_sigqueueinfo,
                                            SYS_rt_tgsigqueueinfo };
        int nrs[64];
        size_t n = denials_path_calls(nrs, ELEMENTSOF(nrs) - 4 - ELEMENTSOF(signal_calls)), k = 0, jumps, at_orig, at_notify, at_fstatat, at_statx,
               at_exec, at_sendto, at_sendmsg;

        /* Network none: connect(2), and the sends that name an address. */
        if (connect) {
                nrs[n++] = SYS_connect;
                nrs[n++] = SYS_sendto;
                nrs[n++] = SYS_sendmsg;
                nrs[n++] = SYS_sendmmsg;
        }
        /* The landlock mode: signals, which its scoping may refuse. */
        for (size_t i = 0; signals && i < ELEMENTSOF(signal_calls); i++)
                nrs[n++] = signal_calls[i];

        /* Layout: arch check, nr load, [x32 check], one JEQ per call, JA
         * to the program, the flag and argument checks, the notify. */
        jumps = 2 + 1 +
#ifdef __x86_64__
                1 +
#endif
                n;
        at_fstatat = jumps + 1;
        at_statx = at_fstatat + 2;
        at_exec = at_statx + 2;
        at_sendto = at_exec + 4;
        at_sendmsg = at_sendto + 4;
        at_notify = at_sendmsg + 4;
        at_orig = at_notify + 1;
        f[k++] = (struct sock_filter) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
        f[k] = (struct sock_filter) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, seccomp_arch_native(), 0,
                                             (uint8_t) (at_orig - k - 1));
        k++;
        f[k++] = (struct sock_filter) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
#ifdef __x86_64__
        f[k] = (struct sock_filter) BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000, (uint8_t) (at_orig - k - 1), 0);
        k++;
#endif
        for (size_t i = 0; i < n; i++, k++) {
                size_t to = nrs[i] == SYS_newfstatat ? at_fstatat : nrs[i] == SYS_statx ? at_statx
                          : nrs[i] == SYS_execve ? at_exec : nrs[i] == SYS_sendto ? at_sendto
                          : nrs[i] == SYS_sendmsg ? at_sendmsg : at_notify;
                f[k] = (struct sock_filter) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t) nrs[i],
                                                     (uint8_t) (to - k - 1), 0);
        }
        f[k] = (struct sock_filter) BPF_STMT(BPF_JMP | BPF_JA, (uint32_t) (at_orig - k - 1));
        k++;
        f[k++] = (struct sock_filter) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LOW(3));
        f[k] = (struct sock_filter) BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, AT_EMPTY_PATH, (uint8_t) (at_orig - k - 1),
                                             (uint8_t) (at_notify - k - 1));
        k++;
        f[k++] = (struct sock_filter) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LOW(2));
        f[k] = (struct sock_filter) BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, AT_EMPTY_PATH, (uint8_t) (at_orig - k - 1),
                                             (uint8_t) (at_notify - k - 1));
        k++;
        /* The command's own execve(2), from init's buffer: init waits in
         * vfork() for it and could not answer. */
        k = arg_is(f, k, 0, exec_skip, at_orig, at_notify);
        /* sendto(2) names an address only with a non-NULL one: send(2) is
         * sendto without, and so is what the command sends init before
         * its exec (a failure), when init could not answer. */
        k = arg_is(f, k, 4, 0, at_orig, at_notify);
        /* The command's sendmsg(2) of its listener to init, with init's
         * header (init_listener_msg), before its exec. */
        k = arg_is(f, k, 1, sendmsg_skip, at_orig, at_notify);
        f[k++] = (struct sock_filter) BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF);
        return k;
}

int denials_notify_program(struct denials *d, const struct sock_fprog *prog, bool landlock_mode,
                           struct sock_fprog *ret)
{
        size_t pre = ELEMENTSOF(path_calls) + 4 + 5 + 24;       /* the most of path_prefix() */
        struct sock_filter *f = calloc(prog->len + pre, sizeof(*f));

        if (!f)
                return -ENOMEM;
        /* With network none, connect(2) and the sends too: the network
         * namespace holds none of the host's abstract names nor its
         * sockets, nor a route out. */
        /* The landlock mode mediates connect(2) itself (notify.c). */
        pre = path_prefix(f, d->net_none && !landlock_mode, landlock_mode, (uint64_t) (uintptr_t) init_exec_path,
                          (uint64_t) (uintptr_t) &init_listener_msg);
        if (prog->len + pre > BPF_MAXINSNS) {
                free(f);
                return -E2BIG;
        }
        memcpy(f + pre, prog->filter, prog->len * sizeof(*f));
        for (size_t i = pre; i < pre + prog->len; i++)
                if (f[i].code == (BPF_RET | BPF_K) && (f[i].k & SECCOMP_RET_ACTION_FULL) == SECCOMP_RET_ERRNO)
                        f[i].k = SECCOMP_RET_USER_NOTIF;
        free(d->notify);
        d->notify = f;
        d->landlock_mode = landlock_mode;
        *ret = (struct sock_fprog) { .len = (unsigned short) (prog->len + pre), .filter = f };
        return 0;
}

static bool policy_denied(const struct denials *d, const char *name)
{
        for (size_t i = 0; i < d->policy_denied.n; i++)
                if (strcmp(d->policy_denied.v[i].value, name) == 0)
                        return true;
        return false;
}

static const char *family_name(uint64_t family)
{
        switch (family) {
        case AF_UNIX: return "AF_UNIX";
        case AF_INET: return "AF_INET";
        case AF_INET6: return "AF_INET6";
        case AF_NETLINK: return "AF_NETLINK";
        case AF_PACKET: return "AF_PACKET";
        case AF_VSOCK: return "AF_VSOCK";
        default: return NULL;
        }
}

static const char *type_name(uint64_t family, uint64_t type)
{
        bool ip = family == AF_INET || family == AF_INET6;

        switch (type) {
        case SOCK_STREAM: return ip ? "TCP" : "stream";
        case SOCK_DGRAM: return ip ? "UDP" : "datagram";
        case SOCK_RAW: return "raw";
        case SOCK_SEQPACKET: return "seqpacket";
        default: return "other";
        }
}

/* Control bytes (and anything not ASCII) of a name the sandbox chose, as
 * '?': they reach the caller's terminal. */
static char *printable(const char *s)
{
        char *c = strdup(s);
        for (char *p = c; p && *p; p++)
                if ((unsigned char) *p < 0x20 || (unsigned char) *p >= 0x7f)
                        *p = '?';
        return c;
}

/* PATH with "//", "/./" and "/x/.." made plain, in place (the command's
 * view of it: a symbolic link under "x" is not followed, as the kernel
 * would, but the host check below is only a check). */
static void path_normalize(char *path)
{
        char *out = path, *in = path;

        while (*in) {
                while (*in == '/')
                        in++;
                char *end = strchrnul(in, '/');
                size_t n = (size_t) (end - in);
                if (n == 0)
                        break;
                if (n == 1 && in[0] == '.') {
                        in = end;
                        continue;
                }
                if (n == 2 && in[0] == '.' && in[1] == '.') {
                        while (out > path && *--out != '/')
                                ;
                        in = end;
                        continue;
                }
                *out++ = '/';
                memmove(out, in, n);
                out += n;
                in = end;
        }
        if (out == path)
                *out++ = '/';
        *out = '\0';
}

static const struct { const char *before, *after; } path_verbs[] = {
        [PATH_OP_READ] = { "open ", " for reading" }, [PATH_OP_WRITE] = { "open ", " for writing" },
        [PATH_OP_CREATE] = { "create ", "" }, [PATH_OP_EXEC] = { "execute ", "" },
        [PATH_OP_STAT] = { "look up ", "" }, [PATH_OP_MKDIR] = { "make the directory ", "" },
        [PATH_OP_REMOVE] = { "remove ", "" }, [PATH_OP_RENAME] = { "rename ", "" },
        [PATH_OP_CONNECT] = { "connect to ", " (unix socket)" },
};

static void fclosep(FILE **f)
{
        if (*f) {
                int saved = errno;
                (void) fclose(*f);      /* read only: nothing to lose */
                errno = saved;
        }
}

/* Whether the host has a unix socket bound to the abstract NAME ('@' for
 * NULs, as /proc/net/unix of the caller's network namespace lists it). */
static int host_has_abstract(const char *name)
{
        _cleanup_(fclosep) FILE *f = fopen("/proc/net/unix", "re");
        _cleanup_free_ char *line = NULL;
        size_t size = 0, n = strlen(name);
        ssize_t k;

        if (!f)
                return -errno;
        while ((k = getline(&line, &size, f)) > 0) {
                if (line[k - 1] == '\n')
                        line[--k] = '\0';
                /* The path is the last field: " @NAME". */
                if ((size_t) k > n + 1 && line[k - n - 1] == ' ' && memcmp(line + k - n, name, n) == 0)
                        return 1;
        }
        return 0;
}

static int describe_abstract(const struct denial_rec *r, struct oslbox_denial *e)
{
        _cleanup_free_ char *shown = NULL;

        if (host_has_abstract(r->what) <= 0)
                return 1;       /* no such name on the host either: nothing hidden */
        if (!(shown = printable(r->what)))
                return -ENOMEM;
        e->layer = "network";
        e->what = strdup_printf("connect to %s (abstract unix socket)", shown);
        e->address = strdup(shown);
        e->reason = strdup("network none");
        e->allow = strdup("net host");
        e->syscall = strdup("connect");
        return e->what && e->address && e->reason && e->allow && e->syscall ? 0 : -ENOMEM;
}

/* An address of /proc/net/{tcp,udp}{,6}: its hex words (each the kernel's
 * u32 of four address bytes) into the 4 or 16 bytes of the address. */
static bool proc_net_addr(const char *hex, unsigned char *ret, size_t *ret_len)
{
        size_t n = strlen(hex);

        if (n != 8 && n != 32)
                return false;
        for (size_t i = 0; i < n / 8; i++) {
                char word[9];
                uint32_t v;
                memcpy(word, hex + 8 * i, 8);
                word[8] = '\0';
                v = (uint32_t) strtoul(word, NULL, 16);
                memcpy(ret + 4 * i, &v, 4);
        }
        *ret_len = n / 2;
        return true;
}

static bool loopback_or_any(const unsigned char *a, size_t len)
{
        static const unsigned char mapped[12] = { [10] = 0xff, [11] = 0xff };
        bool zero = true;

        if (len == 4)
                return a[0] == 127 || (a[0] | a[1] | a[2] | a[3]) == 0;
        for (size_t i = 0; i < 15; i++)
                zero &= a[i] == 0;
        if (zero && (a[15] == 0 || a[15] == 1))
                return true;            /* :: or ::1 */
        return memcmp(a, mapped, 12) == 0 && (a[12] == 127 || (a[12] | a[13] | a[14] | a[15]) == 0);
}

/* Whether the host (the caller's network namespace) has a TCP listener,
 * or a bound UDP socket, on PORT of a loopback address or of all of them. */
static int host_listens(bool udp, unsigned port)
{
        const char *files[2] = { udp ? "/proc/net/udp" : "/proc/net/tcp", udp ? "/proc/net/udp6" : "/proc/net/tcp6" };

        for (int i = 0; i < 2; i++) {
                _cleanup_(fclosep) FILE *f = fopen(files[i], "re");
                _cleanup_free_ char *line = NULL;
                size_t size = 0;

                if (!f)
                        continue;       /* no IPv6 here */
                while (getline(&line, &size, f) > 0) {
                        char hex[33];
                        unsigned lport, st;
                        unsigned char a[16];
                        size_t alen;
                        if (sscanf(line, " %*u: %32[0-9A-Fa-f]:%x %*[0-9A-Fa-f]:%*x %x", hex, &lport, &st) != 3)
                                continue;
                        if (lport == port && (udp || st == 0x0A) && proc_net_addr(hex, a, &alen) &&
                            loopback_or_any(a, alen))
                                return 1;
                }
        }
        return 0;
}

/* An inet address record: 1 when it is no denial (a loopback address the
 * host does not listen on either: --net host would not help), else as
 * describe(). */
static int describe_inet(const struct denial_rec *r, struct oslbox_denial *e)
{
        char host[INET6_ADDRSTRLEN + 8], addr[INET6_ADDRSTRLEN + 16];
        const char *colon = strrchr(r->what, ':'), *type;
        unsigned char bin[16];
        int family = r->arg == AF_INET6 ? AF_INET6 : AF_INET;
        unsigned long port;
        size_t hn;

        if (!colon || colon == r->what)
                return 1;
        hn = (size_t) (colon - r->what);
        if (family == AF_INET6) {       /* "[...]" */
                if (hn < 3 || r->what[0] != '[' || r->what[hn - 1] != ']' || hn - 2 >= sizeof(host))
                        return 1;
                memcpy(host, r->what + 1, hn - 2);
                host[hn - 2] = '\0';
        } else {
                if (hn >= sizeof(host))
                        return 1;
                memcpy(host, r->what, hn);
                host[hn] = '\0';
        }
        port = strtoul(colon + 1, NULL, 10);
        if (port > 65535 || inet_pton(family, host, bin) != 1 || !inet_ntop(family, bin, host, sizeof(host)))
                return 1;
        if (loopback_or_any(bin, family == AF_INET6 ? 16 : 4) && !host_listens(r->arg2 == SOCK_DGRAM, (unsigned) port))
                return 1;
        snprintf(addr, sizeof(addr), family == AF_INET6 ? "[%s]:%lu" : "%s:%lu", host, port);
        type = r->arg2 == SOCK_STREAM ? " (TCP)" : r->arg2 == SOCK_DGRAM ? " (UDP)" : "";
        e->layer = "network";
        e->what = strdup_printf("%s %s%s", r->nr == SYS_connect ? "connect to" : "send to", addr, type);
        e->address = strdup(addr);
        e->reason = strdup("network none");
        e->allow = strdup("net host");
        e->syscall = seccomp_syscall_name(r->nr);
        return e->what && e->address && e->reason && e->allow && e->syscall ? 0 : -ENOMEM;
}

/* A signal record (the landlock mode): a process outside the sandbox,
 * which Landlock's scoping keeps the command from signalling. */
static int describe_signal(const struct denial_rec *r, struct oslbox_denial *e)
{
        _cleanup_free_ char *target = printable(r->what);
        int pid = (int) (int64_t) r->arg, sig = (int) r->arg2;
        char signame[24];
        const char *abbrev = sig > 0 && sig < NSIG ? sigabbrev_np(sig) : NULL;

        if (!target)
                return -ENOMEM;
        if (abbrev)
                snprintf(signame, sizeof(signame), "SIG%s", abbrev);
        else
                snprintf(signame, sizeof(signame), "signal %d", sig);
        e->layer = "signal";
        e->what = strdup_printf("%s to %s %d%s%s%s outside the sandbox", signame,
                                pid < 0 ? "process group" : "pid", pid < 0 ? -pid : pid, *target ? " (" : "", target,
                                *target ? ")" : "");
        e->reason = strdup("Landlock's signal scoping");
        e->syscall = seccomp_syscall_name(r->nr);
        return e->what && e->reason && e->syscall ? 0 : -ENOMEM;
}

/* A path record: 1 when it is no denial after all (missing on the host
 * too), else as describe(). */
static int describe_path(const struct denial_rec *r, struct oslbox_denial *e)
{
        _cleanup_free_ char *path = strdup(r->what), *shown = NULL, *parent = NULL;
        unsigned op = (unsigned) r->arg;
        bool needs_dir = op == PATH_OP_CREATE || op == PATH_OP_MKDIR || op == PATH_OP_REMOVE || op == PATH_OP_RENAME;
        struct stat st;
        char *slash;

        if (!path)
                return -ENOMEM;
        if (op >= ELEMENTSOF(path_verbs) || !path_verbs[op].before)
                return 1;
        path_normalize(path);
        parent = strdup(path);
        if (!parent)
                return -ENOMEM;
        slash = strrchr(parent, '/');
        if (slash == parent)
                slash[1] = '\0';
        else
                *slash = '\0';
        if (r->arg2 == PATH_MISSING) {
                /* Outside the view only if the host has it (lstat: the
                 * name, nothing followed, nothing opened). */
                if (fstatat(AT_FDCWD, needs_dir && op != PATH_OP_REMOVE && op != PATH_OP_RENAME ? parent : path, &st,
                            AT_SYMLINK_NOFOLLOW) < 0)
                        return 1;
                e->reason = strdup("outside the view");
        } else
                e->reason = strdup("read-only in the view");
        if (strcmp(path, "/") == 0)
                return 1;       /* never advise the whole host */
        if (!(shown = printable(path)))
                return -ENOMEM;
        e->layer = "filesystem";
        e->what = strdup_printf("%s%s%s", path_verbs[op].before, shown, path_verbs[op].after);
        e->path = strdup(path);
        if (needs_dir)
                e->allow = strcmp(parent, "/") == 0 ? NULL : strdup_printf("rw %s", parent);
        else
                e->allow = strdup_printf("%s %s", r->arg2 == PATH_MISSING && op != PATH_OP_WRITE ? "ro" : "rw", path);
        e->syscall = seccomp_syscall_name(r->nr);
        if (!e->reason || !e->what || !e->path || (!e->allow && strcmp(parent, "/") != 0))
                return -ENOMEM;
        /* Control bytes in an advised path: the directive would not name it. */
        if (strcmp(shown, path) != 0) {
                free((char *) e->allow);
                e->allow = NULL;
        }
        return 0;
}

/* What R means, and the directive. Strings are malloc'ed into E. */
static int describe(const struct denials *d, const struct denial_rec *r, struct oslbox_denial *e)
{
        _cleanup_free_ char *name = NULL, *what = NULL, *reason = NULL, *allow = NULL;
        const char *layer = "seccomp";
        bool want_allow = true, named;

        if (r->kind == DENIAL_PATH)
                return describe_path(r, e);
        if (r->kind == DENIAL_UNIX_ABSTRACT)
                return describe_abstract(r, e);
        if (r->kind == DENIAL_INET)
                return describe_inet(r, e);
        if (r->kind == DENIAL_SIGNAL)
                return describe_signal(r, e);
        if (r->kind == DENIAL_KILLED) {
                what = strdup("a system call of another ABI (x32 or i386)");
                reason = strdup("the seccomp filter kills the process");
                want_allow = false;
                goto done;
        }
        name = seccomp_syscall_name(r->nr);
        if (!name && !(name = strdup_printf("syscall %d", r->nr)))
                return -ENOMEM;
        named = !strchr(name, ' ');
        if (r->nr == SYS_socket || r->nr == SYS_socketpair) {
                const char *fam = family_name(r->arg);
                char famnum[32];
                if (!fam) {
                        snprintf(famnum, sizeof(famnum), "family %llu", (unsigned long long) r->arg);
                        fam = famnum;
                }
                what = strdup_printf("%s %s (%s)", r->nr == SYS_socket ? "socket" : "socketpair", fam,
                                     type_name(r->arg, r->arg2));
                if (r->arg == AF_VSOCK) {
                        reason = strdup("seccomp default filter");
                        want_allow = false;
                } else if (r->arg == AF_UNIX && r->arg2 == SOCK_DGRAM && d->landlock_mode) {
                        layer = "ipc";
                        reason = strdup("unix datagram sockets in the landlock isolation mode");
                        allow = strdup("isolation namespaces");
                } else if (r->arg == AF_UNIX && d->landlock_mode) {
                        layer = "ipc";
                        reason = strdup("unix sockets with network host in the landlock isolation mode");
                        allow = strdup("net none");
                } else if (d->net_none) {
                        layer = "network";
                        reason = strdup("network none");
                        allow = strdup("net host");
                } else {
                        reason = strdup("seccomp default filter");
                        want_allow = false;
                }
                goto done;
        }
        if (r->nr == SYS_ioctl && !policy_denied(d, "ioctl")) {
                what = strdup_printf("ioctl(2) %s", r->arg == TIOCSTI ? "TIOCSTI" : "TIOCLINUX");
                reason = strdup("seccomp default filter (it types into the terminal)");
                want_allow = false;
                goto done;
        }
        if ((r->nr == SYS_clone || r->nr == SYS_unshare) && r->arg && !policy_denied(d, name)) {
                what = strdup_printf("%s(2) of a namespace", name);
                reason = strdup("seccomp default filter");
                allow = strdup_printf("allow-syscall %s", name);
                goto done;
        }
        what = named ? strdup_printf("%s(2)", name) : strdup(name);
        if (r->err == ENOSYS && r->nr >= 0 && !seccomp_syscall_reviewed(r->nr)) {
                reason = strdup("newer than the system calls this oslbox was reviewed for");
                want_allow = false;
        } else if (policy_denied(d, name)) {
                reason = strdup_printf("deny-syscall %s in the policy", name);
                allow = strdup_printf("allow-syscall %s", name);
        } else {
                reason = strdup(d->landlock_mode && seccomp_landlock_denied(name)
                                        ? "the landlock isolation mode's filter (the host's IPC objects)"
                                        : "seccomp default filter");
                allow = strdup_printf("allow-syscall %s", name);
        }
done:
        if (!what || !reason || (want_allow && !allow))
                return -ENOMEM;
        e->layer = layer;
        e->what = TAKE_PTR(what);
        e->syscall = TAKE_PTR(name);
        e->reason = TAKE_PTR(reason);
        e->allow = TAKE_PTR(allow);
        return 0;
}

static int add(struct denials *d, const struct denial_rec *src)
{
        struct denial_rec r;
        struct oslbox_denial *e = &d->v[d->n++];        /* freed with the rest, whatever happens */
        _cleanup_free_ char *proc = NULL;
        int k;

        memcpy(&r, src, sizeof(r));
        r.comm[sizeof(r.comm) - 1] = '\0';
        r.what[sizeof(r.what) - 1] = '\0';
        *e = (struct oslbox_denial) { .pid = r.pid, .count = r.count ? r.count : 1 };
        if ((k = describe(d, &r, e)) < 0)
                return k;
        if (k > 0) {
                /* No denial after all: the entry goes. */
                free_entry(e);
                d->n--;
                return 0;
        }
        if (!(e->process = printable(r.comm)))
                return -ENOMEM;
        if (e->process[0])
                proc = strdup_printf("%s (pid %d)", e->process, (int) e->pid);
        else
                proc = e->pid > 0 ? strdup_printf("pid %d", (int) e->pid) : strdup("the command");
        if (!proc)
                return -ENOMEM;
        if (e->count > 1)
                k = asprintf((char **) &e->line, "%s by %s, %llu times: %s (%s%s)", e->what, proc,
                             (unsigned long long) e->count, e->reason, e->allow ? "allow with --" : "",
                             e->allow ? e->allow : "no directive allows it");
        else
                k = asprintf((char **) &e->line, "%s by %s: %s (%s%s)", e->what, proc, e->reason,
                             e->allow ? "allow with --" : "", e->allow ? e->allow : "no directive allows it");
        if (k < 0) {
                e->line = NULL;
                return -ENOMEM;
        }
        return 0;
}

/* Most frequent first; ties in the order they first happened. */
struct rank {
        uint64_t count;
        uint32_t i;
};

static int by_count(const void *a, const void *b)
{
        const struct rank *x = a, *y = b;
        if (x->count != y->count)
                return x->count < y->count ? 1 : -1;
        return x->i < y->i ? -1 : x->i > y->i;
}

int denials_collect(struct denials *d, const struct oslbox_result *res)
{
        const struct denials_table *t = d->table;
        size_t n = t->n < DENIALS_MAX ? t->n : DENIALS_MAX;
        _cleanup_free_ struct rank *order = NULL;
        int r = 0;

        if (d->collected)
                return d->error;
        d->collected = true;
        /* One more for a command the filter killed. */
        d->v = calloc(n + 1, sizeof(*d->v));
        order = calloc(n + 1, sizeof(*order));
        if (!d->v || !order)
                return d->error = -ENOMEM;
        for (uint32_t i = 0; i < n; i++)
                order[i] = (struct rank) { .count = t->rec[i].count, .i = i };
        qsort(order, n, sizeof(*order), by_count);
        for (size_t i = 0; i < n && r == 0; i++)
                r = add(d, &t->rec[order[i].i]);
        if (r == 0 && res && res->signal == SIGSYS) {
                struct denial_rec k = { .kind = DENIAL_KILLED, .count = 1 };
                r = add(d, &k);
        }
        if (r < 0) {
                entries_free(d);
                return d->error = r;
        }
        d->unlisted = t->unlisted;
        /* The table goes: its memory was only for the run. */
        munmap(d->table, sizeof(*d->table));
        d->table = NULL;
        return 0;
}

size_t denials_get(const struct denials *d, const struct oslbox_denial **ret, uint64_t *ret_unlisted)
{
        *ret = d ? d->v : NULL;
        if (ret_unlisted)
                *ret_unlisted = d ? d->unlisted : 0;
        return d ? d->n : 0;
}

int denials_error(const struct denials *d)
{
        return d ? d->error : 0;
}
