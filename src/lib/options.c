/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The option table. A new directive is one row here plus its handler in its
 * layer; help, man pages and policy files follow from the row. Handlers
 * validate completely and write the configuration only on success. */
#include "config.h"

#include <ctype.h>
#include <limits.h>
#include <string.h>
#include <strings.h>

#include "layers.h"
#include "options.h"
#include "seccomp-layer.h"

static int set_flag(bool *field, bool v)
{
        *field = v;
        return 0;
}

static int set_pty(struct osb_config *cfg, const char *v, struct osb_diag *d)
{
        return set_flag(&cfg->pty, true);
}

static int set_no_pty(struct osb_config *cfg, const char *v, struct osb_diag *d)
{
        return set_flag(&cfg->pty, false);
}

static int set_protect_git(struct osb_config *cfg, const char *v, struct osb_diag *d)
{
        return set_flag(&cfg->git_writable, false);
}

static int set_no_protect_git(struct osb_config *cfg, const char *v, struct osb_diag *d)
{
        return set_flag(&cfg->git_writable, true);
}

static int set_keep_alive(struct osb_config *cfg, const char *v, struct osb_diag *d)
{
        return set_flag(&cfg->keep_alive, true);
}

static int set_signal_scoping(struct osb_config *cfg, const char *v, struct osb_diag *d)
{
        return set_flag(&cfg->signals_unscoped, false);
}

static int set_no_signal_scoping(struct osb_config *cfg, const char *v, struct osb_diag *d)
{
        return set_flag(&cfg->signals_unscoped, true);
}

static int set_log_denials(struct osb_config *cfg, const char *v, struct osb_diag *d)
{
        return set_flag(&cfg->log_denials, true);
}

static int set_host_view(struct osb_config *cfg, const char *v, struct osb_diag *d)
{
        return set_flag(&cfg->host_view, true);
}

static int parse_isolation(const char *v, enum osb_isolation *ret)
{
        if (strcmp(v, "auto") == 0)
                *ret = OSB_ISOLATION_AUTO;
        else if (strcmp(v, "namespaces") == 0)
                *ret = OSB_ISOLATION_NAMESPACES;
        else if (strcmp(v, "landlock") == 0)
                *ret = OSB_ISOLATION_LANDLOCK;
        else
                return -EINVAL;
        return 0;
}

static int set_isolation(struct osb_config *cfg, const char *v, struct osb_diag *d)
{
        if (parse_isolation(v, &cfg->isolation) < 0)
                return diag_set(d, -EINVAL, "invalid isolation '%s' (use auto, namespaces or landlock)", v);
        return 0;
}

static int duration(const char *v, uint64_t *ret, struct osb_diag *d)
{
        int r = parse_duration_ms(v, ret);
        if (r == -ERANGE)
                return diag_set(d, -EINVAL, "duration '%s' is too large", v);
        if (r < 0)
                return diag_set(d, -EINVAL, "invalid duration '%s' (use e.g. 500ms, 30s, 5m, 1h, or seconds)", v);
        return 0;
}

static int set_timeout(struct osb_config *cfg, const char *v, struct osb_diag *d)
{
        return duration(v, &cfg->timeout_ms, d);
}

static int set_kill_after(struct osb_config *cfg, const char *v, struct osb_diag *d)
{
        return duration(v, &cfg->kill_after_ms, d);
}

/* Path values arrive absolute and normalized (see policy_apply()). */
static int push_path(struct osb_config *cfg, const char *v, int kind, struct osb_diag *d)
{
        int r = items_push(&cfg->mounts, v, kind);
        return r < 0 ? diag_errno(d, r, "%s", v) : 0;
}

static int set_ro(struct osb_config *cfg, const char *v, struct osb_diag *d)
{
        return push_path(cfg, v, OSB_MOUNT_RO, d);
}

static int set_rw(struct osb_config *cfg, const char *v, struct osb_diag *d)
{
        return push_path(cfg, v, OSB_MOUNT_RW, d);
}

static int set_tmpfs(struct osb_config *cfg, const char *v, struct osb_diag *d)
{
        return push_path(cfg, v, OSB_MOUNT_TMPFS, d);
}

static int set_string(char **field, const char *v)
{
        char *s = strdup(v);
        if (!s)
                return -ENOMEM;
        free(*field);
        *field = s;
        return 0;
}

