/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Resource limits (setrlimit(2)). Guarantees: every rlimit directive is in
 * force for every process of the sandbox, init included, before the command
 * starts. A sandbox can only lower limits: a hard limit above the caller's
 * own is refused in the parent, with the value, rather than failing inside.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "layers.h"

static const struct {
        const char *name;
        int resource;
        bool size;              /* takes K/M/G suffixes */
        const char *unit;
} limits[] = {
        { "as", RLIMIT_AS, true, "bytes" },
        { "core", RLIMIT_CORE, true, "bytes" },
        { "cpu", RLIMIT_CPU, false, "seconds" },
        { "data", RLIMIT_DATA, true, "bytes" },
        { "fsize", RLIMIT_FSIZE, true, "bytes" },
        { "locks", RLIMIT_LOCKS, false, "locks" },
        { "memlock", RLIMIT_MEMLOCK, true, "bytes" },
        { "msgqueue", RLIMIT_MSGQUEUE, true, "bytes" },
        { "nice", RLIMIT_NICE, false, "20 - nice value" },
        { "nofile", RLIMIT_NOFILE, false, "file descriptors" },
        { "nproc", RLIMIT_NPROC, false, "processes" },
        { "rss", RLIMIT_RSS, true, "bytes" },
        { "rtprio", RLIMIT_RTPRIO, false, "priority" },
        { "rttime", RLIMIT_RTTIME, false, "microseconds" },
        { "sigpending", RLIMIT_SIGPENDING, false, "signals" },
        { "stack", RLIMIT_STACK, true, "bytes" },
};

static int parse_value(const char *s, size_t n, bool size, rlim_t *ret)
{
        char buf[32];
        uint64_t v;
        int r;

        if (n == 0 || n >= sizeof(buf))
                return -EINVAL;
        memcpy(buf, s, n);
        buf[n] = '\0';
        if (strcmp(buf, "unlimited") == 0 || strcmp(buf, "infinity") == 0) {
                *ret = RLIM_INFINITY;
                return 0;
        }
        r = size ? parse_size(buf, &v) : parse_uint64(buf, &v);
        if (r < 0)
                return r;
        if (v >= (uint64_t) RLIM_INFINITY)
                return -ERANGE;
        *ret = (rlim_t) v;
        return 0;
}

int rlimit_parse(const char *spec, int *ret_resource, struct rlimit *ret_limit, struct osb_diag *diag)
{
        const char *eq = strchr(spec, '='), *colon;
        struct rlimit rl;
        size_t i;

        if (!eq)
                return diag_set(diag, -EINVAL, "'%s' is not NAME=SOFT[:HARD]", spec);
        for (i = 0; i < ELEMENTSOF(limits); i++)
                if (strlen(limits[i].name) == (size_t) (eq - spec) &&
                    strncmp(limits[i].name, spec, (size_t) (eq - spec)) == 0)
                        break;
        if (i == ELEMENTSOF(limits))
                return diag_set(diag, -EINVAL, "unknown resource '%.*s' in '%s' (known: as, core, cpu, data, "
                                "fsize, locks, memlock, msgqueue, nice, nofile, nproc, rss, rtprio, rttime, "
                                "sigpending, stack)", (int) (eq - spec), spec, spec);
        colon = strchr(eq + 1, ':');
        if (parse_value(eq + 1, colon ? (size_t) (colon - eq - 1) : strlen(eq + 1), limits[i].size,
                        &rl.rlim_cur) < 0 ||
            (colon && parse_value(colon + 1, strlen(colon + 1), limits[i].size, &rl.rlim_max) < 0))
                return diag_set(diag, -EINVAL, "invalid value in '%s' (%s%s, or unlimited)", spec,
                                limits[i].unit, limits[i].size ? " with an optional K, M, G or T" : "");
        if (!colon)
                rl.rlim_max = rl.rlim_cur;
        if (rl.rlim_cur > rl.rlim_max)
                return diag_set(diag, -EINVAL, "soft limit above the hard limit in '%s'", spec);
        *ret_resource = limits[i].resource;
        *ret_limit = rl;
        return 0;
}

int rlimit_prepare(const struct osb_config *cfg, struct rlimit_plan *plan, struct osb_diag *diag)
{
        plan->n = 0;
        for (size_t i = 0; i < cfg->rlimits.n; i++) {
                const char *spec = cfg->rlimits.v[i].value;
                struct rlimit want, have;
                int resource, r;
                size_t j;

                if ((r = rlimit_parse(spec, &resource, &want, diag)) < 0)
                        return r;
                if (getrlimit(resource, &have) < 0)
                        return diag_errno(diag, -errno, "getrlimit for '%s'", spec);
                if (want.rlim_max > have.rlim_max)
                        return diag_set(diag, -EPERM, "rlimit '%s' asks for a hard limit above oslbox's own (%s); "
                                        "a sandbox can only lower limits", spec,
                                        have.rlim_max == RLIM_INFINITY ? "unlimited" : "lower");
                /* A later directive for the same resource wins. */
                for (j = 0; j < plan->n && plan->v[j].resource != resource; j++)
                        ;
                if (j == ELEMENTSOF(plan->v))
                        return diag_set(diag, -E2BIG, "too many rlimits");
                plan->v[j].resource = resource;
                plan->v[j].limit = want;
                if (j == plan->n)
                        plan->n++;
        }
        return 0;
}

int rlimit_add(struct rlimit_plan *plan, int resource, rlim_t value)
{
        size_t j;
        struct rlimit have;

        if (getrlimit(resource, &have) < 0)
                return -errno;
        if (have.rlim_max != RLIM_INFINITY && value > have.rlim_max)
                value = have.rlim_max;
        for (j = 0; j < plan->n && plan->v[j].resource != resource; j++)
                ;
        if (j == ELEMENTSOF(plan->v))
                return -E2BIG;
        /* Only ever lower what a directive already asked for. */
        if (j < plan->n && plan->v[j].limit.rlim_max < value)
                return 0;
        plan->v[j].resource = resource;
        plan->v[j].limit = (struct rlimit) { value, value };
        if (j == plan->n)
                plan->n++;
        return 0;
}

int rlimit_apply(const struct rlimit_plan *plan)
{
        for (size_t i = 0; i < plan->n; i++)
                if (setrlimit(plan->v[i].resource, &plan->v[i].limit) < 0)
                        return -errno;
        return 0;
}
