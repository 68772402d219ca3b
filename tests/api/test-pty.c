/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A terminal through the API: every stdio slot OSLBOX_STDIO_PTY, the caller
 * talking to the command through oslbox_proc_pty(), as an editor or agent
 * embedding a shell does.
 */
#include "api.h"

#include <signal.h>

#define ROWS 33
#define COLS 101

/* Reads the master until WANT shows up in what was read so far (kept in
 * BUF), the slaves are all closed, or 5 s pass. */
static bool read_until(int master, char *buf, size_t size, const char *want)
{
        uint64_t deadline = api_now_ms() + 5000;
        size_t len = strlen(buf);

        while (!strstr(buf, want) && len + 1 < size) {
                struct pollfd pfd = { .fd = master, .events = POLLIN };
                uint64_t now = api_now_ms();
                ssize_t k;

                if (now >= deadline || poll(&pfd, 1, (int) (deadline - now)) <= 0)
                        break;
                k = read(master, buf + len, size - len - 1);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k <= 0)
                        break;          /* EIO: every slave is closed */
                len += (size_t) k;
                buf[len] = '\0';
        }
        return strstr(buf, want) != NULL;
}

static struct oslbox_proc *spawn_on_pty(const struct oslbox_policy *pol, const char *script)
{
        const char *argv[] = { "sh", "-c", script, NULL };
        struct oslbox_spawn_attr attr;
        struct oslbox_proc *proc = NULL;
        int r;

        memset(&attr, 0, sizeof(attr));
        attr.size = sizeof(attr);
        for (int i = 0; i < 3; i++)
                attr.stdio[i].kind = OSLBOX_STDIO_PTY;
        attr.pty_rows = ROWS;
        attr.pty_cols = COLS;
        if ((r = oslbox_proc_new(&proc)) < 0)
                api_bail("oslbox_proc_new", r);
        if ((r = oslbox_proc_spawn(proc, pol, argv, &attr)) < 0) {
                printf("Bail out! spawning on a PTY: %s\n", oslbox_proc_error(proc));
                exit(1);
        }
        return proc;
}

static void conversation(const struct oslbox_policy *pol)
{
        struct oslbox_proc *proc = spawn_on_pty(pol,
                "stty size; tty; test -t 0 && test -t 1 && test -t 2 && echo all-ttys;"
                "test -e \"$(tty)\" && echo exists; echo ready; read x; echo got:$x");
        struct oslbox_result res = { .size = sizeof(res) };
        char buf[4096] = "", want[32], path[128] = "";
        int master = oslbox_proc_pty(proc);
        const char *tty;

        tap_ok(master >= 0, "oslbox_proc_pty() is the master (%d)", master);
        tap_ok(read_until(master, buf, sizeof(buf), "ready\r\n"), "the command talks through the terminal");
        snprintf(want, sizeof(want), "%d %d\r\n", ROWS, COLS);
        tap_ok(strncmp(buf, want, strlen(want)) == 0, "stty size inside is the pty_rows and pty_cols given: %d %d",
               ROWS, COLS);
        tty = strchr(buf, '\n');
        if (tty)
                sscanf(tty + 1, "%127[^\r\n]", path);
        tap_ok(strncmp(path, "/dev/pts/", 9) == 0, "tty inside names a terminal: %s", path);
        tap_ok(strstr(buf, "all-ttys\r\n") != NULL, "stdin, stdout and stderr are all the terminal");
        tap_ok(strstr(buf, "exists\r\n") != NULL, "the path tty prints exists inside the sandbox");
        if (!strstr(buf, "exists\r\n"))
                tap_diag("read: %s", buf);

        tap_is_int(write(master, "ping\n", 5), 5, "write ping to the master");
        tap_ok(read_until(master, buf, sizeof(buf), "got:ping\r\n"), "the command read it: got:ping comes back");
        tap_ok(strstr(buf, "ready\r\nping\r\n") != NULL, "... after the terminal's echo of what was typed");
        tap_is_int(oslbox_proc_wait(proc, 5000, &res), 0, "the command ends");
        tap_is_int(res.exit_code, 0, "... exit code 0");
        oslbox_proc_free(proc);
}

/* cat on a terminal: what the caller types comes back twice, echoed by the
 * terminal and written by cat; ^D ends it. */
static void cat_echo(const struct oslbox_policy *pol)
{
        struct oslbox_proc *proc = spawn_on_pty(pol, "echo ready; exec cat");
        struct oslbox_result res = { .size = sizeof(res) };
        char buf[4096] = "";
        int master;

        master = oslbox_proc_take_pty(proc);
        tap_ok(master >= 0, "oslbox_proc_take_pty() hands the master over");
        tap_is_int(oslbox_proc_pty(proc), -EBADF, "... and the proc no longer has it");
        read_until(master, buf, sizeof(buf), "ready\r\n");
        buf[0] = '\0';
        tap_is_int(write(master, "ping\n", 5), 5, "write ping to cat's terminal");
        tap_ok(read_until(master, buf, sizeof(buf), "ping\r\nping\r\n"), "ping comes back: echoed, then from cat");
        tap_is_int(write(master, "\x04", 1), 1, "^D");
        tap_is_int(oslbox_proc_wait(proc, 5000, &res), 0, "... ends cat");
        tap_is_int(res.exit_code, 0, "... with exit code 0");
        oslbox_proc_free(proc);
        tap_ok(fcntl(master, F_GETFD) >= 0, "the taken master outlives the proc");
        close(master);
}

static void no_pty(const struct oslbox_policy *pol)
{
        const char *argv[] = { "true", NULL };
        struct oslbox_result res = { .size = sizeof(res) };
        struct oslbox_proc *proc = NULL;

        if (oslbox_proc_new(&proc) < 0 || oslbox_proc_spawn(proc, pol, argv, NULL) < 0)
                api_bail("spawning true", -EIO);
        tap_is_int(oslbox_proc_pty(proc), -EBADF, "without a PTY slot, oslbox_proc_pty(): -EBADF");
        tap_is_int(oslbox_proc_take_pty(proc), -EBADF, "... and oslbox_proc_take_pty(): -EBADF");
        (void) oslbox_proc_wait(proc, -1, &res);
        oslbox_proc_free(proc);
}

int main(void)
{
        struct oslbox_policy *pol = api_policy(NULL);

        signal(SIGPIPE, SIG_IGN);
        conversation(pol);
        cat_echo(pol);
        no_pty(pol);
        oslbox_policy_free(pol);
        return tap_done();
}