static int set_ro_try(struct osb_config *cfg, const char *v, struct osb_diag *d)
{
        return push_path(cfg, v, OSB_MOUNT_RO_TRY, d);
}

static int set_rw_try(struct osb_config *cfg, const char *v, struct osb_diag *d)
{
        return push_path(cfg, v, OSB_MOUNT_RW_TRY, d);
}

static int set_rw_create(struct osb_config *cfg, const char *v, struct osb_diag *d)
{
        return push_path(cfg, v, OSB_MOUNT_RW_CREATE, d);
}

static int set_cwd(struct osb_config *cfg, const char *v, struct osb_diag *d)
{
        return set_string(&cfg->cwd, v);
}

static int set_net(struct osb_config *cfg, const char *v, struct osb_diag *d)
{
        if (strcmp(v, "none") == 0)
                cfg->net = OSB_NET_NONE;
        else if (strcmp(v, "host") == 0)
                cfg->net = OSB_NET_HOST;
        else
                return diag_set(d, -EINVAL, "invalid network mode '%s' (use none or host)", v);
        return 0;
}

static int set_env(struct osb_config *cfg, const char *v, struct osb_diag *d)
{
        const char *eq = strchr(v, '=');
        if (!eq || eq == v)
                return diag_set(d, -EINVAL, "'%s' is not NAME=VALUE", v);
        return items_push(&cfg->env, v, 0);
}

static int set_keep_env(struct osb_config *cfg, const char *v, struct osb_diag *d)
{
        if (!*v || strchr(v, '='))
                return diag_set(d, -EINVAL, "'%s' is not a variable name or glob", v);
        return items_push(&cfg->keep_env, v, 0);
}

static int push_syscall(struct osb_config *cfg, const char *v, int kind, struct osb_diag *d)
{
        if (!seccomp_syscall_known(v))
                return diag_set(d, -EINVAL, "unknown system call '%s'", v);
        return items_push(&cfg->syscalls, v, kind);
}

static int set_allow_syscall(struct osb_config *cfg, const char *v, struct osb_diag *d)
{
        return push_syscall(cfg, v, OSB_SYSCALL_ALLOW, d);
}

static int set_deny_syscall(struct osb_config *cfg, const char *v, struct osb_diag *d)
{
        return push_syscall(cfg, v, OSB_SYSCALL_DENY, d);
}

static int set_hostname(struct osb_config *cfg, const char *v, struct osb_diag *d)
{
        size_t n = strlen(v);
        if (n == 0 || n > HOST_NAME_MAX)
                return diag_set(d, -EINVAL, "host name '%s' must have 1 to %d characters", v, HOST_NAME_MAX);
        for (const char *p = v; *p; p++)
                if (!isalnum((unsigned char) *p) && *p != '-' && *p != '.')
                        return diag_set(d, -EINVAL, "host name '%s' may only hold letters, digits, '-' and '.'", v);
        return set_string(&cfg->hostname, v);
}

static int set_report(struct osb_config *cfg, const char *v, struct osb_diag *d)
{
        return set_string(&cfg->report_path, v);
}

static int set_rlimit(struct osb_config *cfg, const char *v, struct osb_diag *d)
{
        struct rlimit rl;
        int resource, r = rlimit_parse(v, &resource, &rl, d);
        return r < 0 ? r : items_push(&cfg->rlimits, v, resource);
}

static int set_memory(struct osb_config *cfg, const char *v, struct osb_diag *d)
{
        uint64_t bytes;
        int r = parse_size(v, &bytes);

        if (r < 0 || bytes == 0)
                return diag_set(d, -EINVAL, "invalid size '%s' (use e.g. 64M, 1G, or bytes; at least 1)", v);
        if (bytes < 1024 * 1024)
                return diag_set(d, -EINVAL, "size '%s' is below 1M: nothing would start", v);
        cfg->memory_bytes = bytes;
        return 0;
}

static int parse_pids(const char *v, uint64_t *ret)
{
        return parse_uint64(v, ret) < 0 || *ret == 0 || *ret > 4194304 ? -EINVAL : 0;
}

static int set_pids(struct osb_config *cfg, const char *v, struct osb_diag *d)
{
        uint64_t n;

        if (strcmp(v, "default") == 0) {
                cfg->pids = OSB_DEFAULT_PIDS;
                cfg->pids_default = true;
                return 0;
        }
        if (parse_pids(v, &n) < 0)
                return diag_set(d, -EINVAL, "invalid process count '%s' (1 to 4194304, or default)", v);
        cfg->pids = n;
        cfg->pids_default = false;
        return 0;
}

