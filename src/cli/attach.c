/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * oslbox attach NAME, and the attached half of oslbox run --name: the
 * caller's terminal connected to a named sandbox through its supervisor.
 *
 * With a PTY the terminal is raw, what is typed goes to the sandbox's
 * terminal (several clients may type at once), the window size is sent at
 * attach and on each SIGWINCH. Without one, output is read-only: stdout
 * and stderr as captured, the terminal in its own modes but for canonical
 * mode and echo (so that the detach keys arrive at once). The detach keys
 * (Docker's syntax, see the detach-keys directive) end the attach and leave
 * the sandbox running; so do a hang-up and, for attach, SIGINT and
 * SIGTERM (oslbox run passes those on to the command instead, as an
 * unnamed run does). The terminal is put back on every way out.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <termios.h>
#include <unistd.h>

#include "cli.h"
#include "session.h"

struct keys {
        unsigned char v[SESSION_DETACH_KEYS_MAX];
        size_t n;
        size_t matched;         /* of them, typed last, held back */
};

/* Moves the input of BUF (LEN bytes) to OUT, holding back what may be the
 * start of the detach keys; true when they were all typed. As Docker does,
 * keys held back are let through once the next one does not follow. */
static bool scan_keys(struct keys *k, const char *buf, size_t len, char *out, size_t *ret_n)
{
        size_t n = 0;

        for (size_t i = 0; i < len; i++) {
                unsigned char b = (unsigned char) buf[i];
                if (b == k->v[k->matched]) {
                        if (++k->matched == k->n) {
                                *ret_n = n;
                                return true;
                        }
                        continue;
                }
                memcpy(out + n, k->v, k->matched);
                n += k->matched;
                k->matched = 0;
                if (b == k->v[0]) {
                        if (k->n == 1) {
                                *ret_n = n;
                                return true;
                        }
                        k->matched = 1;
                        continue;
                }
                out[n++] = (char) b;
        }
        *ret_n = n;
        return false;
}

static void send_size(int conn)
{
        struct winsize ws;
        if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row && ws.ws_col)
                (void) session_send(conn, IN_RESIZE, ws.ws_row, ws.ws_col, 0, NULL, 0, NULL, 0); /* it may be gone */
}

int attach_session(struct session_ref *ref, const char *name, unsigned flags, const char *keys_override)
{
        static char buf[SESSION_MSG_MAX + 1];
        static bool registered;
        char in[4096], out[4096 + SESSION_DETACH_KEYS_MAX];
        bool tty = isatty(STDIN_FILENO), pty, in_eof = false, detached = false, last_nl = true;
        struct winsize ws = {};
        struct session_msg m;
        struct keys keys = {};
        sigset_t mask, old;
        int conn = ref->conn, sigfd = -1, status = EXIT_OSLBOX, r;
        ssize_t k;

        if (!tty && (flags & ATTACH_RUN))
                flags |= ATTACH_NOECHO;         /* no one types: echoing piped input would print it twice */
        if (tty)
                (void) ioctl(STDIN_FILENO, TIOCGWINSZ, &ws);
        if (session_send(conn, REQ_ATTACH, ws.ws_row, ws.ws_col, flags, NULL, 0, NULL, 0) < 0)
                return session_wait_exit(ref, name, true);
        k = session_recv(conn, &m, buf, NULL, NULL);
        if (k < 0 || m.type == 0)
                return session_wait_exit(ref, name, true);
        if (m.type == MSG_REFUSED)
                return fail("%s", buf);
        if (m.type != MSG_ATTACHED)
                return fail("an unexpected answer from the supervisor of %s", name);
        pty = m.a != 0;
        r = detach_keys_parse(keys_override ? keys_override : buf, keys.v, &keys.n);
        if (r < 0)
                return fail("invalid detach keys '%s'", keys_override ? keys_override : buf);

        terminal_save();
        if (!registered) {
                atexit(terminal_restore);
                registered = true;
        }
        sigemptyset(&mask);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGQUIT);
        sigaddset(&mask, SIGHUP);
        sigaddset(&mask, SIGWINCH);
        sigprocmask(SIG_BLOCK, &mask, &old);
        sigfd = signalfd(-1, &mask, SFD_CLOEXEC);
        if (sigfd < 0) {
                status = fail("signalfd: %s", strerror(errno));
                goto out;
        }
        if (tty && (r = terminal_make_raw(!pty)) < 0) {
                status = fail("cannot put the terminal in raw mode: %s", strerror(-r));
                goto out;
        }
        /* The size may have changed between the request and now. */
        if (pty && tty)
                send_size(conn);

        for (;;) {
                struct pollfd pfd[3] = {
                        { .fd = sigfd, .events = POLLIN },
                        { .fd = conn, .events = POLLIN },
                        { .fd = in_eof ? -1 : STDIN_FILENO, .events = POLLIN },
                };
                if (poll(pfd, 3, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        status = fail("poll: %s", strerror(errno));
                        break;
                }
                if (pfd[0].revents) {
                        struct signalfd_siginfo si;
                        if (read(sigfd, &si, sizeof(si)) == (ssize_t) sizeof(si)) {
                                int sig = (int) si.ssi_signo;
                                if (sig == SIGWINCH) {
                                        if (pty && tty)
                                                send_size(conn);
                                } else if (sig != SIGHUP && (flags & ATTACH_RUN))
                                        (void) session_send(conn, IN_SIGNAL, (uint32_t) sig, 0, 0, NULL, 0, NULL, 0);
                                else {
                                        detached = true;        /* a hang-up, or attach's SIGINT, SIGTERM */
                                        status = 0;
                                        break;
                                }
                        }
                }
                if (pfd[1].revents) {
                        k = session_recv(conn, &m, buf, NULL, NULL);
                        if (k == -EBADMSG) {
                                status = fail("a malformed message from the supervisor of %s", name);
                                break;
                        }
                        if (k < 0 || m.type == 0) {
                                terminal_restore();
                                status = session_wait_exit(ref, name, true);
                                break;
                        }
                        if (m.type == MSG_DATA) {
                                if (write_all(m.a == 2 ? STDERR_FILENO : STDOUT_FILENO, buf, (size_t) k) < 0) {
                                        detached = true;        /* our terminal is gone */
                                        status = 0;
                                        break;
                                }
                        } else if (m.type == MSG_EXIT) {
                                status = (int) m.a;
                                break;
                        } else if (m.type == MSG_REFUSED) {
                                terminal_restore();
                                status = fail("%s", buf);
                                break;
                        }
                }
                if (pfd[2].revents) {
                        size_t n = 0;
                        k = read(STDIN_FILENO, in, sizeof(in));
                        if (k < 0 && (errno == EINTR || errno == EAGAIN))
                                continue;
                        if (k <= 0) {
                                /* End of input: as an unnamed run --pty does, the
                                 * terminal's EOF character (twice after a partial
                                 * line); attach only stops reading. */
                                in_eof = true;
                                if ((flags & ATTACH_RUN) && pty && !tty)
                                        (void) session_send(conn, IN_DATA, 0, 0, 0, "\x04\x04", last_nl ? 1 : 2,
                                                            NULL, 0);
                                continue;
                        }
                        if (scan_keys(&keys, in, (size_t) k, out, &n)) {
                                if (pty && n)
                                        (void) session_send(conn, IN_DATA, 0, 0, 0, out, n, NULL, 0);
                                detached = true;
                                status = 0;
                                break;
                        }
                        last_nl = in[k - 1] == '\n';
                        if (pty && n && session_send(conn, IN_DATA, 0, 0, 0, out, n, NULL, 0) < 0) {
                                terminal_restore();
                                status = session_wait_exit(ref, name, true);
                                break;
                        }
                }
        }
out:
        terminal_restore();
        if (sigfd >= 0)
                close(sigfd);
        sigprocmask(SIG_SETMASK, &old, NULL);
        if (detached && tty)
                fprintf(stderr, "%s: detached from %s, which goes on running (oslbox attach %s)\n", program, name,
                        name);
        return status;
}

