/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * oslbox: the command-line client of liboslbox. It only uses <oslbox.h>:
 * options come from the library's option table, the sandbox from
 * oslbox_proc_spawn(), waiting and timeouts from oslbox_proc_wait().
 *
 * Exit status of `run`: the command's own; 128+N when a signal N killed it;
 * 124 after a timeout; 125 when oslbox itself fails (one "oslbox: " line on
 * stderr); 126 when the command cannot be executed; 127 when it is not found.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <oslbox.h>

#include "cli.h"
#include "commands.h"
#include "session.h"

#ifndef TIOCGEXCL
#define TIOCGEXCL _IOR('T', 0x40, int)
#endif

const char *program = "oslbox";

/* Writes S to F with each control character (below 0x20, 0x7f, C1) and
 * each byte outside valid UTF-8 as \xNN, as the library does with its
 * messages: what a message quotes (argv, a policy's line) must not reach
 * the terminal as an escape sequence. */
void put_escaped(FILE *f, const char *s)
{
        for (const unsigned char *p = (const unsigned char *) s; *p;) {
                size_t n = *p >= 0x20 && *p < 0x7f ? 1 : *p >= 0xc2 && *p <= 0xdf ? 2
                         : *p >= 0xe0 && *p <= 0xef ? 3 : *p >= 0xf0 && *p <= 0xf4 ? 4 : 0;
                for (size_t i = 1; i < n; i++)
                        if ((p[i] & 0xc0) != 0x80)
                                n = 0;
                if (n > 1 && ((p[0] == 0xc2 && p[1] <= 0x9f) || (p[0] == 0xe0 && p[1] < 0xa0) ||
                              (p[0] == 0xed && p[1] >= 0xa0) || (p[0] == 0xf0 && p[1] < 0x90) ||
                              (p[0] == 0xf4 && p[1] >= 0x90)))
                        n = 0;          /* C1, overlong, surrogate, past U+10FFFF */
                if (n == 0)
                        fprintf(f, "\\x%02x", *p++);
                else {
                        fwrite(p, 1, n, f);
                        p += n;
                }
        }
}

int fail(const char *fmt, ...)
{
        char msg[4096];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        fprintf(stderr, "%s: ", program);
        put_escaped(stderr, msg);
        fputc('\n', stderr);
        return EXIT_OSLBOX;
}

/* --- help, generated from the option table ----------------------------------- */

static void print_wrapped(FILE *f, const char *text, int indent, int width)
{
        int col = indent;
        const char *p = text ? text : "";

        while (*p) {
                const char *end = p;
                int n;
                while (*end && *end != ' ')
                        end++;
                n = (int) (end - p);
                if (col > indent && col + 1 + n > width) {
                        fprintf(f, "\n%*s", indent, "");
                        col = indent;
                } else if (col > indent) {
                        fputc(' ', f);
                        col++;
                }
                fwrite(p, 1, (size_t) n, f);
                col += n;
                p = *end ? end + 1 : end;
        }
        fputc('\n', f);
}

/* The commands' usage and summary, from commands.h. */
static const struct command_help {
        const char *name, *usage, *summary;
} command_help[] = {
#define COMMAND_HELP(name, usage, summary, complete) { #name, usage, summary },
        OSLBOX_COMMANDS(COMMAND_HELP)
#undef COMMAND_HELP
};
#define N_COMMANDS (sizeof(command_help) / sizeof(command_help[0]))

static void help_main(FILE *f)
{
        fprintf(f,
                "Usage: oslbox COMMAND [OPTIONS]\n"
                "\n"
                "Run one command isolated by namespaces, Landlock, dropped capabilities and seccomp.\n"
                "\n"
                "Commands:\n");
        for (size_t i = 0; i < N_COMMANDS; i++) {
                char left[64];
                snprintf(left, sizeof(left), "%s %s", command_help[i].name, command_help[i].usage);
                fprintf(f, "  %-37s  %s\n", left, command_help[i].summary);
        }
        fprintf(f,
                "\n"
                "Options:\n"
                "  -h, --help                             show this help\n"
                "  -V, --version                          show the version\n"
                "\n"
                "See oslbox(1), oslbox.policy(5) and liboslbox(3).\n");
}

