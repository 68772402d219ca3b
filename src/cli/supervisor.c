/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The supervisor of a named sandbox: `oslbox run --name NAME` forks it, it
 * starts the sandbox and holds it (the oslbox_proc object) until the sandbox
 * ends, serving the clients of session.c's protocol meanwhile: attach, logs,
 * exec, ps, stop and wait.
 *
 * It has no terminal (setsid()), ignores SIGHUP, and keeps none of the
 * caller's fds: its stdio is /dev/null, everything else it inherited is
 * closed before the sandbox starts, and its working directory is / once it
 * has. The sandbox's output goes to the ring: a PTY, or pipes for stdout and
 * stderr (stdin is /dev/null). If the supervisor dies, SIGKILL included, its
 * sandbox dies with it (the library's guarantee: init sees end-of-file on
 * its control socket), and what it leaves in the state directory is a
 * session without a status file whose lock no one holds, which oslbox ps
 * removes.
 *
 * One thread, one poll() loop over: a signalfd, the sandbox's event fd, the
 * output, the listening socket, each client, and the event fd of each
 * command exec started. It never blocks on a client: clients are
 * nonblocking, output reaches them from the ring at their own pace, input
 * waits in one buffer, and while that buffer is full no client is read.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "session.h"

#define END_FLUSH_MS 5000       /* what slow clients get to read the end */
#define INPUT_MAX 65536         /* typed input waiting for the PTY */
#define IDLE_DROP_MS 1000       /* idle this long, the pages it ran with go */

struct client {
        int fd;
        uint32_t kind;          /* its request; 0 before it came */
        unsigned flags;         /* ATTACH_* or LOGS_* */
        bool live;              /* gets the output as it comes */
        bool to_end;            /* REQ_LOGS: gets the output up to END, then MSG_END */
        uint64_t pos, end;      /* in the ring */
        bool blocked;           /* its socket was full: wait for POLLOUT */
        bool wants_exit;        /* gets MSG_EXIT when the sandbox ends */
        bool dead;
        enum { PEER_US, PEER_OTHER_UID, PEER_SANDBOXED, PEER_MEDIATED } peer; /* not us: refused at its first message */
        uid_t uid;
        int peer_err;           /* PEER_SANDBOXED: why it could not be told, or 0 */
        /* exec: the command it started */
        struct oslbox_proc *proc;
        int proc_fd;
};

static struct sup {
        const char *name;
        int state, dir, lock, listen_fd, sigfd;
        struct oslbox_proc *proc;
        int evfd, pidfd;
        bool pty;
        int master;             /* the PTY, or -1 */
        bool master_done;       /* read EIO: no slave is open */
        int out[3];             /* the read ends of stdout (1) and stderr (2), or -1 */
        struct ring ring;
        struct client **clients;
        size_t n_clients;
        char in_buf[INPUT_MAX];
        size_t in_len;
        char keys[64];
        char *cwd;
        bool stopping;          /* a graceful stop with our own grace */
        bool killed;            /* ... whose grace is over */
        uint64_t kill_at_ns;
        bool ended;
        int status;
        uint64_t end_deadline_ns;
        struct session_info info;
} S = { .state = -1, .dir = -1, .lock = -1, .listen_fd = -1, .sigfd = -1, .evfd = -1, .pidfd = -1,
        .master = -1, .out = { -1, -1, -1 } };

static char msg_buf[SESSION_MSG_MAX + 1];

static uint64_t mono_ns(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000000ULL + (uint64_t) ts.tv_nsec;
}

/* --- clients ------------------------------------------------------------- */

static struct client *client_add(int fd)
{
        struct client **v = realloc(S.clients, (S.n_clients + 1) * sizeof(*v));
        struct client *c = calloc(1, sizeof(*c));

        if (!v || !c) {
                free(c);
                if (v)
                        S.clients = v;
                close(fd);
                return NULL;
        }
        S.clients = v;
        *c = (struct client) { .fd = fd, .proc_fd = -1 };
        S.clients[S.n_clients++] = c;
        return c;
}

static void client_drop(struct client *c)
{
        if (c->dead)
                return;
        c->dead = true;
        close(c->fd);
        if (c->proc) {
                /* Its client is gone, so is the command: its process group
                 * is killed, what it left in the background stays in the
                 * sandbox, as in a shell. */
                (void) oslbox_proc_kill(c->proc, OSLBOX_KILL_NOW);
                oslbox_proc_free(c->proc);
                c->proc = NULL;
        }
}

static void clients_compact(void)
{
        size_t j = 0;
        for (size_t i = 0; i < S.n_clients; i++) {
                if (S.clients[i]->dead)
                        free(S.clients[i]);
                else
                        S.clients[j++] = S.clients[i];
        }
        S.n_clients = j;
}