static int set_cpus(struct osb_config *cfg, const char *v, struct osb_diag *d)
{
        /* A decimal with up to three places: "0.5", "2", "1.25". */
        uint64_t whole = 0, frac = 0, scale = 1000;
        const char *p = v;

        if (*p < '0' || *p > '9')
                goto bad;
        for (; *p >= '0' && *p <= '9'; p++)
                if ((whole = whole * 10 + (uint64_t) (*p - '0')) > 4096)
                        goto bad;
        if (*p == '.') {
                if (!p[1])
                        goto bad;
                for (p++; *p >= '0' && *p <= '9'; p++) {
                        if (scale == 1)
                                goto bad;
                        scale /= 10;
                        frac += (uint64_t) (*p - '0') * scale;
                }
        }
        if (*p || whole * 1000 + frac < 10)
                goto bad;
        cfg->cpu_millis = whole * 1000 + frac;
        return 0;
bad:
        return diag_set(d, -EINVAL, "invalid CPU count '%s' (e.g. 0.5, 2; at least 0.01)", v);
}

static int set_resources(struct osb_config *cfg, const char *v, struct osb_diag *d)
{
        if (strcmp(v, "strict") == 0)
                cfg->resources_best_effort = false;
        else if (strcmp(v, "best-effort") == 0)
                cfg->resources_best_effort = true;
        else
                return diag_set(d, -EINVAL, "invalid mode '%s' (use strict or best-effort)", v);
        return 0;
}

/* Docker's syntax: keys separated by commas, each a printable character
 * (not a comma or a blank), ctrl- and a letter or one of @ [ \ ] ^ _, or
 * DEL. The oslbox command turns the value into bytes and watches for them
 * on its terminal; the library only checks it. */
static int set_detach_keys(struct osb_config *cfg, const char *v, struct osb_diag *d)
{
        static const char hint[] = "use e.g. ctrl-], ctrl-p,ctrl-q or a single character";
        size_t n = strlen(v), keys = 0;

        if (n == 0 || n >= sizeof(cfg->detach_keys))
                return diag_set(d, -EINVAL, "invalid detach keys '%s': 1 to %zu characters (%s)", v,
                                sizeof(cfg->detach_keys) - 1, hint);
        for (const char *p = v; *p; keys++) {
                size_t k = strcspn(p, ",");
                bool good = (k == 1 && p[0] > ' ' && p[0] < 0x7f) || (k == 3 && strncmp(p, "DEL", 3) == 0) ||
                            (k == 6 && strncasecmp(p, "ctrl-", 5) == 0 &&
                             (isalpha((unsigned char) p[5]) || strchr("@[\\]^_", p[5])));
                if (!good)
                        return diag_set(d, -EINVAL, "invalid detach keys '%s': key '%.*s' is not a character, "
                                        "ctrl-X or DEL (%s)", v, (int) k, p, hint);
                p += k;
                if (*p == ',' && !*++p)
                        return diag_set(d, -EINVAL, "invalid detach keys '%s': ends with a comma (%s)", v, hint);
        }
        if (keys > 8)
                return diag_set(d, -EINVAL, "invalid detach keys '%s': at most 8 keys", v);
        memcpy(cfg->detach_keys, v, n + 1);
        return 0;
}

/* --- what explain prints for single-valued directives ------------------------ */

static char *show_pty(const struct osb_config *cfg)
{
        return cfg->pty ? strdup("") : NULL;
}

static char *show_no_pty(const struct osb_config *cfg)
{
        return cfg->pty ? NULL : strdup("");
}

static char *show_host_view(const struct osb_config *cfg)
{
        return cfg->host_view ? strdup("") : NULL;
}

static char *show_log_denials(const struct osb_config *cfg)
{
        return cfg->log_denials ? strdup("") : NULL;
}

static char *show_protect_git(const struct osb_config *cfg)
{
        return cfg->git_writable ? NULL : strdup("");
}

static char *show_no_protect_git(const struct osb_config *cfg)
{
        return cfg->git_writable ? strdup("") : NULL;
}

static char *show_keep_alive(const struct osb_config *cfg)
{
        return cfg->keep_alive ? strdup("") : NULL;
}

