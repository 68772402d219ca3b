/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Test helper: tries one system call or ioctl and prints "OK" or the errno
 * name (EPERM, ENOSYS, ...). Linked statically so it runs anywhere inside a
 * sandbox. Exit status 0 when it printed a result.
 *
 *   probe mount | umount | pivot_root | unshare-user | clone-newuser | clone3
 *   probe bpf | keyctl | io_uring_setup | perf_event_open | userfaultfd | setns
 *   probe mount DIR | umount DIR  on DIR: a missing DIR gives ENOENT, not EPERM,
 *                               when only the kernel's own checks apply
 *   probe bpf bad               bpf() with a NULL attr: EFAULT from the kernel
 *   probe userfaultfd user      UFFD_USER_MODE_ONLY: allowed unprivileged
 *   probe uname                 uname(2), which the default filter allows
 *   probe sethostname NAME      needs CAP_SYS_ADMIN over the uts namespace
 *   probe open PATH             open PATH for reading
 *   probe create PATH           create (or truncate) PATH for writing
 *   probe ptrace PID            attach to PID
 *   probe tiocsti [high]        TIOCSTI on fd 0 (high: with bits 32-63 set)
 *   probe socket FAMILY         inet, inet6, unix, netlink, vsock, packet
 *   probe tcp PORT | udp PORT [PAYLOAD]
 *                               connect / send PAYLOAD (default "ping") to 127.0.0.1:PORT
 *   probe abstract NAME         connect to the abstract unix socket @NAME
 *   probe connect PATH          connect to the unix stream socket at PATH
 *   probe bind-abstract NAME    bind a unix stream socket to @NAME
 *   probe listen PATH           listen on a unix stream socket at PATH; prints OK,
 *                               then accepts (and closes) connections until killed
 *   probe kill PID              kill(PID, 0)
 *   probe shmget KEY | shmat ID attach the SysV shared memory segment KEY or ID
 *   probe chmod MODE PATH       chmod(PATH, MODE), MODE in octal
 *   probe setxattr PATH         set the extended attribute user.oslbox-probe of PATH
 *   probe x32                   a syscall of the x32 ABI (expected: killed)
 *   probe nr NR                 system call number NR with all arguments 0
 *   probe socketpair FAMILY     socketpair(2) of FAMILY (as socket), SOCK_STREAM
 *   probe personality VALUE     personality(VALUE); VALUE in C notation (0x20000)
 *   probe deny NR[,NR...] ERRNO CMD...
 *                               exec CMD under a seccomp filter (with no_new_privs)
 *                               that fails each NR with ERRNO (a name: EPERM),
 *                               for a filter CMD's own filters stack onto
 *   probe fds                   print the open fds, space-separated
 *
 * And three tools for tests that run where nothing else is (tests/integ/vm.sh):
 *   probe hog MB                touch MB megabytes; prints "survived" or "malloc failed"
 *   probe forker N              fork N children that sleep 2 s; prints how many started
 *   probe runas UID GID CMD...  exec CMD as UID:GID
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/bpf.h>
#include <linux/filter.h>
#include <linux/io_uring.h>
#include <linux/perf_event.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <linux/userfaultfd.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <stddef.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/shm.h>
#include <sys/xattr.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <arpa/inet.h>
#include <unistd.h>

#ifndef AF_VSOCK
#define AF_VSOCK 40
#endif
#ifndef UFFD_USER_MODE_ONLY
#define UFFD_USER_MODE_ONLY 1
#endif

static int result(long r)
{
        if (r < 0) {
                const char *name = strerrorname_np(errno);
                printf("%s\n", name ? name : "EUNKNOWN");
        } else
                printf("OK\n");
        return 0;
}

static int family(const char *name)
{
        static const struct { const char *name; int af; } f[] = {
                { "inet", AF_INET }, { "inet6", AF_INET6 }, { "unix", AF_UNIX },
                { "netlink", AF_NETLINK }, { "vsock", AF_VSOCK }, { "packet", AF_PACKET },
                { "unix-dgram", AF_UNIX | 0x10000 },
        };
        for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++)
                if (strcmp(f[i].name, name) == 0)
                        return f[i].af;
        return -1;
}

static int errno_named(const char *name)
{
        for (int e = 1; e < 4096; e++) {
                const char *n = strerrorname_np(e);
                if (n && !strcmp(n, name))
                        return e;
        }
        return -1;
}

/* Installs a filter failing each number of LIST ("7,271") with ERR. */
static int deny_numbers(const char *list, int err)
{
        struct sock_filter f[64];
        unsigned n = 0;
        const char *c = list;

        f[n++] = (struct sock_filter) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
        while (*c && n < 60) {
                char *end;
                long nr = strtol(c, &end, 0);
                if (end == c || (*end && *end != ','))
                        return -1;
                f[n++] = (struct sock_filter) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned) nr, 0, 1);
                f[n++] = (struct sock_filter) BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (unsigned) err);
                c = *end ? end + 1 : end;
        }
        f[n++] = (struct sock_filter) BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
        struct sock_fprog prog = { .len = (unsigned short) n, .filter = f };
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                return -1;
        return (int) syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog);
}