static int attached_clients(void)
{
        int n = 0;
        for (size_t i = 0; i < S.n_clients; i++)
                n += !S.clients[i]->dead && S.clients[i]->kind == REQ_ATTACH;
        return n;
}

/* Sends what C has not seen of the ring; false when it went away. */
static bool client_flush(struct client *c)
{
        static char chunk[SESSION_DATA_MAX];

        c->blocked = false;
        while (c->live || c->to_end) {
                uint64_t pos = c->pos;
                int stream, r;
                size_t n = ring_read(&S.ring, &pos, &stream, chunk,
                                     c->to_end && c->end - c->pos < sizeof(chunk) ? (size_t) (c->end - c->pos)
                                                                                  : sizeof(chunk));
                if (c->to_end && n == 0) {
                        /* Everything up to the request: the end of it. */
                        if (session_send(c->fd, MSG_END, 0, 0, 0, NULL, 0, NULL, 0) == -EAGAIN) {
                                c->blocked = true;
                                return true;
                        }
                        client_drop(c);
                        return false;
                }
                if (n == 0)
                        return true;
                r = session_send(c->fd, MSG_DATA, (uint32_t) stream, 0, 0, chunk, n, NULL, 0);
                if (r == -EAGAIN) {
                        c->blocked = true;
                        return true;
                }
                if (r < 0) {
                        client_drop(c);
                        return false;
                }
                c->pos = pos;
        }
        return true;
}

static void flush_all(void)
{
        for (size_t i = 0; i < S.n_clients; i++)
                if (!S.clients[i]->dead && !S.clients[i]->blocked)
                        client_flush(S.clients[i]);
}

static void refuse(struct client *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void refuse(struct client *c, const char *fmt, ...)
{
        char text[512];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(text, sizeof(text), fmt, ap);
        va_end(ap);
        (void) session_send(c->fd, MSG_REFUSED, 0, 0, 0, text, strlen(text), NULL, 0); /* it may be gone */
        client_drop(c);
}

/* --- the output ---------------------------------------------------------- */

/* Reads what is waiting on FD into the ring; -1 at its end. */
static int read_output(int fd, int stream)
{
        static char buf[65536];

        for (;;) {
                ssize_t k = read(fd, buf, sizeof(buf));
                if (k > 0) {
                        ring_write(&S.ring, stream, buf, (size_t) k);
                        continue;
                }
                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0 && errno == EAGAIN)
                        return 0;
                return -1;      /* 0: end of the pipe; EIO: no slave open */
        }
}

static void drain_output(void)
{
        if (S.master >= 0 && !S.master_done && read_output(S.master, 1) < 0)
                S.master_done = true;
        for (int i = 1; i <= 2; i++)
                if (S.out[i] >= 0 && read_output(S.out[i], i) < 0)
                        S.out[i] = (close(S.out[i]), -1);
}

static void write_input(void)
{
        while (S.in_len > 0 && S.master >= 0) {
                ssize_t k = write(S.master, S.in_buf, S.in_len);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0) {
                        if (errno != EAGAIN)
                                S.in_len = 0;   /* no one reads the terminal any more */
                        return;
                }
                memmove(S.in_buf, S.in_buf + k, S.in_len - (size_t) k);
                S.in_len -= (size_t) k;
        }
}

/* --- requests ------------------------------------------------------------- */

static void send_info(struct client *c)
{
        char *text;

        S.info.clients = attached_clients();
        text = session_info_format(&S.info);
        S.info.clients = -1;
        if (text && strlen(text) <= SESSION_MSG_MAX)
                (void) session_send(c->fd, MSG_INFO, 0, 0, 0, text, strlen(text), NULL, 0); /* it may be gone */
        free(text);
        client_drop(c);
}

static void start_stop(uint64_t kill_after_ms, bool policy_grace)
{
        if (S.ended)
                return;
        if (!policy_grace && kill_after_ms == 0) {
                (void) oslbox_proc_kill(S.proc, OSLBOX_KILL_NOW);       /* it may be ending */
                return;
        }
        if (!S.stopping && !S.killed)
                (void) oslbox_proc_kill(S.proc, OSLBOX_KILL_GRACEFUL);
        if (policy_grace)
                return;         /* the library's timer sends SIGKILL */
        /* Our own grace: wait on the pidfd alone, so that the library's
         * (the policy's kill-after) does not cut it short. */
        if (!S.stopping || mono_ns() + kill_after_ms * 1000000ULL < S.kill_at_ns)
                S.kill_at_ns = mono_ns() + kill_after_ms * 1000000ULL;
        S.stopping = true;
}

extern char **environ;

