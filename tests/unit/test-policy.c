/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The policy language: splitting, quoting, variables, relative paths,
 * include, and every diagnostic with its exact FILE:LINE text. */
#include "config.h"

#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <sys/stat.h>

#include "layers.h"
#include "policy.h"
#include "tap.h"
#include "util.h"

static struct oslbox_policy *parse(const char *text, size_t len, int *ret)
{
        struct oslbox_policy *p = NULL;
        oslbox_policy_new(&p);
        *ret = policy_parse_text(p, "t.policy", text, len, false);
        return p;
}

static void expect_error(const char *text, const char *want, const char *what)
{
        int r;
        struct oslbox_policy *p = parse(text, strlen(text), &r);
        tap_ok(r < 0, "%s: refused", what);
        tap_is_str(oslbox_policy_error(p), want, "%s: message", what);
        oslbox_policy_free(p);
}

static void syntax(void)
{
        const struct osb_config *cfg;
        struct passwd *pw = getpwuid(geteuid());
        char want[256];
        int r;
        static const char text[] = "ro /usr\n# a comment\n\n  rw '/a b'   # trailing\n"
                                   "env \"A=x y\"\nenv B=\"q\\\"x\"\nenv C=${USER}\n"
                                   "env D=\"\\${x}\"\nenv E=a\\ b\ntimeout 1s\ntimeout 2s\n"
                                   "env F=#not-a-comment\n";
        struct oslbox_policy *p = parse(text, strlen(text), &r);

        tap_ok(r == 0, "a valid file parses (%s)", oslbox_policy_error(p));
        cfg = policy_config(p);
        tap_ok(cfg->mounts.n == 2 && strcmp(cfg->mounts.v[0].value, "/usr") == 0 &&
               cfg->mounts.v[0].kind == OSB_MOUNT_RO && strcmp(cfg->mounts.v[1].value, "/a b") == 0 &&
               cfg->mounts.v[1].kind == OSB_MOUNT_RW, "ro and rw accumulate, single quotes keep blanks");
        tap_ok(cfg->env.n == 6, "six env lines, six variables (got %zu)", cfg->env.n);
        if (cfg->env.n == 6) {
                tap_is_str(cfg->env.v[0].value, "A=x y", "double quotes keep blanks");
                tap_is_str(cfg->env.v[1].value, "B=q\"x", "\\\" inside double quotes");
                snprintf(want, sizeof(want), "C=%s", pw ? pw->pw_name : "?");
                tap_is_str(cfg->env.v[2].value, want, "${USER} expands");
                tap_is_str(cfg->env.v[3].value, "D=${x}", "\\$ is a dollar sign");
                tap_is_str(cfg->env.v[4].value, "E=a b", "a backslash escapes a blank");
                tap_is_str(cfg->env.v[5].value, "F=#not-a-comment", "# inside a word is not a comment");
        }
        tap_is_int(cfg->timeout_ms, 2000, "single-valued: the last one wins");
        oslbox_policy_free(p);
}