static void help_run(FILE *f)
{
        const struct oslbox_option *o;

        fprintf(f, "Usage: oslbox run [OPTIONS] [--] COMMAND [ARG...]\n\n"
                   "Run COMMAND in a sandbox made from the embedded default policy, the policy\n"
                   "files given with --policy (else the project's .oslbox.policy), then the other\n"
                   "options, in that order.\n\n"
                   "Options:\n");
        for (size_t i = 0; (o = oslbox_option_get(i)); i++) {
                char left[64];
                snprintf(left, sizeof(left), "  --%s%s%s", o->name, o->metavar ? " " : "",
                         o->metavar ? o->metavar : "");
                fprintf(f, "%-26s", left);
                if (strlen(left) >= 26)
                        fprintf(f, "\n%26s", "");
                print_wrapped(f, o->help, 26, 79);
        }
        fprintf(f, "  %-24s%s\n", "-h, --help", "show this help");
        fprintf(f, "\nExit status: the command's; 128+N if signal N killed it; 124 after --timeout;\n"
                   "125 if oslbox failed; 126 if COMMAND cannot be executed; 127 if not found.\n");
}

static void help_doctor(FILE *f)
{
        fprintf(f, "Usage: oslbox doctor [--json]\n\n"
                   "Show what this host and user can confine with: user namespaces, the Landlock ABI,\n"
                   "seccomp, clone3 and pidfd, cgroups, the kernel release. Exit status 1 when a\n"
                   "layer every sandbox needs is missing.\n");
}

static void help_policy_cmds(FILE *f)
{
        fprintf(f, "Usage: oslbox explain [OPTIONS]\n"
                   "       oslbox check FILE...\n"
                   "       oslbox trust [FILE]\n\n"
                   "explain prints the effective policy (the embedded default, policy files, then the\n"
                   "options, which are those of oslbox run) as a policy file, each directive with\n"
                   "where it came from. check exits 0 when every FILE is a valid policy, else 1\n"
                   "with FILE:LINE: error: messages. trust records FILE (by default the project\n"
                   "policy found from the working directory) as trusted, with its SHA-256.\n");
}

static int cmd_help(int argc, char **argv)
{
        char names[256] = "";

        if (argc < 2) {
                help_main(stdout);
                return 0;
        }
        if (strcmp(argv[1], "run") == 0)
                help_run(stdout);
        else if (strcmp(argv[1], "learn") == 0)
                help_learn(stdout);
        else if (strcmp(argv[1], "doctor") == 0)
                help_doctor(stdout);
        else if (strcmp(argv[1], "explain") == 0 || strcmp(argv[1], "check") == 0 ||
                 strcmp(argv[1], "trust") == 0)
                help_policy_cmds(stdout);
        else if (strcmp(argv[1], "help") == 0)
                help_main(stdout);
        else if (session_help(argv[1], stdout))
                ;
        else {
                /* A command without help of its own: its row of the table. */
                for (size_t i = 0; i < N_COMMANDS; i++)
                        if (strcmp(argv[1], command_help[i].name) == 0) {
                                printf("Usage: oslbox %s%s%s\n\n%s\n", command_help[i].name,
                                       *command_help[i].usage ? " " : "", command_help[i].usage,
                                       command_help[i].summary);
                                return 0;
                        }
                for (size_t i = 0; i < N_COMMANDS; i++) {
                        size_t n = strlen(names);
                        snprintf(names + n, sizeof(names) - n, "%s%s", command_help[i].name,
                                 i + 2 < N_COMMANDS ? ", " : i + 1 < N_COMMANDS ? " and " : "");
                }
                return fail("no help on '%s': the commands are %s", argv[1], names);
        }
        return 0;
}

/* --- doctor ---------------------------------------------------------------------- */

