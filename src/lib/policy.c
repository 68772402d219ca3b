/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Policies: the object (the embedded default plus every directive applied to
 * it) and the policy file language of oslbox.policy(5): one directive per
 * line, words split and quoted like a shell's, "#" comments, ${VARIABLES},
 * include and require. Every problem is reported as "FILE:LINE: error: ...".
 *
 * Project policies (.oslbox.policy found from the working directory up) come
 * with a repository, so they are untrusted until the user trusts them: an
 * untrusted file's directives that only take access away apply; one that
 * widens access refuses the load. Which directives widen is a property of
 * each row of the option table.
 */
#include "config.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "isolation.h"
#include "layers.h"
#include "options.h"
#include "policy.h"
#include "seccomp-layer.h"
#include "sha256.h"
#include "util.h"

/* A learned or generated policy can be large. */
#define POLICY_MAX_BYTES (1024 * 1024)
#define POLICY_MAX_LINE 4096
#define POLICY_MAX_INCLUDES 8   /* includes within includes, below the file named */
#define PROJECT_POLICY ".oslbox.policy"
#define ORIGIN_CLI "command line"

struct log_entry {
        const struct osb_option *opt;   /* NULL: a require line */
        char *value;
        char *origin;                   /* "FILE:LINE" or "command line" */
};

struct oslbox_policy {
        struct osb_config cfg;
        struct osb_diag diag;
        struct log_entry *log;
        size_t n_log, cap_log;
};

/* --- the configuration ----------------------------------------------------- */

int items_push(struct osb_items *items, const char *value, int kind)
{
        char *copy;
        if (items->n == items->cap) {
                size_t cap = items->cap ? items->cap * 2 : 8;
                struct osb_item *v = realloc(items->v, cap * sizeof(*v));
                if (!v)
                        return -ENOMEM;
                items->v = v;
                items->cap = cap;
        }
        copy = strdup(value);
        if (!copy)
                return -ENOMEM;
        items->v[items->n++] = (struct osb_item) { .value = copy, .kind = kind };
        return 0;
}

static void items_done(struct osb_items *items)
{
        for (size_t i = 0; i < items->n; i++)
                free(items->v[i].value);
        free(items->v);
        *items = (struct osb_items) {};
}

static int items_copy(const struct osb_items *src, struct osb_items *dst)
{
        for (size_t i = 0; i < src->n; i++) {
                int r = items_push(dst, src->v[i].value, src->v[i].kind);
                if (r < 0)
                        return r;
        }
        return 0;
}

int config_init(struct osb_config *cfg)
{
        *cfg = (struct osb_config) {
                .net = OSB_NET_NONE,
                .kill_after_ms = OSB_DEFAULT_KILL_AFTER_MS,
                .pids = OSB_DEFAULT_PIDS,
                .pids_default = true,
        };
        return 0;
}

void config_done(struct osb_config *cfg)
{
        free(cfg->cwd);
        free(cfg->hostname);
        free(cfg->report_path);
        items_done(&cfg->mounts);
        items_done(&cfg->env);
        items_done(&cfg->keep_env);
        items_done(&cfg->syscalls);
        items_done(&cfg->rlimits);
        *cfg = (struct osb_config) {};
}

static int dup_str(const char *src, char **dst)
{
        *dst = src ? strdup(src) : NULL;
        return src && !*dst ? -ENOMEM : 0;
}

int config_copy(const struct osb_config *src, struct osb_config *dst)
{
        int r;

        *dst = *src;
        dst->cwd = dst->hostname = dst->report_path = NULL;
        dst->mounts = dst->env = dst->keep_env = dst->syscalls = dst->rlimits = (struct osb_items) {};
        if ((r = dup_str(src->cwd, &dst->cwd)) < 0 ||
            (r = dup_str(src->hostname, &dst->hostname)) < 0 ||
            (r = dup_str(src->report_path, &dst->report_path)) < 0 ||
            (r = items_copy(&src->mounts, &dst->mounts)) < 0 ||
            (r = items_copy(&src->env, &dst->env)) < 0 ||
            (r = items_copy(&src->keep_env, &dst->keep_env)) < 0 ||
            (r = items_copy(&src->syscalls, &dst->syscalls)) < 0 ||
            (r = items_copy(&src->rlimits, &dst->rlimits)) < 0) {
                config_done(dst);
                return r;
        }
        return 0;
}

const struct osb_config *policy_config(const struct oslbox_policy *policy)
{
        return &policy->cfg;
}

/* --- the object -------------------------------------------------------------- */

static int log_push(struct oslbox_policy *p, const struct osb_option *opt, const char *value,
                    const char *origin)
{
        struct log_entry e = { .opt = opt, .value = strdup(value ? value : ""), .origin = strdup(origin) };

        if (!e.value || !e.origin)
                goto oom;
        if (p->n_log == p->cap_log) {
                size_t cap = p->cap_log ? p->cap_log * 2 : 16;
                struct log_entry *v = realloc(p->log, cap * sizeof(*v));
                if (!v)
                        goto oom;
                p->log = v;
                p->cap_log = cap;
        }
        p->log[p->n_log++] = e;
        return 0;
oom:
        free(e.value);
        free(e.origin);
        return -ENOMEM;
}

static void log_done(struct oslbox_policy *p)
{
        for (size_t i = 0; i < p->n_log; i++) {
                free(p->log[i].value);
                free(p->log[i].origin);
        }
        free(p->log);
        p->log = NULL;
        p->n_log = p->cap_log = 0;
}

OSLBOX_API int oslbox_policy_new(struct oslbox_policy **ret_policy)
{
        struct oslbox_policy *p;

        if (!ret_policy)
                return -EINVAL;
        p = calloc(1, sizeof(*p));
        if (!p)
                return -ENOMEM;
        config_init(&p->cfg);
        *ret_policy = p;
        return 0;
}