static void diagnostics(void)
{
        char big[5000], nul[] = "ro /usr\nro /a\0b\n";
        int r;
        struct oslbox_policy *p;

        expect_error("foo bar\n", "t.policy:1: error: unknown directive 'foo'", "unknown directive");
        expect_error("\n\ntimeout 5x\n",
                     "t.policy:3: error: timeout: invalid duration '5x' (use e.g. 500ms, 30s, 5m, 1h, or seconds)",
                     "bad value");
        expect_error("timeout 1s 2s\n",
                     "t.policy:1: error: 'timeout' takes one value (DUR); quote a value with spaces",
                     "too many values");
        expect_error("ro\n", "t.policy:1: error: 'ro' takes one value (PATH)", "missing value");
        expect_error("pty yes\n", "t.policy:1: error: 'pty' takes no value", "value for a flag");
        expect_error("policy x\n", "t.policy:1: error: 'policy' is a command-line option; use include",
                     "a command-line-only option");
        expect_error("env 'A=1\n", "t.policy:1: error: unterminated single quote", "open single quote");
        expect_error("env \"A=1\n", "t.policy:1: error: unterminated double quote", "open double quote");
        expect_error("env A=1\\", "t.policy:1: error: backslash at the end of the line", "trailing backslash");
        expect_error("env A=${NOPE}\n",
                     "t.policy:1: error: unknown variable ${NOPE} (known: HOME, CWD, USER, POLICY_DIR)",
                     "unknown variable");
        expect_error("env A=$HOME\n",
                     "t.policy:1: error: a lone '$': write ${NAME} for a variable, \\$ for a dollar sign",
                     "a variable without braces");
        expect_error("deny-syscall nope\n", "t.policy:1: error: deny-syscall: unknown system call 'nope'",
                     "unknown syscall");
        snprintf(big, sizeof(big), "t.policy:1: error: this host lacks landlock>=99 (it has Landlock ABI %d)",
                 landlock_abi());
        expect_error("require landlock>=99\n", big, "require landlock>=99");
        expect_error("require frobs\n",
                     "t.policy:1: error: require: unknown feature 'frobs' (known: landlock[>=N], userns, "
                     "seccomp, cgroup)", "require of an unknown feature");
        expect_error("require userns>=2\n", "t.policy:1: error: require: userns has no version",
                     "require with a version where there is none");

        expect_error("\x1b]0;title\x07 x\n", "t.policy:1: error: unknown directive '\\x1b]0;title\\x07'",
                     "an OSC sequence in a message");
        expect_error("h\xc2\x9b" "1m\xff\xe0\x80\x80\xed\xa0\x80\xf4\x90\x80\x80\xc3\xa9 x\n",
                     "t.policy:1: error: unknown directive 'h\\xc2\\x9b1m\\xff\\xe0\\x80\\x80\\xed\\xa0\\x80"
                     "\\xf4\\x90\\x80\\x80\xc3\xa9'",
                     "C1, stray, overlong, surrogate and past-U+10FFFF bytes escaped, valid UTF-8 kept");
        expect_error("pids 0\n", "t.policy:1: error: pids: invalid process count '0' (1 to 4194304, or default)",
                     "pids 0");

        p = parse(nul, sizeof(nul) - 1, &r);
        tap_ok(r < 0, "NUL byte: refused");
        tap_is_str(oslbox_policy_error(p), "t.policy:2: error: NUL byte: not a text file", "NUL byte: message");
        oslbox_policy_free(p);

        memset(big, 'x', sizeof(big));
        memcpy(big, "ro /", 4);
        big[sizeof(big) - 1] = '\n';
        p = parse(big, sizeof(big), &r);
        tap_ok(r < 0, "a line over 4096 bytes: refused");
        tap_is_str(oslbox_policy_error(p), "t.policy:1: error: line longer than 4096 bytes",
                   "long line: message");
        oslbox_policy_free(p);
}

static void check_mode(void)
{
        char dir[] = "/tmp/test-policy-check.XXXXXX", path[PATH_MAX], want[PATH_MAX * 4], cmd[PATH_MAX];
        struct oslbox_policy *p = NULL;
        char *errors = (char *) "unset";
        FILE *f;

        tap_ok(mkdtemp(dir) != NULL, "check: a temporary directory");
        snprintf(path, sizeof(path), "%s/inc.policy", dir);
        f = fopen(path, "w");
        fputs("frob\nro /usr\n", f);
        fclose(f);
        snprintf(path, sizeof(path), "%s/a.policy", dir);
        f = fopen(path, "w");
        fputs("timeout 5x\ninclude inc.policy\nro /usr\nenv 'x\ninclude missing.policy\nkill-after 1s\n", f);
        fclose(f);
        oslbox_policy_new(&p);
        tap_is_int(oslbox_policy_check(p, path, &errors), 4, "oslbox_policy_check: four errors");
        snprintf(want, sizeof(want),
                 "%s:1: error: timeout: invalid duration '5x' (use e.g. 500ms, 30s, 5m, 1h, or seconds)\n"
                 "%s/inc.policy:1: error: unknown directive 'frob'\n"
                 "%s:4: error: unterminated single quote\n"
                 "%s:5: error: cannot read include %s/missing.policy: No such file or directory\n",
                 path, dir, path, path, dir);
        tap_is_str(errors, want, "... every one, in order, the included file's with its own FILE:LINE");
        tap_is_int(policy_config(p)->kill_after_ms, 1000, "... and it read on to the last line");
        free(errors);
        oslbox_policy_free(p);

        oslbox_policy_new(&p);
        snprintf(path, sizeof(path), "%s/inc.policy", dir);
        f = fopen(path, "w");
        fputs("ro /usr\n", f);
        fclose(f);
        tap_is_int(oslbox_policy_check(p, path, &errors), 0, "a valid file: no error");
        tap_ok(errors == NULL, "... and no text");
        tap_is_int(oslbox_policy_check(p, "/nonexistent/x.policy", &errors), 1, "a missing file: one error");
        tap_is_str(errors, "cannot read policy /nonexistent/x.policy: No such file or directory\n", "... saying so");
        free(errors);
        tap_is_int(oslbox_policy_check(p, NULL, &errors), -EINVAL, "no path: -EINVAL");
        oslbox_policy_free(p);
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        tap_ok(system(cmd) == 0, "check: cleanup");
}