static int cmd_doctor(int argc, char **argv)
{
        bool json = false;
        char *text = NULL;
        int r;

        for (int i = 1; i < argc; i++) {
                if (strcmp(argv[i], "--json") == 0)
                        json = true;
                else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
                        help_doctor(stdout);
                        return 0;
                } else
                        return fail("doctor: unknown argument '%s' (see oslbox help doctor)", argv[i]);
        }
        r = oslbox_doctor(json ? OSLBOX_DOCTOR_JSON : 0, &text);
        if (r < 0)
                return fail("cannot examine this host: %s", strerror(-r));
        fputs(text, stdout);
        if (json)
                fputc('\n', stdout);
        free(text);
        return r > 0 ? 1 : 0;   /* r: how many layers every sandbox needs are missing */
}

/* --- run ----------------------------------------------------------------------- */

/* The caller's terminals: without --pty the command has them on its stdio
 * and may change them (echo, canonical mode, the window size, exclusive
 * mode); with --pty oslbox makes stdin's raw. Their state is saved before
 * the run and put back on every way out of it. */
struct saved_terminal {
        int fd;
        dev_t rdev;
        struct termios tio;
        struct winsize ws;
        bool have_ws;
        int excl;               /* TIOCGEXCL: Linux >= 3.8 */
        bool have_excl;
};

static struct {
        struct saved_terminal v[3];
        int n;
        int stdin_slot;         /* index of stdin's terminal, or -1 */
        bool raw;               /* we made it raw (--pty) */
} term = { .stdin_slot = -1 };

void terminal_save(void)
{
        for (int fd = 0; fd < 3; fd++) {
                struct saved_terminal *t = &term.v[term.n];
                struct stat st;
                int dup = -1;

                if (!isatty(fd) || fstat(fd, &st) < 0)
                        continue;
                for (int i = 0; i < term.n; i++)
                        if (term.v[i].rdev == st.st_rdev)
                                dup = i;        /* one terminal on several fds: once */
                if (dup < 0) {
                        *t = (struct saved_terminal) { .fd = fd, .rdev = st.st_rdev };
                        if (tcgetattr(fd, &t->tio) < 0)
                                continue;
                        t->have_ws = ioctl(fd, TIOCGWINSZ, &t->ws) == 0;
                        t->have_excl = ioctl(fd, TIOCGEXCL, &t->excl) == 0;
                        dup = term.n++;
                }
                if (fd == STDIN_FILENO)
                        term.stdin_slot = dup;
        }
}

static bool termios_equal(const struct termios *a, const struct termios *b)
{
        return a->c_iflag == b->c_iflag && a->c_oflag == b->c_oflag && a->c_cflag == b->c_cflag &&
               a->c_lflag == b->c_lflag && memcmp(a->c_cc, b->c_cc, sizeof(a->c_cc)) == 0 &&
               cfgetispeed(a) == cfgetispeed(b) && cfgetospeed(a) == cfgetospeed(b);
}

/* Puts back what changed, and only that: a resize the user made during
 * the run is undone too, as nothing tells it from the command's. Each
 * call is best effort (the terminal may be gone); repeats are fine. */
void terminal_restore(void)
{
        sigset_t ttou, old;

        /* A backgrounded oslbox would be stopped by SIGTTOU. */
        sigemptyset(&ttou);
        sigaddset(&ttou, SIGTTOU);
        sigprocmask(SIG_BLOCK, &ttou, &old);
        for (int i = 0; i < term.n; i++) {
                const struct saved_terminal *t = &term.v[i];
                struct termios tio;
                struct winsize ws;
                int excl;

                (void) tcflow(t->fd, TCOON);    /* output the command suspended: on again */
                /* After raw mode, what was typed and not relayed is dropped,
                 * as it was meant for the command. */
                if (tcgetattr(t->fd, &tio) == 0 && !termios_equal(&tio, &t->tio))
                        (void) tcsetattr(t->fd, term.raw && i == term.stdin_slot ? TCSAFLUSH : TCSANOW, &t->tio);
                if (t->have_ws && ioctl(t->fd, TIOCGWINSZ, &ws) == 0 &&
                    (ws.ws_row != t->ws.ws_row || ws.ws_col != t->ws.ws_col ||
                     ws.ws_xpixel != t->ws.ws_xpixel || ws.ws_ypixel != t->ws.ws_ypixel))
                        (void) ioctl(t->fd, TIOCSWINSZ, &t->ws);
                if (t->have_excl && ioctl(t->fd, TIOCGEXCL, &excl) == 0 && !excl != !t->excl)
                        (void) ioctl(t->fd, t->excl ? TIOCEXCL : TIOCNXCL);
        }
        sigprocmask(SIG_SETMASK, &old, NULL);
}

