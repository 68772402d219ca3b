/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "oslbox.h"
#include "cfg.h"

const struct osb_config *policy_config(const struct oslbox_policy *policy);

/* A shipped policy's NAME has no slash and does not end in ".policy";
 * anything else is a file. */
bool policy_is_name(const char *arg);
/* Shipped policies: NAME -> $(datadir)/oslbox/policies/NAME.policy
 * ($OSLBOX_POLICY_DIR overrides the directory). */
char *policy_shipped_path(const char *name);
bool policy_is_shipped(const char *real_path);
/* Parses TEXT as the policy file NAME, in / (tests). DRY (the fuzzer):
 * includes are not read and require does not probe the host. */
int policy_parse_text(struct oslbox_policy *policy, const char *name, const char *text, size_t len,
                      bool dry);
/* The same as oslbox_policy_check() does it: every error, in *RET_ERRORS
 * (NULL: stop at the first, as policy_parse_text()). */
int policy_check_text(struct oslbox_policy *policy, const char *name, const char *text, size_t len,
                      bool dry, char **ret_errors);