OSLBOX_API int oslbox_policy_copy(const struct oslbox_policy *policy, struct oslbox_policy **ret_copy)
{
        struct oslbox_policy *p;
        int r;

        if (!policy || !ret_copy)
                return -EINVAL;
        p = calloc(1, sizeof(*p));
        if (!p)
                return -ENOMEM;
        if ((r = config_copy(&policy->cfg, &p->cfg)) < 0)
                goto fail;
        for (size_t i = 0; i < policy->n_log; i++)
                if ((r = log_push(p, policy->log[i].opt, policy->log[i].value, policy->log[i].origin)) < 0)
                        goto fail;
        *ret_copy = p;
        return 0;
fail:
        oslbox_policy_free(p);
        return r;
}

OSLBOX_API void oslbox_policy_free(struct oslbox_policy *policy)
{
        if (!policy)
                return;
        config_done(&policy->cfg);
        log_done(policy);
        free(policy);
}

OSLBOX_API const char *oslbox_policy_error(const struct oslbox_policy *policy)
{
        return policy ? policy->diag.msg : "";
}

OSLBOX_API const char *oslbox_version(void)
{
        return PACKAGE_VERSION;
}

/* Applies one directive: paths are made absolute against BASE_DIR, the
 * value is checked and stored, and where it came from is logged for
 * explain. The message (without the directive's name) is left in diag. */
static int policy_apply(struct oslbox_policy *p, const struct osb_option *opt, const char *value,
                        const char *base_dir, const char *origin)
{
        _cleanup_free_ char *abs = NULL;
        int r;

        if (opt->path) {
                if (!*value)
                        return diag_set(&p->diag, -EINVAL, "empty path");
                if ((r = path_make_absolute(value, base_dir, &abs)) < 0)
                        return diag_errno(&p->diag, r, "cannot make '%s' absolute", value);
                value = abs;
        }
        diag_clear(&p->diag);
        if ((r = opt->set(&p->cfg, value, &p->diag)) < 0) {
                if (!p->diag.msg[0])
                        diag_errno(&p->diag, r, "%s", value ? value : opt->pub.name);
                return r;
        }
        if ((r = log_push(p, opt, value, origin)) < 0)
                return diag_errno(&p->diag, r, "cannot record the directive");
        return 0;
}

OSLBOX_API int oslbox_policy_get(const struct oslbox_policy *policy, const char *name, char **ret_value)
{
        const struct osb_option *opt;

        if (!policy || !name || !ret_value)
                return -EINVAL;
        opt = option_find(name);
        if (!opt || !opt->show)
                return -EINVAL;
        errno = 0;
        *ret_value = opt->show(&policy->cfg);
        return !*ret_value && errno == ENOMEM ? -ENOMEM : 0;
}

OSLBOX_API int oslbox_policy_set(struct oslbox_policy *policy, const char *name, const char *value)
{
        const struct osb_option *opt;
        _cleanup_free_ char *cwd = NULL;

        if (!policy || !name)
                return -EINVAL;
        diag_clear(&policy->diag);
        opt = option_find(name);
        if (!opt)
                return diag_set(&policy->diag, -EINVAL, "unknown directive");
        if (opt->pub.metavar && !value)
                return diag_set(&policy->diag, -EINVAL, "needs a value (%s)", opt->pub.metavar);
        if (!opt->pub.metavar && value)
                return diag_set(&policy->diag, -EINVAL, "takes no value");
        if (strcmp(name, "policy") == 0)
                return oslbox_policy_load(policy, value);
        if (!opt->set)
                return diag_set(&policy->diag, -EINVAL, "only means something to the oslbox command");
        cwd = getcwd(NULL, 0);
        if (!cwd)
                return diag_errno(&policy->diag, -errno, "cannot tell the working directory");
        return policy_apply(policy, opt, value, cwd, ORIGIN_CLI);
}

/* --- the language ---------------------------------------------------------- */

struct load {
        struct oslbox_policy *pol;
        bool check_trust;       /* a project policy: each file must be trusted to widen */
        bool dry;               /* the fuzzer: no include is read, no require probes */
        char *home, *user, *cwd, *trust_store;
        char *project_dir;      /* holding the project policy: what its untrusted files may include */
        struct strv widening;   /* "FILE:LINE: DIRECTIVE VALUE" an untrusted file asked for */
        char *untrusted_file;   /* the first untrusted file that widens */
        struct strv *errors;    /* oslbox_policy_check(): every message, and go on at the next line */
        struct { dev_t dev; ino_t ino; } stack[POLICY_MAX_INCLUDES + 1];
        int depth;
};

struct file_ctx {
        struct load *ld;
        const char *path;       /* as reported */
        const char *dir;        /* its directory: relative paths and ${POLICY_DIR} */
        unsigned line;
        bool untrusted;
        /* Messages may quote the file's lines: it is a policy (its real
         * name ends in ".policy"), not, say, an ~/.npmrc someone included. */
        bool quote;
};

/* Keeps a message of the file being read: on the policy, and in the list
 * oslbox_policy_check() reports. */
static int load_error(struct load *ld, int r, const char *fmt, ...) _printf_(3, 4);
static int load_error(struct load *ld, int r, const char *fmt, ...)
{
        char msg[sizeof(ld->pol->diag.msg)];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        diag_set(&ld->pol->diag, r, "%s", msg);
        if (ld->errors && strv_push(ld->errors, ld->pol->diag.msg) < 0)
                return -ENOMEM;
        return r;
}

static _printf_(4, 0) int vfail(struct file_ctx *f, int r, const char *reason, const char *fmt, va_list ap)
{
        char msg[768];

        if (f->quote || !reason)
                vsnprintf(msg, sizeof(msg), fmt, ap);
        else
                snprintf(msg, sizeof(msg), "%s (the line is not shown: not a .policy file)", reason);
        return load_error(f->ld, r, "%s:%u: error: %s", f->path, f->line, msg);
}

static int fail_at(struct file_ctx *f, int r, const char *fmt, ...) _printf_(3, 4);
static int fail_at(struct file_ctx *f, int r, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        r = vfail(f, r, NULL, fmt, ap);
        va_end(ap);
        return r;
}

/* An error that quotes what the line holds (a word, a value, a path): in a
 * file that is not a policy only REASON is said, which quotes nothing. */
static int fail_quoting(struct file_ctx *f, int r, const char *reason, const char *fmt, ...) _printf_(4, 5);
static int fail_quoting(struct file_ctx *f, int r, const char *reason, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        r = vfail(f, r, reason, fmt, ap);
        va_end(ap);
        return r;
}

