/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Named sandboxes: where their state lives, the protocol their supervisor
 * speaks, and the scrollback ring. This file and supervisor.c are the only
 * places that know either.
 *
 * Why here and not in the library: the library hands out what an embedder
 * needs to serve a terminal itself (the PTY master, oslbox_proc_fd() for its
 * event loop, oslbox_proc_spawn_in() for more commands); a ring of bytes and
 * a framing are a few dozen lines in whatever loop and transport it has (a
 * WebSocket frames messages already). What is here is the oslbox command's
 * own policy for sessions that outlive it: per-user directories, a unix
 * socket checked with SO_PEERCRED, files that stay after the end. Made an
 * API, it would freeze those choices for every embedder.
 *
 * The state. Per user, in $XDG_RUNTIME_DIR/oslbox, else /run/user/UID/oslbox,
 * else /tmp/oslbox-UID (the library's view hides each of the three from
 * every sandbox, hide_session_state() in src/lib/mount.c: a change here is
 * one there); each must be a directory of the caller's with mode
 * 0700 (checked on the opened fd: nothing else is trusted, so someone who
 * made /tmp/oslbox-UID first gets a refusal, not our sessions). One 0700
 * directory per session, NAME/, holds:
 *
 *   lock    flock()ed by whoever starts the session, then by its supervisor
 *           until it exits: held means running (or starting, or ending)
 *   sock    the supervisor's listening socket (SOCK_SEQPACKET)
 *   info    written at the start: "KEY VALUE" lines, values %-escaped
 *           (pid, sandbox, started, pty, keys, cwd, then one arg line each)
 *   status  written at the end, before the lock is released: "status N"
 *   log     written at the end: the ring, as records of a stream byte (1:
 *           stdout or the PTY, 2: stderr), a 32-bit little-endian length
 *           and the bytes
 *
 * A session whose lock is free and that has no status file lost its
 * supervisor (SIGKILL, a crash): oslbox ps removes it. Every file is opened
 * relative to the directory fds, with O_NOFOLLOW and O_NONBLOCK, and checked
 * with fstat() to be a regular file of the caller's; files are replaced by
 * renaming a new one over them; the socket is reached through
 * /proc/self/fd/N of the directory (or of the socket itself, opened O_PATH),
 * so no path is resolved twice and sun_path's 108 bytes do not limit where
 * the state is.
 *
 * The protocol. A client connects to NAME/sock; the supervisor checks its
 * SO_PEERCRED uid against its own effective uid, root included, and
 * answers anyone else's request with MSG_REFUSED and nothing more (once it
 * read the request: closing a socket with unread data would reset it, and
 * the client would get the reset, not why); the client checks the
 * supervisor's the same way. Both also want the peer in their own user
 * namespace (SO_PEERCRED's pid, pinned by SO_PEERPIDFD): a sandbox always
 * has its own, so one given the state directory (--rw of it) can neither
 * ask a wider sandbox's supervisor to exec for it nor bind a socket in a
 * session's place and be handed a client's stdio or terminal. Each message is one SOCK_SEQPACKET record: a header (struct
 * session_msg: the type and three 32-bit arguments, host order, as both
 * ends are on this host) and a payload of at most 64 KiB; fds travel with
 * SCM_RIGHTS. A client sends one request (REQ_*), then, depending on it,
 * input (IN_*); the supervisor answers as session.h lists. Output reaches
 * clients as MSG_DATA from the ring: each client has a position in it, so a
 * new one gets the scrollback first, a slow one never blocks the sandbox
 * (it skips what the ring no longer holds), and the supervisor keeps no
 * buffer per client. When the sandbox ends, every client gets what is left
 * of the output, then MSG_EXIT with the status.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/pidfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "session.h"

/* --- names and the state directory -------------------------------------- */

int session_name_check(const char *name)
{
        size_t n = strlen(name);

        if (n == 0 || n > SESSION_NAME_MAX || name[0] == '.' || name[0] == '-')
                return -EINVAL;
        for (const char *p = name; *p; p++)
                if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
                      *p == '_' || *p == '.' || *p == '-'))
                        return -EINVAL;
        return 0;
}

/* FD, opened from PATH, is a directory of the caller's, and with STRICT
 * one only the caller may enter. 0, or -EPERM with the message printed. */
static int check_dir(int fd, const char *path, bool strict)
{
        uid_t uid = geteuid();
        struct stat st;

        if (fstat(fd, &st) < 0) {
                fail("cannot examine %s: %s", path, strerror(errno));
                return -EPERM;
        }
        if (!S_ISDIR(st.st_mode)) {
                fail("%s is not a directory", path);
                return -EPERM;
        }
        if (st.st_uid != uid) {
                fail("%s belongs to uid %u, not to you (uid %u): refusing to keep sandboxes there", path,
                     (unsigned) st.st_uid, (unsigned) uid);
                return -EPERM;
        }
        if (strict && (st.st_mode & 077)) {
                fail("%s has mode %04o: others may enter it; refusing to keep sandboxes there (chmod 700 it)",
                     path, (unsigned) (st.st_mode & 07777));
                return -EPERM;
        }
        return 0;
}

