/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * oslbox ps [--json] [--quiet]: the caller's named sandboxes, running and
 * ended. A running one's supervisor is asked (how many clients it has); an
 * ended one's files are read. One whose supervisor died without writing a
 * status (SIGKILL, a crash) is removed here, with a line on stderr.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "session.h"

void help_ps(FILE *f)
{
        fprintf(f, "Usage: oslbox ps [--json] [--quiet]\n\n"
                   "List your named sandboxes, running and ended: name, state (running or exited),\n"
                   "exit status, the supervisor's pid, clients attached, when it started (RFC 3339,\n"
                   "UTC) and its command. --json prints an array of objects with the keys name,\n"
                   "state, exit_code (null while running), supervisor_pid, command (an array),\n"
                   "started and clients; --quiet (-q) the names alone. Sandboxes whose supervisor\n"
                   "died are removed.\n");
}

struct entry {
        char *name;
        struct session_info info;
};

static int by_name(const void *a, const void *b)
{
        return strcmp(((const struct entry *) a)->name, ((const struct entry *) b)->name);
}

/* The supervisor's answer to REQ_INFO: 0, or -1 when it gave none. */
static int ask(int conn, struct session_info *info)
{
        static char buf[SESSION_MSG_MAX + 1];
        struct session_msg m;
        ssize_t k;

        if (session_send(conn, REQ_INFO, 0, 0, 0, NULL, 0, NULL, 0) < 0)
                return -1;
        k = session_recv(conn, &m, buf, NULL, NULL);
        if (k <= 0 || m.type != MSG_INFO || session_info_parse(buf, info) < 0)
                return -1;
        return 0;
}

/* One session: 1 and INFO filled, 0 to leave it out, -1 on a failure
 * (printed). */
static int look(int state, const char *name, struct session_info *info)
{
        char *text = NULL;
        int dir, conn, r, status, lock;

        dir = session_dir_open(state, name, false);
        if (dir < 0)
                return dir == -ENOENT ? 0 : -1;
        conn = session_connect(dir, name);
        if (conn >= 0) {
                r = ask(conn, info);
                close(conn);
                if (r == 0) {
                        close(dir);
                        return 1;
                }
        } else if (conn != -ENOENT && conn != -ECONNREFUSED) {
                close(dir);
                return -1;
        }
        r = session_read_file(dir, "info", SESSION_FILE_MAX, &text, NULL);
        if (r == 0) {
                r = session_info_parse(text, info);
                free(text);
        }
        if (session_status_read(dir, &status) == 0) {
                /* Ended: the status is written before the lock goes. */
                close(dir);
                if (r < 0)
                        return 0;
                info->ended = true;
                info->status = status;
                info->clients = 0;
                return 1;
        }
        lock = session_lock(dir, false);
        if (lock == -EBUSY) {
                /* Starting, or ending this instant: running. */
                close(dir);
                if (r < 0)
                        return 0;
                return 1;
        }
        if (lock >= 0) {
                session_clear(state, dir, name, true);
                close(lock);
                fprintf(stderr, "%s: the supervisor of %s had died; its state is removed\n", program, name);
        }
        close(dir);
        if (r == 0)
                session_info_done(info);
        return 0;
}

/* S as a JSON string: valid UTF-8 is kept, anything else as \u00XX. */
static void json_string(const char *s)
{
        putchar('"');
        for (const unsigned char *p = (const unsigned char *) s; *p;) {
                size_t n = *p < 0x80 ? 1 : *p >= 0xc2 && *p <= 0xdf ? 2 : *p >= 0xe0 && *p <= 0xef ? 3
                         : *p >= 0xf0 && *p <= 0xf4 ? 4 : 0;
                for (size_t i = 1; i < n; i++)
                        if ((p[i] & 0xc0) != 0x80)
                                n = 0;
                if (n > 1 && ((p[0] == 0xe0 && p[1] < 0xa0) || (p[0] == 0xed && p[1] >= 0xa0) ||
                              (p[0] == 0xf0 && p[1] < 0x90) || (p[0] == 0xf4 && p[1] >= 0x90)))
                        n = 0;
                if (n == 1 && (*p == '"' || *p == '\\'))
                        printf("\\%c", *p);
                else if (n == 1 && *p >= 0x20 && *p != 0x7f)
                        putchar(*p);
                else if (n <= 1)
                        printf("\\u%04x", *p);
                else {
                        fwrite(p, 1, n, stdout);
                        p += n;
                        continue;
                }
                p++;
        }
        putchar('"');
}

