/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * oslbox exec NAME [OPTIONS] [--] COMMAND [ARG...]: runs COMMAND in the
 * running named sandbox NAME. The supervisor starts it there with
 * oslbox_proc_spawn_in(): it is in every layer of the sandbox as it is,
 * nothing is rebuilt, so nothing can be added either: an option of run
 * that would widen the sandbox is refused, naming it, and so is any other
 * of the table, which has nothing left to apply to. Its stdio is ours
 * (passed over the socket), or a new PTY whose master the supervisor hands
 * back to us (--pty). Its environment is ours through the sandbox policy's
 * allowlist, as the first command's was the caller's, then --env.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <termios.h>
#include <unistd.h>

#include "cli.h"
#include "session.h"

extern char **environ;

void help_exec(FILE *f)
{
        fprintf(f, "Usage: oslbox exec NAME [--pty] [--cwd DIR] [--env NAME=VALUE] [--timeout DUR]\n"
                   "                   [--] COMMAND [ARG...]\n\n"
                   "Run COMMAND in the running named sandbox NAME: the same namespaces, filesystem\n"
                   "view, Landlock domain, seccomp filter, cgroup and environment allowlist as its\n"
                   "first command. Its stdio is this one's, or a new terminal with --pty. The\n"
                   "options of run cannot apply to a sandbox that exists: those that would widen it\n"
                   "(--rw, --net, --allow-syscall, --policy, --keep-env, ...) are refused.\n\n"
                   "  --pty                 run COMMAND on a new pseudo-terminal, relayed to this one\n"
                   "  --cwd DIR             start in DIR (relative: to the sandbox's working directory)\n"
                   "  --env NAME=VALUE      set NAME to VALUE in COMMAND's environment (may repeat)\n"
                   "  --timeout DUR         end COMMAND after DUR and exit with status 124\n"
                   "  -h, --help            show this help\n\n"
                   "Exit status: COMMAND's; 128+N if signal N killed it; 124 after --timeout; 125 if\n"
                   "oslbox failed (NAME unknown or ended included); 126 if COMMAND cannot be executed;\n"
                   "127 if it is not found.\n");
}

struct buf {
        char *s;
        size_t n;
        bool big;
};

static void put(struct buf *b, const void *data, size_t n)
{
        if (b->big || b->n + n > SESSION_MSG_MAX) {
                b->big = true;
                return;
        }
        memcpy(b->s + b->n, data, n);
        b->n += n;
}

static void put_str(struct buf *b, const char *s)
{
        put(b, s, strlen(s) + 1);
}

/* What an option of run means to exec: refused, naming why. */
static int refuse_option(const char *arg)
{
        const struct oslbox_option *o;
        size_t len = strcspn(arg + 2, "=");

        for (size_t i = 0; (o = oslbox_option_get(i)); i++)
                if (strlen(o->name) == len && strncmp(o->name, arg + 2, len) == 0) {
                        /* A policy file may hold any directive. */
                        if ((o->flags & OSLBOX_OPTION_WIDENS) || strcmp(o->name, "policy") == 0)
                                return fail("exec: --%s would widen the sandbox, which exec joins as it is: "
                                            "refused (start it with --%s instead)", o->name, o->name);
                        return fail("exec: --%s applies when a sandbox is made; exec joins one as it is",
                                    o->name);
                }
        return fail("exec: unknown option '%s' (see oslbox help exec)", arg);
}

static const char *value_of(int argc, char **argv, int *i, const char *opt)
{
        size_t n = strlen(opt);
        if (argv[*i][n] == '=')
                return argv[*i] + n + 1;
        if (*i + 1 >= argc)
                return NULL;
        return argv[++*i];
}