void help_attach(FILE *f)
{
        fprintf(f, "Usage: oslbox attach [--detach-keys KEYS] NAME\n\n"
                   "Connect the terminal to the named sandbox NAME: first the last output it wrote\n"
                   "(256 KiB are kept), then live. With a PTY (run --pty) what is typed reaches it and\n"
                   "the window size follows this terminal; without one its stdout and stderr are\n"
                   "shown, read-only. The detach keys (by default those of the run, ctrl-]; Docker's\n"
                   "syntax: ctrl-p,ctrl-q), a hang-up, SIGINT or SIGTERM leave it running (exit\n"
                   "status 0); when its command ends, attach exits with the command's status.\n");
}

int cmd_attach(int argc, char **argv)
{
        struct session_ref ref;
        const char *name = NULL, *keys = NULL;
        int r;

        for (int i = 1; i < argc; i++) {
                if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
                        help_attach(stdout);
                        return 0;
                } else if (strcmp(argv[i], "--detach-keys") == 0 || strncmp(argv[i], "--detach-keys=", 14) == 0) {
                        struct oslbox_policy *pol = NULL;
                        keys = argv[i][13] == '=' ? argv[i] + 14 : i + 1 < argc ? argv[++i] : NULL;
                        if (!keys)
                                return fail("--detach-keys needs a value (KEYS)");
                        if (oslbox_policy_new(&pol) < 0)
                                return fail("out of memory");
                        if (oslbox_policy_set(pol, "detach-keys", keys) < 0) {
                                r = fail("--detach-keys %s: %s", keys, oslbox_policy_error(pol));
                                oslbox_policy_free(pol);
                                return r;
                        }
                        oslbox_policy_free(pol);
                } else if (argv[i][0] == '-' && argv[i][1])
                        return fail("attach: unknown option '%s' (see oslbox help attach)", argv[i]);
                else if (name)
                        return fail("attach takes one name (usage: oslbox attach [--detach-keys KEYS] NAME)");
                else
                        name = argv[i];
        }
        if (!name)
                return fail("attach: no name given (usage: oslbox attach [--detach-keys KEYS] NAME)");
        if ((r = session_find(name, &ref)) != 0)
                goto out;
        if (ref.conn < 0) {
                int status = 0;
                (void) session_status_read(ref.dir, &status);
                r = fail("%s has ended (exit status %d): nothing to attach to (oslbox logs %s)", name, status, name);
                goto out;
        }
        r = attach_session(&ref, name, ATTACH_INPUT, keys);
out:
        session_ref_done(&ref);
        return r;
}
