/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * oslbox-init: the sandbox's init as a program of its own. liboslbox's
 * child executes it once it has applied the layers (see init-exec.c); it
 * takes its plan from the memfd named by its one argument, enters the
 * sandbox's Landlock domain and becomes init (init.c). It is not a
 * command: run by hand, it says so and exits 125.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "init.h"
#include "layers.h"

int main(int argc, char **argv)
{
        struct init_plan plan = { .sock = -1 };
        struct init_cmd cmd;
        int ruleset = -1, r;
        char *end;
        long fd;

        fd = argc == 2 ? strtol(argv[1], &end, 10) : -1;
        if (argc != 2 || *end || fd < 3 || fd > 1 << 20) {
                fputs("oslbox-init: this program is started by liboslbox for a sandbox, not by hand\n", stderr);
                return 125;
        }
        r = init_handoff_load((int) fd, &plan, &cmd, &ruleset);
        if (r < 0) {
                if (plan.sock >= 0)
                        init_fail(plan.sock, STAGE_INIT_PROGRAM, r, "oslbox-init (reading its hand-off)");
                fprintf(stderr, "oslbox-init: fd %ld is not a sandbox's hand-off: %s\n", fd, strerror(-r));
                return 125;
        }
        if (ruleset >= 0) {
                if ((r = landlock_restrict(ruleset)) < 0)
                        init_fail(plan.sock, STAGE_LANDLOCK, r, NULL);
                close(ruleset);
        }
        init_run(&plan, &cmd);
}