/* The relay of exec --pty: the master to stdout, stdin to the master. */
static int relay_pty(int conn, int master, int sigfd, const char *name)
{
        static char mbuf[SESSION_MSG_MAX + 1];
        struct relay_in in = { .last_was_newline = true };
        bool tty = isatty(STDIN_FILENO), master_open = true;
        struct session_msg m;

        (void) fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK);
        if (!tty) {
                struct termios t;
                if (tcgetattr(master, &t) == 0) {
                        t.c_lflag &= ~(tcflag_t) ECHO;  /* no one types: piped input once */
                        (void) tcsetattr(master, TCSANOW, &t);
                }
        } else
                copy_window_size(master);
        for (;;) {
                struct pollfd pfd[4] = {
                        { .fd = sigfd, .events = POLLIN },
                        { .fd = conn, .events = POLLIN },
                        { .fd = master_open ? master : -1, .events = POLLIN },
                        { .fd = master_open && !in.eof ? STDIN_FILENO : -1, .events = POLLIN },
                };
                if (poll(pfd, 4, -1) < 0 && errno != EINTR)
                        return fail("poll: %s", strerror(errno));
                if (pfd[0].revents) {
                        struct signalfd_siginfo si;
                        if (read(sigfd, &si, sizeof(si)) == (ssize_t) sizeof(si)) {
                                if (si.ssi_signo == SIGWINCH)
                                        copy_window_size(master);
                                else
                                        (void) session_send(conn, IN_SIGNAL, si.ssi_signo, 0, 0, NULL, 0, NULL, 0);
                        }
                }
                if (pfd[2].revents && relay_out(master) < 0)
                        master_open = false;
                if (pfd[3].revents && relay_in(master, &in, tty) < 0)
                        in.eof = true;
                if (pfd[3].revents & (POLLHUP | POLLERR | POLLNVAL) && !(pfd[3].revents & POLLIN))
                        in.eof = true;
                if (pfd[1].revents) {
                        ssize_t k = session_recv(conn, &m, mbuf, NULL, NULL);
                        if (k < 0 || m.type == 0)
                                return fail("lost the connection to the supervisor of %s", name);
                        if (m.type == MSG_EXIT) {
                                /* What it wrote last; its background children may
                                 * keep the terminal open: only what is there. */
                                while (master_open && relay_out(master) == 0) {
                                        struct pollfd p = { .fd = master, .events = POLLIN };
                                        if (poll(&p, 1, 0) <= 0)
                                                break;
                                }
                                return (int) m.a;
                        }
                }
        }
}