/* exec: the strings of the request, checked, then the command. */
static void start_exec(struct client *c, const char *payload, size_t len, int *fds, size_t n_fds)
{
        struct exec_req req;
        struct oslbox_spawn_attr attr = { .size = sizeof(attr) };
        const char *strs[4096 + 4];
        char **argv = NULL, **env = NULL, **set = NULL, *cwd = NULL, **saved = environ;
        size_t n = 0, total;
        int master = -1, r, status;

        if (S.ended || S.stopping) {
                char text[128];
                snprintf(text, sizeof(text), "%s is ending", S.name);
                (void) session_send(c->fd, MSG_FAILED, EXIT_OSLBOX, 0, 0, text, strlen(text), NULL, 0);
                client_drop(c);
                goto out;
        }
        if (len < sizeof(req))
                goto bad;
        memcpy(&req, payload, sizeof(req));
        total = 1 + (size_t) req.argc + req.envc + req.setc;
        if (req.argc == 0 || total > sizeof(strs) / sizeof(strs[0]) ||
            (!(req.flags & EXEC_PTY) && n_fds != 3) || payload[len - 1] != '\0')
                goto bad;
        for (const char *p = payload + sizeof(req); p < payload + len && n < total; p += strlen(p) + 1)
                strs[n++] = p;
        if (n != total)
                goto bad;
        argv = calloc(req.argc + 1, sizeof(char *));
        env = calloc(req.envc + 1, sizeof(char *));
        set = calloc(req.setc + 1, sizeof(char *));
        if (!argv || !env || !set)
                goto oom;
        memcpy(argv, strs + 1, req.argc * sizeof(char *));
        memcpy(env, strs + 1 + req.argc, req.envc * sizeof(char *));
        memcpy(set, strs + 1 + req.argc + req.envc, req.setc * sizeof(char *));
        if (strs[0][0] == '/')
                cwd = strdup(strs[0]);
        else if (strs[0][0]) {
                size_t k = strlen(S.cwd) + strlen(strs[0]) + 2;
                if ((cwd = malloc(k)))
                        snprintf(cwd, k, "%s/%s", S.cwd, strs[0]);
        }
        if (strs[0][0] && !cwd)
                goto oom;

        if (req.flags & EXEC_PTY) {
                for (int i = 0; i < 3; i++)
                        attr.stdio[i].kind = OSLBOX_STDIO_PTY;
                attr.pty_rows = req.rows;
                attr.pty_cols = req.cols;
        } else
                for (int i = 0; i < 3; i++)
                        attr.stdio[i] = (struct oslbox_stdio) { .kind = OSLBOX_STDIO_FD, .fd = fds[i] };
        attr.cwd = cwd;
        attr.env_extra = set;
        attr.timeout_ms = req.timeout_ms;
        if ((r = oslbox_proc_new(&c->proc)) < 0)
                goto oom;
        /* The environment is the exec caller's, through the session
         * policy's allowlist as the first command's was: the library reads
         * it from environ when ATTR has none. One thread: nothing else looks
         * at environ meanwhile. */
        environ = env;
        r = oslbox_proc_spawn_in(c->proc, S.proc, (const char *const *) argv, &attr);
        environ = saved;
        for (size_t i = 0; i < n_fds; i++)
                close(fds[i]);
        n_fds = 0;
        if (r < 0) {
                const char *msg = oslbox_proc_error(c->proc);
                status = !oslbox_proc_exec_failed(c->proc) ? EXIT_OSLBOX
                       : r == -ENOENT ? EXIT_NOT_FOUND : EXIT_CANNOT_EXEC;
                (void) session_send(c->fd, MSG_FAILED, (uint32_t) status, 0, 0, msg, strlen(msg), NULL, 0);
                oslbox_proc_free(c->proc);
                c->proc = NULL;
                client_drop(c);
                goto out;
        }
        master = (req.flags & EXEC_PTY) ? oslbox_proc_take_pty(c->proc) : -1;
        c->proc_fd = oslbox_proc_fd(c->proc);
        if (c->proc_fd < 0 ||
            session_send(c->fd, MSG_STARTED, (uint32_t) oslbox_proc_pid(c->proc), 0, 0, NULL, 0, &master,
                         master >= 0 ? 1 : 0) < 0)
                client_drop(c);         /* kills the command */
        if (master >= 0)
                close(master);
        goto out;
oom:
        refuse(c, "out of memory");
        goto out;
bad:
        refuse(c, "a malformed exec request");
out:
        for (size_t i = 0; i < n_fds; i++)
                close(fds[i]);
        free(argv);
        free(env);
        free(set);
        free(cwd);
}

static void exec_ended(struct client *c)
{
        struct oslbox_result res = { .size = sizeof(res) };
        int r = oslbox_proc_wait(c->proc, 0, &res);

        if (r == -ETIMEDOUT)
                return;
        (void) session_send(c->fd, MSG_EXIT, (uint32_t) (r == 0 ? status_of(&res) : EXIT_OSLBOX), 0, 0, NULL, 0,
                            NULL, 0);
        oslbox_proc_free(c->proc);
        c->proc = NULL;
        client_drop(c);
}