static char *show_signal_scoping(const struct osb_config *cfg)
{
        return cfg->signals_unscoped ? NULL : strdup("");
}

static char *show_no_signal_scoping(const struct osb_config *cfg)
{
        return cfg->signals_unscoped ? strdup("") : NULL;
}

static char *show_isolation(const struct osb_config *cfg)
{
        static const char *const names[] = { "auto", "namespaces", "landlock" };
        return strdup(names[cfg->isolation]);
}

static char *show_duration(uint64_t ms)
{
        if (ms && ms % 3600000 == 0)
                return strdup_printf("%lluh", (unsigned long long) (ms / 3600000));
        if (ms && ms % 60000 == 0)
                return strdup_printf("%llum", (unsigned long long) (ms / 60000));
        if (ms % 1000 == 0)
                return strdup_printf("%llus", (unsigned long long) (ms / 1000));
        return strdup_printf("%llums", (unsigned long long) ms);
}

static char *show_timeout(const struct osb_config *cfg)
{
        return show_duration(cfg->timeout_ms);
}

static char *show_kill_after(const struct osb_config *cfg)
{
        return show_duration(cfg->kill_after_ms);
}

static char *show_cwd(const struct osb_config *cfg)
{
        return cfg->cwd ? strdup(cfg->cwd) : NULL;
}

static char *show_net(const struct osb_config *cfg)
{
        return strdup(cfg->net == OSB_NET_HOST ? "host" : "none");
}

static char *show_hostname(const struct osb_config *cfg)
{
        return strdup(cfg->hostname ? cfg->hostname : OSB_DEFAULT_HOSTNAME);
}

static char *show_size(uint64_t bytes)
{
        static const char units[] = "TGMK";
        for (int i = 0; i < 4; i++) {
                unsigned shift = (unsigned) (40 - 10 * i);
                if (bytes && bytes % (1ULL << shift) == 0)
                        return strdup_printf("%llu%c", (unsigned long long) (bytes >> shift), units[i]);
        }
        return strdup_printf("%llu", (unsigned long long) bytes);
}

static char *show_memory(const struct osb_config *cfg)
{
        return cfg->memory_bytes ? show_size(cfg->memory_bytes) : NULL;
}

static char *show_pids(const struct osb_config *cfg)
{
        if (cfg->pids_default)
                return strdup("default");
        return cfg->pids ? strdup_printf("%llu", (unsigned long long) cfg->pids) : NULL;
}

static char *show_cpus(const struct osb_config *cfg)
{
        if (!cfg->cpu_millis)
                return NULL;
        if (cfg->cpu_millis % 1000 == 0)
                return strdup_printf("%llu", (unsigned long long) (cfg->cpu_millis / 1000));
        return strdup_printf("%llu.%03llu", (unsigned long long) (cfg->cpu_millis / 1000),
                             (unsigned long long) (cfg->cpu_millis % 1000));
}

static char *show_resources(const struct osb_config *cfg)
{
        return strdup(cfg->resources_best_effort ? "best-effort" : "strict");
}

static char *show_detach_keys(const struct osb_config *cfg)
{
        return strdup(cfg->detach_keys[0] ? cfg->detach_keys : OSB_DEFAULT_DETACH_KEYS);
}

static char *show_report(const struct osb_config *cfg)
{
        return cfg->report_path ? strdup(cfg->report_path) : NULL;
}

/* --- which values give the command more access ----------------------------------
 *
 * An untrusted file's line is refused when it would give the command more
 * than the configuration in force when the line is read (the default, then
 * what trusted files set before it) with the caller's working directory CWD
 * writable. Single-valued directives may only narrow: what a value cannot
 * be parsed as is left to set() to refuse. Each row of the table says why
 * it widens, or why it cannot. */

static bool widens_always(const struct osb_config *cfg, const char *v, const char *cwd)
{
        return true;
}

/* The landlock mode is weaker than namespaces (no private view, host
 * processes visible, no pid namespace): a value that may land on it where
 * the configuration in force would not widens. */
static bool widens_isolation(const struct osb_config *cfg, const char *v, const char *cwd)
{
        enum osb_isolation want;

        if (parse_isolation(v, &want) < 0)
                return false;
        if (want == OSB_ISOLATION_LANDLOCK)
                return cfg->isolation != OSB_ISOLATION_LANDLOCK;
        return want == OSB_ISOLATION_AUTO && cfg->isolation == OSB_ISOLATION_NAMESPACES;
}