static void print_json(const struct entry *v, size_t n)
{
        putchar('[');
        for (size_t i = 0; i < n; i++) {
                const struct session_info *in = &v[i].info;
                char started[32];

                session_time_format(in->started_s, started);
                printf("%s\n  {\"name\": ", i ? "," : "");
                json_string(v[i].name);
                printf(", \"state\": \"%s\", \"exit_code\": ", in->ended ? "exited" : "running");
                if (in->ended)
                        printf("%d", in->status);
                else
                        printf("null");
                printf(", \"supervisor_pid\": %ld, \"command\": [", (long) in->supervisor_pid);
                for (size_t k = 0; k < in->argc; k++) {
                        if (k)
                                printf(", ");
                        json_string(in->argv[k]);
                }
                printf("], \"started\": \"%s\", \"clients\": %d}", started, in->clients > 0 ? in->clients : 0);
        }
        printf("%s]\n", n ? "\n" : "");
}

static void print_table(const struct entry *v, size_t n)
{
        size_t w = 4;

        for (size_t i = 0; i < n; i++)
                if (strlen(v[i].name) > w)
                        w = strlen(v[i].name);
        printf("%-*s  %-7s  %4s  %7s  %7s  %-20s  %s\n", (int) w, "NAME", "STATE", "EXIT", "PID", "CLIENTS",
               "STARTED", "COMMAND");
        for (size_t i = 0; i < n; i++) {
                const struct session_info *in = &v[i].info;
                char started[32], exit_code[16], clients[16];

                session_time_format(in->started_s, started);
                snprintf(exit_code, sizeof(exit_code), in->ended ? "%d" : "-", in->status);
                snprintf(clients, sizeof(clients), in->clients >= 0 ? "%d" : "-", in->clients);
                printf("%-*s  %-7s  %4s  %7ld  %7s  %-20s ", (int) w, v[i].name, in->ended ? "exited" : "running",
                       exit_code, (long) in->supervisor_pid, clients, started);
                for (size_t k = 0; k < in->argc; k++) {
                        putchar(' ');
                        put_escaped(stdout, in->argv[k]);
                }
                putchar('\n');
        }
}

int cmd_ps(int argc, char **argv)
{
        struct entry *v = NULL;
        size_t n = 0;
        bool json = false, quiet = false;
        struct dirent *de;
        DIR *d;
        int state, r = 0;

        for (int i = 1; i < argc; i++) {
                if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
                        help_ps(stdout);
                        return 0;
                } else if (strcmp(argv[i], "--json") == 0)
                        json = true;
                else if (strcmp(argv[i], "--quiet") == 0 || strcmp(argv[i], "-q") == 0)
                        quiet = true;
                else
                        return fail("ps: unknown argument '%s' (see oslbox help ps)", argv[i]);
        }
        state = state_open(false, NULL);
        if (state == -ENOENT)
                goto print;
        if (state < 0)
                return EXIT_OSLBOX;
        d = fdopendir(openat(state, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        if (!d) {
                close(state);
                return fail("cannot read the state directory: %s", strerror(errno));
        }
        while ((de = readdir(d))) {
                struct session_info info;
                struct entry *v2;
                int k;

                if (session_name_check(de->d_name) < 0)
                        continue;
                k = look(state, de->d_name, &info);
                if (k < 0)
                        r = EXIT_OSLBOX;
                if (k <= 0)
                        continue;
                v2 = realloc(v, (n + 1) * sizeof(*v));
                if (!v2 || !(v2[n].name = strdup(de->d_name))) {
                        v = v2 ? v2 : v;
                        session_info_done(&info);
                        r = fail("out of memory");
                        break;
                }
                v = v2;
                v[n++].info = info;
        }
        closedir(d);
        close(state);
print:
        if (n > 1)
                qsort(v, n, sizeof(*v), by_name);
        if (quiet)
                for (size_t i = 0; i < n; i++)
                        printf("%s\n", v[i].name);
        else if (json)
                print_json(v, n);
        else
                print_table(v, n);
        for (size_t i = 0; i < n; i++) {
                free(v[i].name);
                session_info_done(&v[i].info);
        }
        free(v);
        if (fflush(stdout) != 0)
                return EXIT_OSLBOX;
        return r;
}
