/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * oslbox learn: run a command once under the policy given, with
 * log-denials on, and write a policy file that includes that base and adds
 * what the run was refused: one directive per needed access, each with a
 * comment saying why. It never advises / or $HOME whole, writes paths under
 * the working directory relative to it, collapses many files of one
 * directory into the directory, and reports network destinations as
 * comments (the base decides the network). Env values are never written.
 *
 * The trial run widens the view with host-view: the host's directories the
 * base leaves out are visible read-only, and the observer reports each use
 * of them as outside the view, so a command that would stop at its first
 * refusal goes on and shows everything it reads or runs. Writes keep the
 * base's places: a write elsewhere is refused in the trial too, and
 * advised. In the landlock isolation mode, where host-view is refused,
 * the trial keeps the base view (--isolation landlock says so).
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <oslbox.h>

#include "cli.h"

/* A directory holding this many of the files a run needed is advised whole. */
#define LEARN_COLLAPSE 8

void help_learn(FILE *f)
{
        fprintf(f, "Usage: oslbox learn [OPTIONS] [-o FILE] [-n N] [--] COMMAND [ARG...]\n\n"
                   "Run COMMAND in a sandbox made from the embedded default policy and the policy\n"
                   "files and options given (those of oslbox run; no project policy), with\n"
                   "log-denials and host-view on, and write a policy that includes the base and\n"
                   "adds a directive, commented with why, for each access the run needed beyond the\n"
                   "base. This is a trial run: the command really runs, writes included. The trial\n"
                   "sees the host's directories that the base leaves out read-only (not /proc,\n"
                   "/dev, /sys, /run, /tmp, the home directory nor what the view hides), so that it\n"
                   "goes on past what the base would refuse; writes go only where the base allows\n"
                   "them. When a run fails and was refused something new, learn runs COMMAND again\n"
                   "with what it learned, until a run succeeds or needs nothing new (at most -n\n"
                   "times): a write refused in one run may have stopped the command before it\n"
                   "showed the rest. A signal that ends learn ends the runs. The network is never\n"
                   "widened: the destinations refused are written as comments. With --isolation\n"
                   "landlock the trial keeps the base view.\n\n"
                   "Options:\n"
                   "  -o FILE                 write the policy to FILE, which must not exist\n"
                   "                          (default: standard output)\n"
                   "  -n N                    run COMMAND at most N times (1-16, default 4)\n"
                   "  -h, --help              show this help\n"
                   "  and every option of oslbox run (see oslbox help run)\n");
}

/* One directive the policy will hold. */
struct advice {
        char *directive;        /* "ro /opt/data" */
        char *why;              /* "read by cat, 3 times" */
        bool dropped;
        bool lookup;            /* only looked up (stat): a file advised below it is enough */
};

struct learn {
        struct advice *v;
        size_t n, cap;
        size_t applied;         /* v[0..applied) are in the policy of the next run */
        unsigned runs;          /* trial runs made */
        char **notes;           /* comments: what no directive is written for */
        size_t n_notes, cap_notes;
        const char *home;
        char cwd[PATH_MAX];
        bool relative;          /* paths under cwd relative to it (the file is there) */
};

static int push_advice_as(struct learn *l, char *directive, char *why, bool lookup)
{
        if (!directive || !why) {
                free(directive);
                free(why);
                return -ENOMEM;
        }
        for (size_t i = 0; i < l->n; i++)
                if (strcmp(l->v[i].directive, directive) == 0) {
                        if (l->v[i].lookup && !lookup) {
                                /* more than a look-up: say that */
                                free(l->v[i].why);
                                l->v[i].why = why;
                                why = NULL;
                                l->v[i].lookup = false;
                        }
                        free(directive);
                        free(why);
                        return 0;
                }
        if (l->n == l->cap) {
                size_t cap = l->cap ? 2 * l->cap : 16;
                struct advice *v = realloc(l->v, cap * sizeof(*v));
                if (!v) {
                        free(directive);
                        free(why);
                        return -ENOMEM;
                }
                l->v = v;
                l->cap = cap;
        }
        l->v[l->n++] = (struct advice) { .directive = directive, .why = why, .lookup = lookup };
        return 0;
}