static void write_file(const char *dir, const char *name, const char *text)
{
        char path[PATH_MAX];
        FILE *f;
        snprintf(path, sizeof(path), "%s/%s", dir, name);
        f = fopen(path, "w");
        fputs(text, f);
        fclose(f);
}

static void files(void)
{
        char dir[] = "/tmp/test-policy.XXXXXX", path[PATH_MAX], want[PATH_MAX * 2];
        struct oslbox_policy *p = NULL;
        const struct osb_config *cfg;
        int r;

        tap_ok(mkdtemp(dir) != NULL, "temporary directory");
        snprintf(path, sizeof(path), "%s/sub", dir);
        mkdir(path, 0755);
        write_file(dir, "a.policy", "include sub/b.policy\nro data\n");
        write_file(dir, "sub/b.policy", "rw ${POLICY_DIR}/x\nro rel\ntmpfs ../t\n");
        oslbox_policy_new(&p);
        snprintf(path, sizeof(path), "%s/a.policy", dir);
        r = oslbox_policy_load(p, path);
        tap_ok(r == 0, "include relative to the including file (%s)", oslbox_policy_error(p));
        cfg = policy_config(p);
        tap_ok(cfg->mounts.n == 4, "four mount directives");
        if (cfg->mounts.n == 4) {
                snprintf(want, sizeof(want), "%s/sub/x", dir);
                tap_is_str(cfg->mounts.v[0].value, want, "${POLICY_DIR} is the included file's directory");
                snprintf(want, sizeof(want), "%s/sub/rel", dir);
                tap_is_str(cfg->mounts.v[1].value, want, "relative path: against the included file's directory");
                snprintf(want, sizeof(want), "%s/t", dir);
                tap_is_str(cfg->mounts.v[2].value, want, "../ is folded");
                snprintf(want, sizeof(want), "%s/data", dir);
                tap_is_str(cfg->mounts.v[3].value, want, "relative path: against the including file's directory");
        }
        oslbox_policy_free(p);

        write_file(dir, "c.policy", "include d.policy\n");
        write_file(dir, "d.policy", "\ninclude c.policy\n");
        oslbox_policy_new(&p);
        snprintf(path, sizeof(path), "%s/c.policy", dir);
        tap_ok(oslbox_policy_load(p, path) == -ELOOP, "an include cycle is refused");
        snprintf(want, sizeof(want), "%s/d.policy:2: error: include cycle: %s/c.policy is already being read",
                 dir, dir);
        tap_is_str(oslbox_policy_error(p), want, "... at the including line");
        oslbox_policy_free(p);

        for (int i = 0; i < 10; i++) {
                char name[32], text[64];
                snprintf(name, sizeof(name), "n%d.policy", i);
                snprintf(text, sizeof(text), "include n%d.policy\n", i + 1);
                write_file(dir, name, text);
        }
        write_file(dir, "n10.policy", "pty\n");
        oslbox_policy_new(&p);
        snprintf(path, sizeof(path), "%s/n0.policy", dir);
        tap_ok(oslbox_policy_load(p, path) == -ELOOP, "includes nested too deep are refused");
        snprintf(want, sizeof(want), "%s/n8.policy:1: error: includes nest more than 8 deep at %s/n9.policy",
                 dir, dir);
        tap_is_str(oslbox_policy_error(p), want, "... saying where");
        oslbox_policy_free(p);

        write_file(dir, "m.policy", "pty\ninclude missing.policy\n");
        oslbox_policy_new(&p);
        snprintf(path, sizeof(path), "%s/m.policy", dir);
        tap_ok(oslbox_policy_load(p, path) == -ENOENT, "a missing include is refused");
        snprintf(want, sizeof(want),
                 "%s/m.policy:2: error: cannot read include %s/missing.policy: No such file or directory", dir, dir);
        tap_is_str(oslbox_policy_error(p), want, "... naming it");
        oslbox_policy_free(p);

        {
                /* 1 MiB of "#...\n" lines of 64 bytes, then one byte more. */
                size_t size = 1024 * 1024 + 1;
                char *huge = malloc(size);
                memset(huge, '#', size);
                for (size_t i = 63; i < size; i += 64)
                        huge[i] = '\n';
                snprintf(path, sizeof(path), "%s/huge.policy", dir);
                FILE *f = fopen(path, "w");
                fwrite(huge, 1, size - 1, f);
                fclose(f);
                oslbox_policy_new(&p);
                tap_ok(oslbox_policy_load(p, path) == 0, "a file of 1 MiB is read (%s)", oslbox_policy_error(p));
                oslbox_policy_free(p);
                f = fopen(path, "a");
                fputs("#\n", f);
                fclose(f);
                free(huge);
        }
        oslbox_policy_new(&p);
        tap_ok(oslbox_policy_load(p, path) == -EFBIG, "an oversized file is refused");
        snprintf(want, sizeof(want), "%s:16385: error: the file goes past 1048576 bytes (1 MiB) on this line", path);
        tap_is_str(oslbox_policy_error(p), want, "... at the line that crosses the limit");
        oslbox_policy_free(p);

        /* A file that is not a policy: errors without its lines. */
        write_file(dir, "npmrc", "//registry.npmjs.org/:_authToken=SECRET\ntimeout SECRET\n");
        write_file(dir, "i.policy", "include ./npmrc\n");
        oslbox_policy_new(&p);
        snprintf(path, sizeof(path), "%s/i.policy", dir);
        tap_ok(oslbox_policy_load(p, path) == -EINVAL, "an included non-policy with bad lines is refused");
        snprintf(want, sizeof(want), "%s/npmrc:1: error: unknown directive (the line is not shown: not a .policy file)",
                 dir);
        tap_is_str(oslbox_policy_error(p), want, "... with FILE:LINE: and the reason only");
        oslbox_policy_free(p);
        {
                char *errors = NULL;
                oslbox_policy_new(&p);
                snprintf(path, sizeof(path), "%s/npmrc", dir);
                tap_is_int(oslbox_policy_check(p, path, &errors), 2, "oslbox_policy_check: two errors in npmrc");
                snprintf(want, sizeof(want), "%s/npmrc:1: error: unknown directive (the line is not shown: not a "
                         ".policy file)\n%s/npmrc:2: error: timeout: invalid value (the line is not shown: not a "
                         ".policy file)\n", dir, dir);
                tap_is_str(errors, want, "... both, neither quoting the file");
                free(errors);
                oslbox_policy_free(p);
        }

        oslbox_policy_new(&p);
        tap_ok(oslbox_policy_load(p, dir) == -EINVAL, "a directory is refused");
        oslbox_policy_free(p);
        snprintf(path, sizeof(path), "rm -rf '%s'", dir);
        tap_ok(system(path) == 0, "cleanup");
}

int main(void)
{
        syntax();
        diagnostics();
        check_mode();
        files();
        return tap_done();
}