static void request(struct client *c, const struct session_msg *m, size_t len, int *fds, size_t n_fds)
{
        switch (m->type) {
        case REQ_INFO:
                send_info(c);
                return;
        case REQ_ATTACH:
                c->flags = m->c;
                c->live = c->wants_exit = true;
                if (S.pty && S.master >= 0) {
                        struct winsize ws = { .ws_row = (unsigned short) m->a, .ws_col = (unsigned short) m->b };
                        if (ws.ws_row && ws.ws_col)
                                (void) ioctl(S.master, TIOCSWINSZ, &ws); /* the kernel sends SIGWINCH inside */
                        if (c->flags & ATTACH_NOECHO) {
                                struct termios t;
                                if (tcgetattr(S.master, &t) == 0) {
                                        t.c_lflag &= ~(tcflag_t) ECHO;
                                        (void) tcsetattr(S.master, TCSANOW, &t);
                                }
                        }
                }
                if (session_send(c->fd, MSG_ATTACHED, S.pty, 0, 0, S.keys, strlen(S.keys), NULL, 0) < 0) {
                        client_drop(c);
                        return;
                }
                c->pos = ring_start(&S.ring);   /* the scrollback first */
                client_flush(c);
                return;
        case REQ_LOGS:
                c->pos = ring_start(&S.ring);
                if (m->c & LOGS_FOLLOW)
                        c->live = c->wants_exit = true;
                else {
                        c->to_end = true;
                        c->end = S.ring.head;
                }
                client_flush(c);
                return;
        case REQ_WAIT:
                c->wants_exit = true;
                return;
        case REQ_STOP:
                c->wants_exit = true;
                if (m->a == UINT32_MAX && m->b == UINT32_MAX)
                        start_stop(0, true);
                else
                        start_stop(((uint64_t) m->a << 32) | m->b, false);
                return;
        case REQ_EXEC:
                start_exec(c, msg_buf, len, fds, n_fds);
                return;
        }
        for (size_t i = 0; i < n_fds; i++)
                close(fds[i]);
        refuse(c, "unknown request %u", m->type);
}

static void client_input(struct client *c)
{
        struct session_msg m;
        int fds[3];
        size_t n_fds = 0;
        ssize_t k = session_recv(c->fd, &m, msg_buf, fds, &n_fds);

        if (k == -EAGAIN)
                return;
        if (k < 0 || m.type == 0) {
                client_drop(c);
                return;
        }
        if (c->peer != PEER_US) {
                /* Its request read first: a reset would hide the answer. */
                for (size_t i = 0; i < n_fds; i++)
                        close(fds[i]);
                if (c->peer == PEER_OTHER_UID)
                        refuse(c, "%s belongs to uid %u: uid %u may not list, attach to, exec into or stop it",
                               S.name, (unsigned) geteuid(), (unsigned) c->uid);
                else if (c->peer == PEER_MEDIATED)
                        refuse(c, "%s answers only processes outside every sandbox: this connection was made for "
                               "a sandboxed command (by the init of a sandbox of the landlock isolation mode)",
                               S.name);
                else if (c->peer_err)
                        refuse(c, "%s answers only processes outside every sandbox, and whether this one is "
                               "cannot be told: %s", S.name, strerror(c->peer_err));
                else
                        refuse(c, "%s answers only processes outside every sandbox: this connection comes "
                               "from other namespaces (a sandbox's)", S.name);
                return;
        }
        if (c->kind == 0) {
                c->kind = m.type;
                request(c, &m, (size_t) k, fds, n_fds);
                return;
        }
        for (size_t i = 0; i < n_fds; i++)
                close(fds[i]);
        switch (m.type) {
        case IN_DATA:
                if (c->kind == REQ_ATTACH && (c->flags & ATTACH_INPUT) && S.master >= 0 && !S.ended) {
                        size_t n = (size_t) k;
                        if (n > sizeof(S.in_buf) - S.in_len)
                                n = sizeof(S.in_buf) - S.in_len;        /* not read while full: rare */
                        memcpy(S.in_buf + S.in_len, msg_buf, n);
                        S.in_len += n;
                        write_input();
                }
                break;
        case IN_RESIZE:
                if (c->kind == REQ_ATTACH && S.master >= 0 && m.a && m.b) {
                        struct winsize ws = { .ws_row = (unsigned short) m.a, .ws_col = (unsigned short) m.b };
                        (void) ioctl(S.master, TIOCSWINSZ, &ws);
                }
                break;
        case IN_SIGNAL:
                if (m.a == 0 || m.a >= NSIG)
                        break;
                if (c->proc)
                        (void) oslbox_proc_signal(c->proc, (int) m.a);  /* it may have ended */
                else if (c->kind == REQ_ATTACH && (c->flags & ATTACH_RUN) && !S.ended)
                        (void) oslbox_proc_signal(S.proc, (int) m.a);
                break;
        default:
                refuse(c, "unexpected message %u", m.type);
        }
}