static bool widens_ro(const struct osb_config *cfg, const char *v, const char *cwd)
{
        return !mount_in_default_view(v, cwd, false);
}

static bool widens_rw(const struct osb_config *cfg, const char *v, const char *cwd)
{
        return !mount_in_default_view(v, cwd, true);
}

static bool widens_no_pty(const struct osb_config *cfg, const char *v, const char *cwd)
{
        return cfg->pty;        /* hands the caller's own terminal back to the command */
}

/* 0 is "never": the longest of all. */
static bool longer(uint64_t want, uint64_t have)
{
        return have != 0 && (want == 0 || want > have);
}

static bool widens_timeout(const struct osb_config *cfg, const char *v, const char *cwd)
{
        uint64_t ms;
        return parse_duration_ms(v, &ms) == 0 && longer(ms, cfg->timeout_ms);
}

/* What the first command leaves running would outlive it: more time. */
static bool widens_keep_alive(const struct osb_config *cfg, const char *v, const char *cwd)
{
        return !cfg->keep_alive;
}

static bool widens_kill_after(const struct osb_config *cfg, const char *v, const char *cwd)
{
        uint64_t ms;
        return parse_duration_ms(v, &ms) == 0 && ms > cfg->kill_after_ms;
}

static bool widens_cwd(const struct osb_config *cfg, const char *v, const char *cwd)
{
        /* The working directory is what the default view makes writable. */
        _cleanup_free_ char *real = realpath(v, NULL), *real_cwd = realpath(cwd, NULL);
        return !path_startswith(real ? real : v, real_cwd ? real_cwd : cwd);
}

static bool widens_net(const struct osb_config *cfg, const char *v, const char *cwd)
{
        return strcmp(v, "host") == 0 && cfg->net != OSB_NET_HOST;
}

/* The hard limit is what counts: up to it, the command may raise its soft
 * limit itself (setrlimit(2)). The hard limit in force is the last rlimit
 * directive's for the resource, else the caller's own. */
static bool widens_rlimit(const struct osb_config *cfg, const char *v, const char *cwd)
{
        struct osb_diag d;
        struct rlimit want, have;
        int resource;

        if (rlimit_parse(v, &resource, &want, &d) < 0 || getrlimit(resource, &have) < 0)
                return false;
        for (size_t i = 0; i < cfg->rlimits.n; i++) {
                struct rlimit set;
                int res;
                if (rlimit_parse(cfg->rlimits.v[i].value, &res, &set, &d) == 0 && res == resource)
                        have = set;
        }
        return want.rlim_max > have.rlim_max;
}

static bool widens_memory(const struct osb_config *cfg, const char *v, const char *cwd)
{
        uint64_t bytes;
        return parse_size(v, &bytes) == 0 && bytes && longer(bytes, cfg->memory_bytes);
}

static bool widens_pids(const struct osb_config *cfg, const char *v, const char *cwd)
{
        uint64_t n;

        /* The default limit is weaker than any strict one: it is never refused. */
        if (strcmp(v, "default") == 0)
                return !cfg->pids_default;
        return parse_pids(v, &n) == 0 && longer(n, cfg->pids);
}

static bool widens_cpus(const struct osb_config *cfg, const char *v, const char *cwd)
{
        struct osb_config c = {};
        struct osb_diag d;
        return set_cpus(&c, v, &d) == 0 && longer(c.cpu_millis, cfg->cpu_millis);
}

static bool widens_resources(const struct osb_config *cfg, const char *v, const char *cwd)
{
        /* Weaker limits than asked for. */
        return strcmp(v, "best-effort") == 0 && !cfg->resources_best_effort;
}

#define LIST OSLBOX_OPTION_LIST
#define CLI  OSLBOX_OPTION_CLI_ONLY
#define WIDE OSLBOX_OPTION_WIDENS

/* Each row's .widens (see above) answers "can this give the command more
 * access than the caller's command line and the default give?"; a row
 * without one says here why it cannot. */