int terminal_make_raw(bool keep_signals)
{
        struct termios raw;

        if (term.stdin_slot < 0)
                return -ENOTTY;
        raw = term.v[term.stdin_slot].tio;
        if (keep_signals)
                raw.c_lflag &= ~(tcflag_t) (ICANON | ECHO);
        else
                cfmakeraw(&raw);
        if (tcsetattr(STDIN_FILENO, TCSANOW, &raw) < 0)
                return -errno;
        term.raw = true;
        return 0;
}

int write_all(int fd, const char *buf, size_t len)
{
        while (len > 0) {
                ssize_t k = write(fd, buf, len);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        if (errno == EAGAIN) {
                                struct pollfd p = { .fd = fd, .events = POLLOUT };
                                (void) poll(&p, 1, -1);
                                continue;
                        }
                        return -errno;
                }
                buf += k;
                len -= (size_t) k;
        }
        return 0;
}

/* Copies what the command wrote to its terminal; -EIO once every slave
 * is closed and the buffer is empty. A terminal hands out at most 4 KiB a
 * read: gather what is there (until EAGAIN or 60 KiB) and write it at once,
 * which takes a third of the system calls of a read-poll-write per chunk
 * and wakes the reader of our output less often. */
int relay_out(int master)
{
        char buf[65536];
        size_t n = 0;
        int r = 0;

        while (n + 4096 <= sizeof(buf)) {
                ssize_t k = read(master, buf + n, sizeof(buf) - n);
                if (k > 0) {
                        n += (size_t) k;
                        continue;
                }
                if (k < 0 && errno == EINTR)
                        continue;
                if (k == 0 || (k < 0 && errno != EAGAIN))
                        r = -EIO;       /* EIO: no slave is open any more */
                break;
        }
        if (n > 0) {
                int w = write_all(STDOUT_FILENO, buf, n);
                if (w < 0)
                        return w;
        }
        return r;
}

int relay_in(int master, struct relay_in *st, bool tty)
{
        char buf[4096];
        ssize_t k = read(STDIN_FILENO, buf, sizeof(buf));

        if (k < 0)
                return errno == EAGAIN || errno == EINTR ? 0 : -errno;
        if (k == 0) {
                /* End of input: the terminal's EOF character, twice when a
                 * partial line must first be flushed to the reader. */
                st->eof = true;
                if (!tty)
                        return write_all(master, "\x04\x04", st->last_was_newline ? 1 : 2);
                return 0;
        }
        st->last_was_newline = buf[k - 1] == '\n';
        return write_all(master, buf, (size_t) k);
}

void copy_window_size(int master)
{
        struct winsize ws;
        if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0)
                (void) ioctl(master, TIOCSWINSZ, &ws);  /* the kernel sends SIGWINCH inside */
}

int status_of(const struct oslbox_result *res)
{
        if (res->timed_out)
                return EXIT_TIMEOUT;
        if (res->signal)
                return 128 + res->signal;
        return res->exit_code >= 0 ? res->exit_code : EXIT_OSLBOX;
}

/* The project's .oslbox.policy, once: 0, or an exit status. */
static int project(struct oslbox_policy *pol)
{
        static bool done;
        char *path = NULL;
        int r;

        if (done)
                return 0;
        done = true;
        r = oslbox_policy_load_project(pol, ".", &path);
        free(path);
        if (r < 0)
                return fail("%s", oslbox_policy_error(pol));
        return 0;
}

static struct option *build_long_options(void)
{
        size_t n = 0;
        struct option *opts;

