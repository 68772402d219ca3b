/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * oslbox logs [--follow] NAME: what a named sandbox wrote, stdout to stdout
 * and stderr to stderr (a PTY's output to stdout). While it runs, the
 * supervisor sends its ring; once it ended, the log file it left holds the
 * same, until oslbox rm NAME or the next start under the name. Either way
 * it is the last 256 KiB (SESSION_RING_BYTES): older output is not kept.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "session.h"

void help_logs(FILE *f)
{
        fprintf(f, "Usage: oslbox logs [--follow] NAME\n\n"
                   "Print what the named sandbox NAME wrote, its stdout on stdout and its stderr on\n"
                   "stderr (with a PTY, the terminal's output on stdout): the last 256 KiB of it, while\n"
                   "it runs and after it ended, until oslbox rm NAME or the next start under NAME.\n"
                   "With --follow (-f), go on printing its output as it comes until it ends.\n");
}

/* The log file's records, as session.h describes them. */
static int print_log_file(int dir, const char *name)
{
        char *data = NULL;
        size_t len = 0, at = 0;
        int r = session_read_file(dir, "log", SESSION_RING_BYTES * 6, &data, &len);

        if (r == -ENOENT)
                return 0;               /* it wrote nothing, or its supervisor could not save it */
        if (r < 0)
                return fail("cannot read the log of %s: %s", name, strerror(-r));
        while (at + 5 <= len) {
                uint32_t n = 0;
                int stream = (unsigned char) data[at];
                for (int i = 0; i < 4; i++)
                        n |= (uint32_t) (unsigned char) data[at + 1 + i] << (8 * i);
                if ((stream != 1 && stream != 2) || n > len - at - 5)
                        break;
                if (write_all(stream == 2 ? STDERR_FILENO : STDOUT_FILENO, data + at + 5, n) < 0)
                        break;
                at += 5 + n;
        }
        free(data);
        if (at != len)
                return fail("the log of %s is damaged after %zu bytes", name, at);
        return 0;
}

int cmd_logs(int argc, char **argv)
{
        static char buf[SESSION_MSG_MAX + 1];
        struct session_ref ref;
        const char *name = NULL;
        bool follow = false;
        int r;

        for (int i = 1; i < argc; i++) {
                if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
                        help_logs(stdout);
                        return 0;
                } else if (strcmp(argv[i], "--follow") == 0 || strcmp(argv[i], "-f") == 0)
                        follow = true;
                else if (argv[i][0] == '-' && argv[i][1])
                        return fail("logs: unknown option '%s' (see oslbox help logs)", argv[i]);
                else if (name)
                        return fail("logs takes one name (usage: oslbox logs [--follow] NAME)");
                else
                        name = argv[i];
        }
        if (!name)
                return fail("logs: no name given (usage: oslbox logs [--follow] NAME)");
        if ((r = session_find(name, &ref)) != 0)
                goto out;
        if (ref.conn >= 0 && session_send(ref.conn, REQ_LOGS, 0, 0, follow ? LOGS_FOLLOW : 0, NULL, 0, NULL, 0) == 0) {
                for (;;) {
                        struct session_msg m;
                        ssize_t k = session_recv(ref.conn, &m, buf, NULL, NULL);
                        if (k < 0 || m.type == 0)
                                break;  /* it ended meanwhile: the file has it all */
                        if (m.type == MSG_DATA) {
                                if (write_all(m.a == 2 ? STDERR_FILENO : STDOUT_FILENO, buf, (size_t) k) < 0) {
                                        r = fail("cannot write the output: %s", strerror(errno));
                                        goto out;
                                }
                        } else if (m.type == MSG_END || m.type == MSG_EXIT)
                                goto out;
                        else if (m.type == MSG_REFUSED) {
                                r = fail("%s", buf);
                                goto out;
                        }
                }
                /* What we printed is the start of the file: not twice. */
                r = fail("lost the connection to the supervisor of %s", name);
                goto out;
        }
        r = print_log_file(ref.dir, name);
out:
        session_ref_done(&ref);
        return r;
}