static int push_advice(struct learn *l, char *directive, char *why)
{
        return push_advice_as(l, directive, why, false);
}

static int push_note(struct learn *l, char *note)
{
        if (!note)
                return -ENOMEM;
        for (size_t i = 0; i < l->n_notes; i++)
                if (strcmp(l->notes[i], note) == 0) {
                        free(note);     /* said in an earlier run */
                        return 0;
                }
        if (l->n_notes == l->cap_notes) {
                size_t cap = l->cap_notes ? 2 * l->cap_notes : 16;
                char **v = realloc(l->notes, cap * sizeof(*v));
                if (!v) {
                        free(note);
                        return -ENOMEM;
                }
                l->notes = v;
                l->cap_notes = cap;
        }
        l->notes[l->n_notes++] = note;
        return 0;
}

static char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *xasprintf(const char *fmt, ...)
{
        va_list ap;
        char *s = NULL;
        int r;

        va_start(ap, fmt);
        r = vasprintf(&s, fmt, ap);
        va_end(ap);
        return r < 0 ? NULL : s;
}

/* A path or word the policy file can hold without quoting. */
static bool plain(const char *s)
{
        if (!*s)
                return false;
        for (const unsigned char *p = (const unsigned char *) s; *p; p++)
                if (*p <= ' ' || *p == 0x7f || *p == '#' || *p == '"' || *p == '\'' || *p == '\\' || *p == '$')
                        return false;
        return true;
}

/* Too wide to advise: the root, the home directory, or a parent of either. */
static bool too_wide(const struct learn *l, const char *path)
{
        size_t n = strlen(path);

        if (strcmp(path, "/") == 0)
                return true;
        if (l->home && *l->home == '/' && strncmp(l->home, path, n) == 0 &&
            (l->home[n] == '\0' || l->home[n] == '/'))
                return true;
        /* the working directory's parents: a path under it is what is wanted */
        return strncmp(l->cwd, path, n) == 0 && l->cwd[n] == '/';
}

/* "ro PATH" with PATH relative to the working directory when under it. */
static char *directive_for(const struct learn *l, const char *verb, const char *path)
{
        size_t n = strlen(l->cwd);

        if (strncmp(path, l->cwd, n) == 0 && path[n] == '/' && path[n + 1])
                return l->relative ? xasprintf("%s %s", verb, path + n + 1)
                                   : xasprintf("%s ${CWD}/%s", verb, path + n + 1);
        if (strcmp(path, l->cwd) == 0)
                return xasprintf("%s %s", verb, l->relative ? "." : "${CWD}");
        return xasprintf("%s %s", verb, path);
}

/* How denial D used its path, for the comment: "read", "run", ... */
static const char *verb_why(const char *verb, const struct oslbox_denial *d)
{
        if (strcmp(verb, "rw") == 0)
                return "written";
        if (strncmp(d->what, "execute ", 8) == 0)
                return "run";
        if (strncmp(d->what, "look up ", 8) == 0)
                return "looked up";
        return "read";
}

/* Whether D allows VERB ("ro", "rw") of a file directly in DIR. */
static bool file_of(const struct oslbox_denial *d, const char *verb, const char *dir)
{
        size_t dn = strlen(dir);
        const char *p;

        if (strcmp(d->layer, "filesystem") != 0 || !d->allow || strncmp(d->allow, verb, 2) != 0 || d->allow[2] != ' ')
                return false;
        p = d->allow + 3;
        return strncmp(p, dir, dn) == 0 && p[dn] == '/' && !strchr(p + dn + 1, '/');
}