/* SUB in the directory BASE (opened from BASE_PATH): made when missing and
 * CREATE, opened through no symbolic link, checked. */
static int open_private_dir(int base, const char *base_path, const char *sub, bool create)
{
        char path[4096];
        bool made = false;
        int fd;

        snprintf(path, sizeof(path), "%s/%s", strcmp(base_path, "/") ? base_path : "", sub);
        if (create) {
                if (mkdirat(base, sub, 0700) == 0)
                        made = true;
                else if (errno != EEXIST) {
                        fail("cannot create %s: %s", path, strerror(errno));
                        return -EPERM;
                }
        }
        /* O_PATH: one we may not enter still opens, and fstat() says whose. */
        fd = openat(base, sub, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0) {
                if (errno == ENOENT && !create)
                        return -ENOENT;
                struct stat st;
                if ((errno == ELOOP || errno == ENOTDIR) && fstatat(base, sub, &st, AT_SYMLINK_NOFOLLOW) == 0)
                        fail(S_ISLNK(st.st_mode) ? "%s is a symbolic link: refusing to follow it"
                                                 : "%s is not a directory", path);
                else
                        fail("cannot open %s: %s", path, strerror(errno));
                return -EPERM;
        }
        /* Our own umask may have taken rights from 0700; only ours: once,
         * through the fd (an O_PATH one: by its /proc name). */
        if (made) {
                char self[64];
                snprintf(self, sizeof(self), "/proc/self/fd/%d", fd);
                if (chmod(self, 0700) < 0) {
                        fail("cannot set the mode of %s: %s", path, strerror(errno));
                        close(fd);
                        return -EPERM;
                }
        }
        if (check_dir(fd, path, true) < 0) {
                close(fd);
                return -EPERM;
        }
        return fd;
}

int state_open(bool create, char **ret_path)
{
        const char *xdg = getenv("XDG_RUNTIME_DIR");
        char base[4096], sub[64] = "oslbox", path[4200];
        uid_t uid = geteuid();
        int bfd, fd;

        if (xdg && xdg[0] == '/') {
                /* The user chose it: the path is followed as given, and it
                 * must be theirs, as the XDG base directory spec requires. */
                snprintf(base, sizeof(base), "%s", xdg);
                bfd = open(base, O_PATH | O_DIRECTORY | O_CLOEXEC);
                if (bfd < 0) {
                        fail("cannot open $XDG_RUNTIME_DIR (%s): %s", base, strerror(errno));
                        return -EPERM;
                }
                if (check_dir(bfd, base, false) < 0) {
                        close(bfd);
                        return -EPERM;
                }
        } else {
                struct stat st;
                snprintf(base, sizeof(base), "/run/user/%u", (unsigned) uid);
                bfd = open(base, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (bfd >= 0 && (fstat(bfd, &st) < 0 || st.st_uid != uid)) {
                        close(bfd);
                        bfd = -1;
                }
                if (bfd < 0) {
                        /* No runtime directory (no login session, as in
                         * cron or a container): one of our own in /tmp. */
                        snprintf(base, sizeof(base), "/tmp");
                        snprintf(sub, sizeof(sub), "oslbox-%u", (unsigned) uid);
                        bfd = open(base, O_PATH | O_DIRECTORY | O_CLOEXEC);
                        if (bfd < 0) {
                                fail("cannot open /tmp: %s", strerror(errno));
                                return -EPERM;
                        }
                }
        }
        fd = open_private_dir(bfd, base, sub, create);
        close(bfd);
        if (fd >= 0 && ret_path) {
                snprintf(path, sizeof(path), "%s/%s", base, sub);
                *ret_path = strdup(path);
                if (!*ret_path) {
                        close(fd);
                        fail("out of memory");
                        return -EPERM;
                }
        }
        return fd;
}

int session_dir_open(int state, const char *name, bool create)
{
        char path[128];

        snprintf(path, sizeof(path), "the state of %s", name);
        return open_private_dir(state, path, name, create);
}

int session_lock(int dir, bool wait)
{
        struct stat st, now;
        int fd;

        for (int tries = 0; tries < 3; tries++) {
                fd = openat(dir, "lock", O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC, 0600);
                if (fd < 0)
                        return -errno;
                if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid()) {
                        close(fd);
                        return -EPERM;
                }
                if (flock(fd, LOCK_EX | (wait ? 0 : LOCK_NB)) < 0) {
                        int r = errno == EWOULDBLOCK ? -EBUSY : -errno;
                        close(fd);
                        return r;
                }
                /* Removed while we waited for it (oslbox rm): the lock of
                 * a file no one else will open is no lock. */
                if (fstatat(dir, "lock", &now, AT_SYMLINK_NOFOLLOW) == 0 && now.st_ino == st.st_ino &&
                    now.st_dev == st.st_dev)
                        return fd;
                close(fd);
        }
        return -EAGAIN;
}