        while (oslbox_option_get(n))
                n++;
        opts = calloc(n + 2, sizeof(*opts));
        if (!opts)
                return NULL;
        for (size_t i = 0; i < n; i++) {
                const struct oslbox_option *o = oslbox_option_get(i);
                opts[i] = (struct option) { o->name, o->metavar ? required_argument : no_argument, NULL,
                                            (int) (1000 + i) };
        }
        opts[n] = (struct option) { "help", no_argument, NULL, 'h' };
        return opts;
}

/* Applies the options: policy files first, in order (else the project's
 * policy), then the others. */
int parse_run(int argc, char **argv, struct oslbox_policy *pol, struct run_args *args)
{
        const char *usage = args->learn ? "oslbox help learn" : args->explain ? "oslbox help explain" : "oslbox help run";
        struct option *opts = build_long_options();
        int c, r = 0, pass;

        if (!opts)
                return fail("out of memory");
        for (pass = 0; pass < 2 && r == 0; pass++) {
                optind = 0;
                opterr = 0;
                while ((c = getopt_long(argc, argv, args->learn ? "+:ho:n:" : "+:h", opts, NULL)) != -1) {
                        const struct oslbox_option *o;
                        bool is_policy;

                        if (c == 'o') {         /* learn's output file */
                                args->output = optarg;
                                continue;
                        }
                        if (c == 'n') {         /* learn's number of runs */
                                char *end;
                                unsigned long v;
                                errno = 0;
                                v = strtoul(optarg, &end, 10);
                                if (errno || end == optarg || *end || optarg[0] == '-' || v < 1 || v > LEARN_RUNS_MAX) {
                                        r = fail("learn: -n takes a number of runs from 1 to %d, not '%s'",
                                                 LEARN_RUNS_MAX, optarg);
                                        break;
                                }
                                args->runs = (unsigned) v;
                                continue;
                        }
                        if (c == 'h') {
                                if (pass == 0 && args->learn)
                                        help_learn(stdout);
                                else if (pass == 0)
                                        help_run(stdout);
                                r = 1;
                                break;
                        }
                        if (c == '?') {
                                o = optopt >= 1000 ? oslbox_option_get((size_t) (optopt - 1000)) : NULL;
                                if (o)  /* a flag given a value: --pty=1 */
                                        r = fail("--%s takes no value (see %s)", o->name, usage);
                                else if (optopt)
                                        r = fail("unknown option '-%c' (see %s)", optopt, usage);
                                else
                                        r = fail("unknown option '%s' (see %s)", argv[optind - 1], usage);
                                break;
                        }
                        if (c == ':') {
                                o = optopt >= 1000 ? oslbox_option_get((size_t) (optopt - 1000)) : NULL;
                                r = o ? fail("--%s needs a value (%s)", o->name, o->metavar)
                                      : fail("option '%s' needs a value", argv[optind - 1]);
                                break;
                        }
                        o = oslbox_option_get((size_t) (c - 1000));
                        if (strcmp(o->name, "no-project-policy") == 0) {
                                args->no_project_policy = true;
                                continue;
                        }
                        if (strcmp(o->name, "name") == 0 || strcmp(o->name, "detach") == 0) {
                                if (o->name[0] == 'n')
                                        args->name = optarg;
                                else
                                        args->detach = true;
                                continue;
                        }
                        is_policy = strcmp(o->name, "policy") == 0;
                        if (is_policy != (pass == 0))
                                continue;
                        if (pass == 1 && !args->have_policy && !args->no_project_policy && (r = project(pol)))
                                break;
                        args->have_policy |= is_policy;
                        if (args->learn && args->n_given < sizeof(args->given) / sizeof(args->given[0])) {
                                args->given[args->n_given].name = o->name;
                                args->given[args->n_given++].value = optarg;
                        } else if (args->learn) {
                                r = fail("learn: more than %zu options", sizeof(args->given) / sizeof(args->given[0]));
                                break;
                        }
                        if (oslbox_policy_set(pol, o->name, optarg) < 0) {
                                if (is_policy)
                                        r = fail("%s", oslbox_policy_error(pol));
                                else if (optarg)
                                        r = fail("--%s %s: %s", o->name, optarg, oslbox_policy_error(pol));
                                else
                                        r = fail("--%s: %s", o->name, oslbox_policy_error(pol));
                                break;
                        }
                }
        }
        free(opts);
        /* No option after the files: the project policy still applies. */
        if (r == 0 && !args->have_policy && !args->no_project_policy)
                r = project(pol);
        if (r == 1)
                return 0;
        if (r)
                return r;
        if (args->explain) {
                if (optind < argc)
                        return fail("explain takes no command (see %s)", usage);
                return -1;
        }
        if (optind >= argc && args->learn)
                return fail("learn: no command given (usage: oslbox learn [OPTIONS] [-o FILE] [-n N] [--] COMMAND [ARG...])");
        if (optind >= argc) {
                /* An empty session, which exec fills: kept alive, and
                 * named and detached, or nothing could reach it. */
                char *keep = NULL;
                if (oslbox_policy_get(pol, "keep-alive", &keep) < 0)
                        return fail("out of memory");
                free(keep);
                if (!keep || !args->name || !args->detach)
                        return fail("no command given (usage: oslbox run [OPTIONS] [--] COMMAND [ARG...]; "
                                    "a sandbox without one needs --name, --detach and --keep-alive)");
        }
        args->command = argv + optind;
        {
                /* pty may come from a policy file as well as from --pty. */
                char *pty = NULL;
                if (oslbox_policy_get(pol, "pty", &pty) < 0)
                        return fail("out of memory");
                args->pty = pty != NULL;
                free(pty);
        }
        return -1;      /* go on */
}

