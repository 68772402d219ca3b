/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The policy object: the embedded default plus every directive applied to
 * it, from files, the command line or oslbox_policy_set(). */
#include "config.h"

#include <string.h>

#include "options.h"
#include "policy.h"
#include "util.h"

struct oslbox_policy {
        struct osb_config cfg;
        struct osb_diag diag;
};

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
        if (!src) {
                *dst = NULL;
                return 0;
        }
        *dst = strdup(src);
        return *dst ? 0 : -ENOMEM;
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
        if ((r = config_copy(&policy->cfg, &p->cfg)) < 0) {
                free(p);
                return r;
        }
        *ret_copy = p;
        return 0;
}

OSLBOX_API void oslbox_policy_free(struct oslbox_policy *policy)
{
        if (!policy)
                return;
        config_done(&policy->cfg);
        free(policy);
}

OSLBOX_API int oslbox_policy_set(struct oslbox_policy *policy, const char *name, const char *value)
{
        const struct osb_option *opt;
        _cleanup_free_ char *cwd = NULL;
        int r;

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
        if (!opt->set)
                return oslbox_policy_load(policy, value);
        if (opt->unimplemented)
                return diag_set(&policy->diag, -EOPNOTSUPP, "not implemented yet");
        cwd = getcwd(NULL, 0);
        r = opt->set(&policy->cfg, value, cwd, &policy->diag);
        if (r < 0 && !policy->diag.msg[0])
                diag_errno(&policy->diag, r, "%s", value ? value : name);
        return r;
}

OSLBOX_API int oslbox_policy_load(struct oslbox_policy *policy, const char *path)
{
        if (!policy || !path)
                return -EINVAL;
        return diag_set(&policy->diag, -EOPNOTSUPP, "not implemented yet");
}

OSLBOX_API const char *oslbox_policy_error(const struct oslbox_policy *policy)
{
        return policy ? policy->diag.msg : "";
}

OSLBOX_API const char *oslbox_version(void)
{
        return PACKAGE_VERSION;
}
