/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer harness for the policy parser: any bytes, parsed as a policy
 * file, must give a clean result or a clean error: no crash, no leak, no
 * undefined behaviour. Includes are not followed and require does not
 * probe the host (dry mode), so a run has no side effects. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>

#include "policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct oslbox_policy *p = NULL;
        char *text = NULL;

        if (oslbox_policy_new(&p) < 0)
                return 0;
        (void) policy_parse_text(p, "fuzz.policy", (const char *) data, size, true);   /* errors are fine */
        (void) oslbox_policy_explain(p, &text);
        free(text);
        oslbox_policy_free(p);
        /* oslbox check's mode: past every error to the end, every message kept. */
        if (oslbox_policy_new(&p) < 0)
                return 0;
        (void) policy_check_text(p, size % 2 ? "fuzz.policy" : "fuzz.conf", (const char *) data, size, true,
                                 &text);
        free(text);
        oslbox_policy_free(p);
        return 0;
}