int cmd_exec(int argc, char **argv)
{
        static char mbuf[SESSION_MSG_MAX + 1];
        struct exec_req req = {};
        struct session_ref ref = { .state = -1, .dir = -1, .conn = -1 };
        struct buf b = {};
        const char *name = NULL, *cwd = "", *timeout = NULL;
        char **sets = NULL, **command = NULL;
        size_t n_sets = 0;
        int fds[3] = { 0, 1, 2 }, master = -1, sigfd = -1, r = EXIT_OSLBOX, i;
        bool pty = false, tty = isatty(STDIN_FILENO);
        struct session_msg m;
        sigset_t mask;
        size_t n_fds = 0;
        ssize_t k;

        sets = calloc((size_t) argc, sizeof(char *));
        if (!sets)
                return fail("out of memory");
        for (i = 1; i < argc; i++) {
                const char *a = argv[i], *v;
                if (strcmp(a, "--") == 0) {
                        i++;
                        break;
                }
                if (a[0] != '-' || !a[1]) {
                        if (name)
                                break;
                        name = a;
                        continue;
                }
                if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
                        help_exec(stdout);
                        r = 0;
                        goto out;
                } else if (strcmp(a, "--pty") == 0)
                        pty = true;
                else if (strcmp(a, "--no-pty") == 0)
                        pty = false;
                else if (strcmp(a, "--cwd") == 0 || strncmp(a, "--cwd=", 6) == 0) {
                        if (!(v = value_of(argc, argv, &i, "--cwd")) || !*v) {
                                r = fail("--cwd needs a value (DIR)");
                                goto out;
                        }
                        cwd = v;
                } else if (strcmp(a, "--env") == 0 || strncmp(a, "--env=", 6) == 0) {
                        const char *eq;
                        if (!(v = value_of(argc, argv, &i, "--env"))) {
                                r = fail("--env needs a value (NAME=VALUE)");
                                goto out;
                        }
                        eq = strchr(v, '=');
                        if (!eq || eq == v) {
                                r = fail("--env %s: '%s' is not NAME=VALUE", v, v);
                                goto out;
                        }
                        sets[n_sets++] = (char *) v;
                } else if (strcmp(a, "--timeout") == 0 || strncmp(a, "--timeout=", 10) == 0) {
                        if (!(timeout = value_of(argc, argv, &i, "--timeout"))) {
                                r = fail("--timeout needs a value (DUR)");
                                goto out;
                        }
                } else if (strncmp(a, "--pty=", 6) == 0 || strncmp(a, "--no-pty=", 9) == 0) {
                        r = fail("--%.*s takes no value (see oslbox help exec)", (int) strcspn(a + 2, "="), a + 2);
                        goto out;
                } else if (a[1] == '-') {
                        r = refuse_option(a);
                        goto out;
                } else {
                        r = fail("exec: unknown option '%s' (see oslbox help exec)", a);
                        goto out;
                }
        }
        if (!name) {
                r = fail("exec: no name given (usage: oslbox exec NAME [OPTIONS] [--] COMMAND [ARG...])");
                goto out;
        }
        if (i >= argc) {
                r = fail("exec: no command given (usage: oslbox exec NAME [OPTIONS] [--] COMMAND [ARG...])");
                goto out;
        }
        command = argv + i;
        if (timeout && cli_duration(timeout, &req.timeout_ms) < 0)
                goto out;
        if ((r = session_find(name, &ref)) != 0)
                goto out;
        if (ref.conn < 0) {
                int status = 0;
                (void) session_status_read(ref.dir, &status);
                r = fail("%s is not running (it ended with status %d)", name, status);
                goto out;
        }

        /* The request. */
        if (!(b.s = malloc(SESSION_MSG_MAX))) {
                r = fail("out of memory");
                goto out;
        }
        req.flags = pty ? EXEC_PTY : 0;
        if (pty && tty) {
                struct winsize ws;
                if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0) {
                        req.rows = ws.ws_row;
                        req.cols = ws.ws_col;
                }
        }
        for (char **a = command; *a; a++)
                req.argc++;
        for (char **e = environ; e && *e; e++)
                req.envc++;
        req.setc = (uint32_t) n_sets;
        put(&b, &req, sizeof(req));
        put_str(&b, cwd);
        for (char **a = command; *a; a++)
                put_str(&b, *a);
        for (char **e = environ; e && *e; e++)
                put_str(&b, *e);
        for (size_t s = 0; s < n_sets; s++)
                put_str(&b, sets[s]);
        if (b.big) {
                r = fail("exec: the command, its environment and --env take more than %d KiB", SESSION_MSG_MAX / 1024);
                goto out;
        }

        /* Signals are read as data before the command exists. */
        sigemptyset(&mask);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGQUIT);
        sigaddset(&mask, SIGHUP);
        if (pty)
                sigaddset(&mask, SIGWINCH);
        sigprocmask(SIG_BLOCK, &mask, NULL);
        sigfd = signalfd(-1, &mask, SFD_CLOEXEC);
        if (sigfd < 0) {
                r = fail("signalfd: %s", strerror(errno));
                goto out;
        }
        if (session_send(ref.conn, REQ_EXEC, 0, 0, 0, b.s, b.n, fds, pty ? 0 : 3) < 0) {
                r = fail("cannot reach the supervisor of %s: %s", name, strerror(errno));
                goto out;
        }
        k = session_recv(ref.conn, &m, mbuf, &master, &n_fds);
        if (k < 0 || m.type == 0) {
                r = fail("lost the connection to the supervisor of %s", name);
                goto out;
        }
        if (m.type == MSG_REFUSED) {
                r = fail("%s", mbuf);
                goto out;
        }
        if (m.type == MSG_FAILED) {
                fail("%s", mbuf);
                r = (int) m.a;
                goto out;
        }
        if (m.type != MSG_STARTED || (pty && n_fds != 1)) {
                r = fail("an unexpected answer from the supervisor of %s", name);
                goto out;
        }
        if (pty) {
                int rr;
                terminal_save();
                atexit(terminal_restore);
                if (tty && (rr = terminal_make_raw(false)) < 0) {
                        r = fail("cannot put the terminal in raw mode: %s", strerror(-rr));
                        goto out;
                }
                r = relay_pty(ref.conn, master, sigfd, name);
                terminal_restore();
                goto out;
        }
        for (;;) {
                struct pollfd pfd[2] = { { .fd = sigfd, .events = POLLIN }, { .fd = ref.conn, .events = POLLIN } };
                if (poll(pfd, 2, -1) < 0 && errno != EINTR) {
                        r = fail("poll: %s", strerror(errno));
                        break;
                }
                if (pfd[0].revents) {
                        struct signalfd_siginfo si;
                        if (read(sigfd, &si, sizeof(si)) == (ssize_t) sizeof(si))
                                (void) session_send(ref.conn, IN_SIGNAL, si.ssi_signo, 0, 0, NULL, 0, NULL, 0);
                }
                if (pfd[1].revents) {
                        k = session_recv(ref.conn, &m, mbuf, NULL, NULL);
                        if (k < 0 || m.type == 0) {
                                r = fail("lost the connection to the supervisor of %s", name);
                                break;
                        }
                        if (m.type == MSG_EXIT) {
                                r = (int) m.a;
                                break;
                        }
                }
        }
out:
        if (master >= 0)
                close(master);
        if (sigfd >= 0)
                close(sigfd);
        free(b.s);
        free(sets);
        session_ref_done(&ref);
        return r;
}