static const char *variable(struct file_ctx *f, const char *name, size_t n)
{
        static const char *const names[] = { "HOME", "CWD", "USER", "POLICY_DIR" };
        const char *values[] = { f->ld->home, f->ld->cwd, f->ld->user, f->dir };

        for (size_t i = 0; i < ELEMENTSOF(names); i++)
                if (strlen(names[i]) == n && strncmp(names[i], name, n) == 0)
                        return values[i] ? values[i] : "";
        return NULL;
}

struct word {
        char *s;
        size_t n, cap;
};

static int word_put(struct word *w, const char *data, size_t n)
{
        if (w->n + n + 1 > w->cap) {
                size_t cap = (w->n + n + 1) * 2;
                char *s = realloc(w->s, cap);
                if (!s)
                        return -ENOMEM;
                w->s = s;
                w->cap = cap;
        }
        memcpy(w->s + w->n, data, n);
        w->n += n;
        w->s[w->n] = '\0';
        return 0;
}

/* ${NAME} at *P: appends its value and moves *P past it. */
static int expand(struct file_ctx *f, const char **p, struct word *w)
{
        const char *s = *p, *end, *val;

        if (s[1] != '{')
                return fail_at(f, -EINVAL, "a lone '$': write ${NAME} for a variable, \\$ for a dollar sign");
        end = strchr(s + 2, '}');
        if (!end)
                return fail_at(f, -EINVAL, "unterminated ${");
        val = variable(f, s + 2, (size_t) (end - s - 2));
        if (!val)
                return fail_quoting(f, -EINVAL, "unknown variable",
                                    "unknown variable ${%.*s} (known: HOME, CWD, USER, POLICY_DIR)",
                                    (int) (end - s - 2), s + 2);
        *p = end + 1;
        return word_put(w, val, strlen(val)) < 0 ? fail_at(f, -ENOMEM, "out of memory") : 0;
}

/* Splits LINE into words as a shell would: blanks separate words; '...' is
 * literal; "..." allows \", \\, \$ and ${NAME}; outside quotes a backslash
 * escapes the next character; # starts a comment where a word could start. */
static int split_words(struct file_ctx *f, const char *line, struct strv *words)
{
        const char *p = line;
        struct word w = {};
        int r = 0;

#define BLANK(c) ((c) == ' ' || (c) == '\t' || (c) == '\r')
        for (;;) {
                while (BLANK(*p))
                        p++;
                if (!*p || *p == '#')
                        break;
                w.n = 0;
                if ((r = word_put(&w, "", 0)) < 0)
                        break;
                while (*p && !BLANK(*p) && r >= 0) {
                        if (*p == '\'') {
                                const char *end = strchr(p + 1, '\'');
                                if (!end) {
                                        r = fail_at(f, -EINVAL, "unterminated single quote");
                                        break;
                                }
                                r = word_put(&w, p + 1, (size_t) (end - p - 1));
                                p = end + 1;
                        } else if (*p == '"') {
                                for (p++;;) {
                                        if (!*p) {
                                                r = fail_at(f, -EINVAL, "unterminated double quote");
                                                break;
                                        }
                                        if (*p == '"') {
                                                p++;
                                                break;
                                        }
                                        if (*p == '$')
                                                r = expand(f, &p, &w);
                                        else if (*p == '\\' && (p[1] == '"' || p[1] == '\\' || p[1] == '$')) {
                                                r = word_put(&w, p + 1, 1);
                                                p += 2;
                                        } else
                                                r = word_put(&w, p++, 1);
                                        if (r < 0)
                                                break;
                                }
                        } else if (*p == '\\') {
                                if (!p[1])
                                        r = fail_at(f, -EINVAL, "backslash at the end of the line");
                                else {
                                        r = word_put(&w, p + 1, 1);
                                        p += 2;
                                }
                        } else if (*p == '$')
                                r = expand(f, &p, &w);
                        else
                                r = word_put(&w, p++, 1);
                }
                if (r < 0)
                        break;
                if (strv_push(words, w.s) < 0) {
                        r = fail_at(f, -ENOMEM, "out of memory");
                        break;
                }
        }
#undef BLANK
        free(w.s);
        return r < 0 ? r : 0;
}

static int load_file(struct load *ld, const char *path, struct file_ctx *from);

/* require FEATURE[>=N]: refuse unless this host provides it. */
static int require(struct file_ctx *f, const char *spec)
{
        const char *ge = strstr(spec, ">=");
        size_t n = ge ? (size_t) (ge - spec) : strlen(spec);
        uint64_t want = 1;
        char feature[32];

        if (n == 0 || n >= sizeof(feature))
                return fail_quoting(f, -EINVAL, "require: bad feature", "require: bad feature '%s'", spec);
        memcpy(feature, spec, n);
        feature[n] = '\0';
        if (ge && parse_uint64(ge + 2, &want) < 0)
                return fail_quoting(f, -EINVAL, "require: bad version", "require: bad version in '%s'", spec);
        if (f->ld->dry && (strcmp(feature, "landlock") == 0 || (!ge && (strcmp(feature, "userns") == 0 ||
            strcmp(feature, "seccomp") == 0 || strcmp(feature, "cgroup") == 0))))
                return 0;
        if (strcmp(feature, "landlock") == 0) {
                int abi = landlock_abi();
                if ((uint64_t) abi < want)
                        return fail_quoting(f, -EOPNOTSUPP, "this host lacks the Landlock ABI asked for",
                                            "this host lacks %s (it has Landlock ABI %d)", spec, abi);
                return 0;
        }
        if (ge)
                return fail_quoting(f, -EINVAL, "require: a version where there is none",
                                    "require: %s has no version", feature);
        if (strcmp(feature, "userns") == 0) {
                /* A floor: the sandbox then uses namespaces, whatever isolation says. */
                f->ld->pol->cfg.require_userns = true;
                if (ns_probe_userns() < 0)
                        return fail_at(f, -EOPNOTSUPP, "this host lacks userns (user namespaces for this user)");
                return 0;
        }
        if (strcmp(feature, "seccomp") == 0) {
                if (!seccomp_supported())
                        return fail_at(f, -EOPNOTSUPP, "this host lacks seccomp filters");
                return 0;
        }
        if (strcmp(feature, "cgroup") == 0) {
                if (!cgroup_usable())
                        return fail_at(f, -EOPNOTSUPP, "this host lacks cgroup (a cgroup this user may "
                                                       "create children in, with memory and pids)");
                return 0;
        }
        return fail_quoting(f, -EINVAL, "require: unknown feature",
                            "require: unknown feature '%s' (known: landlock[>=N], userns, seccomp, cgroup)",
                            feature);
}