/* Filesystem denials: "ro PATH" / "rw PATH" allows, grouped by directory. */
static int learn_paths(struct learn *l, const struct oslbox_denial *v, size_t n)
{
        bool *done = calloc(n ? n : 1, sizeof(*done));
        int r = 0;

        if (!done)
                return -ENOMEM;
        for (size_t i = 0; i < n && r == 0; i++) {
                const struct oslbox_denial *d = &v[i];
                char verb[3], *path, *slash, dir[PATH_MAX];
                size_t files = 0;

                if (done[i] || strcmp(d->layer, "filesystem") != 0)
                        continue;
                done[i] = true;
                if (!d->allow || (strncmp(d->allow, "ro ", 3) != 0 && strncmp(d->allow, "rw ", 3) != 0)) {
                        r = push_note(l, xasprintf("# not allowed by any directive: %s", d->line));
                        continue;
                }
                memcpy(verb, d->allow, 2);
                verb[2] = '\0';
                path = (char *) d->allow + 3;
                if (!plain(path) || *path != '/' || too_wide(l, path)) {
                        r = push_note(l, xasprintf("# too wide or not writable here, not advised: %s", d->line));
                        continue;
                }
                snprintf(dir, sizeof(dir), "%s", path);
                slash = strrchr(dir, '/');
                if (slash == dir)
                        slash[1] = '\0';
                else
                        *slash = '\0';
                /* the other files of this directory with the same verb */
                for (size_t k = i; k < n; k++)
                        files += file_of(&v[k], verb, dir);
                if (files >= LEARN_COLLAPSE && !too_wide(l, dir)) {
                        for (size_t k = i; k < n; k++)
                                if (file_of(&v[k], verb, dir))
                                        done[k] = true;
                        r = push_advice(l, directive_for(l, verb, dir),
                                        xasprintf("%s by %s, %zu files", verb_why(verb, d),
                                                  *d->process ? d->process : "?", files));
                } else
                        r = push_advice_as(l, directive_for(l, verb, path),
                                           xasprintf("%s by %s, %llu time%s", verb_why(verb, d),
                                                     *d->process ? d->process : "?",
                                                     (unsigned long long) d->count, d->count == 1 ? "" : "s"),
                                           strncmp(d->what, "look up ", 8) == 0);
        }
        free(done);
        /* A directory only looked up, with something advised below it:
         * that makes the directory, as a mount point, and is narrower. */
        for (size_t i = 0; i < l->n; i++)
                for (size_t k = 0; k < l->n && l->v[i].lookup && !l->v[i].dropped; k++) {
                        const char *a = l->v[i].directive, *b = l->v[k].directive;
                        size_t an = strlen(a + 3);
                        if (i != k && !l->v[k].dropped && strncmp(a + 3, b + 3, an) == 0 && b[3 + an] == '/')
                                l->v[i].dropped = true;
                }
        /* A path under (or the same as) an rw one, or under an ro one when
         * it is itself ro, is needless: a collapsed directory covers its
         * files, and "rw X" covers "ro X". */
        for (size_t i = 0; i < l->n; i++)
                for (size_t k = 0; k < l->n && !l->v[i].dropped; k++) {
                        const char *a = l->v[i].directive, *b = l->v[k].directive;
                        size_t bn = strlen(b + 3);
                        if (i == k || l->v[k].dropped || strncmp(b + 3, a + 3, bn) != 0)
                                continue;
                        if (a[3 + bn] == '/' && (b[1] == 'w' || a[1] == 'o'))
                                l->v[i].dropped = true;
                        else if (a[3 + bn] == '\0' && a[1] == 'o' && b[1] == 'w')
                                l->v[i].dropped = true;
                }
        return r;
}

/* The other denials: a syscall the filter refused becomes allow-syscall
 * when the run failed (SUCCEEDED: it went on without it, a probe: only a
 * comment); the network and everything else are comments. */