/* log-denials: one line per distinct denial, most frequent first. */
static void print_denials(const struct oslbox_proc *proc)
{
        const struct oslbox_denial *v;
        uint64_t unlisted = 0;
        size_t n = 0;
        int r = oslbox_proc_denials(proc, &v, &n, &unlisted);

        if (r == -ENODATA)
                return;
        if (r < 0) {
                fprintf(stderr, "%s: cannot list what was denied: %s\n", program, strerror(-r));
                return;
        }
        for (size_t i = 0; i < n; i++)
                fprintf(stderr, "%s: denied: %s\n", program, v[i].line);
        if (unlisted)
                fprintf(stderr, "%s: denied: %llu more, not examined: the table of %d distinct denials was full\n",
                        program, (unsigned long long) unlisted, OSLBOX_DENIALS_MAX);
}

static int supervise(struct oslbox_proc *proc, int sigfd, bool pty, bool stdin_tty)
{
        struct oslbox_result res = { .size = sizeof(res) };
        struct relay_in in = { .last_was_newline = true };
        int master = pty ? oslbox_proc_pty(proc) : -1;
        int evfd = oslbox_proc_fd(proc), r;

        if (evfd < 0)
                return fail("%s", oslbox_proc_error(proc));
        if (master >= 0) {
                (void) fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK);
                if (!stdin_tty) {
                        /* No one types: echoing the piped input would print it twice. */
                        struct termios t;
                        if (tcgetattr(master, &t) == 0) {
                                t.c_lflag &= ~(tcflag_t) ECHO;
                                (void) tcsetattr(master, TCSANOW, &t);
                        }
                }
        }
        for (;;) {
                struct pollfd pfd[4] = {
                        { .fd = sigfd, .events = POLLIN },
                        { .fd = evfd, .events = POLLIN },
                        { .fd = master >= 0 ? master : -1, .events = POLLIN },
                        { .fd = master >= 0 && !in.eof ? STDIN_FILENO : -1, .events = POLLIN },
                };
                if (poll(pfd, 4, -1) < 0 && errno != EINTR)
                        return fail("poll: %s", strerror(errno));
                if (pfd[0].revents) {
                        struct signalfd_siginfo si;
                        if (read(sigfd, &si, sizeof(si)) == (ssize_t) sizeof(si)) {
                                if (si.ssi_signo == SIGWINCH && master >= 0)
                                        copy_window_size(master);
                                else if (si.ssi_signo != SIGWINCH)
                                        (void) oslbox_proc_signal(proc, (int) si.ssi_signo); /* it may have ended */
                        }
                }
                if (pfd[2].revents && relay_out(master) < 0)
                        master = -1;    /* every slave closed: the command is gone */
                if (pfd[3].revents && relay_in(oslbox_proc_pty(proc), &in, stdin_tty) < 0)
                        in.eof = true;
                if (pfd[1].revents || (pfd[3].revents & POLLHUP)) {
                        r = oslbox_proc_wait(proc, 0, &res);
                        if (r == 0)
                                break;
                        if (r != -ETIMEDOUT)
                                return fail("%s", oslbox_proc_error(proc));
                }
                if (pfd[3].revents & (POLLHUP | POLLERR | POLLNVAL) && !(pfd[3].revents & POLLIN))
                        in.eof = true;
        }
        /* The sandbox is gone; whatever it wrote is still buffered. */
        if (master >= 0) {
                (void) fcntl(master, F_SETFL, fcntl(master, F_GETFL) & ~O_NONBLOCK);
                while (relay_out(master) == 0)
                        ;
        }
        terminal_restore();
        print_denials(proc);
        if (res.timed_out)
                fprintf(stderr, "%s: timed out; the sandbox was torn down\n", program);
        else if (res.oom_killed && res.signal == SIGKILL) {
                uint64_t kb = res.memory_limit_kb;
                if (kb && kb % (1024 * 1024) == 0)
                        fprintf(stderr, "%s: command killed: out of memory (limit %lluG)\n", program,
                                (unsigned long long) (kb >> 20));
                else if (kb && kb % 1024 == 0)
                        fprintf(stderr, "%s: command killed: out of memory (limit %lluM)\n", program,
                                (unsigned long long) (kb >> 10));
                else
                        fprintf(stderr, "%s: command killed: out of memory (limit %lluK)\n", program,
                                (unsigned long long) kb);
        }
        return status_of(&res);
}