static const char *const session_files[] = {
        "sock", "info", "status", "log", "info.tmp", "status.tmp", "log.tmp",
};

void session_clear(int state, int dir, const char *name, bool all)
{
        /* Best effort: a file that is not there is fine, and a failure
         * leaves only our own files in our own directory. */
        for (size_t i = 0; i < sizeof(session_files) / sizeof(session_files[0]); i++)
                (void) unlinkat(dir, session_files[i], 0);
        if (all) {
                (void) unlinkat(dir, "lock", 0);
                (void) unlinkat(state, name, AT_REMOVEDIR);
        }
}

/* --- files ---------------------------------------------------------------- */

int session_write_file(int dir, const char *name, const void *data, size_t len)
{
        char tmp[64];
        int fd, r;

        snprintf(tmp, sizeof(tmp), "%s.tmp", name);
        (void) unlinkat(dir, tmp, 0);   /* a leftover of a supervisor that died */
        fd = openat(dir, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC, 0600);
        if (fd < 0)
                return -errno;
        r = write_all(fd, data, len);
        if (close(fd) < 0 && r == 0)
                r = -errno;
        if (r == 0 && renameat(dir, tmp, dir, name) < 0)
                r = -errno;
        if (r < 0)
                (void) unlinkat(dir, tmp, 0);
        return r;
}

int session_read_file(int dir, const char *name, size_t max, char **ret_data, size_t *ret_len)
{
        struct stat st;
        char *buf;
        size_t n = 0;
        int fd, r = 0;

        fd = openat(dir, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
            (uint64_t) st.st_size > max) {
                close(fd);
                return -EBADMSG;
        }
        buf = malloc((size_t) st.st_size + 1);
        if (!buf) {
                close(fd);
                return -ENOMEM;
        }
        while (n < (size_t) st.st_size) {
                ssize_t k = read(fd, buf + n, (size_t) st.st_size - n);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k <= 0) {
                        r = k < 0 ? -errno : 0;
                        break;
                }
                n += (size_t) k;
        }
        close(fd);
        if (r < 0) {
                free(buf);
                return r;
        }
        buf[n] = '\0';
        *ret_data = buf;
        if (ret_len)
                *ret_len = n;
        return 0;
}

void session_info_done(struct session_info *info)
{
        free(info->cwd);
        for (size_t i = 0; i < info->argc; i++)
                free(info->argv[i]);
        free(info->argv);
        *info = (struct session_info) { .clients = -1 };
}

struct text {
        char *s;
        size_t n, cap;
        bool oom;
};

static void text_add(struct text *t, const char *s, size_t n)
{
        if (t->oom)
                return;
        if (t->n + n + 1 > t->cap) {
                size_t cap = (t->cap ? t->cap * 2 : 256) + n;
                char *p = realloc(t->s, cap);
                if (!p) {
                        t->oom = true;
                        return;
                }
                t->s = p;
                t->cap = cap;
        }
        memcpy(t->s + t->n, s, n);
        t->n += n;
        t->s[t->n] = '\0';
}

static void __attribute__((format(printf, 2, 3))) text_printf(struct text *t, const char *fmt, ...)
{
        char buf[256];
        va_list ap;
        int n;

        va_start(ap, fmt);
        n = vsnprintf(buf, sizeof(buf), fmt, ap);
        va_end(ap);
        text_add(t, buf, n < 0 ? 0 : (size_t) n < sizeof(buf) ? (size_t) n : sizeof(buf) - 1);
}

/* KEY and VALUE, every byte that is blank, '%', a control character or not
 * ASCII as %XX: one line whatever the value holds. */
static void text_field(struct text *t, const char *key, const char *value)
{
        text_add(t, key, strlen(key));
        text_add(t, " ", 1);
        for (const unsigned char *p = (const unsigned char *) value; *p; p++) {
                if (*p <= ' ' || *p == '%' || *p >= 0x7f) {
                        char hex[4];
                        snprintf(hex, sizeof(hex), "%%%02X", *p);
                        text_add(t, hex, 3);
                } else
                        text_add(t, (const char *) p, 1);
        }
        text_add(t, "\n", 1);
}