static int learn_others(struct learn *l, const struct oslbox_denial *v, size_t n, bool succeeded)
{
        int r = 0;

        for (size_t i = 0; i < n && r == 0; i++) {
                const struct oslbox_denial *d = &v[i];
                if (strcmp(d->layer, "filesystem") == 0)
                        continue;
                if (strcmp(d->layer, "seccomp") == 0 && d->allow && strncmp(d->allow, "allow-syscall ", 14) == 0 &&
                    plain(d->allow + 14) && succeeded)
                        r = push_note(l, xasprintf("# refused, and the command succeeded without it: %s", d->line));
                else if (strcmp(d->layer, "seccomp") == 0 && d->allow && strncmp(d->allow, "allow-syscall ", 14) == 0 &&
                         plain(d->allow + 14))
                        r = push_advice(l, xasprintf("%s", d->allow),
                                        xasprintf("%s refused to %s, %llu time%s", d->what,
                                                  *d->process ? d->process : "?", (unsigned long long) d->count,
                                                  d->count == 1 ? "" : "s"));
                else
                        r = push_note(l, xasprintf("# %s: %s", strcmp(d->layer, "network") == 0
                                                           ? "needed, not widened by learn" : "refused", d->line));
        }
        return r;
}

/* The policy file's text: a comment, the base, the options given, the
 * advice. Comments quote what the command chose (names, paths): their
 * control bytes were made '?' by the library, and a newline is impossible. */
static int write_policy(FILE *f, const struct learn *l, const struct run_args *args, char **command,
                        const struct oslbox_result *res, uint64_t unlisted)
{
        if (l->runs == 1)
                fprintf(f, "# Written by oslbox learn from one run of:");
        else
                fprintf(f, "# Written by oslbox learn from %u runs of:", l->runs);
        for (char **a = command; *a; a++) {
                fputc(' ', f);
                put_escaped(f, *a);
        }
        fputc('\n', f);
        if (res->signal)
                fprintf(f, "# which %swas killed by signal %d.\n", l->runs == 1 ? "" : "at last ", res->signal);
        else
                fprintf(f, "# which %sexited with status %d.\n", l->runs == 1 ? "" : "at last ", res->exit_code);
        fprintf(f, "# Check it before use: each directive below widens the base policy.\n");
        for (size_t i = 0; i < args->n_given; i++) {
                const char *name = args->given[i].name, *value = args->given[i].value;
                const struct oslbox_option *o = NULL;
                for (size_t k = 0; (o = oslbox_option_get(k)); k++)
                        if (strcmp(o->name, name) == 0)
                                break;
                if (strcmp(name, "policy") == 0) {
                        char abs[PATH_MAX];
                        const char *inc = value;
                        if (strchr(value, '/') || (strlen(value) > 7 && strcmp(value + strlen(value) - 7, ".policy") == 0)) {
                                if (!realpath(value, abs))
                                        return -errno;
                                inc = abs;
                        }
                        if (!plain(inc))
                                return -EINVAL;
                        fprintf(f, "include %s\n", inc);
                } else if (o && (o->flags & OSLBOX_OPTION_CLI_ONLY))
                        continue;
                else if (strcmp(name, "log-denials") == 0 || strcmp(name, "host-view") == 0)
                        continue;       /* the trial's, not the policy's */
                else if (strcmp(name, "env") == 0)
                        /* NAME=VALUE: the value may be a secret */
                        fprintf(f, "# --%s given to learn: its value is not written here\n", name);
                else if (value && !plain(value))
                        fprintf(f, "# --%s given to learn with a value this file cannot hold as is\n", name);
                else if (value && *value != '/' && o && o->metavar &&
                         (!strcmp(o->metavar, "PATH") || !strcmp(o->metavar, "DIR") || !strcmp(o->metavar, "FILE")) &&
                         !l->relative)
                        /* relative to the working directory, not to where the file is */
                        fprintf(f, "%s ${CWD}%s%s\n", name, strcmp(value, ".") ? "/" : "",
                                strcmp(value, ".") ? value : "");
                else
                        fprintf(f, "%s%s%s\n", name, value ? " " : "", value ? value : "");
        }
        for (size_t i = 0; i < l->n; i++)
                if (!l->v[i].dropped) {
                        fprintf(f, "# ");
                        put_escaped(f, l->v[i].why);
                        fprintf(f, "\n%s\n", l->v[i].directive);
                }
        for (size_t i = 0; i < l->n_notes; i++) {
                put_escaped(f, l->notes[i]);
                fputc('\n', f);
        }
        if (unlisted)
                fprintf(f, "# %llu more denials were not examined (past %d distinct ones)\n",
                        (unsigned long long) unlisted, OSLBOX_DENIALS_MAX);
        return ferror(f) ? -EIO : 0;
}

