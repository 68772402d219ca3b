/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The option table: one row per directive. CLI flags, policy directives,
 * --help, the man pages' OPTIONS and `oslbox explain` all come from it. */
#pragma once

#include "oslbox.h"
#include "cfg.h"
#include "util.h"

struct osb_option {
        struct oslbox_option pub;
        /* BASE_DIR resolves relative paths: the caller's cwd or a policy
         * file's directory. Writes CFG only on success. */
        int (*set)(struct osb_config *cfg, const char *value, const char *base_dir,
                   struct osb_diag *diag);
        bool unimplemented;     /* oslbox refuses it until its layer exists */
};

const struct osb_option *option_find(const char *name);
size_t option_count(void);
const struct osb_option *option_at(size_t i);
