/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* oslbox wait NAME: blocks until the named sandbox ends; its status. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "session.h"

void help_wait(FILE *f)
{
        fprintf(f, "Usage: oslbox wait NAME\n\n"
                   "Wait until the named sandbox NAME ends, and exit with the status oslbox run would\n"
                   "have: its command's, 128+N after signal N, 124 after its timeout. For one that\n"
                   "ended already, at once.\n");
}

int cmd_wait(int argc, char **argv)
{
        struct session_ref ref;
        int r;

        if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
                help_wait(stdout);
                return 0;
        }
        if (argc != 2 || (argv[1][0] == '-' && argv[1][1]))
                return fail("usage: oslbox wait NAME");
        if ((r = session_find(argv[1], &ref)) == 0) {
                if (ref.conn >= 0 && session_send(ref.conn, REQ_WAIT, 0, 0, 0, NULL, 0, NULL, 0) < 0) {
                        /* It went meanwhile: the status file says. */
                }
                r = session_wait_exit(&ref, argv[1], false);
        }
        session_ref_done(&ref);
        return r;
}
