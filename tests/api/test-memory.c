/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * oslbox_release_memory(): after a sandbox ran, the file pages of code the
 * process had mapped go (RssFile falls by more than a few pages), and the
 * process goes on working: another sandbox runs, with its status.
 */
#include "api.h"

#include <sys/wait.h>

/* A field of /proc/self/status, in kB; -1 when missing. */
static long status_kb(const char *field)
{
        char line[256];
        size_t n = strlen(field);
        long v = -1;
        FILE *f = fopen("/proc/self/status", "re");

        if (!f)
                return -1;
        while (fgets(line, sizeof(line), f))
                if (strncmp(line, field, n) == 0 && line[n] == ':')
                        v = strtol(line + n + 1, NULL, 10);
        fclose(f);
        return v;
}

static int run_status(const struct oslbox_policy *pol, const char *const argv[])
{
        struct oslbox_result res = { .size = sizeof(res) };
        struct oslbox_proc *proc = api_spawn(pol, argv, NULL);
        int r = oslbox_proc_wait(proc, -1, &res);

        oslbox_proc_free(proc);
        return r < 0 ? r : res.exit_code;
}

int main(void)
{
        const char *const true_argv[] = { "true", NULL }, *const seven[] = { "sh", "-c", "exit 7", NULL };
        struct oslbox_policy *pol = api_policy(NULL);
        long before, after;

        tap_ok(run_status(pol, true_argv) == 0, "a sandbox ran");
        before = status_kb("RssFile");
        oslbox_release_memory();
        after = status_kb("RssFile");
        tap_ok(before > 0 && after >= 0 && after + 64 <= before,
               "oslbox_release_memory(): RssFile %ld kB -> %ld kB (at least 64 kB less)", before, after);
        tap_ok(run_status(pol, seven) == 7, "after it, another sandbox runs and exits 7");
        oslbox_release_memory();
        oslbox_release_memory();
        tap_ok(run_status(pol, true_argv) == 0, "and after two more, one more");
        oslbox_policy_free(pol);
        printf("1..%d\n", tap_n);
        return tap_failed ? 1 : 0;
}