static int directive(struct file_ctx *f, struct strv *w)
{
        struct oslbox_policy *pol = f->ld->pol;
        const struct osb_option *opt;
        const char *name = w->v[0];
        char origin[PATH_MAX + 32];
        int r;

        snprintf(origin, sizeof(origin), "%s:%u", f->path, f->line);
        if (strcmp(name, "include") == 0) {
                _cleanup_free_ char *abs = NULL;
                if (w->n != 2)
                        return fail_at(f, -EINVAL, "include takes one file");
                if (policy_is_name(w->v[1]))
                        abs = policy_shipped_path(w->v[1]);
                else if (path_make_absolute(w->v[1], f->dir, &abs) < 0)
                        abs = NULL;
                if (!abs)
                        return fail_quoting(f, -EINVAL, "include: bad file name", "include: bad file name '%s'",
                                            w->v[1]);
                return f->ld->dry ? 0 : load_file(f->ld, abs, f);
        }
        if (strcmp(name, "require") == 0) {
                if (w->n != 2)
                        return fail_at(f, -EINVAL, "require takes one feature");
                if ((r = require(f, w->v[1])) < 0)
                        return r;
                return log_push(pol, NULL, w->v[1], origin) < 0 ? fail_at(f, -ENOMEM, "out of memory") : 0;
        }
        opt = option_find(name);
        if (!opt)
                return fail_quoting(f, -EINVAL, "unknown directive", "unknown directive '%s'", name);
        /* From here on NAME is a row's name: saying it quotes nothing. */
        if (opt->pub.flags & OSLBOX_OPTION_CLI_ONLY)
                return fail_at(f, -EINVAL, "'%s' is a command-line option%s", name,
                               strcmp(name, "policy") == 0 ? "; use include" : "");
        if (!opt->pub.metavar && w->n != 1)
                return fail_at(f, -EINVAL, "'%s' takes no value", name);
        if (opt->pub.metavar && w->n != 2)
                return fail_at(f, -EINVAL, "'%s' takes one value (%s)%s", name, opt->pub.metavar,
                               w->n > 2 ? "; quote a value with spaces" : "");
        if (f->untrusted && opt->widens) {
                _cleanup_free_ char *abs = NULL;
                const char *v = w->n > 1 ? w->v[1] : "";
                if (opt->path && path_make_absolute(v, f->dir, &abs) == 0)
                        v = abs;
                if (opt->widens(&pol->cfg, v, f->ld->cwd)) {
                        r = f->quote && *v ? strv_pushf(&f->ld->widening, "%s:%u: %s %s", f->path, f->line, name, v)
                                           : strv_pushf(&f->ld->widening, "%s:%u: %s", f->path, f->line, name);
                        if (r < 0)
                                return fail_at(f, -ENOMEM, "out of memory");
                        if (!f->ld->untrusted_file && !(f->ld->untrusted_file = strdup(f->path)))
                                return fail_at(f, -ENOMEM, "out of memory");
                        return 0;
                }
        }
        r = policy_apply(pol, opt, w->n > 1 ? w->v[1] : NULL, f->dir, origin);
        if (r < 0) {
                char msg[sizeof(pol->diag.msg)], reason[64];
                snprintf(msg, sizeof(msg), "%s", pol->diag.msg);
                snprintf(reason, sizeof(reason), "%s: %s", name, r == -ENOMEM ? "out of memory" : "invalid value");
                return fail_quoting(f, r, reason, "%s: %s", name, msg);
        }
        return 0;
}

/* Parses the lines of TEXT. A file longer than the limit is refused at the
 * line that crosses it, after the lines before it. With ld->errors, an error
 * ends only its line: every error of the file is reported. */
static int parse_text(struct file_ctx *f, const char *text, size_t len)
{
        const char *p = text, *end = text + (len > POLICY_MAX_BYTES ? POLICY_MAX_BYTES : len);
        const char *nul = memchr(text, '\0', (size_t) (end - text));
        int first = 0;

        if (nul) {
                f->line = 1;
                for (const char *q = text; q < nul; q++)
                        f->line += *q == '\n';
                return fail_at(f, -EINVAL, "NUL byte: not a text file");
        }
        for (f->line = 1; p < end; f->line++) {
                const char *nl = memchr(p, '\n', (size_t) (end - p));
                size_t n = nl ? (size_t) (nl - p) : (size_t) (end - p);
                char line[POLICY_MAX_LINE + 1];
                struct strv w = {};
                int r;

                if (!nl && len > POLICY_MAX_BYTES)
                        break;          /* the line that crosses the limit */
                if (n > POLICY_MAX_LINE)
                        r = fail_at(f, -EINVAL, "line longer than %d bytes", POLICY_MAX_LINE);
                else {
                        memcpy(line, p, n);
                        line[n] = '\0';
                        r = split_words(f, line, &w);
                        if (r >= 0 && w.n > 0)
                                r = directive(f, &w);
                        strv_done(&w);
                }
                p += n + 1;
                if (r < 0) {
                        if (!f->ld->errors || r == -ENOMEM)
                                return r;
                        first = first ? first : r;
                }
        }
        if (len > POLICY_MAX_BYTES) {
                int r = fail_at(f, -EFBIG, "the file goes past %d bytes (1 MiB) on this line",
                                POLICY_MAX_BYTES);
                return first ? first : r;
        }
        return first;
}