char *session_info_format(const struct session_info *info)
{
        struct text t = {};

        text_printf(&t, "pid %ld\nsandbox %ld\nstarted %lld\npty %d\n", (long) info->supervisor_pid,
                    (long) info->sandbox_pid, (long long) info->started_s, info->pty ? 1 : 0);
        text_field(&t, "keys", info->detach_keys);
        text_field(&t, "cwd", info->cwd ? info->cwd : "");
        for (size_t i = 0; i < info->argc; i++)
                text_field(&t, "arg", info->argv[i]);
        if (info->clients >= 0)
                text_printf(&t, "clients %d\n", info->clients);
        if (t.oom) {
                free(t.s);
                return NULL;
        }
        return t.s;
}

static int unhex(int c)
{
        return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10
             : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* The value of a line, %XX decoded, malloc'ed. */
static char *unescape(const char *s, size_t n)
{
        char *out = malloc(n + 1), *o = out;

        if (!out)
                return NULL;
        for (size_t i = 0; i < n; i++) {
                if (s[i] == '%' && i + 2 < n && unhex(s[i + 1]) >= 0 && unhex(s[i + 2]) >= 0) {
                        *o++ = (char) (unhex(s[i + 1]) * 16 + unhex(s[i + 2]));
                        i += 2;
                } else
                        *o++ = s[i];
        }
        *o = '\0';
        return out;
}

static bool parse_long(const char *s, long long *ret)
{
        char *end;
        errno = 0;
        *ret = strtoll(s, &end, 10);
        return errno == 0 && end != s && (*end == '\0' || *end == '\n');
}

int session_info_parse(const char *text, struct session_info *info)
{
        bool have_pid = false, have_started = false;

        *info = (struct session_info) { .clients = -1 };
        for (const char *line = text; *line;) {
                const char *nl = strchr(line, '\n'), *sp;
                size_t len = nl ? (size_t) (nl - line) : strlen(line);
                long long v;

                sp = memchr(line, ' ', len);
                if (sp) {
                        size_t klen = (size_t) (sp - line), vlen = len - klen - 1;
                        const char *val = sp + 1;
                        char *s = NULL;
#define KEY(k) (klen == sizeof(k) - 1 && strncmp(line, k, klen) == 0)
                        if (KEY("pid") && parse_long(val, &v) && v > 0 && v <= INT32_MAX) {
                                info->supervisor_pid = (pid_t) v;
                                have_pid = true;
                        } else if (KEY("sandbox") && parse_long(val, &v) && v >= 0 && v <= INT32_MAX)
                                info->sandbox_pid = (pid_t) v;
                        else if (KEY("started") && parse_long(val, &v)) {
                                info->started_s = v;
                                have_started = true;
                        } else if (KEY("pty") && parse_long(val, &v))
                                info->pty = v != 0;
                        else if (KEY("clients") && parse_long(val, &v) && v >= 0 && v <= INT32_MAX)
                                info->clients = (int) v;
                        else if (KEY("keys") || KEY("cwd") || KEY("arg")) {
                                if (!(s = unescape(val, vlen)))
                                        goto oom;
                                if (KEY("keys")) {
                                        snprintf(info->detach_keys, sizeof(info->detach_keys), "%s", s);
                                        free(s);
                                } else if (KEY("cwd")) {
                                        free(info->cwd);
                                        info->cwd = s;
                                } else {
                                        char **v2 = realloc(info->argv, (info->argc + 2) * sizeof(char *));
                                        if (!v2) {
                                                free(s);
                                                goto oom;
                                        }
                                        info->argv = v2;
                                        info->argv[info->argc++] = s;
                                        info->argv[info->argc] = NULL;
                                }
                        }
#undef KEY
                }
                line += len + (nl ? 1 : 0);
        }
        if (!have_pid || !have_started) {
                session_info_done(info);
                return -EBADMSG;
        }
        return 0;
oom:
        session_info_done(info);
        return -ENOMEM;
}

int session_status_read(int dir, int *ret_status)
{
        char *text = NULL;
        long long v;
        int r;

        r = session_read_file(dir, "status", 4096, &text, NULL);
        if (r < 0)
                return r;
        r = strncmp(text, "status ", 7) == 0 && parse_long(text + 7, &v) && v >= 0 && v <= 255 ? 0 : -EBADMSG;
        if (r == 0)
                *ret_status = (int) v;
        free(text);
        return r;
}

int session_status_write(int dir, int status)
{
        char buf[32];
        int n = snprintf(buf, sizeof(buf), "status %d\n", status);
        return session_write_file(dir, "status", buf, (size_t) n);
}

void session_time_format(int64_t t, char *buf)
{
        time_t tt = (time_t) t;
        struct tm tm;

        if (!gmtime_r(&tt, &tm) || strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
                snprintf(buf, 32, "1970-01-01T00:00:00Z");
}

/* --- the protocol --------------------------------------------------------- */

int session_send(int fd, uint32_t type, uint32_t a, uint32_t b, uint32_t c, const void *payload, size_t len,
                 const int *fds, size_t n_fds)
{
        struct session_msg m = { .type = type, .a = a, .b = b, .c = c };
        struct iovec iov[2] = { { &m, sizeof(m) }, { (void *) payload, len } };
        union {
                char buf[CMSG_SPACE(3 * sizeof(int))];
                struct cmsghdr align;
        } cbuf;
        struct msghdr mh = { .msg_iov = iov, .msg_iovlen = len ? 2 : 1 };

        if (len > SESSION_MSG_MAX || n_fds > 3)
                return -EINVAL;
        if (n_fds) {
                struct cmsghdr *cm;
                memset(&cbuf, 0, sizeof(cbuf));
                mh.msg_control = cbuf.buf;
                mh.msg_controllen = CMSG_SPACE(n_fds * sizeof(int));
                cm = CMSG_FIRSTHDR(&mh);
                cm->cmsg_level = SOL_SOCKET;
                cm->cmsg_type = SCM_RIGHTS;
                cm->cmsg_len = CMSG_LEN(n_fds * sizeof(int));
                memcpy(CMSG_DATA(cm), fds, n_fds * sizeof(int));
        }
        for (;;) {
                if (sendmsg(fd, &mh, MSG_NOSIGNAL) >= 0)
                        return 0;
                if (errno != EINTR)
                        return -errno;
        }
}

ssize_t session_recv(int fd, struct session_msg *m, char *buf, int *fds, size_t *n_fds)
{
        struct iovec iov[2] = { { m, sizeof(*m) }, { buf, SESSION_MSG_MAX } };
        union {
                char buf[CMSG_SPACE(3 * sizeof(int))];
                struct cmsghdr align;
        } cbuf;
        struct msghdr mh = { .msg_iov = iov, .msg_iovlen = 2, .msg_control = cbuf.buf,
                             .msg_controllen = sizeof(cbuf.buf) };
        size_t got_fds = 0;
        bool bad = false;
        ssize_t k;

        if (n_fds)
                *n_fds = 0;
        for (int resets = 0;;) {
                k = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC);
                if (k >= 0 || (errno != EINTR && errno != ECONNRESET))
                        break;
                /* A peer that closed with a message of ours unread resets
                 * the connection, and the kernel reports that before what
                 * it sent us last (its answer): once, then the rest. */
                if (errno == ECONNRESET && resets++ > 0)
                        break;
        }
        if (k < 0)
                return -errno;
        for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
                if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
                        continue;
                size_t n = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
                for (size_t i = 0; i < n; i++) {
                        int f;
                        memcpy(&f, CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
                        if (fds && got_fds < 3)
                                fds[got_fds++] = f;
                        else {
                                close(f);
                                bad = true;
                        }
                }
        }
        if (n_fds)
                *n_fds = got_fds;
        if (k == 0) {
                m->type = 0;
                return 0;
        }
        if (bad || (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) || (size_t) k < sizeof(*m)) {
                for (size_t i = 0; i < got_fds; i++)
                        close(fds[i]);
                if (n_fds)
                        *n_fds = 0;
                return -EBADMSG;
        }
        k -= (ssize_t) sizeof(*m);
        buf[k] = '\0';
        /* A zero-length message still counts: report 1 + nothing is not
         * possible, so callers look at M->type, never at 0 alone. */
        return k;
}

bool session_peer_is_us(int fd, uid_t *ret_uid)
{
        struct ucred cred;
        socklen_t len = sizeof(cred);

        if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 || len != sizeof(cred))
                return false;
        if (ret_uid)
                *ret_uid = cred.uid;
        return cred.uid == geteuid();
}

