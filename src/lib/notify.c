/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Seccomp user notifications, answered by the sandbox's init in the
 * landlock isolation mode. Init is outside the command's Landlock domain
 * (it has the caller's own view of the host), so it can decide what the
 * domain cannot: Landlock below ABI 9 does not restrict connect(2) to a
 * pathname unix socket at all, nor bind(2) to an abstract name (which host
 * programs would then connect to), and no ABI restricts chmod(2).
 *
 *   connect  The target's socket must be a unix stream or seqpacket socket
 *            (sock_diag); abstract names are refused (EPERM); a pathname is
 *            resolved as the target would (its working directory, symlinks
 *            followed, no magic links) to an O_PATH fd, which must be a
 *            socket in the view: a file the rules name, or beneath one of
 *            their directories. Init connects a new socket of the same type
 *            to that fd (/proc/self/fd/N: the inode checked is the inode
 *            reached), non-blocking so that a full backlog cannot hang it,
 *            and installs it over the target's descriptor
 *            (SECCOMP_IOCTL_NOTIF_ADDFD, SETFD, Linux >= 5.9).
 *   bind     Abstract names are refused; a pathname or autobind is made by
 *            a vfork()ed child of init that entered the command's own
 *            ruleset first, so Landlock itself decides where a socket file
 *            may be made, with the address copied here (the target cannot
 *            change it after the check); the bound socket is installed as
 *            above.
 *   chmod    fchmod, fchmodat, fchmodat2 alike: the file, resolved as the
 *            target would, must lie in a writable place of the view; init
 *            then changes its mode through /proc/self/fd/N.
 *
 * No answer is ever SECCOMP_USER_NOTIF_FLAG_CONTINUE: the target could
 * change its memory, or its descriptor table, after the check. What an
 * installed socket lacks against the target's own: options set on it
 * before connect(2) or bind(2), and a connecting socket's bound address;
 * its peer sees init's pid in SO_PEERCRED, and an autobound abstract name
 * (getpeername(2)): the mark by which oslbox's supervisors, which answer
 * the user's own processes only, tell a sandboxed command's connection from
 * the user's (no user namespace tells them apart in this mode). These are
 * in oslbox(1).
 *
 * Why mediate rather than refuse: refusing socket(AF_UNIX) but socketpair
 * breaks every program that serves or reaches a socket in its own working
 * directory (test suites, language servers, build daemons, git's fsmonitor,
 * ssh's ControlMaster), and a connect cannot be let through unchecked
 * (Landlock below ABI 9 does not cover it: the session bus, docker.sock,
 * X11). Measured on the development VM (loaded, ratios only): a connect and
 * accept through init takes about 5x what it takes in the namespaces mode
 * (some 300 us against 60-80 us in a loop of 3000); a program's start is
 * not affected, as only connect, bind and chmod are notified.
 *
 * Reading the target needs ptrace read access (process_vm_readv, /proc/TID
 * links): init is the ancestor of every process of the sandbox and has its
 * credentials. After reading, SECCOMP_IOCTL_NOTIF_ID_VALID makes sure TID
 * still is the blocked thread. Like the rest of init, this code only makes
 * system calls, into static buffers.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <linux/openat2.h>
#include <linux/seccomp.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include <netinet/tcp.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "denials.h"
#include "layers.h"
#include "notify.h"

#ifndef SYS_fchmodat2
#define SYS_fchmodat2 452
#endif
#ifndef TCP_LISTEN
#define TCP_LISTEN 10
#endif

/* Not an errno: the target went away, nothing to answer. */
#define GONE 1

static char *put_str(char *p, char *end, const char *s)
{
        while (*s && p < end)
                *p++ = *s++;
        return p;
}

static char *put_uint(char *p, char *end, unsigned long v)
{
        char tmp[24];
        int n = 0;

        do
                tmp[n++] = (char) ('0' + v % 10);
        while ((v /= 10));
        while (n && p < end)
                *p++ = tmp[--n];
        return p;
}

/* "/proc/PID/WHAT", and "/FD" when FD >= 0. */
static void proc_path(char *buf, size_t size, long pid, const char *what, int fd)
{
        char *p = buf, *end = buf + size - 1;

        p = put_str(p, end, "/proc/");
        p = put_uint(p, end, (unsigned long) pid);
        p = put_str(p, end, "/");
        p = put_str(p, end, what);
        if (fd >= 0) {
                p = put_str(p, end, "/");
                p = put_uint(p, end, (unsigned) fd);
        }
        *p = '\0';
}

static void self_fd_path(char *buf, size_t size, int fd)
{
        char *p = buf, *end = buf + size - 1;

        p = put_str(p, end, "/proc/self/fd/");
        p = put_uint(p, end, (unsigned) fd);
        *p = '\0';
}

static int read_target(pid_t pid, uint64_t addr, void *buf, size_t len)
{
        struct iovec local = { buf, len }, remote = { (void *) (uintptr_t) addr, len };
        ssize_t k = process_vm_readv(pid, &local, 1, &remote, 1, 0);

        if (k < 0)
                return -errno;
        return (size_t) k == len ? 0 : -EFAULT;
}

/* A NUL-terminated string of the target's, page by page (a string may end
 * right before an unmapped page). Returns its length. */
static int read_target_string(pid_t pid, uint64_t addr, char *buf, size_t size)
{
        size_t n = 0;

        while (n < size) {
                size_t chunk = 4096 - ((addr + n) & 4095);
                const char *z;
                int r;

                if (chunk > size - n)
                        chunk = size - n;
                if ((r = read_target(pid, addr + n, buf + n, chunk)) < 0)
                        return r == -EFAULT || r == -EIO ? -EFAULT : r;
                if ((z = memchr(buf + n, 0, chunk)))
                        return (int) (z - buf);
                n += chunk;
        }
        return -ENAMETOOLONG;
}

static int parse_octal(const char *s, unsigned long *ret)
{
        unsigned long v = 0;
        if (*s < '0' || *s > '7')
                return -EINVAL;
        for (; *s >= '0' && *s <= '7'; s++)
                v = v * 8 + (unsigned long) (*s - '0');
        *ret = v;
        return 0;
}

/* The octal value after KEY in the small /proc file PATH. */
static int proc_octal(const char *path, const char *key, unsigned long *ret)
{
        static char buf[4096];
        const char *at;
        ssize_t k;
        int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

        if (fd < 0)
                return errno == ENOENT ? -EBADF : -errno;
        k = read(fd, buf, sizeof(buf) - 1);
        close(fd);
        if (k < 0)
                return -errno;
        buf[k] = '\0';
        at = strstr(buf, key);
        if (!at)
                return -EIO;
        at += strlen(key);
        while (*at == ' ' || *at == '\t')
                at++;
        return parse_octal(at, ret);
}

/* The inode number of the socket at the target's descriptor FD. */
static int target_socket(pid_t pid, int fd, unsigned long *ret_ino)
{
        char path[64], link[64];
        unsigned long ino = 0;
        ssize_t k;

        proc_path(path, sizeof(path), pid, "fd", fd);
        k = readlink(path, link, sizeof(link) - 1);
        if (k < 0)
                return errno == ENOENT ? -EBADF : -errno;
        link[k] = '\0';
        if (strncmp(link, "socket:[", 8) != 0)
                return -ENOTSOCK;
        for (const char *c = link + 8; *c >= '0' && *c <= '9'; c++)
                ino = ino * 10 + (unsigned long) (*c - '0');
        *ret_ino = ino;
        return 0;
}

/* --- sock_diag: what kind of unix socket an inode is ------------------------------ */

struct unix_info {
        int type;               /* SOCK_STREAM, SOCK_SEQPACKET, SOCK_DGRAM */
        int state;              /* TCP_CLOSE: neither connected nor listening */
        bool bound;
};

static int diag_fd = -1;

/* -ENOENT: no unix socket has that inode (it is of another family). */
static int unix_lookup(unsigned long ino, struct unix_info *ret)
{
        static union {
                struct nlmsghdr h;
                char buf[8192];
        } reply;
        struct {
                struct nlmsghdr nlh;
                struct unix_diag_req req;
        } msg = {
                .nlh = { .nlmsg_len = sizeof(msg), .nlmsg_type = SOCK_DIAG_BY_FAMILY, .nlmsg_flags = NLM_F_REQUEST },
                .req = { .sdiag_family = AF_UNIX, .udiag_states = ~0U, .udiag_ino = (uint32_t) ino,
                         .udiag_show = UDIAG_SHOW_NAME, .udiag_cookie = { ~0U, ~0U } },
        };
        struct nlmsghdr *h = &reply.h;
        ssize_t k;

        if (diag_fd < 0 && (diag_fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG)) < 0)
                return -errno;
        if (send(diag_fd, &msg, sizeof(msg), MSG_NOSIGNAL) < 0)
                goto broken;
        /* The kernel answers within send(): nothing to wait for. */
        k = recv(diag_fd, reply.buf, sizeof(reply.buf), MSG_DONTWAIT);
        if (k < (ssize_t) sizeof(*h) || !NLMSG_OK(h, (size_t) k))
                goto broken;
        if (h->nlmsg_type == NLMSG_ERROR) {
                const struct nlmsgerr *e = NLMSG_DATA(h);
                return e->error < 0 ? e->error : -EIO;
        }
        if (h->nlmsg_type != SOCK_DIAG_BY_FAMILY || h->nlmsg_len < NLMSG_LENGTH(sizeof(struct unix_diag_msg)))
                goto broken;
        {
                const struct unix_diag_msg *m = NLMSG_DATA(h);
                const char *a = (const char *) m + NLMSG_ALIGN(sizeof(*m)), *end = (const char *) h + h->nlmsg_len;

                *ret = (struct unix_info) { .type = m->udiag_type, .state = m->udiag_state };
                while (a + sizeof(struct nlattr) <= end) {
                        const struct nlattr *at = (const struct nlattr *) a;
                        if (at->nla_len < sizeof(*at) || a + at->nla_len > end)
                                break;
                        if (at->nla_type == UNIX_DIAG_NAME)
                                ret->bound = true;
                        a += NLA_ALIGN(at->nla_len);
                }
        }
        return 0;
broken:
        /* A stale or garbled reply: start over with a new socket next time. */
        close(diag_fd);
        diag_fd = -1;
        return -EIO;
}

/* --- the view ------------------------------------------------------------------------ */

static bool root_match(const struct notify_ctx *ctx, const struct stat *st, bool dir, bool writable)
{
        for (size_t i = 0; i < ctx->n_roots; i++) {
                const struct notify_root *r = &ctx->roots[i];
                if (r->dev == st->st_dev && r->ino == st->st_ino && r->dir == dir && (!writable || r->writable))
                        return true;
        }
        return false;
}

/* The directory holding FD's object (not a directory), reached through no
 * symbolic link, and only if the name there still is that object. */
static int parent_of(int fd, const struct stat *st)
{
        static char path[PATH_MAX + 16];
        char self[64];
        struct open_how how = { .flags = O_PATH | O_DIRECTORY | O_CLOEXEC, .resolve = RESOLVE_NO_SYMLINKS };
        struct stat at;
        char *slash;
        ssize_t k;
        int dir;

        self_fd_path(self, sizeof(self), fd);
        k = readlink(self, path, sizeof(path) - 1);
        if (k <= 0)
                return k < 0 ? -errno : -ENOENT;
        path[k] = '\0';
        if (path[0] != '/' || (k > 10 && strcmp(path + k - 10, " (deleted)") == 0))
                return -ENOENT;
        slash = strrchr(path, '/');
        *slash = '\0';
        dir = (int) syscall(SYS_openat2, AT_FDCWD, slash == path ? "/" : path, &how, sizeof(how));
        if (dir < 0)
                return -errno;
        if (fstatat(dir, slash + 1, &at, AT_SYMLINK_NOFOLLOW) < 0 || at.st_dev != st->st_dev ||
            at.st_ino != st->st_ino) {
                close(dir);
                return -ESTALE;
        }
        return dir;
}

/* 1 when the object FD is in the view (WRITABLE: in a writable place of
 * it): a file a rule names, or beneath a directory a rule names. Rights
 * accumulate down the tree as Landlock's do, so every ancestor counts. */
static int in_view(const struct notify_ctx *ctx, int fd, bool writable)
{
        struct stat st, up_st;
        int cur, up, r = 0;

        if (fstat(fd, &st) < 0)
                return -errno;
        if (S_ISDIR(st.st_mode))
                cur = fcntl(fd, F_DUPFD_CLOEXEC, 3);
        else {
                if (root_match(ctx, &st, false, writable))
                        return 1;
                cur = parent_of(fd, &st);
        }
        if (cur < 0)
                return cur == -EMFILE ? cur : 0;
        for (int depth = 0; depth < 512; depth++) {
                if (fstat(cur, &st) < 0)
                        break;
                if (root_match(ctx, &st, true, writable)) {
                        r = 1;
                        break;
                }
                up = openat(cur, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
                if (up < 0)
                        break;
                if (fstat(up, &up_st) < 0 || (up_st.st_dev == st.st_dev && up_st.st_ino == st.st_ino)) {
                        close(up);
                        break;          /* the root: nothing above */
                }
                close(cur);
                cur = up;
        }
        close(cur);
        return r;
}

/* The target's PATH (a NUL-terminated copy), relative to its DIRFD (or its
 * working directory for AT_FDCWD), as an O_PATH fd. */
static int resolve(pid_t pid, int dirfd, const char *path, bool follow, bool empty_ok)
{
        struct open_how how = { .flags = O_PATH | O_CLOEXEC | (follow ? 0 : O_NOFOLLOW),
                                .resolve = RESOLVE_NO_MAGICLINKS };
        char base_path[64];
        int base, fd;

        if (path[0] == '/')
                base = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
        else {
                if (dirfd == AT_FDCWD)
                        proc_path(base_path, sizeof(base_path), pid, "cwd", -1);
                else
                        proc_path(base_path, sizeof(base_path), pid, "fd", dirfd);
                base = open(base_path, O_PATH | O_CLOEXEC);
                if (base < 0 && errno == ENOENT)
                        return dirfd == AT_FDCWD ? -ENOENT : -EBADF;
        }
        if (base < 0)
                return -errno;
        if (!path[0]) {
                if (empty_ok)
                        return base;
                close(base);
                return -ENOENT;
        }
        fd = (int) syscall(SYS_openat2, base, path, &how, sizeof(how));
        if (fd < 0)
                fd = -errno;
        close(base);
        return fd;
}

int notify_path_in_view(const struct notify_ctx *ctx, pid_t pid, int dirfd, const char *path, bool follow,
                        bool writable)
{
        int fd = resolve(pid, dirfd, path, follow, false), r;

        if (fd < 0)
                return fd;
        r = in_view(ctx, fd, writable);
        close(fd);
        return r;
}

static bool still_valid(int listener, uint64_t id)
{
        return ioctl(listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) == 0;
}

/* Puts SOCK at the target's FD, close-on-exec as FLAGS (the target's old
 * descriptor flags) say. */
static int install(int listener, uint64_t id, int sock, int fd, unsigned long flags)
{
        struct seccomp_notif_addfd add = {
                .id = id, .flags = SECCOMP_ADDFD_FLAG_SETFD, .srcfd = (uint32_t) sock, .newfd = (uint32_t) fd,
                .newfd_flags = (uint32_t) (flags & O_CLOEXEC),
        };

        if (ioctl(listener, SECCOMP_IOCTL_NOTIF_ADDFD, &add) < 0)
                return errno == ENOENT ? GONE : -errno;
        return 0;
}

/* What connect and bind share: the target's socket FD, which must be an
 * unconnected unix socket of a kind init can make anew, and its address. */
struct sock_call {
        int fd;
        unsigned long flags;    /* the descriptor's, from fdinfo */
        struct unix_info info;
        struct sockaddr_un sa;
        socklen_t len;
};

static int sock_call_read(const struct seccomp_notif *req, struct sock_call *c)
{
        unsigned long ino = 0;
        char path[64];
        int r;

        c->fd = (int) req->data.args[0];
        c->len = (socklen_t) req->data.args[2];
        if ((r = target_socket((pid_t) req->pid, c->fd, &ino)) < 0)
                return r;
        proc_path(path, sizeof(path), req->pid, "fdinfo", c->fd);
        if ((r = proc_octal(path, "flags:", &c->flags)) < 0)
                return r;
        r = unix_lookup(ino, &c->info);
        if (r == -ENOENT)
                return -EPERM;          /* another family: network "none" */
        if (r < 0)
                return r;
        /* Datagram sockets cannot be made inside (seccomp); one handed in
         * is not mediated either. */
        if (c->info.type != SOCK_STREAM && c->info.type != SOCK_SEQPACKET)
                return -EPERM;
        if (c->len < sizeof(sa_family_t) || c->len > sizeof(c->sa))
                return -EINVAL;
        memset(&c->sa, 0, sizeof(c->sa));
        if ((r = read_target((pid_t) req->pid, req->data.args[1], &c->sa, c->len)) < 0)
                return r == -EFAULT || r == -EIO ? -EFAULT : r;
        if (c->sa.sun_family != AF_UNIX)
                return -EINVAL;
        /* The landlock mode has no network namespace: an abstract name is
         * the host's, either way. */
        if (c->len > offsetof(struct sockaddr_un, sun_path) && c->sa.sun_path[0] == '\0')
                return -EPERM;
        return 0;
}

static long do_connect(const struct notify_ctx *ctx, const struct seccomp_notif *req, int listener)
{
        struct sock_call c;
        char path[sizeof(c.sa.sun_path) + 1], self[64];
        struct sockaddr_un to = { .sun_family = AF_UNIX };
        struct stat st;
        int target = -1, sock = -1;
        long r;

        if ((r = sock_call_read(req, &c)) < 0)
                return r;
        if (c.info.state == TCP_ESTABLISHED)
                return -EISCONN;
        if (c.info.state != TCP_CLOSE)
                return -EINVAL;
        if (c.len <= offsetof(struct sockaddr_un, sun_path))
                return -EINVAL;
        memcpy(path, c.sa.sun_path, c.len - offsetof(struct sockaddr_un, sun_path));
        path[c.len - offsetof(struct sockaddr_un, sun_path)] = '\0';
        target = resolve((pid_t) req->pid, AT_FDCWD, path, true, false);
        if (target < 0)
                return target;
        if (!still_valid(listener, req->id)) {
                r = GONE;
                goto out;
        }
        if (fstat(target, &st) < 0 || !S_ISSOCK(st.st_mode)) {
                r = -ECONNREFUSED;
                goto out;
        }
        if ((r = in_view(ctx, target, false)) <= 0) {
                r = r < 0 ? r : -EACCES;
                goto out;
        }
        sock = socket(AF_UNIX, c.info.type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (sock < 0) {
                r = -errno;
                goto out;
        }
        /* Named, so that a peer can tell a sandboxed command's connection
         * from one of the user's own, which the same uid in the same user
         * namespace makes: oslbox's supervisors refuse any named peer. */
        if (bind(sock, (struct sockaddr *) &(struct sockaddr_un) { .sun_family = AF_UNIX }, sizeof(sa_family_t)) < 0) {
                r = -errno;
                goto out;
        }
        self_fd_path(self, sizeof(self), target);
        memcpy(to.sun_path, self, strlen(self) + 1);
        if (connect(sock, (struct sockaddr *) &to, sizeof(to)) < 0) {
                r = -errno;     /* EAGAIN: the backlog is full, even for a blocking socket */
                goto out;
        }
        if (!(c.flags & O_NONBLOCK) && fcntl(sock, F_SETFL, 0) < 0) {
                r = -errno;
                goto out;
        }
        r = install(listener, req->id, sock, c.fd, c.flags);
out:
        safe_close(sock);
        safe_close(target);
        return r;
}

/* Binds SOCK to SA in a child that entered the command's Landlock ruleset:
 * Landlock's own make_sock right decides where a socket file may be made. */
static int bind_confined(int ruleset, int cwd, mode_t mask, int sock, const struct sockaddr_un *sa, socklen_t len)
{
        int status;
        pid_t pid;

        /* vfork: a copy of init's page tables would cost more than the bind. */
        pid = vfork();
        if (pid == 0) {
                if (landlock_restrict(ruleset) < 0)
                        _exit(errno & 0xff);
                if (cwd >= 0 && fchdir(cwd) < 0)
                        _exit(errno & 0xff);
                umask(mask);
                _exit(bind(sock, (const struct sockaddr *) sa, len) < 0 ? errno & 0xff : 0);
        }
        if (pid < 0)
                return -errno;
        while (waitpid(pid, &status, __WALL) < 0)
                if (errno != EINTR)
                        return -errno;
        if (!WIFEXITED(status))
                return -EIO;
        return WEXITSTATUS(status) ? -WEXITSTATUS(status) : 0;
}

static long do_bind(const struct notify_ctx *ctx, const struct seccomp_notif *req, int listener)
{
        struct sock_call c;
        unsigned long mask;
        char path[64];
        int cwd = -1, sock = -1;
        long r;

        if ((r = sock_call_read(req, &c)) < 0)
                return r;
        if (c.info.bound || c.info.state != TCP_CLOSE)
                return -EINVAL;
        proc_path(path, sizeof(path), req->pid, "status", -1);
        if ((r = proc_octal(path, "Umask:", &mask)) < 0)
                return r;
        proc_path(path, sizeof(path), req->pid, "cwd", -1);
        cwd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (cwd < 0)
                return -errno;
        if (!still_valid(listener, req->id)) {
                r = GONE;
                goto out;
        }
        sock = socket(AF_UNIX, c.info.type | SOCK_CLOEXEC | (c.flags & O_NONBLOCK ? SOCK_NONBLOCK : 0), 0);
        if (sock < 0) {
                r = -errno;
                goto out;
        }
        if ((r = bind_confined(ctx->ruleset_fd, cwd, (mode_t) (mask & 0777), sock, &c.sa, c.len)) < 0)
                goto out;
        r = install(listener, req->id, sock, c.fd, c.flags);
out:
        safe_close(sock);
        safe_close(cwd);
        return r;
}

static long do_chmod(const struct notify_ctx *ctx, const struct seccomp_notif *req, int listener)
{
        static char path[PATH_MAX];
        const __u64 *a = req->data.args;
        int nr = req->data.nr, dirfd = AT_FDCWD, flags = 0, target = -1;
        uint64_t path_addr = 0;
        mode_t mode;
        char self[64];
        struct stat st;
        long r;

        switch (nr) {
        case SYS_chmod:
                path_addr = a[0], mode = (mode_t) a[1];
                break;
        case SYS_fchmodat2:
                flags = (int) a[3];
                _fallthrough_;
        case SYS_fchmodat:
                dirfd = (int) a[0], path_addr = a[1], mode = (mode_t) a[2];
                break;
        default: /* fchmod */
                dirfd = (int) a[0], mode = (mode_t) a[1];
                break;
        }
        if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
                return -EINVAL;
        if (nr == SYS_fchmod) {
                unsigned long fdflags;
                proc_path(path, sizeof(path), req->pid, "fdinfo", dirfd);
                if ((r = proc_octal(path, "flags:", &fdflags)) < 0)
                        return r;
                if (fdflags & O_PATH)
                        return -EBADF;
                path[0] = '\0';
                target = resolve((pid_t) req->pid, dirfd, path, true, true);
        } else {
                if ((r = read_target_string((pid_t) req->pid, path_addr, path, sizeof(path))) < 0)
                        return r;
                target = resolve((pid_t) req->pid, dirfd, path, !(flags & AT_SYMLINK_NOFOLLOW),
                                 flags & AT_EMPTY_PATH);
        }
        if (target < 0)
                return target;
        if (!still_valid(listener, req->id)) {
                r = GONE;
                goto out;
        }
        if (fstat(target, &st) < 0) {
                r = -errno;
                goto out;
        }
        if (S_ISLNK(st.st_mode)) {
                r = -EOPNOTSUPP;
                goto out;
        }
        if ((r = in_view(ctx, target, true)) <= 0) {
                r = r < 0 ? r : -EACCES;
                goto out;
        }
        self_fd_path(self, sizeof(self), target);
        r = fchmodat(AT_FDCWD, self, mode & 07777, 0) < 0 ? -errno : 0;
out:
        safe_close(target);
        return r;
}

/* log-denials: a call the filter as written refuses (VERDICT). Init gives
 * the filter's own answer and records it; clone3's ENOSYS, which sends libc
 * to clone(2) without the command noticing, is not recorded. */
static long do_denied(const struct notify_ctx *ctx, const struct seccomp_notif *req, int listener,
                      uint32_t verdict)
{
        int err = (int) (verdict & SECCOMP_RET_DATA);

        if (req->data.nr == SYS_clone3 && err == ENOSYS)
                return -err;
        /* The comm read may be another process's if the target died and
         * its pid came back: recorded only while the call still waits. */
        if (still_valid(listener, req->id))
                denials_note_syscall(ctx->denials, (pid_t) req->pid, &req->data, err);
        return -err;
}

int notify_serve(const struct notify_ctx *ctx, int listener)
{
        static struct seccomp_notif_sizes sizes;
        static union {
                struct seccomp_notif n;
                char buf[1024];
        } req;
        static union {
                struct seccomp_notif_resp r;
                char buf[256];
        } resp;
        uint32_t flags = 0;
        long r;

        if (!sizes.seccomp_notif) {
                if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes) < 0)
                        return -errno;
                if (sizes.seccomp_notif > sizeof(req) || sizes.seccomp_notif_resp > sizeof(resp))
                        return -EOVERFLOW;
        }
        memset(&req, 0, sizeof(req));
        if (ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, &req.n) < 0)
                return errno == EINTR || errno == ENOENT ? 0 : -errno;

        if (ctx->denials) {
                uint32_t verdict = denials_verdict(&ctx->verdict, &req.n.data);
                if ((verdict & SECCOMP_RET_ACTION_FULL) == SECCOMP_RET_ERRNO) {
                        r = do_denied(ctx, &req.n, listener, verdict);
                        goto answer;
                }
                /* A path call the policy allows, notified to be looked at:
                 * the kernel decides it, as if init were not there. */
                if (verdict == SECCOMP_RET_ALLOW) {
                        denials_note_path(ctx, (pid_t) req.n.pid, &req.n.data);
                        r = 0;
                        flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
                        goto answer;
                }
                /* Else a notify rule of the landlock mode's own (below), or
                 * a program init cannot run: refused, as below. */
                if ((verdict & SECCOMP_RET_ACTION_FULL) != SECCOMP_RET_USER_NOTIF) {
                        r = -ENOSYS;
                        goto answer;
                }
        }
        switch (req.n.data.nr) {
        case SYS_connect:
                r = ctx->net_none ? do_connect(ctx, &req.n, listener) : -EPERM;
                break;
        case SYS_bind:
                r = ctx->net_none ? do_bind(ctx, &req.n, listener) : -EPERM;
                break;
        case SYS_chmod:
        case SYS_fchmod:
        case SYS_fchmodat:
        case SYS_fchmodat2:
                r = do_chmod(ctx, &req.n, listener);
                break;
        default:
                r = -ENOSYS;
        }
answer:
        if (r == GONE)
                return 0;
        memset(&resp, 0, sizeof(resp));
        resp.r.id = req.n.id;
        resp.r.flags = flags;
        resp.r.val = r >= 0 ? r : 0;
        resp.r.error = r < 0 ? (int) r : 0;
        if (ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &resp.r) < 0 && errno != ENOENT)
                return -errno;
        if (flags & SECCOMP_USER_NOTIF_FLAG_CONTINUE)
                denials_examine();
        return 0;
}