static void accept_clients(void)
{
        for (;;) {
                int fd = accept4(S.listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
                struct client *c;
                uid_t uid = 0;
                int r;

                if (fd < 0)
                        return;         /* EAGAIN, or a connection that went: the next poll says */
                c = client_add(fd);
                if (!c)
                        continue;
                if (!session_peer_is_us(fd, &uid)) {
                        c->peer = PEER_OTHER_UID;
                        c->uid = uid;
                } else if (session_peer_is_mediated(fd)) {
                        /* The landlock mode has no user namespace: its
                         * commands' connections are its init's, which
                         * names them (see session_peer_is_mediated). */
                        c->peer = PEER_MEDIATED;
                } else if ((r = session_peer_in_our_userns(fd)) != 1) {
                        /* A sandbox that sees the state directory (--rw of
                         * it) must not reach another, wider sandbox of the
                         * user, nor stop or read its own. */
                        c->peer = PEER_SANDBOXED;
                        c->peer_err = r < 0 ? -r : 0;
                }
        }
}

/* --- the end ------------------------------------------------------------- */

static void sandbox_ended(const struct oslbox_result *res)
{
        S.ended = true;
        S.status = status_of(res);
        drain_output();
        /* The files first: from now on a client that finds no socket
         * reads them. */
        /* Best effort: without them, ps takes the session for one whose
         * supervisor died, and removes it. */
        (void) ring_save(&S.ring, S.dir);
        (void) session_status_write(S.dir, S.status);
        (void) unlinkat(S.dir, "sock", 0);
        close(S.listen_fd);
        S.listen_fd = -1;
        S.end_deadline_ns = mono_ns() + END_FLUSH_MS * 1000000ULL;
}

/* After the end: clients that have all their output get MSG_EXIT. */
static void send_exits(void)
{
        for (size_t i = 0; i < S.n_clients; i++) {
                struct client *c = S.clients[i];
                /* Those still to send their request (oslbox run's own,
                         * after a command that ended at once) get it served. */
                if (c->dead || c->proc || c->blocked || c->to_end || c->kind == 0)
                        continue;
                if (c->live && c->pos < S.ring.head)
                        continue;
                (void) session_send(c->fd, MSG_EXIT, (uint32_t) S.status, 0, 0, NULL, 0, NULL, 0);
                client_drop(c);
        }
}

/* --- the loop ------------------------------------------------------------ */

static _Noreturn void supervise_loop(void)
{
        struct pollfd *pfd = NULL;
        struct client **who = NULL;     /* the client of each pollfd, or NULL */
        size_t cap = 0;
        bool busy = true;               /* code ran since the pages were last dropped */

        for (;;) {
                size_t n = 0, need = 8 + 2 * S.n_clients;
                int timeout = -1, ev_i = -1, sig_i, listen_i = -1, master_i = -1, out_i[3] = { -1, -1, -1 };
                uint64_t now;

                if (need > cap) {
                        struct pollfd *p2 = realloc(pfd, need * sizeof(*pfd));
                        struct client **w2 = p2 ? realloc(who, need * sizeof(*who)) : NULL;
                        if (!p2 || !w2)
                                _exit(EXIT_OSLBOX);     /* the sandbox dies with us */
                        pfd = p2;
                        who = w2;
                        cap = need;
                }
#define ADD(f, e, c) (pfd[n] = (struct pollfd) { .fd = (f), .events = (e) }, who[n] = (c), n++)
                sig_i = (int) ADD(S.sigfd, POLLIN, NULL);
                if (!S.ended)
                        ev_i = (int) ADD(S.stopping ? S.pidfd : S.evfd, POLLIN, NULL);
                if (S.listen_fd >= 0)
                        listen_i = (int) ADD(S.listen_fd, POLLIN, NULL);
                if (S.master >= 0 && !S.master_done)
                        master_i = (int) ADD(S.master, POLLIN | (S.in_len ? POLLOUT : 0), NULL);
                else if (S.master >= 0 && S.in_len)
                        master_i = (int) ADD(S.master, POLLOUT, NULL);
                for (int i = 1; i <= 2; i++)
                        if (S.out[i] >= 0)
                                out_i[i] = (int) ADD(S.out[i], POLLIN, NULL);
                for (size_t i = 0; i < S.n_clients; i++) {
                        struct client *c = S.clients[i];
                        short e = (S.in_len > INPUT_MAX / 2 ? 0 : POLLIN) | (c->blocked ? POLLOUT : 0);
                        ADD(c->fd, e, c);
                        if (c->proc_fd >= 0 && c->proc)
                                ADD(c->proc_fd, POLLIN, c);
                }
#undef ADD
                now = mono_ns();
                if (S.stopping && !S.killed && !S.ended)
                        timeout = S.kill_at_ns > now ? (int) ((S.kill_at_ns - now) / 1000000ULL) + 1 : 0;
                if (S.ended)
                        timeout = S.end_deadline_ns > now ? (int) ((S.end_deadline_ns - now) / 1000000ULL) + 1 : 0;
                if (busy && (timeout < 0 || timeout > IDLE_DROP_MS))
                        timeout = IDLE_DROP_MS;

                int k = poll(pfd, n, timeout);
                if (k < 0 && errno != EINTR)
                        _exit(EXIT_OSLBOX);
                if (k == 0 && busy) {
                        /* Idle a while: the code and heap pages it ran
                         * with go (an idle session is mostly this). */
                        oslbox_release_memory();
                        busy = false;
                        continue;
                }
                busy = true;

                if (pfd[sig_i].revents) {
                        struct signalfd_siginfo si;
                        if (read(S.sigfd, &si, sizeof(si)) == (ssize_t) sizeof(si))
                                start_stop(0, true);    /* SIGTERM, SIGINT: oslbox stop */
                }
                if (master_i >= 0 && (pfd[master_i].revents & POLLOUT))
                        write_input();
                if (master_i >= 0 && (pfd[master_i].revents & (POLLIN | POLLHUP | POLLERR)) && !S.master_done &&
                    read_output(S.master, 1) < 0)
                        S.master_done = true;
                for (int i = 1; i <= 2; i++)
                        if (out_i[i] >= 0 && pfd[out_i[i]].revents && read_output(S.out[i], i) < 0)
                                S.out[i] = (close(S.out[i]), -1);
                if (listen_i >= 0 && pfd[listen_i].revents)
                        accept_clients();
                for (size_t i = 0; i < n; i++) {
                        struct client *c = who[i];
                        if (!c || c->dead || !pfd[i].revents)
                                continue;
                        if (pfd[i].fd == c->proc_fd) {
                                if (c->proc)
                                        exec_ended(c);
                                continue;
                        }
                        if (pfd[i].revents & POLLOUT)
                                client_flush(c);
                        if (!c->dead && (pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
                                client_input(c);
                }
                if (!S.ended && S.stopping && !S.killed && mono_ns() >= S.kill_at_ns) {
                        (void) oslbox_proc_kill(S.proc, OSLBOX_KILL_NOW);
                        S.killed = true;
                }
                if (ev_i >= 0 && pfd[ev_i].revents) {
                        struct oslbox_result res = { .size = sizeof(res) };
                        int r = oslbox_proc_wait(S.proc, 0, &res);
                        if (r == 0)
                                sandbox_ended(&res);
                        else if (r != -ETIMEDOUT) {
                                /* Cannot watch it: end it (the report failing is one way). */
                                res = (struct oslbox_result) { .size = sizeof(res), .exit_code = -1 };
                                (void) oslbox_proc_kill(S.proc, OSLBOX_KILL_NOW);
                                if (oslbox_proc_wait(S.proc, -1, &res) < 0)
                                        res.exit_code = -1;
                                sandbox_ended(&res);
                                S.status = EXIT_OSLBOX;
                                (void) session_status_write(S.dir, S.status);
                        }
                }
                flush_all();
                if (S.ended) {
                        bool left = false;
                        send_exits();
                        for (size_t i = 0; i < S.n_clients; i++)
                                left |= !S.clients[i]->dead;
                        if (!left || mono_ns() >= S.end_deadline_ns)
                                _exit(0);
                }
                clients_compact();
        }
}

/* Closes every fd but those in KEEP. */
static void close_all_but(const int *keep, size_t n)
{
        int sorted[16];
        unsigned from = 0;

        memcpy(sorted, keep, n * sizeof(int));
        for (size_t i = 0; i < n; i++)
                for (size_t j = i + 1; j < n; j++)
                        if (sorted[j] < sorted[i]) {
                                int t = sorted[i];
                                sorted[i] = sorted[j];
                                sorted[j] = t;
                        }
        for (size_t i = 0; i < n; i++) {
                if (sorted[i] < 0 || (unsigned) sorted[i] < from)
                        continue;
                if ((unsigned) sorted[i] > from)
                        (void) close_range(from, (unsigned) sorted[i] - 1, 0);
                from = (unsigned) sorted[i] + 1;
        }
        (void) close_range(from, ~0U, 0);
}

static _Noreturn void start_failed(int conn, int status, const char *msg)
{
        (void) session_send(conn, MSG_FAILED, (uint32_t) status, 0, 0, msg, strlen(msg), NULL, 0);
        session_clear(S.state, S.dir, S.name, true);
        _exit(0);
}

/* The supervisor, in the child of oslbox run. */
static _Noreturn void supervisor_main(struct oslbox_policy *pol, const struct named_run *run, int conn)
{
        struct oslbox_spawn_attr attr = { .size = sizeof(attr) };
        struct winsize ws = {};
        int pipes[3][2] = { { -1, -1 }, { -1, -1 }, { -1, -1 } }, null, r;
        sigset_t mask;
        char msg[1024];
        char *pcwd = NULL;
        const char *warning;

        (void) setsid();        /* fails only for a group leader, which a fresh child is not */
        (void) signal(SIGHUP, SIG_IGN);
        (void) signal(SIGPIPE, SIG_IGN);
        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGQUIT);
        sigprocmask(SIG_SETMASK, &mask, NULL);
        S.sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);

        /* The caller's window size, for the sandbox's terminal until a
         * client says its own; then its fds go. */
        if (run->pty && ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0) {
                attr.pty_rows = ws.ws_row;
                attr.pty_cols = ws.ws_col;
        }
        null = open("/dev/null", O_RDWR | O_CLOEXEC);
        if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(null, 2) < 0)
                start_failed(conn, EXIT_OSLBOX, "cannot open /dev/null");
        close(null);
        if (!run->pty)
                for (int i = 1; i <= 2; i++)
                        if (pipe2(pipes[i], O_CLOEXEC) < 0)
                                start_failed(conn, EXIT_OSLBOX, "cannot make the output pipes");
        {
                int keep[] = { 0, 1, 2, conn, S.state, S.dir, S.lock, S.sigfd,
                               pipes[1][0], pipes[1][1], pipes[2][0], pipes[2][1] };
                close_all_but(keep, sizeof(keep) / sizeof(keep[0]));
        }
        if (S.sigfd < 0)
                start_failed(conn, EXIT_OSLBOX, "cannot make a signalfd");

        S.listen_fd = session_listen(S.dir);
        if (S.listen_fd < 0) {
                snprintf(msg, sizeof(msg), "cannot listen on the socket of %s: %s", S.name, strerror(-S.listen_fd));
                start_failed(conn, EXIT_OSLBOX, msg);
        }
        if (run->pty)
                for (int i = 0; i < 3; i++)
                        attr.stdio[i].kind = OSLBOX_STDIO_PTY;
        else {
                attr.stdio[0].kind = OSLBOX_STDIO_NULL;
                for (int i = 1; i <= 2; i++)
                        attr.stdio[i] = (struct oslbox_stdio) { .kind = OSLBOX_STDIO_FD, .fd = pipes[i][1] };
        }
        if ((r = oslbox_proc_new(&S.proc)) < 0)
                start_failed(conn, EXIT_OSLBOX, "out of memory");
        r = oslbox_proc_spawn(S.proc, pol, (const char *const *) run->command, &attr);
        if (r < 0)
                start_failed(conn, !oslbox_proc_exec_failed(S.proc) ? EXIT_OSLBOX
                                   : r == -ENOENT ? EXIT_NOT_FOUND : EXIT_CANNOT_EXEC,
                             oslbox_proc_error(S.proc));
        for (int i = 1; i <= 2; i++) {
                if (pipes[i][1] >= 0)
                        close(pipes[i][1]);
                S.out[i] = pipes[i][0];
                if (S.out[i] >= 0)
                        (void) fcntl(S.out[i], F_SETFL, O_NONBLOCK);
        }
        S.pty = run->pty;
        S.master = run->pty ? oslbox_proc_pty(S.proc) : -1;
        if (S.master >= 0)
                (void) fcntl(S.master, F_SETFL, fcntl(S.master, F_GETFL) | O_NONBLOCK);
        S.evfd = oslbox_proc_fd(S.proc);
        S.pidfd = oslbox_proc_pidfd(S.proc);
        if (S.evfd < 0) {
                snprintf(msg, sizeof(msg), "%s", oslbox_proc_error(S.proc));
                oslbox_proc_free(S.proc);       /* kills it */
                start_failed(conn, EXIT_OSLBOX, msg);
        }

        /* The session's working directory, where exec's relative --cwd
         * starts: the policy's cwd, else ours. */
        if (oslbox_policy_get(pol, "cwd", &pcwd) == 0 && pcwd)
                S.cwd = pcwd;
        else
                S.cwd = getcwd(NULL, 0);
        S.info = (struct session_info) {
                .supervisor_pid = getpid(), .sandbox_pid = oslbox_proc_pid(S.proc),
                .started_s = (int64_t) time(NULL), .pty = run->pty, .cwd = S.cwd, .clients = -1,
        };
        snprintf(S.info.detach_keys, sizeof(S.info.detach_keys), "%s", S.keys);
        for (char *const *a = run->command; a && *a; a++)
                S.info.argc++;
        S.info.argv = (char **) run->command;
        {
                char *text = session_info_format(&S.info);
                if (!text || session_write_file(S.dir, "info", text, strlen(text)) < 0 || !S.cwd ||
                    ring_init(&S.ring, !run->pty) < 0) {
                        free(text);
                        oslbox_proc_free(S.proc);
                        start_failed(conn, EXIT_OSLBOX, "cannot write the state of the sandbox");
                }
                free(text);
        }
        if (chdir("/") < 0) {
                /* Only our working directory: nothing depends on it. */
        }
        warning = oslbox_proc_warning(S.proc);
        (void) session_send(conn, MSG_STARTED, (uint32_t) S.info.sandbox_pid, 0, 0, warning, strlen(warning),
                            NULL, 0);
        /* The connection of oslbox run is a client like any other: it
         * attaches, or goes (--detach). */
        (void) fcntl(conn, F_SETFL, O_NONBLOCK);
        client_add(conn);
        oslbox_policy_free(pol);
        supervise_loop();
}