/* Linux < 6.5 headers (Debian 12's) lack it; the kernel says ENOPROTOOPT. */
#ifndef SO_PEERPIDFD
#define SO_PEERPIDFD 77
#endif

int session_peer_in_our_userns(int fd)
{
        struct ucred cred;
        struct stat mine, theirs;
        socklen_t len = sizeof(cred);
        char path[64];
        int pidfd = -1, r;

        if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 || len != sizeof(cred))
                return -errno;
        if (cred.pid <= 0)
                return 0;       /* outside our pid namespace and those below it: not ours either */
        len = sizeof(pidfd);
        if (getsockopt(fd, SOL_SOCKET, SO_PEERPIDFD, &pidfd, &len) < 0)
                pidfd = -1;     /* Linux < 6.5: the pid alone (see below) */
        snprintf(path, sizeof(path), "/proc/%d/ns/user", (int) cred.pid);
        if (stat("/proc/self/ns/user", &mine) < 0 || stat(path, &theirs) < 0)
                r = -errno;     /* EACCES: a peer that made itself non-dumpable */
        else
                r = mine.st_dev == theirs.st_dev && mine.st_ino == theirs.st_ino;
        /* The pid was the peer's when we looked if the peer still lives
         * now: a pid is not reused before its process is reaped. Without
         * SO_PEERPIDFD a peer that exits at once could leave its pid to
         * another process of the uid SO_PEERCRED checked. */
        if (pidfd >= 0) {
                if (r >= 0 && pidfd_send_signal(pidfd, 0, NULL, 0) < 0)
                        r = -ESRCH;
                close(pidfd);
        }
        return r;
}