static int cmd_run(int argc, char **argv)
{
        struct oslbox_policy *pol = NULL;
        struct oslbox_proc *proc = NULL;
        struct oslbox_spawn_attr attr = { .size = sizeof(attr) };
        struct run_args args = {};
        bool stdin_tty = isatty(STDIN_FILENO);
        sigset_t mask;
        int sigfd = -1, r;

        r = oslbox_policy_new(&pol);
        if (r < 0)
                return fail("cannot create a policy: %s", strerror(-r));
        r = parse_run(argc, argv, pol, &args);
        if (r >= 0)
                goto out;
        if (args.detach && !args.name) {
                r = fail("--detach needs --name: an unnamed sandbox could not be found again");
                goto out;
        }
        if (args.name) {
                struct named_run run = { .name = args.name, .detach = args.detach, .pty = args.pty,
                                         .command = args.command };
                r = named_run(pol, &run);
                goto out;
        }

        /* Before the sandbox exists: what it may change of our terminals. */
        terminal_save();
        atexit(terminal_restore);

        /* Signals are read as data, from before the sandbox exists. */
        sigemptyset(&mask);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGHUP);
        sigaddset(&mask, SIGQUIT);
        sigaddset(&mask, SIGWINCH);
        sigprocmask(SIG_BLOCK, &mask, NULL);
        sigfd = signalfd(-1, &mask, SFD_CLOEXEC);
        if (sigfd < 0) {
                r = fail("signalfd: %s", strerror(errno));
                goto out;
        }

        if (args.pty) {
                struct winsize ws;
                for (int i = 0; i < 3; i++)
                        attr.stdio[i].kind = OSLBOX_STDIO_PTY;
                if (stdin_tty && ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0) {
                        attr.pty_rows = ws.ws_row;
                        attr.pty_cols = ws.ws_col;
                }
        }
        if ((r = oslbox_proc_new(&proc)) < 0) {
                r = fail("%s", strerror(-r));
                goto out;
        }
        r = oslbox_proc_spawn(proc, pol, (const char *const *) args.command, &attr);
        if (r < 0) {
                fail("%s", oslbox_proc_error(proc));
                r = !oslbox_proc_exec_failed(proc) ? EXIT_OSLBOX
                  : r == -ENOENT ? EXIT_NOT_FOUND : EXIT_CANNOT_EXEC;
                goto out;
        }
        if (*oslbox_proc_warning(proc))
                fprintf(stderr, "%s: %s\n", program, oslbox_proc_warning(proc));
        if (args.pty && stdin_tty && (r = terminal_make_raw(false)) < 0) {
                r = fail("cannot put the terminal in raw mode: %s", strerror(-r));
                goto out;
        }
        r = supervise(proc, sigfd, args.pty, stdin_tty);