int named_run(struct oslbox_policy *pol, const struct named_run *run)
{
        static char buf[SESSION_MSG_MAX + 1];
        char *keys = NULL, *state_path = NULL;
        unsigned char key_bytes[SESSION_DETACH_KEYS_MAX];
        struct session_msg m;
        size_t n_keys;
        int sv[2], r = EXIT_OSLBOX;
        pid_t pid;
        ssize_t k;

        if (session_name_check(run->name) < 0)
                return fail("invalid sandbox name '%s' (1 to 64 letters, digits, '_', '.' and '-', not "
                            "starting with '.' or '-')", run->name);
        if (oslbox_policy_get(pol, "detach-keys", &keys) < 0 || !keys)
                return fail("out of memory");
        if (detach_keys_parse(keys, key_bytes, &n_keys) < 0) {
                r = fail("invalid detach keys '%s'", keys);
                free(keys);
                return r;
        }
        S.name = run->name;
        snprintf(S.keys, sizeof(S.keys), "%s", keys);
        free(keys);

        S.state = state_open(true, &state_path);
        if (S.state < 0)
                goto out;
        for (int tries = 0;; tries++) {
                S.dir = session_dir_open(S.state, run->name, true);
                if (S.dir < 0)
                        goto out;
                S.lock = session_lock(S.dir, false);
                if (S.lock == -EBUSY) {
                        r = fail("%s is already running (oslbox attach %s, or oslbox stop %s)", run->name,
                                 run->name, run->name);
                        goto out;
                }
                if (S.lock >= 0)
                        break;
                close(S.dir);
                S.dir = -1;
                /* ENOENT, EAGAIN: oslbox rm took it away meanwhile. */
                if ((S.lock != -ENOENT && S.lock != -EAGAIN) || tries == 3) {
                        r = fail("cannot lock the state of %s in %s: %s", run->name, state_path,
                                 strerror(-S.lock));
                        goto out;
                }
        }
        /* A sandbox of this name that ended: its logs go now. */
        session_clear(S.state, S.dir, run->name, false);

        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
                r = fail("cannot make a socket: %s", strerror(errno));
                goto out;
        }
        /* What a forked child could write twice. */
        fflush(stdout);
        fflush(stderr);
        pid = fork();
        if (pid < 0) {
                r = fail("cannot start the supervisor: %s", strerror(errno));
                close(sv[0]);
                close(sv[1]);
                goto out;
        }
        if (pid == 0) {
                close(sv[0]);
                supervisor_main(pol, run, sv[1]);
        }
        close(sv[1]);
        /* The lock is the supervisor's now (the same open file). */
        k = session_recv(sv[0], &m, buf, NULL, NULL);
        if (k < 0 || m.type == 0) {
                r = fail("the supervisor of %s ended before starting it", run->name);
                (void) waitpid(pid, NULL, 0);
                close(sv[0]);
                goto out;
        }
        if (m.type == MSG_FAILED) {
                fail("%s", buf);        /* the library's message, escaped by it and by fail() */
                r = (int) m.a;
                (void) waitpid(pid, NULL, 0);
                close(sv[0]);
                goto out;
        }
        if (k > 0)
                fprintf(stderr, "%s: %s\n", program, buf);      /* the spawn's warning */
        if (run->detach) {
                close(sv[0]);
                r = 0;
                goto out;
        }
        close(S.lock);
        S.lock = -1;
        {
                struct session_ref ref = { .state = S.state, .dir = S.dir, .conn = sv[0] };
                r = attach_session(&ref, run->name, ATTACH_RUN | ATTACH_INPUT, NULL);
                close(sv[0]);
        }
out:
        if (S.lock >= 0)
                close(S.lock);
        if (S.dir >= 0)
                close(S.dir);
        if (S.state >= 0)
                close(S.state);
        free(state_path);
        return r;
}