/* Waits for the trial run, passing on the signals that would end oslbox
 * (read as data, as run does), so that ^C ends the command, not only us. */
static int wait_run(struct oslbox_proc *proc, int sigfd, struct oslbox_result *res, bool *ret_signalled)
{
        int evfd = oslbox_proc_fd(proc), r;

        if (evfd < 0)
                return fail("%s", oslbox_proc_error(proc));
        for (;;) {
                struct pollfd pfd[2] = { { .fd = sigfd, .events = POLLIN }, { .fd = evfd, .events = POLLIN } };
                if (poll(pfd, 2, -1) < 0 && errno != EINTR)
                        return fail("poll: %s", strerror(errno));
                if (pfd[0].revents) {
                        struct signalfd_siginfo si;
                        if (read(sigfd, &si, sizeof(si)) == (ssize_t) sizeof(si)) {
                                (void) oslbox_proc_signal(proc, (int) si.ssi_signo); /* it may have ended */
                                *ret_signalled = true;
                        }
                }
                if (pfd[1].revents) {
                        r = oslbox_proc_wait(proc, 0, res);
                        if (r == 0)
                                return 0;
                        if (r != -ETIMEDOUT)
                                return fail("%s", oslbox_proc_error(proc));
                }
        }
}

/* The advice learned since the last run into POL, for the next run: each
 * directive's value made absolute again (the file may name it relative to
 * the working directory). Returns how many were added, or -errno. */
static int apply_advice(struct learn *l, struct oslbox_policy *pol)
{
        int added = 0;

        for (; l->applied < l->n; l->applied++) {
                const struct advice *a = &l->v[l->applied];
                const char *sp = strchr(a->directive, ' '), *value;
                char name[32], path[PATH_MAX];

                if (a->dropped || !sp || (size_t) (sp - a->directive) >= sizeof(name))
                        continue;
                snprintf(name, sizeof(name), "%.*s", (int) (sp - a->directive), a->directive);
                value = sp + 1;
                if (strcmp(value, ".") == 0 || strcmp(value, "${CWD}") == 0)
                        value = l->cwd;
                else if (strncmp(value, "${CWD}/", 7) == 0 || (*value != '/' && strcmp(name, "allow-syscall") != 0)) {
                        int k = snprintf(path, sizeof(path), "%s/%s", l->cwd, *value == '$' ? value + 7 : value);
                        if (k < 0 || (size_t) k >= sizeof(path)) {
                                fail("learn: %s: the path is too long", a->directive);
                                return -ENAMETOOLONG;
                        }
                        value = path;
                }
                if (oslbox_policy_set(pol, name, value) < 0) {
                        fail("learn: %s: %s", a->directive, oslbox_policy_error(pol));
                        return -EINVAL;
                }
                added++;
        }
        return added;
}

static void learn_free(struct learn *l)
{
        for (size_t i = 0; i < l->n; i++) {
                free(l->v[i].directive);
                free(l->v[i].why);
        }
        free(l->v);
        for (size_t i = 0; i < l->n_notes; i++)
                free(l->notes[i]);
        free(l->notes);
}

/* Whether OUTPUT's directory is the working directory. */
static bool output_in_cwd(const char *output, const char *cwd)
{
        char dir[PATH_MAX], real[PATH_MAX];
        const char *slash = strrchr(output, '/');

        if (!slash)
                return true;
        snprintf(dir, sizeof(dir), "%.*s", (int) (slash - output), output);
        if (!*dir)
                snprintf(dir, sizeof(dir), "/");
        return realpath(dir, real) && strcmp(real, cwd) == 0;
}

