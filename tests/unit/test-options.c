/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The option table is the one source of flags, directives, help and man
 * pages: every row must be complete, and its handler must validate. */
#include "config.h"

#include <ctype.h>

#include "options.h"
#include "tap.h"

static void rows_are_documented(void)
{
        const struct oslbox_option *o;
        size_t n = 0;

        for (size_t i = 0; (o = oslbox_option_get(i)); i++, n++) {
                size_t len = o->help ? strlen(o->help) : 0;
                tap_ok(o->name && *o->name, "row %zu has a name", i);
                tap_ok(len > 10 && o->help[len - 1] == '.' && isupper((unsigned char) o->help[0]),
                       "--%s has help text, a sentence", o->name);
                tap_ok(o->layer && *o->layer, "--%s names its layer", o->name);
                tap_ok(!o->metavar || (*o->metavar && isupper((unsigned char) o->metavar[0])),
                       "--%s: metavar is absent or upper case", o->name);
                for (size_t j = 0; j < i; j++)
                        if (strcmp(oslbox_option_get(j)->name, o->name) == 0)
                                tap_ok(0, "--%s appears twice", o->name);
        }
        tap_is_int(n, option_count(), "oslbox_option_get() walks the whole table");
        tap_ok(oslbox_option_get(n) == NULL, "past the end is NULL");
}

static void contract_directives_exist(void)
{
        static const char *const contract[] = {
                "policy", "pty", "no-pty", "timeout", "kill-after", "ro", "rw", "tmpfs", "cwd", "net",
                "env", "keep-env", "allow-syscall", "deny-syscall", "rlimit", "memory", "pids",
                "hostname", "report", "ro-try", "rw-try", "no-project-policy",
        };
        for (size_t i = 0; i < ELEMENTSOF(contract); i++)
                tap_ok(option_find(contract[i]) != NULL, "directive %s is in the table", contract[i]);
}

static void handlers_validate(void)
{
        static const struct { const char *name, *value; int ok; } cases[] = {
                { "timeout", "30s", 1 }, { "timeout", "-5s", 0 }, { "timeout", "5x", 0 },
                { "kill-after", "500ms", 1 }, { "kill-after", "", 0 },
                { "net", "none", 1 }, { "net", "host", 1 }, { "net", "bridge", 0 },
                { "env", "A=1", 1 }, { "env", "A=", 1 }, { "env", "=1", 0 }, { "env", "A", 0 },
                { "keep-env", "LC_*", 1 }, { "keep-env", "A=B", 0 },
                { "allow-syscall", "ptrace", 1 }, { "deny-syscall", "no_such_call", 0 },
                { "hostname", "box-1", 1 }, { "hostname", "bad name", 0 },
                { "ro", "/usr", 1 }, { "ro", "", 0 }, { "cwd", "sub", 1 },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                struct oslbox_policy *p = NULL;
                int r;

                oslbox_policy_new(&p);
                r = oslbox_policy_set(p, cases[i].name, cases[i].value);
                tap_ok((r == 0) == cases[i].ok, "%s '%s' is %s%s%s", cases[i].name, cases[i].value,
                       cases[i].ok ? "accepted" : "refused", *oslbox_policy_error(p) ? ": " : "",
                       oslbox_policy_error(p));
                if (!cases[i].ok)
                        tap_ok(*oslbox_policy_error(p) != '\0', "  ... with a message");
                oslbox_policy_free(p);
        }
}

static void policy_api(void)
{
        struct oslbox_policy *p = NULL, *copy = NULL;

        tap_ok(oslbox_policy_new(&p) == 0, "policy_new");
        tap_ok(oslbox_policy_set(p, "no-such", "x") == -EINVAL, "unknown directive: -EINVAL");
        tap_is_str(oslbox_policy_error(p), "unknown directive", "... with its message");
        tap_ok(oslbox_policy_set(p, "timeout", NULL) == -EINVAL, "a value is required");
        tap_ok(oslbox_policy_set(p, "pty", "x") == -EINVAL, "a flag takes no value");
        tap_ok(oslbox_policy_set(p, "rw", "/tmp") == 0, "rw /tmp");
        tap_ok(oslbox_policy_copy(p, &copy) == 0, "policy_copy");
        tap_ok(oslbox_policy_set(copy, "env", "X=1") == 0 && oslbox_policy_set(p, "env", "Y=2") == 0,
               "copies are independent objects");
        oslbox_policy_free(copy);
        oslbox_policy_free(p);
        oslbox_policy_free(NULL);
        tap_ok(1, "free(NULL) is fine");
}

int main(void)
{
        rows_are_documented();
        contract_directives_exist();
        handlers_validate();
        policy_api();
        return tap_done();
}
