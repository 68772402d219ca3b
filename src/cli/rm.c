/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* oslbox rm [--force] NAME: forgets an ended named sandbox (its status and
 * logs); with --force a running one is killed first. */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "session.h"

void help_rm(FILE *f)
{
        fprintf(f, "Usage: oslbox rm [--force] NAME\n\n"
                   "Forget the named sandbox NAME, which has ended: its status and logs go. A running\n"
                   "one is refused, unless --force (-f), which kills it first (SIGKILL to every\n"
                   "process).\n");
}

int cmd_rm(int argc, char **argv)
{
        struct session_ref ref;
        const char *name = NULL;
        bool force = false;
        int r, lock, status;

        for (int i = 1; i < argc; i++) {
                if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
                        help_rm(stdout);
                        return 0;
                } else if (strcmp(argv[i], "--force") == 0 || strcmp(argv[i], "-f") == 0)
                        force = true;
                else if (argv[i][0] == '-' && argv[i][1])
                        return fail("rm: unknown option '%s' (see oslbox help rm)", argv[i]);
                else if (name)
                        return fail("rm takes one name (usage: oslbox rm [--force] NAME)");
                else
                        name = argv[i];
        }
        if (!name)
                return fail("rm: no name given (usage: oslbox rm [--force] NAME)");
        if ((r = session_find(name, &ref)) != 0)
                goto out;
        lock = session_lock(ref.dir, false);
        if (lock == -EBUSY) {
                if (!force) {
                        r = fail("%s is running (oslbox stop %s first, or oslbox rm --force %s)", name, name, name);
                        goto out;
                }
                if (ref.conn >= 0 && session_send(ref.conn, REQ_STOP, 0, 0, 0, NULL, 0, NULL, 0) == 0 &&
                    (r = session_wait_status(&ref, name, false, &status)) != 0)
                        goto out;
                /* Its supervisor exits once its clients have the end. */
                lock = session_lock(ref.dir, true);
        }
        if (lock < 0) {
                r = fail("cannot lock the state of %s: %s", name, strerror(-lock));
                goto out;
        }
        session_clear(ref.state, ref.dir, name, true);
        close(lock);
        r = 0;
out:
        session_ref_done(&ref);
        return r;
}