int cmd_learn(int argc, char **argv)
{
        struct oslbox_policy *pol = NULL, *trial = NULL;        /* trial: pol, or a copy with host-view */
        bool isolation_auto = false;
        struct oslbox_proc *proc = NULL;
        struct oslbox_spawn_attr attr = { .size = sizeof(attr) };
        struct oslbox_result res = { .size = sizeof(res) };
        struct run_args args = { .learn = true, .no_project_policy = true, .runs = LEARN_RUNS };
        struct learn l = { .home = getenv("HOME") };
        const struct oslbox_denial *v = NULL;
        uint64_t unlisted = 0;
        size_t n = 0;
        FILE *out = NULL;
        sigset_t mask;
        const char *base = NULL;
        int r, fd = -1, sigfd = -1, dirfd = -1;

        if (!getcwd(l.cwd, sizeof(l.cwd)))
                return fail("learn: cannot get the working directory: %s", strerror(errno));
        if ((r = oslbox_policy_new(&pol)) < 0)
                return fail("cannot create a policy: %s", strerror(-r));
        r = parse_run(argc, argv, pol, &args);
        if (r >= 0)
                goto out;
        if (args.name || args.detach) {
                r = fail("learn: --name and --detach are not for a trial run");
                goto out;
        }
        if (args.pty) {
                r = fail("learn: --pty is not supported yet");
                goto out;
        }
        if (!args.command || !*args.command) {
                r = fail("learn: no command given (usage: oslbox learn [OPTIONS] [-o FILE] [-n N] [--] COMMAND [ARG...])");
                goto out;
        }
        if (args.output) {
                struct stat st;
                /* before the run, so that it is not for nothing; the file is
                 * created with O_EXCL after it */
                if (fstatat(AT_FDCWD, args.output, &st, AT_SYMLINK_NOFOLLOW) == 0) {
                        r = fail("learn: %s already exists; give a new file to -o", args.output);
                        goto out;
                }
                l.relative = output_in_cwd(args.output, l.cwd);
                /* The directory is opened now, before the command runs: it
                 * could replace a directory of the path with a symlink. */
                {
                        const char *slash = strrchr(args.output, '/');
                        char dir[PATH_MAX];
                        snprintf(dir, sizeof(dir), "%.*s", slash ? (int) (slash - args.output) : 1,
                                 slash ? args.output : ".");
                        if (!*dir)
                                snprintf(dir, sizeof(dir), "/");
                        base = slash ? slash + 1 : args.output;
                        if (!*base) {
                                r = fail("learn: -o %s names a directory, not a file", args.output);
                                goto out;
                        }
                        if ((dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0) {
                                r = fail("learn: cannot open %s: %s", dir, strerror(errno));
                                goto out;
                        }
                }
        }
        if (oslbox_policy_set(pol, "log-denials", NULL) < 0) {
                r = fail("learn: log-denials: %s", oslbox_policy_error(pol));
                goto out;
        }
        {
                /* The trial's wider view (a copy of the base with host-view),
                 * but in the landlock mode, which refuses it. */
                char *mode = NULL;
                bool landlock;

                if (oslbox_policy_get(pol, "isolation", &mode) >= 0 && mode)
                        isolation_auto = strcmp(mode, "auto") == 0;
                landlock = mode && strcmp(mode, "landlock") == 0;
                free(mode);
                if (!landlock && ((r = oslbox_policy_copy(pol, &trial)) < 0 ||
                                  oslbox_policy_set(trial, "host-view", NULL) < 0)) {
                        r = fail("learn: host-view: %s", trial ? oslbox_policy_error(trial) : strerror(-r));
                        goto out;
                }
                if (!trial)
                        trial = pol;
        }
        sigemptyset(&mask);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGHUP);
        sigaddset(&mask, SIGQUIT);
        sigprocmask(SIG_BLOCK, &mask, NULL);
        if ((sigfd = signalfd(-1, &mask, SFD_CLOEXEC)) < 0) {
                r = fail("signalfd: %s", strerror(errno));
                goto out;
        }
        /* Runs until one succeeds or needs nothing new: a write the trial
         * refused (its view is read-only but where the base writes) may
         * have stopped the command before it showed the rest. */
        for (;;) {
                bool signalled = false;

                oslbox_proc_free(proc);
                proc = NULL;
                if ((r = oslbox_proc_new(&proc)) < 0) {
                        r = fail("%s", strerror(-r));
                        goto out;
                }
                r = oslbox_proc_spawn(proc, trial, (const char *const *) args.command, &attr);
                if (r == -EOPNOTSUPP && trial != pol && isolation_auto && !oslbox_proc_exec_failed(proc)) {
                        /* auto fell back to the landlock mode, which has no
                         * host-view: the trial keeps the base view, said. */
                        fprintf(stderr, "%s: learn: %s; the trial runs in the policy's own view\n", program,
                                oslbox_proc_error(proc));
                        oslbox_policy_free(trial);
                        trial = pol;
                        continue;
                }
                if (r < 0) {
                        fail("%s", oslbox_proc_error(proc));
                        r = !oslbox_proc_exec_failed(proc) ? EXIT_OSLBOX
                          : r == -ENOENT ? EXIT_NOT_FOUND : EXIT_CANNOT_EXEC;
                        goto out;
                }
                l.runs++;
                if (*oslbox_proc_warning(proc))
                        fprintf(stderr, "%s: %s\n", program, oslbox_proc_warning(proc));
                res = (struct oslbox_result) { .size = sizeof(res) };
                if ((r = wait_run(proc, sigfd, &res, &signalled)) != 0)
                        goto out;
                if ((r = oslbox_proc_denials(proc, &v, &n, &unlisted)) < 0) {
                        r = fail("learn: cannot list what was denied: %s", strerror(-r));
                        goto out;
                }
                if ((r = learn_paths(&l, v, n)) < 0 ||
                    (r = learn_others(&l, v, n, !res.signal && !res.timed_out && res.exit_code == 0)) < 0) {
                        r = fail("learn: %s", strerror(-r));
                        goto out;
                }
                if (signalled || l.runs >= args.runs || (!res.signal && !res.timed_out && res.exit_code == 0))
                        break;
                if ((r = apply_advice(&l, trial)) < 0) {
                        r = EXIT_OSLBOX;
                        goto out;
                }
                if (r == 0)
                        break;          /* nothing new: another run would end the same */
                fprintf(stderr, "%s: learn: run %u %s %d; running it again with the %d directive%s learned\n",
                        program, l.runs, res.signal ? "was killed by signal" : "exited with status",
                        res.signal ? res.signal : res.exit_code, r, r == 1 ? "" : "s");
        }
        if (args.output) {
                fd = openat(dirfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0644);
                if (fd < 0) {
                        r = fail("learn: cannot create %s: %s", args.output, strerror(errno));
                        goto out;
                }
                out = fdopen(fd, "w");
                if (!out) {
                        r = fail("learn: %s: %s", args.output, strerror(errno));
                        close(fd);
                        goto out;
                }
        }
        r = write_policy(out ? out : stdout, &l, &args, args.command, &res, unlisted);
        if (out && fclose(out) != 0 && r == 0)
                r = -errno;
        else if (!out && fflush(stdout) != 0 && r == 0)
                r = -errno;
        if (r < 0) {
                r = fail("learn: cannot write the policy%s%s: %s", args.output ? " to " : "",
                         args.output ? args.output : "", strerror(-r));
                goto out;
        }
        if (res.signal || res.exit_code != 0 || res.timed_out)
                fprintf(stderr, "%s: learn: the command %s %d; the policy holds what this run was refused\n",
                        program, res.signal ? "was killed by signal" : "exited with status",
                        res.signal ? res.signal : res.exit_code);
        r = 0;
out:
        learn_free(&l);
        oslbox_proc_free(proc);
        if (trial != pol)
                oslbox_policy_free(trial);
        oslbox_policy_free(pol);
        if (sigfd >= 0)
                close(sigfd);
        if (dirfd >= 0)
                close(dirfd);
        return r;
}
