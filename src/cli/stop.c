/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * oslbox stop [--kill-after DUR] NAME: the graceful teardown of a named
 * sandbox (SIGTERM to every process of it, SIGKILL to what is left after
 * the grace), then waits until it is gone.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "session.h"

void help_stop(FILE *f)
{
        fprintf(f, "Usage: oslbox stop [--kill-after DUR] NAME\n\n"
                   "End the named sandbox NAME: SIGTERM to each of its processes, SIGKILL to those left\n"
                   "after DUR (default: its policy's kill-after, 2s; 0: at once), and return once it is\n"
                   "gone. Its logs and status stay until oslbox rm NAME. Exit status 0, also for a\n"
                   "sandbox that had ended.\n");
}

int cmd_stop(int argc, char **argv)
{
        struct session_ref ref;
        const char *name = NULL, *grace = NULL;
        uint64_t ms = 0;
        int r, status;

        for (int i = 1; i < argc; i++) {
                if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
                        help_stop(stdout);
                        return 0;
                } else if (strcmp(argv[i], "--kill-after") == 0) {
                        if (i + 1 >= argc)
                                return fail("--kill-after needs a value (DUR)");
                        grace = argv[++i];
                } else if (strncmp(argv[i], "--kill-after=", 13) == 0)
                        grace = argv[i] + 13;
                else if (argv[i][0] == '-' && argv[i][1])
                        return fail("stop: unknown option '%s' (see oslbox help stop)", argv[i]);
                else if (name)
                        return fail("stop takes one name (usage: oslbox stop [--kill-after DUR] NAME)");
                else
                        name = argv[i];
        }
        if (!name)
                return fail("stop: no name given (usage: oslbox stop [--kill-after DUR] NAME)");
        if (grace && cli_duration(grace, &ms) < 0)
                return EXIT_OSLBOX;
        if ((r = session_find(name, &ref)) != 0)
                goto out;
        if (ref.conn >= 0) {
                uint32_t hi = grace ? (uint32_t) (ms >> 32) : UINT32_MAX, lo = grace ? (uint32_t) ms : UINT32_MAX;
                if (session_send(ref.conn, REQ_STOP, hi, lo, 0, NULL, 0, NULL, 0) < 0) {
                        /* It went meanwhile: the status file says. */
                }
        }
        r = session_wait_status(&ref, name, false, &status);
out:
        session_ref_done(&ref);
        return r;
}
