/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The option table is the one source of flags, directives, help and man
 * pages: every row must be complete, and its handler must validate. */
#include "config.h"

#include <ctype.h>
#include <limits.h>
#include <sys/stat.h>

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
                "hostname", "report", "ro-try", "rw-try", "rw-create", "no-project-policy",
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
                { "pids", "default", 1 }, { "pids", "64", 1 }, { "pids", "0", 0 }, { "pids", "deflt", 0 },
                { "rw-create", "/tmp/x", 1 },
                { "detach-keys", "ctrl-]", 1 }, { "detach-keys", "ctrl-p,ctrl-q", 1 }, { "detach-keys", "q", 1 },
                { "detach-keys", "DEL", 1 }, { "detach-keys", "ctrl-\\,ctrl-_", 1 }, { "detach-keys", "", 0 },
                { "detach-keys", "ctrl-", 0 }, { "detach-keys", "ctrl-1", 0 }, { "detach-keys", "ab", 0 },
                { "detach-keys", "ctrl-p,", 0 }, { "detach-keys", ",", 0 }, { "detach-keys", " ", 0 },
                { "detach-keys", "a,b,c,d,e,f,g,h,i", 0 },
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

/* --- tests/widening.table --------------------------------------------------- */

struct use {
        char name[64];
        char wide[512], narrow[512];    /* policy lines, "\n"-separated; "" for "-" */
        bool cli_only;
};

static char *trim(char *s)
{
        char *e;
        while (*s == ' ')
                s++;
        for (e = s + strlen(s); e > s && (e[-1] == ' ' || e[-1] == '\n'); e--)
                ;
        *e = '\0';
        return s;
}

/* " ; " separates lines; "-" is none. */
static void cell(char *out, size_t size, char *text)
{
        char *t = trim(text), *o = out;
        *out = '\0';
        if (strcmp(t, "-") == 0)
                return;
        for (char *sep; (sep = strstr(t, " ; ")); t = sep + 3) {
                *sep = '\0';
                o += snprintf(o, size - (size_t) (o - out), "%s\n", trim(t));
        }
        snprintf(o, size - (size_t) (o - out), "%s\n", trim(t));
}

static size_t read_table(struct use *uses, size_t max)
{
        const char *src = getenv("OSLBOX_SRCDIR");
        char path[PATH_MAX], line[1024];
        size_t n = 0;
        FILE *f;

        snprintf(path, sizeof(path), "%s/tests/widening.table", src ? src : ".");
        f = fopen(path, "re");
        tap_ok(f != NULL, "%s can be read", path);
        while (f && n < max && fgets(line, sizeof(line), f)) {
                char *a = line, *b, *c;
                if (line[0] == '#' || !*trim(line))
                        continue;
                b = strchr(a, '|');
                c = b ? strchr(b + 1, '|') : NULL;
                if (b)
                        *b++ = '\0';
                if (c)
                        *c++ = '\0';
                memset(&uses[n], 0, sizeof(uses[n]));
                snprintf(uses[n].name, sizeof(uses[n].name), "%s", trim(a));
                uses[n].cli_only = b && strcmp(trim(b), "cli-only") == 0;
                if (!uses[n].cli_only && !c) {
                        tap_ok(0, "table line for %s has NAME | WIDE | NARROW", uses[n].name);
                        continue;
                }
                if (c) {
                        cell(uses[n].wide, sizeof(uses[n].wide), b);
                        cell(uses[n].narrow, sizeof(uses[n].narrow), c);
                }
                n++;
        }
        if (f)
                fclose(f);
        return n;
}

static unsigned count_lines(const char *s)
{
        unsigned n = 0;
        for (; *s; s++)
                n += *s == '\n';
        return n;
}

/* Loads LINES as the untrusted project policy of a new project. */
static int load_untrusted(const char *root, const char *lines, struct oslbox_policy **ret, char *policy_path,
                          size_t size)
{
        char dir[256], cmd[1024];
        struct oslbox_policy *p = NULL;
        FILE *f;
        int r;

        snprintf(dir, sizeof(dir), "%s/proj", root);
        snprintf(cmd, sizeof(cmd), "rm -rf '%s' && mkdir -p '%s/.git' '%s/sub'", dir, dir, dir);
        if (system(cmd) != 0)
                return -EIO;
        snprintf(policy_path, size, "%s/.oslbox.policy", dir);
        f = fopen(policy_path, "we");
        if (!f)
                return -errno;
        fputs(lines, f);
        fclose(f);
        oslbox_policy_new(&p);
        r = oslbox_policy_load_project(p, dir, NULL);
        *ret = p;
        return r;
}

static void widening_table(void)
{
        static struct use uses[128];
        char root[] = "/tmp/test-options.XXXXXX", state[PATH_MAX + 16], cmd[PATH_MAX + 16];
        const struct osb_option *o;
        size_t n = read_table(uses, ELEMENTSOF(uses));

        /* Every row has its line: a new row must say what it widens. */
        for (size_t i = 0; (o = option_at(i)); i++) {
                bool found = false;
                for (size_t j = 0; j < n && !found; j++)
                        found = strcmp(uses[j].name, o->pub.name) == 0;
                tap_ok(found, "row %s has a line in tests/widening.table", o->pub.name);
        }
        for (size_t j = 0; j < n; j++)
                if (!option_find(uses[j].name))
                        tap_ok(0, "tests/widening.table: %s is not a row of the option table", uses[j].name);

        tap_ok(mkdtemp(root) != NULL, "a temporary directory");
        snprintf(state, sizeof(state), "%s/state", root);      /* an empty trust store */
        setenv("XDG_STATE_HOME", state, 1);
        for (size_t j = 0; j < n; j++) {
                const struct use *u = &uses[j];
                struct oslbox_policy *p = NULL;
                char path[PATH_MAX], want[PATH_MAX + 96];
                char *text = NULL;
                int r;

                o = option_find(u->name);
                if (!o)
                        continue;
                if (u->cli_only) {
                        tap_ok(o->pub.flags & OSLBOX_OPTION_CLI_ONLY, "%s is command-line only", u->name);
                        continue;
                }
                if (*u->wide) {
                        r = load_untrusted(root, u->wide, &p, path, sizeof(path));
                        snprintf(want, sizeof(want), "%s:%u: %s", path, count_lines(u->wide), u->name);
                        tap_ok(r == -EPERM && strstr(oslbox_policy_error(p), want),
                               "untrusted, %s widens: refused at %s (%d: %s)", u->name, want, r,
                               oslbox_policy_error(p));
                        tap_ok((o->pub.flags & OSLBOX_OPTION_WIDENS) && o->widens,
                               "... and its row is marked as one that widens");
                        oslbox_policy_free(p);
                }
                if (*u->narrow) {
                        r = load_untrusted(root, u->narrow, &p, path, sizeof(path));
                        snprintf(want, sizeof(want), "# %s:%u\n", path, count_lines(u->narrow));
                        tap_ok(r == 1 && oslbox_policy_explain(p, &text) == 0 && strstr(text, want),
                               "untrusted, %s narrows: applied, explain says %s (%d: %s)", u->name, want, r,
                               oslbox_policy_error(p));
                        free(text);
                        oslbox_policy_free(p);
                }
        }
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
        tap_ok(system(cmd) == 0, "cleanup");
}

int main(void)
{
        rows_are_documented();
        contract_directives_exist();
        handlers_validate();
        policy_api();
        widening_table();
        return tap_done();
}