static const struct osb_option options[] = {
        /* Command-line only: never read from a file. */
        { .pub = { .name = "policy", .metavar = "FILE", .layer = "policy", .flags = LIST | CLI,
                   .help = "Apply the directives of policy FILE; a NAME without a slash is a shipped policy. "
                           "May repeat; files apply in order, command-line options after them." },
          .path = true },
        { .pub = { .name = "no-project-policy", .layer = "policy", .flags = CLI,
                   .help = "Do not look for a .oslbox.policy in the working directory and its parents." } },
        /* Never widens: the command gets a terminal of the sandbox's own in
         * place of the caller's descriptors. */
        { .pub = { .name = "pty", .layer = "pty",
                   .help = "Run the command on a new pseudo-terminal, relayed to oslbox's own stdin and "
                           "stdout." },
          .set = set_pty, .show = show_pty, .group = "pty" },
        /* Widens after pty: the caller's terminal itself, to change its modes. */
        { .pub = { .name = "no-pty", .layer = "pty", .flags = WIDE,
                   .help = "Let the command use oslbox's stdin, stdout and stderr directly (the default)." },
          .set = set_no_pty, .show = show_no_pty, .group = "pty", .widens = widens_no_pty },
        /* Time is access: longer than the value in force widens. */
        { .pub = { .name = "timeout", .metavar = "DUR", .layer = "supervise", .flags = WIDE,
                   .help = "End the run after DUR (500ms, 30s, 5m, 1h or plain seconds; 0: never) and exit "
                           "with status 124." },
          .set = set_timeout, .show = show_timeout, .widens = widens_timeout },
        { .pub = { .name = "kill-after", .metavar = "DUR", .layer = "supervise", .flags = WIDE,
                   .help = "When tearing the sandbox down, send SIGKILL to what is left DUR after SIGTERM "
                           "(default 2s)." },
          .set = set_kill_after, .show = show_kill_after, .widens = widens_kill_after },
        /* Time is access: the first command's background processes would
         * outlive it, until a kill or the timeout. */
        { .pub = { .name = "keep-alive", .layer = "supervise", .flags = WIDE,
                   .help = "Keep the sandbox when its first command exits, with what that command left "
                           "running, until it is stopped or times out; more commands join it with oslbox "
                           "exec. With it the sandbox may start with no command." },
          .set = set_keep_alive, .show = show_keep_alive, .widens = widens_keep_alive },
        { .pub = { .name = "isolation", .metavar = "MODE", .layer = "isolation", .flags = WIDE,
                   .help = "Auto (the default): namespaces where this caller can create them here, else "
                           "landlock; namespaces: user, mount, pid, ipc and uts namespaces with a private "
                           "view, refusing to run without them; landlock: no namespace, the view enforced "
                           "by Landlock and seccomp alone (see ISOLATION in oslbox(1))." },
          .set = set_isolation, .show = show_isolation, .widens = widens_isolation },
        /* Never widens: it asks for what the landlock mode needs anyway. */
        { .pub = { .name = "signal-scoping", .layer = "isolation",
                   .help = "In the landlock isolation mode, refuse to run where Landlock cannot keep the "
                           "command from signalling processes outside the sandbox (ABI < 6; the default)." },
          .set = set_signal_scoping, .show = show_signal_scoping, .group = "signal-scoping" },
        { .pub = { .name = "no-signal-scoping", .layer = "isolation", .flags = WIDE,
                   .help = "In the landlock isolation mode, run even where Landlock cannot scope signals "
                           "(ABI < 6): the command can then signal every process of the caller's outside "
                           "the sandbox. The namespaces mode is not affected." },
          .set = set_no_signal_scoping, .show = show_no_signal_scoping, .group = "signal-scoping",
          .widens = widens_always },
        { .pub = { .name = "ro", .metavar = "PATH", .layer = "mount", .flags = LIST | WIDE,
                   .help = "Make PATH of the host visible read-only, at its real path (symbolic links "
                           "resolved)." },
          .set = set_ro, .path = true, .widens = widens_ro },
        { .pub = { .name = "rw", .metavar = "PATH", .layer = "mount", .flags = LIST | WIDE,
                   .help = "Make PATH of the host visible and writable, at its real path (symbolic links "
                           "resolved)." },
          .set = set_rw, .path = true, .widens = widens_rw },
        { .pub = { .name = "ro-try", .metavar = "PATH", .layer = "mount", .flags = LIST | WIDE,
                   .help = "Like ro, but skip PATH if it does not exist." },
          .set = set_ro_try, .path = true, .widens = widens_ro },
        { .pub = { .name = "rw-try", .metavar = "PATH", .layer = "mount", .flags = LIST | WIDE,
                   .help = "Like rw, but skip PATH if it does not exist." },
          .set = set_rw_try, .path = true, .widens = widens_rw },
        /* It also creates directories on the host: outside the working
         * directory, that is more than rw. */
        { .pub = { .name = "rw-create", .metavar = "DIR", .layer = "mount", .flags = LIST | WIDE,
                   .help = "Like rw, but first create directory DIR, below the home directory, and its "
                           "missing parents, each with mode 0700, following no symbolic link below the home "
                           "directory." },
          .set = set_rw_create, .path = true, .widens = widens_rw },
        /* Never widens: an empty tmpfs of the sandbox's own hides what is
         * below PATH; what is written there never reaches the host. */
        { .pub = { .name = "tmpfs", .metavar = "PATH", .layer = "mount", .flags = LIST,
                   .help = "Mount a new, empty, writable tmpfs at PATH." },
          .set = set_tmpfs, .path = true },
        /* The default view makes the working directory writable. */
        { .pub = { .name = "cwd", .metavar = "DIR", .layer = "mount", .flags = WIDE,
                   .help = "Use DIR as the working directory: the command starts there, and it is the "
                           "directory the default view makes writable." },
          .set = set_cwd, .path = true, .show = show_cwd, .widens = widens_cwd },
        { .pub = { .name = "protect-git", .layer = "mount",
                   .help = "When the working directory is a git work tree, make .git/config, "
                           ".git/config.worktree and .git/hooks read-only (the default)." },
          .set = set_protect_git, .show = show_protect_git, .group = "protect-git" },
        { .pub = { .name = "no-protect-git", .layer = "mount", .flags = WIDE,
                   .help = "Leave .git/config and .git/hooks of the working directory writable: what the "
                           "command writes there runs in the next git command outside the sandbox." },
          .set = set_no_protect_git, .show = show_no_protect_git, .group = "protect-git",
          .widens = widens_always },
        { .pub = { .name = "host-view", .layer = "mount", .flags = WIDE,
                   .help = "Make the host's top-level directories that the view leaves out visible "
                           "read-only (not /proc, /dev, /sys, /run or /tmp, nor what the view hides); with "
                           "log-denials each use of them is reported as outside the view: the trial run of "
                           "oslbox learn. Namespaces isolation mode only." },
          .set = set_host_view, .show = show_host_view, .widens = widens_always },
        { .pub = { .name = "net", .metavar = "MODE", .layer = "net", .flags = WIDE,
                   .help = "None (the default): no network, only unix sockets inside the sandbox; host: "
                           "share the host's network." },
          .set = set_net, .show = show_net, .widens = widens_net },
        /* Never widens: the value is the file's own, not the caller's, and
         * only the command (already under every layer) reads it. */
        { .pub = { .name = "env", .metavar = "NAME=VALUE", .layer = "env", .flags = LIST,
                   .help = "Set NAME to VALUE in the command's environment." },
          .set = set_env },
        /* The caller's variables hold its tokens. */
        { .pub = { .name = "keep-env", .metavar = "NAME", .layer = "env", .flags = LIST | WIDE,
                   .help = "Pass the caller's variables matching NAME, a name or a glob such as LC_*, "
                           "through to the command." },
          .set = set_keep_env, .widens = widens_always },
        { .pub = { .name = "allow-syscall", .metavar = "NAME", .layer = "seccomp", .flags = LIST | WIDE,
                   .help = "Remove system call NAME from the default deny list." },
          .set = set_allow_syscall, .widens = widens_always },
        /* Never widens the command's access: a denied call fails with
         * EPERM. (The sandbox's init must survive any filter: see spawn.c.) */
        { .pub = { .name = "deny-syscall", .metavar = "NAME", .layer = "seccomp", .flags = LIST,
                   .help = "Make system call NAME fail with EPERM." },
          .set = set_deny_syscall },
        /* A hard limit above the one in force widens. */
        { .pub = { .name = "rlimit", .metavar = "NAME=SOFT[:HARD]", .layer = "rlimit", .flags = LIST | WIDE,
                   .help = "Set resource limit NAME (as, core, cpu, data, fsize, locks, memlock, msgqueue, "
                           "nice, nofile, nproc, rss, rtprio, rttime, sigpending, stack) to SOFT, and HARD "
                           "(default: SOFT); sizes take K, M, G or T; unlimited is a value." },
          .set = set_rlimit, .widens = widens_rlimit },
        /* Limits: a higher one than in force widens; none is the highest. */
        { .pub = { .name = "memory", .metavar = "SIZE", .layer = "cgroup", .flags = WIDE,
                   .help = "Limit the sandbox's memory, all processes together and without swap, to SIZE "
                           "(64M, 1G); past it the kernel kills the largest." },
          .set = set_memory, .show = show_memory, .widens = widens_memory },
        { .pub = { .name = "pids", .metavar = "N", .layer = "cgroup", .flags = WIDE,
                   .help = "Limit the sandbox to N processes and threads, not counting its init, with a "
                           "cgroup. N default, the default, allows 4096: by RLIMIT_NPROC for a caller other "
                           "than root, by a cgroup for root when one is usable; it never refuses to run." },
          .set = set_pids, .show = show_pids, .widens = widens_pids },
        { .pub = { .name = "cpus", .metavar = "N", .layer = "cgroup", .flags = WIDE,
                   .help = "Limit the sandbox to N CPUs' worth of time (0.5, 2)." },
          .set = set_cpus, .show = show_cpus, .widens = widens_cpus },
        { .pub = { .name = "resources", .metavar = "MODE", .layer = "cgroup", .flags = WIDE,
                   .help = "Strict (the default): refuse to run when no cgroup can enforce memory, pids or "
                           "cpus; best-effort: fall back to per-process rlimits (RLIMIT_NPROC, RLIMIT_AS) "
                           "with a warning." },
          .set = set_resources, .show = show_resources, .widens = widens_resources },
        /* Never widens: the name of the sandbox's own UTS namespace, in
         * letters, digits, '-' and '.' only. */
        { .pub = { .name = "hostname", .metavar = "NAME", .layer = "uts",
                   .help = "Set the sandbox's host name (default oslbox)." },
          .set = set_hostname, .show = show_hostname },
        /* Named sandboxes (oslbox run --name): what the oslbox command does,
         * not the sandbox. Neither gives the command anything: a name only
         * picks where oslbox keeps its own state. */
        { .pub = { .name = "name", .metavar = "NAME", .layer = "session", .flags = CLI,
                   .help = "Name the sandbox NAME (1 to 64 letters, digits, '_', '.' and '-', not starting "
                           "with '.' or '-'), so that oslbox attach, exec, logs, ps, stop and wait can find "
                           "it; the detach keys leave it running." } },
        { .pub = { .name = "detach", .layer = "session", .flags = CLI,
                   .help = "With --name: start the command and return at once, leaving the sandbox running "
                           "in the background." } },
        /* Never widens: it only says which keys typed at oslbox's own
         * terminal detach it; the command sees nothing of it. */
        { .pub = { .name = "detach-keys", .metavar = "KEYS", .layer = "session",
                   .help = "Detach from a named sandbox when KEYS are typed: a character, ctrl-X or DEL, "
                           "several separated by commas (default ctrl-])." },
          .set = set_detach_keys, .show = show_detach_keys },
        /* oslbox itself writes FILE, outside the sandbox: an untrusted
         * project policy must not choose it. */
        { .pub = { .name = "report", .metavar = "FILE", .layer = "report", .flags = WIDE,
                   .help = "When the run ends, write a JSON report on it to FILE." },
          .set = set_report, .path = true, .show = show_report, .widens = widens_always },
        /* Never widens: what was refused goes to oslbox's own stderr (and
         * the report, which has its own row). */
        { .pub = { .name = "log-denials", .layer = "report",
                   .help = "When the run ends, print one line per distinct thing the sandbox refused, most "
                           "frequent first, naming the directive that would allow it (see DENIALS in "
                           "oslbox(1))." },
          .set = set_log_denials, .show = show_log_denials },
};

const struct osb_option *option_find(const char *name)
{
        for (size_t i = 0; i < ELEMENTSOF(options); i++)
                if (strcmp(options[i].pub.name, name) == 0)
                        return &options[i];
        return NULL;
}

size_t option_count(void)
{
        return ELEMENTSOF(options);
}

const struct osb_option *option_at(size_t i)
{
        return i < ELEMENTSOF(options) ? &options[i] : NULL;
}

OSLBOX_API const struct oslbox_option *oslbox_option_get(size_t index)
{
        const struct osb_option *o = option_at(index);
        return o ? &o->pub : NULL;
}
