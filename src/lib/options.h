/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The option table: one row per directive. CLI flags, policy directives,
 * --help, the man pages' OPTIONS and `oslbox explain` all come from it. */
#pragma once

#include "oslbox.h"
#include "cfg.h"
#include "util.h"

struct osb_option {
        struct oslbox_option pub;
        /* Validates VALUE and writes CFG, only on success. NULL: handled
         * by the policy itself (policy, no-project-policy). */
        int (*set)(struct osb_config *cfg, const char *value, struct osb_diag *diag);
        /* VALUE is a path: made absolute against the policy file's
         * directory, or the caller's working directory, before set(). */
        bool path;
        /* Single-valued: the effective value as explain prints it ("" for
         * a flag that is on), NULL when unset. NULL for lists. */
        char *(*show)(const struct osb_config *cfg);
        const char *group;      /* rows that set the same thing: pty, no-pty */
        /* Whether VALUE, applied to CFG as it is now, gives the command
         * more access than CFG does with the caller's working directory
         * CWD writable (what an untrusted file may not do). VALUE is as
         * written, a path made absolute; one set() would refuse does not
         * widen. NULL: never widens (each row says why). */
        bool (*widens)(const struct osb_config *cfg, const char *value, const char *cwd);
};

const struct osb_option *option_find(const char *name);
size_t option_count(void);
const struct osb_option *option_at(size_t i);