static bool trusted(struct load *ld, const char *real, const char *text, size_t len)
{
        _cleanup_close_ int fd = -1;
        _cleanup_free_ char *store = NULL;
        char hex[65], *save = NULL;

        if (!ld->trust_store)
                return false;
        fd = open(ld->trust_store, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0 || read_full_fd(fd, 1 << 20, &store, NULL) < 0)
                return false;
        sha256_hex(text, len, hex);
        for (char *l = strtok_r(store, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
                if (strncmp(l, hex, 64) == 0 && l[64] == ' ' && strcmp(l + 65, real) == 0)
                        return true;
        return false;
}

/* Reads at most MAX + 1 bytes of FD: one more than the limit tells a file
 * that crosses it, and the lines before it can still be parsed. */
static int read_prefix(int fd, size_t max, char **ret, size_t *ret_len)
{
        size_t cap = 4096, len = 0;
        _cleanup_free_ char *buf = malloc(cap + 1);

        if (!buf)
                return -ENOMEM;
        while (len <= max) {
                ssize_t k;
                if (len == cap) {
                        char *nbuf;
                        cap = cap * 2 > max + 1 ? max + 1 : cap * 2;
                        if (!(nbuf = realloc(buf, cap + 1)))
                                return -ENOMEM;
                        buf = nbuf;
                }
                k = read(fd, buf + len, cap - len);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        return -errno;
                if (k == 0)
                        break;
                len += (size_t) k;
        }
        buf[len] = '\0';
        *ret = TAKE_PTR(buf);
        *ret_len = len;
        return 0;
}

/* The real path of what FD is open on: what was checked is what is read. */
static char *fd_real_path(int fd, const char *path)
{
        char proc[64], buf[PATH_MAX];
        ssize_t n;

        snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
        n = readlink(proc, buf, sizeof(buf) - 1);
        if (n <= 0 || buf[0] != '/')
                return realpath(path, NULL);    /* no /proc */
        buf[n] = '\0';
        return strdup(buf);
}

static bool has_policy_name(const char *path)
{
        size_t n = strlen(path);
        return n >= 7 && strcmp(path + n - 7, ".policy") == 0;
}

/* Whether an untrusted file may include REAL: a shipped policy, or a file
 * of its own project. Anything else (${HOME}/.npmrc, a link out of the
 * checkout) is the caller's, and its lines would end up in messages. */
static bool may_include(const struct load *ld, const char *real)
{
        return policy_is_shipped(real) || (ld->project_dir && path_startswith(real, ld->project_dir));
}

/* Reads PATH (all of it, once: what is hashed is what is parsed) and
 * parses it. FROM: the including file, or NULL. */
static int load_file(struct load *ld, const char *path, struct file_ctx *from)
{
        _cleanup_close_ int fd = -1;
        _cleanup_free_ char *text = NULL, *real = NULL, *dir = NULL;
        struct file_ctx f = { .ld = ld, .path = path };
        bool confined = from && from->untrusted && ld->project_dir;
        struct stat st;
        size_t len = 0;
        int r;

#define FAIL(r, reason, ...) (from ? fail_quoting(from, r, reason, __VA_ARGS__) : load_error(ld, r, __VA_ARGS__))
        /* Judged before it is opened, too: opening a device can have effects. */
        if (confined && (real = realpath(path, NULL)) && !may_include(ld, real))
                return FAIL(-EPERM, "include: an untrusted project policy may include only files of its project "
                            "and shipped policies", "include: %s is outside the project %s, and this file is not "
                            "trusted: it may include only files of its project and shipped policies", path,
                            ld->project_dir);
        free(TAKE_PTR(real));
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0) {
                int e = errno;
                char reason[128];
                snprintf(reason, sizeof(reason), "cannot read the included file: %s", errno_text(e));
                return from ? fail_quoting(from, -e, reason, "cannot read include %s: %s", path, errno_text(e))
                            : load_error(ld, -e, "cannot read policy %s: %s", path, errno_text(e));
        }
        if (fstat(fd, &st) < 0)
                return FAIL(-errno, "cannot read the included file", "%s: %s", path, errno_text(errno));
        if (!S_ISREG(st.st_mode))
                return FAIL(-EINVAL, "the included file is not a regular file", "%s: not a regular file", path);
        if (!(real = fd_real_path(fd, path)) || path_make_absolute("..", real, &dir) < 0)
                return FAIL(-ENOMEM, "out of memory", "%s: out of memory", path);
        if (confined && !may_include(ld, real))
                return FAIL(-EPERM, "include: an untrusted project policy may include only files of its project "
                            "and shipped policies", "include: %s is outside the project %s, and this file is not "
                            "trusted: it may include only files of its project and shipped policies", real,
                            ld->project_dir);
        for (int i = 0; i < ld->depth; i++)
                if (ld->stack[i].dev == st.st_dev && ld->stack[i].ino == st.st_ino)
                        return FAIL(-ELOOP, "include cycle", "include cycle: %s is already being read", path);
        if (ld->depth > POLICY_MAX_INCLUDES)
                return FAIL(-ELOOP, "includes nest too deep", "includes nest more than %d deep at %s",
                            POLICY_MAX_INCLUDES, path);
        if ((r = read_prefix(fd, POLICY_MAX_BYTES, &text, &len)) < 0)
                return FAIL(r, "cannot read the included file", "%s: %s", path, errno_text(-r));
#undef FAIL
        f.dir = dir;
        f.quote = has_policy_name(real);
        f.untrusted = ld->check_trust && !policy_is_shipped(real) && !trusted(ld, real, text, len);
        if (f.untrusted && !from && ld->project_dir && !path_startswith(real, ld->project_dir))
                return load_error(ld, -EPERM, "%s is not trusted and is a link to %s, outside its project %s",
                                  path, real, ld->project_dir);

        ld->stack[ld->depth].dev = st.st_dev;
        ld->stack[ld->depth].ino = st.st_ino;
        ld->depth++;
        r = parse_text(&f, text, len);
        ld->depth--;
        return r;
}

static char *state_file(const char *home)
{
        const char *xdg = getenv("XDG_STATE_HOME");
        if (xdg && xdg[0] == '/')
                return strdup_printf("%s/oslbox/trusted-policies", xdg);
        return home ? strdup_printf("%s/.local/state/oslbox/trusted-policies", home) : NULL;
}

/* CWD: the working directory the policy is for (${CWD}, and what widening
 * is judged against); NULL: this process's. */
static int load_init(struct load *ld, struct oslbox_policy *pol, bool check_trust, const char *cwd)
{
        _cleanup_free_ char *pw_home = NULL, *pw_name = NULL;
        const char *home = getenv("HOME"), *user = NULL;

        /* ${USER} is what the sandbox's USER will be: the uid's name. */
        *ld = (struct load) { .pol = pol, .check_trust = check_trust };
        if (passwd_lookup(geteuid(), &pw_home, &pw_name) == 0) {
                if (!home || home[0] != '/')
                        home = pw_home;
                user = pw_name;
        }
        ld->home = strdup(home && home[0] == '/' ? home : "/");
        ld->user = user && *user ? strdup(user) : strdup_printf("%u", (unsigned) geteuid());
        ld->cwd = cwd ? realpath(cwd, NULL) : getcwd(NULL, 0);
        if (!ld->cwd)
                return diag_errno(&pol->diag, -errno, "cannot tell the working directory %s", cwd ? cwd : "");
        ld->trust_store = state_file(ld->home);
        if (!ld->home || !ld->user)
                return diag_errno(&pol->diag, -ENOMEM, "cannot prepare to read policies");
        return 0;
}

static void load_done(struct load *ld)
{
        free(ld->home);
        free(ld->user);
        free(ld->cwd);
        free(ld->trust_store);
        free(ld->project_dir);
        free(ld->untrusted_file);
        strv_done(&ld->widening);
}

bool policy_is_name(const char *arg)
{
        size_t n = strlen(arg);
        return !strchr(arg, '/') && !(n > 7 && strcmp(arg + n - 7, ".policy") == 0);
}

/* The shipped policies' directory: $OSLBOX_POLICY_DIR when absolute; for
 * the oslbox program run from its build tree, not installed yet, the source
 * tree's policies/ (the running program must be the very file built there,
 * by device and inode, and policies/ a directory of root's, the caller's or
 * the program's owner, not writable by all); else $(datadir). */
static const char *shipped_dir(void)
{
        const char *dir = getenv("OSLBOX_POLICY_DIR");
#ifdef OSLBOX_TREE_POLICYDIR
        struct stat exe, built, pd;
#endif

        if (dir && dir[0] == '/')
                return dir;
#ifdef OSLBOX_TREE_POLICYDIR
        if (stat("/proc/self/exe", &exe) == 0 && stat(OSLBOX_BUILT_CLI, &built) == 0 &&
            exe.st_dev == built.st_dev && exe.st_ino == built.st_ino &&
            stat(OSLBOX_TREE_POLICYDIR, &pd) == 0 && S_ISDIR(pd.st_mode) && !(pd.st_mode & S_IWOTH) &&
            (pd.st_uid == 0 || pd.st_uid == geteuid() || pd.st_uid == built.st_uid))
                return OSLBOX_TREE_POLICYDIR;
#endif
        return POLICYDIR;
}

char *policy_shipped_path(const char *name)
{
        if (!*name || strchr(name, '/') || name[0] == '.')
                return NULL;
        return strdup_printf("%s/%s.policy", shipped_dir(), name);
}

bool policy_is_shipped(const char *real)
{
        _cleanup_free_ char *d = realpath(shipped_dir(), NULL);
        return d && path_startswith(real, d);
}

/* oslbox_policy_load(), and with ERRORS every message of every error. */
static int load_named(struct oslbox_policy *policy, const char *path, struct strv *errors)
{
        _cleanup_free_ char *shipped = NULL;
        struct load ld;
        int r;

        diag_clear(&policy->diag);
        if (policy_is_name(path)) {
                shipped = policy_shipped_path(path);
                if (!shipped)
                        r = diag_set(&policy->diag, -EINVAL, "bad policy name '%s'", path);
                else if (access(shipped, F_OK) < 0)
                        r = diag_set(&policy->diag, -errno, "no shipped policy '%s' (%s: %s): make install "
                                     "puts the shipped policies there, OSLBOX_POLICY_DIR names another directory",
                                     path, shipped, errno_text(errno));
                else
                        r = 0;
                if (r < 0)
                        return errors && strv_push(errors, policy->diag.msg) < 0 ? -ENOMEM : r;
                path = shipped;
        }
        if ((r = load_init(&ld, policy, false, NULL)) >= 0) {
                ld.errors = errors;
                r = load_file(&ld, path, NULL);
        } else if (errors && strv_push(errors, policy->diag.msg) < 0)
                r = -ENOMEM;
        load_done(&ld);
        return r;
}

OSLBOX_API int oslbox_policy_load(struct oslbox_policy *policy, const char *path)
{
        if (!policy || !path || !*path)
                return -EINVAL;
        return load_named(policy, path, NULL);
}

/* What a check found, R the parse's result: the number of errors, with
 * their text in *RET_ERRORS; -ENOMEM. Takes ERRORS. */
static int check_result(struct oslbox_policy *policy, int r, struct strv *errors, char **ret_errors)
{
        size_t len = 0;
        char *text;

        if (r < 0 && r != -ENOMEM && errors->n == 0 && strv_push(errors, policy->diag.msg) < 0)
                r = -ENOMEM;
        if (r == -ENOMEM) {
                strv_done(errors);
                return diag_set(&policy->diag, -ENOMEM, "out of memory");
        }
        for (size_t i = 0; i < errors->n; i++)
                len += strlen(errors->v[i]) + 1;
        text = errors->n ? malloc(len + 1) : NULL;
        if (errors->n && !text) {
                strv_done(errors);
                return diag_set(&policy->diag, -ENOMEM, "out of memory");
        }
        for (size_t i = 0, o = 0; i < errors->n; i++) {
                size_t n = strlen(errors->v[i]);
                memcpy(text + o, errors->v[i], n);
                text[o + n] = '\n';
                text[o += n + 1] = '\0';
        }
        r = (int) errors->n;
        strv_done(errors);
        *ret_errors = text;
        return r;
}

OSLBOX_API int oslbox_policy_check(struct oslbox_policy *policy, const char *path, char **ret_errors)
{
        struct strv errors = {};

        if (!policy || !path || !*path || !ret_errors)
                return -EINVAL;
        return check_result(policy, load_named(policy, path, &errors), &errors, ret_errors);
}

static char *find_project_policy(const char *dir)
{
        _cleanup_free_ char *d = realpath(dir, NULL);

        while (d) {
                _cleanup_free_ char *candidate = strdup_printf("%s/" PROJECT_POLICY, strcmp(d, "/") ? d : "");
                _cleanup_free_ char *git = strdup_printf("%s/.git", strcmp(d, "/") ? d : "");
                struct stat st;
                char *up = NULL;

                if (!candidate || !git)
                        return NULL;
                if (stat(candidate, &st) == 0 && S_ISREG(st.st_mode))
                        return TAKE_PTR(candidate);
                if (strcmp(d, "/") == 0 || access(git, F_OK) == 0)
                        return NULL;
                if (path_make_absolute("..", d, &up) < 0)
                        return NULL;
                free(d);
                d = up;
        }
        return NULL;
}

OSLBOX_API int oslbox_policy_find_project(const char *dir, char **ret_path)
{
        char *path;

        if (!dir || !ret_path)
                return -EINVAL;
        if (access(dir, F_OK) < 0)
                return -errno;
        errno = 0;
        path = find_project_policy(dir);
        if (!path)
                return errno == ENOMEM ? -ENOMEM : 0;
        *ret_path = path;
        return 1;
}

OSLBOX_API int oslbox_policy_load_project(struct oslbox_policy *policy, const char *dir, char **ret_path)
{
        _cleanup_free_ char *path = NULL, *list = NULL;
        struct load ld;
        size_t len = 0;
        int r;

        if (!policy || !dir)
                return -EINVAL;
        diag_clear(&policy->diag);
        if (access(dir, F_OK) < 0)
                return diag_errno(&policy->diag, -errno, "cannot look for a project policy in %s", dir);
        path = find_project_policy(dir);
        if (!path)
                return 0;
        if ((r = load_init(&ld, policy, true, dir)) >= 0) {
                if (path_make_absolute("..", path, &ld.project_dir) < 0)
                        r = diag_errno(&policy->diag, -ENOMEM, "%s", path);
                else
                        r = load_file(&ld, path, NULL);
        }
        if (r >= 0 && ld.widening.n > 0) {
                for (size_t i = 0; i < ld.widening.n; i++)
                        len += strlen(ld.widening.v[i]) + 2;
                list = calloc(1, len + 1);
                for (size_t i = 0; list && i < ld.widening.n; i++) {
                        if (i)
                                strcat(list, "; ");
                        strcat(list, ld.widening.v[i]);
                }
                r = diag_set(&policy->diag, -EPERM,
                             "%s is not trusted and widens access (%s); review it, then run: oslbox trust %s "
                             "(or pass --no-project-policy)",
                             ld.untrusted_file, list ? list : "", ld.untrusted_file);
        }
        load_done(&ld);
        if (r < 0)
                return r;
        if (ret_path)
                *ret_path = TAKE_PTR(path);
        return 1;
}

OSLBOX_API int oslbox_policy_trust(struct oslbox_policy *policy, const char *path)
{
        _cleanup_free_ char *real = NULL, *text = NULL, *store = NULL, *old = NULL, *tmp = NULL;
        _cleanup_free_ char *dir = NULL, *parent = NULL;
        _cleanup_close_ int fd = -1;
        struct load ld;
        char hex[65], *save = NULL;
        size_t len;
        FILE *out;
        int r;

        if (!policy || !path)
                return -EINVAL;
        diag_clear(&policy->diag);
        real = realpath(path, NULL);
        if (!real)
                return diag_errno(&policy->diag, -errno, "cannot trust %s", path);
        fd = open(real, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0 || (r = read_full_fd(fd, POLICY_MAX_BYTES, &text, &len)) < 0)
                return diag_errno(&policy->diag, fd < 0 ? -errno : r, "cannot read %s", real);
        sha256_hex(text, len, hex);

        if ((r = load_init(&ld, policy, false, NULL)) < 0) {
                load_done(&ld);
                return r;
        }
        store = TAKE_PTR(ld.trust_store);
        load_done(&ld);
        if (!store)
                return diag_set(&policy->diag, -ENOENT, "no home directory to keep the trust record in");
        /* mkdir -p of the state directory, private to the user. */
        if (path_make_absolute("..", store, &dir) < 0 || path_make_absolute("..", dir, &parent) < 0)
                return diag_errno(&policy->diag, -ENOMEM, "%s", store);
        for (char *p = parent + 1; ; p++) {
                if (*p == '/' || *p == '\0') {
                        char c = *p;
                        *p = '\0';
                        if (mkdir(parent, 0700) < 0 && errno != EEXIST)
                                return diag_errno(&policy->diag, -errno, "cannot create %s", parent);
                        *p = c;
                        if (!c)
                                break;
                }
        }
        if (mkdir(dir, 0700) < 0 && errno != EEXIST)
                return diag_errno(&policy->diag, -errno, "cannot create %s", dir);

        safe_close(TAKE_FD(fd));
        fd = open(store, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd >= 0 && read_full_fd(fd, 1 << 20, &old, NULL) < 0)
                old = NULL;
        tmp = strdup_printf("%s.new", store);
        if (!tmp)
                return diag_errno(&policy->diag, -ENOMEM, "%s", store);
        out = fopen(tmp, "we");
        if (!out)
                return diag_errno(&policy->diag, -errno, "cannot write %s", tmp);
        for (char *l = old ? strtok_r(old, "\n", &save) : NULL; l; l = strtok_r(NULL, "\n", &save))
                if (!(strlen(l) > 65 && strcmp(l + 65, real) == 0))
                        fprintf(out, "%s\n", l);
        fprintf(out, "%s %s\n", hex, real);
        if (fclose(out) != 0 || rename(tmp, store) < 0) {
                r = -errno;
                (void) unlink(tmp);     /* nothing else to do */
                return diag_errno(&policy->diag, r, "cannot write %s", store);
        }
        return 0;
}

/* --- explain ----------------------------------------------------------------- */

static bool safe_word(const char *s)
{
        if (!*s)
                return false;
        for (; *s; s++)
                if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./:=,+@%^*-~?[]", *s))
                        return false;
        return true;
}

static void put_line(FILE *f, const char *name, const char *value, const char *origin)
{
        int n;

        if (!value || !*value || safe_word(value))
                n = fprintf(f, "%s%s%s", name, value && *value ? " " : "", value ? value : "");
        else {
                n = fprintf(f, "%s \"", name);
                for (const char *p = value; *p; p++, n++) {
                        if (*p == '"' || *p == '\\' || *p == '$') {
                                fputc('\\', f);
                                n++;
                        }
                        fputc(*p, f);
                }
                fputc('"', f);
                n++;
        }
        fprintf(f, "%*s# %s\n", n < 39 ? 40 - n : 1, "", origin);
}

struct explain {
        FILE *f;
        struct strv view;       /* "DIRECTIVE PATH" of the default view */
};

static int explain_view(const char *directive, const char *path, void *userdata)
{
        struct explain *x = userdata;
        put_line(x->f, directive, path, "default");
        return strv_pushf(&x->view, "%s %s", directive, path);
}

/* Whether log entry J restates the default view: the same directive for
 * the same path, with no earlier directive for that path in between. Such
 * entries (what explain's own output holds when given back) are left out,
 * so that explaining twice gives the same text. */
static bool restates_default(const struct oslbox_policy *p, const struct explain *x, size_t j)
{
        const struct log_entry *e = &p->log[j];
        bool in_view = false;

        if (!e->opt || !e->opt->path || !(e->opt->pub.flags & OSLBOX_OPTION_LIST))
                return false;
        for (size_t i = 0; i < x->view.n && !in_view; i++) {
                size_t n = strlen(e->opt->pub.name);
                in_view = strncmp(x->view.v[i], e->opt->pub.name, n) == 0 && x->view.v[i][n] == ' ' &&
                          strcmp(x->view.v[i] + n + 1, e->value) == 0;
        }
        if (!in_view)
                return false;
        for (size_t i = 0; i < j; i++)
                if (p->log[i].opt && p->log[i].opt->path && (p->log[i].opt->pub.flags & OSLBOX_OPTION_LIST) &&
                    strcmp(p->log[i].value, e->value) == 0)
                        return false;
        return true;
}

OSLBOX_API int oslbox_policy_explain(const struct oslbox_policy *policy, char **ret_text)
{
        _cleanup_free_ char *cwd = getcwd(NULL, 0);
        const struct osb_option *o;
        const char *home = getenv("HOME");
        char *out = NULL;
        size_t size = 0;
        FILE *f;

        if (!policy || !ret_text)
                return -EINVAL;
        if (!cwd)
                return -errno;
        f = open_memstream(&out, &size);
        if (!f)
                return -ENOMEM;
        fprintf(f, "# The effective policy: the embedded default, then policy files, then the command\n"
                   "# line. Given back with --policy, it makes the same sandbox.\n");
        /* Single-valued directives: the effective value, from its last setter. */
        for (size_t i = 0; (o = option_at(i)); i++) {
                _cleanup_free_ char *v = o->show ? o->show(&policy->cfg) : NULL;
                const char *origin = "default";
                if (!v)
                        continue;
                for (size_t j = 0; j < policy->n_log; j++) {
                        const struct osb_option *l = policy->log[j].opt;
                        if (l && (l == o || (o->group && l->group && strcmp(o->group, l->group) == 0)))
                                origin = policy->log[j].origin;
                }
                put_line(f, o->pub.name, v, origin);
        }
        {
                /* Not a directive: what this host gives this caller, tried. */
                const struct osb_config *c = &policy->cfg;
                struct isolation_probe ip;
                (void) isolation_probe(c, &ip);
                if (ip.mode == OSB_ISOLATION_NAMESPACES)
                        fprintf(f, "# isolation here: namespaces\n");
                else if (ip.mode == OSB_ISOLATION_LANDLOCK && ip.namespaces_ok)
                        fprintf(f, "# isolation here: landlock\n");
                else if (ip.mode == OSB_ISOLATION_LANDLOCK)
                        fprintf(f, "# isolation here: landlock (namespaces are not available: %s)\n", ip.why);
                else if (c->isolation == OSB_ISOLATION_NAMESPACES || (c->require_userns && !ip.namespaces_ok))
                        fprintf(f, "# isolation here: none, a run is refused (namespaces are not available: %s)\n",
                                ip.why);
                else if (c->isolation == OSB_ISOLATION_LANDLOCK)
                        fprintf(f, "# isolation here: none, a run is refused: %s\n", ip.landlock_why);
                else
                        fprintf(f, "# isolation here: none, a run is refused: %s (namespaces are not available: %s)\n",
                                ip.landlock_why, ip.why);
        }
        /* The default view, then every list directive in the order given. */
        struct explain x = { .f = f };
        (void) mount_default_view(cwd, home && home[0] == '/' ? home : NULL, explain_view, &x);
        for (size_t j = 0; j < policy->n_log; j++) {
                const struct log_entry *e = &policy->log[j];
                if (!e->opt)
                        put_line(f, "require", e->value, e->origin);
                else if ((e->opt->pub.flags & OSLBOX_OPTION_LIST) && !restates_default(policy, &x, j))
                        put_line(f, e->opt->pub.name, e->value, e->origin);
        }
        strv_done(&x.view);
        if (fclose(f) != 0) {
                free(out);
                return -ENOMEM;
        }
        *ret_text = out;
        return 0;
}

int policy_parse_text(struct oslbox_policy *policy, const char *name, const char *text, size_t len,
                      bool dry)
{
        return policy_check_text(policy, name, text, len, dry, NULL);
}

int policy_check_text(struct oslbox_policy *policy, const char *name, const char *text, size_t len,
                      bool dry, char **ret_errors)
{
        struct strv errors = {};
        struct load ld;
        struct file_ctx f = { .path = name, .dir = "/" };
        int r;

        if ((r = load_init(&ld, policy, false, NULL)) >= 0) {
                ld.errors = ret_errors ? &errors : NULL;
                ld.dry = dry;
                f.ld = &ld;
                f.quote = has_policy_name(name);
                r = parse_text(&f, text, len);
        }
        load_done(&ld);
        return ret_errors ? check_result(policy, r, &errors, ret_errors) : r;
}
