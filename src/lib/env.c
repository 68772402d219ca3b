/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The environment. Guarantees: only PATH, TERM, COLORTERM, LANG, LANGUAGE,
 * LC_ALL and glibc's locale categories (LC_CTYPE ... LC_IDENTIFICATION) and
 * TZ pass from the caller, plus what keep-env names; HOME, USER,
 * LOGNAME, PWD and TMPDIR describe the sandbox; env directives come last and
 * win. Everything else (tokens, SSH_AUTH_SOCK, LD_PRELOAD, ...) is dropped.
 */
#include "config.h"

#include <fnmatch.h>
#include <string.h>

#include "layers.h"

#define DEFAULT_PATH "/usr/local/bin:/usr/bin:/bin"

/* Names, not globs: ssh forwards LC_* (AcceptEnv LANG LC_*), so an LC_
 * prefix is no sign of a locale setting (LC_RT_TOKEN). The LC_ names are
 * glibc's categories (locale/categories.def) and LC_ALL. */
static const char *const allowlist[] = {
        "PATH", "TERM", "COLORTERM", "LANG", "LANGUAGE", "TZ", "LC_ALL",
        "LC_CTYPE", "LC_NUMERIC", "LC_TIME", "LC_COLLATE", "LC_MONETARY", "LC_MESSAGES",
        "LC_PAPER", "LC_NAME", "LC_ADDRESS", "LC_TELEPHONE", "LC_MEASUREMENT", "LC_IDENTIFICATION",
};

static bool name_matches(const char *entry, const char *pattern)
{
        const char *eq = strchr(entry, '=');
        size_t n = eq ? (size_t) (eq - entry) : strlen(entry);
        char name[256];

        if (n >= sizeof(name))
                return false;
        memcpy(name, entry, n);
        name[n] = '\0';
        return fnmatch(pattern, name, 0) == 0;
}

const char *env_get(char *const *env, const char *name)
{
        size_t n = strlen(name);
        for (; env && *env; env++)
                if (strncmp(*env, name, n) == 0 && (*env)[n] == '=')
                        return *env + n + 1;
        return NULL;
}

/* Sets NAME=VALUE in OUT, replacing an earlier NAME. */
int env_put(struct strv *out, const char *entry)
{
        const char *eq = strchr(entry, '=');
        size_t n = (size_t) (eq - entry) + 1;

        for (size_t i = 0; i < out->n; i++)
                if (strncmp(out->v[i], entry, n) == 0) {
                        char *copy = strdup(entry);
                        if (!copy)
                                return -ENOMEM;
                        free(out->v[i]);
                        out->v[i] = copy;
                        return 0;
                }
        return strv_push(out, entry);
}

static int putf(struct strv *out, const char *name, const char *value)
{
        _cleanup_free_ char *entry = strdup_printf("%s=%s", name, value);
        return entry ? env_put(out, entry) : -ENOMEM;
}

int env_prepare(const struct osb_config *cfg, char *const *caller_env, const struct env_info *info,
                struct strv *ret_env, struct osb_diag *diag)
{
        struct strv out = {};
        int r = 0;

        for (char *const *e = caller_env; e && *e && r >= 0; e++) {
                bool pass = false;
                if (!strchr(*e, '='))
                        continue;
                for (size_t i = 0; i < ELEMENTSOF(allowlist) && !pass; i++)
                        pass = name_matches(*e, allowlist[i]);
                for (size_t i = 0; i < cfg->keep_env.n && !pass; i++)
                        pass = name_matches(*e, cfg->keep_env.v[i].value);
                if (pass)
                        r = env_put(&out, *e);
        }
        if (r >= 0 && !env_get(out.v, "PATH"))
                r = putf(&out, "PATH", DEFAULT_PATH);
        if (r >= 0 && info->home)
                r = putf(&out, "HOME", info->home);
        if (r >= 0 && info->user)
                r = putf(&out, "USER", info->user);
        if (r >= 0 && info->user)
                r = putf(&out, "LOGNAME", info->user);
        if (r >= 0)
                r = putf(&out, "PWD", info->cwd);
        if (r >= 0)
                r = putf(&out, "TMPDIR", info->tmpdir ? info->tmpdir : "/tmp");
        for (size_t i = 0; i < cfg->env.n && r >= 0; i++)
                r = env_put(&out, cfg->env.v[i].value);
        if (r < 0) {
                strv_done(&out);
                return diag_errno(diag, r, "cannot build the environment");
        }
        *ret_env = out;
        return 0;
}