out:
        terminal_restore();
        oslbox_proc_free(proc);
        oslbox_policy_free(pol);
        if (sigfd >= 0)
                close(sigfd);
        return r;
}

static int cmd_explain(int argc, char **argv)
{
        struct oslbox_policy *pol = NULL;
        struct run_args args = { .explain = true };
        char *text = NULL;
        int r;

        if ((r = oslbox_policy_new(&pol)) < 0)
                return fail("cannot create a policy: %s", strerror(-r));
        r = parse_run(argc, argv, pol, &args);
        if (r < 0) {
                r = oslbox_policy_explain(pol, &text);
                if (r < 0)
                        r = fail("cannot explain the policy: %s", strerror(-r));
                else {
                        fputs(text, stdout);
                        r = 0;
                }
        }
        free(text);
        oslbox_policy_free(pol);
        return r;
}

/* Every error of every file, as a compiler reports them. */
static int cmd_check(int argc, char **argv)
{
        int bad = 0;

        if (argc < 2)
                return fail("check: no policy file given (usage: oslbox check FILE...)");
        for (int i = 1; i < argc; i++) {
                struct oslbox_policy *pol = NULL;
                char *errors = NULL;
                int n;

                if (oslbox_policy_new(&pol) < 0)
                        return fail("out of memory");
                n = oslbox_policy_check(pol, argv[i], &errors);
                if (n < 0) {
                        fail("cannot check %s: %s", argv[i], oslbox_policy_error(pol));
                        oslbox_policy_free(pol);
                        return EXIT_OSLBOX;
                }
                if (errors)
                        fputs(errors, stderr);  /* the library escaped what they quote */
                bad |= n > 0;
                free(errors);
                oslbox_policy_free(pol);
        }
        return bad;
}

static int cmd_trust(int argc, char **argv)
{
        struct oslbox_policy *pol = NULL;
        char *found = NULL;
        const char *path;
        int r = 0;

        if (argc > 2)
                return fail("trust takes one file (usage: oslbox trust [FILE])");
        if (oslbox_policy_new(&pol) < 0)
                return fail("out of memory");
        path = argc > 1 ? argv[1] : NULL;
        if (!path && oslbox_policy_find_project(".", &found) > 0)
                path = found;
        if (!path)
                r = fail("no .oslbox.policy in this directory or its parents (up to the root or a .git)");
        else if (oslbox_policy_trust(pol, path) < 0)
                r = fail("%s", oslbox_policy_error(pol));
        else
                printf("trusted %s\n", path);
        free(found);
        oslbox_policy_free(pol);
        return r;
}

static const struct command {
        const char *name;
        int (*fn)(int argc, char **argv);
} commands[] = {
#define COMMAND_FN(name, usage, summary, complete) { #name, cmd_##name },
        OSLBOX_COMMANDS(COMMAND_FN)
#undef COMMAND_FN
};

int main(int argc, char **argv)
{
        /* Started with 0, 1 or 2 closed, our own fds (the signalfd...)
         * would take their place and pass for the command's stdio. */
        for (int fd = 0; fd < 3; fd++)
                if (fcntl(fd, F_GETFD) < 0 && errno == EBADF && open("/dev/null", O_RDWR) != fd)
                        return EXIT_OSLBOX;
        if (argc < 2)
                return fail("no command given (see oslbox --help)");
        if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
                printf("oslbox %s\n", oslbox_version());
                return 0;
        }
        if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
                help_main(stdout);
                return 0;
        }
        for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
                if (strcmp(argv[1], commands[i].name) == 0)
                        return commands[i].fn(argc - 1, argv + 1);
        return fail("unknown command '%s' (see oslbox --help)", argv[1]);
}