bool session_peer_is_mediated(int fd)
{
        struct sockaddr_un sa;
        socklen_t len = sizeof(sa);

        /* Cannot tell: refuse, as for a bound peer. */
        if (getpeername(fd, (struct sockaddr *) &sa, &len) < 0)
                return true;
        return len > offsetof(struct sockaddr_un, sun_path);
}

static int proc_path(struct sockaddr_un *sa, int fd, const char *sub)
{
        int n;
        *sa = (struct sockaddr_un) { .sun_family = AF_UNIX };
        n = snprintf(sa->sun_path, sizeof(sa->sun_path), "/proc/self/fd/%d%s%s", fd, sub ? "/" : "",
                     sub ? sub : "");
        return n > 0 && (size_t) n < sizeof(sa->sun_path) ? 0 : -ENAMETOOLONG;
}

int session_connect(int dir, const char *name)
{
        struct sockaddr_un sa;
        struct stat st;
        uid_t peer;
        int path_fd, fd, r;

        path_fd = openat(dir, "sock", O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (path_fd < 0)
                return errno == ENOENT ? -ENOENT : (fail("cannot open the socket of %s: %s", name, strerror(errno)), -EIO);
        if (fstat(path_fd, &st) < 0 || !S_ISSOCK(st.st_mode) || st.st_uid != geteuid()) {
                close(path_fd);
                fail("the socket of %s is not a socket of yours: refusing it", name);
                return -EPERM;
        }
        fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
        if (fd < 0) {
                r = -errno;
                close(path_fd);
                fail("cannot make a socket: %s", strerror(-r));
                return -EIO;
        }
        (void) proc_path(&sa, path_fd, NULL);
        if (connect(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0) {
                r = -errno;
                close(fd);
                close(path_fd);
                if (r == -ECONNREFUSED || r == -ENOENT)
                        return r;
                fail("cannot connect to %s: %s", name, strerror(-r));
                return r == -EACCES || r == -EPERM ? -EPERM : -EIO;
        }
        close(path_fd);
        if (!session_peer_is_us(fd, &peer)) {
                close(fd);
                fail("the supervisor of %s runs as uid %u, not as you (uid %u): refusing it", name,
                     (unsigned) peer, (unsigned) geteuid());
                return -EPERM;
        }
        /* A socket a sandbox that sees the state directory bound in its
         * place would get our stdio (exec) and our terminal (attach). */
        if ((r = session_peer_in_our_userns(fd)) != 1) {
                close(fd);
                if (r < 0)
                        fail("cannot tell whether the supervisor of %s runs in a sandbox: %s: refusing it", name,
                             strerror(-r));
                else
                        fail("the socket of %s is served from other namespaces than ours (a sandbox's, or we "
                             "run in one): refusing it", name);
                return -EPERM;
        }
        return fd;
}

int session_listen(int dir)
{
        struct sockaddr_un sa;
        int fd;

        (void) unlinkat(dir, "sock", 0);        /* a dead supervisor's */
        fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                return -errno;
        if (proc_path(&sa, dir, "sock") < 0 || bind(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0 ||
            listen(fd, 128) < 0) {
                int r = -errno;
                close(fd);
                return r;
        }
        return fd;
}

/* --- the ring ------------------------------------------------------------- */

int ring_init(struct ring *r, bool two_streams)
{
        /* malloc() maps a block this size on its own: a page costs memory
         * only once the sandbox's output reaches it. */
        *r = (struct ring) { .buf = malloc(SESSION_RING_BYTES) };
        if (!r->buf)
                return -ENOMEM;
        if (two_streams && !(r->err_bits = calloc(SESSION_RING_BYTES / 8, 1))) {
                free(r->buf);
                r->buf = NULL;
                return -ENOMEM;
        }
        return 0;
}

void ring_done(struct ring *r)
{
        free(r->buf);
        free(r->err_bits);
        *r = (struct ring) {};
}

uint64_t ring_start(const struct ring *r)
{
        return r->head > SESSION_RING_BYTES ? r->head - SESSION_RING_BYTES : 0;
}

static bool ring_is_err(const struct ring *r, uint64_t pos)
{
        size_t i = (size_t) (pos % SESSION_RING_BYTES);
        return r->err_bits && (r->err_bits[i / 8] >> (i % 8)) & 1;
}

void ring_write(struct ring *r, int stream, const char *data, size_t len)
{
        if (len > SESSION_RING_BYTES) {
                r->head += len - SESSION_RING_BYTES;
                data += len - SESSION_RING_BYTES;
                len = SESSION_RING_BYTES;
        }
        while (len > 0) {
                size_t at = (size_t) (r->head % SESSION_RING_BYTES), n = SESSION_RING_BYTES - at;
                if (n > len)
                        n = len;
                memcpy(r->buf + at, data, n);
                if (r->err_bits)
                        for (size_t i = at; i < at + n; i++) {
                                if (stream == 2)
                                        r->err_bits[i / 8] |= (uint8_t) (1u << (i % 8));
                                else
                                        r->err_bits[i / 8] &= (uint8_t) ~(1u << (i % 8));
                        }
                r->head += n;
                data += n;
                len -= n;
        }
}

size_t ring_read(const struct ring *r, uint64_t *pos, int *stream, char *out, size_t max)
{
        size_t at, n;
        bool err;

        if (*pos < ring_start(r))
                *pos = ring_start(r);
        if (*pos >= r->head || max == 0)
                return 0;
        at = (size_t) (*pos % SESSION_RING_BYTES);
        n = (size_t) (r->head - *pos);
        if (n > max)
                n = max;
        if (n > SESSION_RING_BYTES - at)
                n = SESSION_RING_BYTES - at;
        err = ring_is_err(r, *pos);
        if (r->err_bits)
                for (size_t i = 1; i < n; i++)
                        if (ring_is_err(r, *pos + i) != err) {
                                n = i;
                                break;
                        }
        memcpy(out, r->buf + at, n);
        *stream = err ? 2 : 1;
        *pos += n;
        return n;
}

int ring_save(const struct ring *r, int dir)
{
        char *chunk = malloc(SESSION_DATA_MAX + 5);
        uint64_t pos = 0;
        size_t n;
        int stream, fd, ret = 0;

        if (!chunk)
                return -ENOMEM;
        (void) unlinkat(dir, "log.tmp", 0);
        fd = openat(dir, "log.tmp", O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC, 0600);
        if (fd < 0) {
                free(chunk);
                return -errno;
        }
        while (ret == 0 && (n = ring_read(r, &pos, &stream, chunk + 5, SESSION_DATA_MAX)) > 0) {
                chunk[0] = (char) stream;
                for (int i = 0; i < 4; i++)
                        chunk[1 + i] = (char) ((n >> (8 * i)) & 0xff);
                ret = write_all(fd, chunk, n + 5);
        }
        free(chunk);
        if (close(fd) < 0 && ret == 0)
                ret = -errno;
        if (ret == 0 && renameat(dir, "log.tmp", dir, "log") < 0)
                ret = -errno;
        if (ret < 0)
                (void) unlinkat(dir, "log.tmp", 0);
        return ret;
}

/* --- detach keys ---------------------------------------------------------- */

int detach_keys_parse(const char *spec, unsigned char *keys, size_t *ret_n)
{
        size_t n = 0;

        if (!*spec)
                return -EINVAL;
        for (const char *p = spec; *p;) {
                size_t k = strcspn(p, ",");
                int key;

                if (n == SESSION_DETACH_KEYS_MAX)
                        return -EINVAL;
                if (k == 1 && p[0] > ' ' && p[0] < 0x7f)
                        key = (unsigned char) p[0];
                else if (k == 3 && strncmp(p, "DEL", 3) == 0)
                        key = 0x7f;
                else if (k == 6 && strncasecmp(p, "ctrl-", 5) == 0 &&
                         ((p[5] >= 'a' && p[5] <= 'z') || (p[5] >= 'A' && p[5] <= 'Z') || strchr("@[\\]^_", p[5])))
                        key = (p[5] >= 'a' && p[5] <= 'z' ? p[5] - 'a' + 'A' : p[5]) & 0x1f;
                else
                        return -EINVAL;
                keys[n++] = (unsigned char) key;
                p += k;
                if (*p == ',' && !*++p)
                        return -EINVAL;
        }
        *ret_n = n;
        return 0;
}

/* --- what the client commands share --------------------------------------- */

int cli_duration(const char *v, uint64_t *ret_ms)
{
        struct oslbox_policy *pol = NULL;
        char *shown = NULL, *end;
        unsigned long long n;
        int r;

        /* The library's own parser, through a directive that takes one. */
        if (oslbox_policy_new(&pol) < 0)
                return -ENOMEM;
        r = oslbox_policy_set(pol, "kill-after", v);
        if (r < 0) {
                fail("%s", oslbox_policy_error(pol));
                oslbox_policy_free(pol);
                return -EINVAL;
        }
        r = oslbox_policy_get(pol, "kill-after", &shown);
        oslbox_policy_free(pol);
        if (r < 0 || !shown)
                return -ENOMEM;
        errno = 0;
        n = strtoull(shown, &end, 10);
        r = errno ? -ERANGE : 0;
        if (strcmp(end, "ms") == 0)
                *ret_ms = n;
        else if (strcmp(end, "s") == 0)
                *ret_ms = n * 1000ULL;
        else if (strcmp(end, "m") == 0)
                *ret_ms = n * 60000ULL;
        else if (strcmp(end, "h") == 0)
                *ret_ms = n * 3600000ULL;
        else
                r = -EINVAL;
        free(shown);
        return r;
}

int session_find(const char *name, struct session_ref *ref)
{
        int r, status;

        *ref = (struct session_ref) { .state = -1, .dir = -1, .conn = -1 };
        if (session_name_check(name) < 0)
                return fail("invalid sandbox name '%s' (1 to 64 letters, digits, '_', '.' and '-', not "
                            "starting with '.' or '-')", name);
        ref->state = state_open(false, &ref->state_path);
        if (ref->state == -ENOENT)
                return fail("no sandbox named %s", name);
        if (ref->state < 0)
                return EXIT_OSLBOX;
        ref->dir = session_dir_open(ref->state, name, false);
        if (ref->dir == -ENOENT)
                return fail("no sandbox named %s", name);
        if (ref->dir < 0)
                return EXIT_OSLBOX;
        r = session_connect(ref->dir, name);
        if (r >= 0) {
                ref->conn = r;
                return 0;
        }
        if (r != -ENOENT && r != -ECONNREFUSED)
                return EXIT_OSLBOX;
        if (session_status_read(ref->dir, &status) == 0)
                return 0;       /* ended */
        r = session_lock(ref->dir, false);
        if (r == -EBUSY)
                return fail("%s is starting or ending; try again", name);
        if (r >= 0) {
                session_clear(ref->state, ref->dir, name, true);
                close(r);
                return fail("no sandbox named %s (its supervisor had died; its state is removed now)", name);
        }
        return fail("no sandbox named %s", name);
}

void session_ref_done(struct session_ref *ref)
{
        if (ref->conn >= 0)
                close(ref->conn);
        if (ref->dir >= 0)
                close(ref->dir);
        if (ref->state >= 0)
                close(ref->state);
        free(ref->state_path);
        *ref = (struct session_ref) { .state = -1, .dir = -1, .conn = -1 };
}

int session_wait_status(struct session_ref *ref, const char *name, bool output, int *ret_status)
{
        static char buf[SESSION_MSG_MAX + 1];
        struct session_msg m;

        while (ref->conn >= 0) {
                ssize_t k = session_recv(ref->conn, &m, buf, NULL, NULL);
                if (k < 0 && k != -EBADMSG)
                        break;          /* ECONNRESET: it closed with our request unread */
                if (k < 0)
                        return fail("a malformed message from the supervisor of %s", name);
                if (m.type == 0)
                        break;
                if (m.type == MSG_EXIT) {
                        *ret_status = (int) m.a;
                        return 0;
                }
                if (m.type == MSG_REFUSED)
                        return fail("%s", buf);
                if (m.type == MSG_DATA && output)
                        (void) write_all(m.a == 2 ? STDERR_FILENO : STDOUT_FILENO, buf, (size_t) k);
        }
        /* The supervisor went before telling us: it wrote the status first
         * if the sandbox ended. */
        if (session_status_read(ref->dir, ret_status) == 0)
                return 0;
        return fail("lost the connection to the supervisor of %s (did it die?)", name);
}

int session_wait_exit(struct session_ref *ref, const char *name, bool output)
{
        int status, r = session_wait_status(ref, name, output, &status);
        return r ? r : status;
}

bool session_help(const char *command, FILE *f)
{
        static const struct {
                const char *name;
                void (*fn)(FILE *f);
        } helps[] = {
                { "attach", help_attach }, { "exec", help_exec }, { "logs", help_logs }, { "ps", help_ps },
                { "stop", help_stop }, { "wait", help_wait }, { "rm", help_rm },
        };
        for (size_t i = 0; i < sizeof(helps) / sizeof(helps[0]); i++)
                if (strcmp(command, helps[i].name) == 0) {
                        helps[i].fn(f);
                        return true;
                }
        return false;
}