static int list_fds(void)
{
        DIR *d = opendir("/proc/self/fd");
        struct dirent *de;
        int self = d ? dirfd(d) : -1, first = 1;

        if (!d)
                return result(-1);
        while ((de = readdir(d)))
                if (de->d_name[0] != '.' && atoi(de->d_name) != self) {
                        printf("%s%s", first ? "" : " ", de->d_name);
                        first = 0;
                }
        putchar('\n');
        closedir(d);
        return 0;
}

int main(int argc, char **argv)
{
        const char *what = argc > 1 ? argv[1] : "";
        const char *arg = argc > 2 ? argv[2] : NULL;

        if (!strcmp(what, "mount"))
                return result(mount("none", arg ? arg : "/tmp", "tmpfs", 0, NULL));
        if (!strcmp(what, "umount"))
                return result(umount2(arg ? arg : "/proc", MNT_DETACH));
        if (!strcmp(what, "pivot_root"))
                return result(syscall(SYS_pivot_root, "/tmp", "/tmp"));
        if (!strcmp(what, "unshare-user"))
                return result(unshare(CLONE_NEWUSER));
        if (!strcmp(what, "clone-newuser")) {
                long pid = syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0);
                if (pid == 0)
                        _exit(0);
                if (pid > 0)
                        waitpid((pid_t) pid, NULL, 0);
                return result(pid);
        }
        if (!strcmp(what, "clone3")) {
                /* CLONE_ARGS_SIZE_VER0: any smaller struct is EINVAL. */
                struct clone_args a;
                memset(&a, 0, sizeof(a));
                a.exit_signal = SIGCHLD;
                long pid = syscall(SYS_clone3, &a, (size_t) 64);
                if (pid == 0)
                        _exit(0);
                if (pid > 0)
                        waitpid((pid_t) pid, NULL, 0);
                return result(pid);
        }
        if (!strcmp(what, "setns"))
                return result(syscall(SYS_setns, 0, CLONE_NEWNET));
        if (!strcmp(what, "bpf") && arg && !strcmp(arg, "bad"))
                return result(syscall(SYS_bpf, BPF_MAP_CREATE, NULL, sizeof(union bpf_attr)));
        if (!strcmp(what, "bpf")) {
                union bpf_attr attr;
                memset(&attr, 0, sizeof(attr));
                attr.map_type = BPF_MAP_TYPE_ARRAY;
                attr.key_size = 4;
                attr.value_size = 4;
                attr.max_entries = 1;
                return result(syscall(SYS_bpf, BPF_MAP_CREATE, &attr, sizeof(attr)));
        }
        if (!strcmp(what, "keyctl"))
                return result(syscall(SYS_keyctl, 0 /* KEYCTL_GET_KEYRING_ID */, -3, 0));
        if (!strcmp(what, "io_uring_setup")) {
                struct io_uring_params p;
                memset(&p, 0, sizeof(p));
                return result(syscall(SYS_io_uring_setup, 1, &p));
        }
        if (!strcmp(what, "perf_event_open")) {
                struct perf_event_attr pe;
                memset(&pe, 0, sizeof(pe));
                pe.size = sizeof(pe);
                pe.type = PERF_TYPE_SOFTWARE;
                pe.config = PERF_COUNT_SW_CPU_CLOCK;
                return result(syscall(SYS_perf_event_open, &pe, 0, -1, -1, 0));
        }
        if (!strcmp(what, "userfaultfd"))
                return result(syscall(SYS_userfaultfd, arg && !strcmp(arg, "user") ? UFFD_USER_MODE_ONLY : 0));
        if (!strcmp(what, "uname")) {
                struct utsname u;
                return result(syscall(SYS_uname, &u));
        }
        if (!strcmp(what, "sethostname") && arg)
                return result(sethostname(arg, strlen(arg)));
        if (!strcmp(what, "open") && arg)
                return result(open(arg, O_RDONLY | O_CLOEXEC));
        if (!strcmp(what, "create") && arg)
                return result(open(arg, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
        if (!strcmp(what, "ptrace") && arg)
                return result(ptrace(PTRACE_SEIZE, atoi(arg), 0, 0));
        if (!strcmp(what, "tiocsti")) {
                char c = ' ';
                unsigned long req = TIOCSTI;
                if (arg && !strcmp(arg, "high"))
                        req |= 0x100000000UL;
                return result(syscall(SYS_ioctl, 0, req, &c));
        }
        if (!strcmp(what, "socket") && arg) {
                int af = family(arg);
                if (af < 0)
                        return 2;
                if (af == (AF_UNIX | 0x10000))
                        return result(socket(AF_UNIX, SOCK_DGRAM, 0));
                return result(socket(af, af == AF_UNIX ? SOCK_STREAM : SOCK_DGRAM, 0));
        }
        if ((!strcmp(what, "connect") || !strcmp(what, "bind-abstract")) && arg) {
                struct sockaddr_un sa = { .sun_family = AF_UNIX };
                int fd = socket(AF_UNIX, SOCK_STREAM, 0), abstract = what[0] == 'b';
                size_t n = strlen(arg);
                if (fd < 0)
                        return result(fd);
                if (n + 1 + abstract > sizeof(sa.sun_path))
                        return 2;
                memcpy(sa.sun_path + abstract, arg, n);
                socklen_t len = (socklen_t) (offsetof(struct sockaddr_un, sun_path) + abstract + n);
                return result(abstract ? bind(fd, (struct sockaddr *) &sa, len) : connect(fd, (struct sockaddr *) &sa, len));
        }
        if (!strcmp(what, "listen") && arg) {
                struct sockaddr_un sa = { .sun_family = AF_UNIX };
                int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
                if (strlen(arg) >= sizeof(sa.sun_path))
                        return 2;
                strcpy(sa.sun_path, arg);
                if (fd < 0 || bind(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0 || listen(fd, 64) < 0)
                        return result(-1);
                (void) result(0);
                fflush(stdout);
                for (;;) {
                        int c = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
                        if (c >= 0)
                                close(c);
                }
        }
        if (!strcmp(what, "kill") && arg)
                return result(kill(atoi(arg), 0));
        if (!strcmp(what, "shmget") && arg)
                return result(shmget((key_t) strtol(arg, NULL, 0), 0, 0));
        if (!strcmp(what, "shmat") && arg) {
                void *p = shmat((int) strtol(arg, NULL, 0), NULL, SHM_RDONLY);
                return result(p == (void *) -1 ? -1 : 0);
        }
        if (!strcmp(what, "setxattr") && arg)
                return result(setxattr(arg, "user.oslbox-probe", "1", 1, 0));
        if (!strcmp(what, "chmod") && argc > 3)
                return result(chmod(argv[3], (mode_t) strtoul(arg, NULL, 8)));
        if ((!strcmp(what, "tcp") || !strcmp(what, "udp")) && arg) {
                struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t) atoi(arg)) };
                const char *payload = argc > 3 ? argv[3] : "ping\n";
                int tcp = !strcmp(what, "tcp");
                int fd = socket(AF_INET, tcp ? SOCK_STREAM : SOCK_DGRAM, 0);
                inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
                if (fd < 0)
                        return result(fd);
                if (tcp)
                        return result(connect(fd, (struct sockaddr *) &sa, sizeof(sa)));
                return result(sendto(fd, payload, strlen(payload), 0, (struct sockaddr *) &sa, sizeof(sa)));
        }
        if (!strcmp(what, "abstract") && arg) {
                struct sockaddr_un sa = { .sun_family = AF_UNIX };
                int fd = socket(AF_UNIX, SOCK_STREAM, 0);
                size_t n = strlen(arg);
                if (fd < 0)
                        return result(fd);
                if (n + 1 > sizeof(sa.sun_path))
                        return 2;
                memcpy(sa.sun_path + 1, arg, n);
                return result(connect(fd, (struct sockaddr *) &sa,
                                      (socklen_t) (offsetof(struct sockaddr_un, sun_path) + 1 + n)));
        }
        if (!strcmp(what, "nr") && arg)
                return result(syscall(strtol(arg, NULL, 0), 0, 0, 0, 0, 0, 0));
        if (!strcmp(what, "socketpair") && arg) {
                int af = family(arg), sv[2];
                if (af < 0)
                        return 2;
                return result(socketpair(af, SOCK_STREAM, 0, sv));
        }
        if (!strcmp(what, "personality") && arg)
                return result(syscall(SYS_personality, strtoul(arg, NULL, 0)));
        if (!strcmp(what, "deny") && argc > 4) {
                int err = errno_named(argv[3]);
                if (err < 0 || deny_numbers(arg, err) < 0) {
                        fprintf(stderr, "probe: deny %s %s: cannot install the filter\n", arg, argv[3]);
                        return 2;
                }
                execvp(argv[4], argv + 4);
                fprintf(stderr, "probe: %s: %s\n", argv[4], strerror(errno));
                return 127;
        }
        if (!strcmp(what, "x32"))
                return result(syscall(0x40000000 | 39 /* getpid */));
        if (!strcmp(what, "hog") && arg) {
                for (int i = 0; i < atoi(arg); i++) {
                        char *p = malloc(1 << 20);
                        if (!p) {
                                puts("malloc failed");
                                return 3;
                        }
                        memset(p, 1, 1 << 20);
                }
                puts("survived");
                return 0;
        }
        if (!strcmp(what, "forker") && arg) {
                int started = 0;
                for (int i = 0; i < atoi(arg); i++) {
                        pid_t pid = fork();
                        if (pid == 0) {
                                sleep(2);
                                _exit(0);
                        }
                        started += pid > 0;
                }
                printf("%d\n", started);
                return 0;
        }
        if (!strcmp(what, "runas") && argc > 4) {
                gid_t gid = (gid_t) atoi(argv[3]);
                if (setgroups(1, &gid) < 0 || setgid(gid) < 0 || setuid((uid_t) atoi(arg)) < 0)
                        return result(-1);
                execvp(argv[4], argv + 4);
                return result(-1);
        }
        if (!strcmp(what, "fds"))
                return list_fds();
        fprintf(stderr, "probe: unknown probe '%s'\n", what);
        return 2;
}
