/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Capabilities. Guarantees: the command holds no capability in any set
 * (bounding, permitted, effective, inheritable, ambient), securebits are
 * locked so that running as uid 0 inside regains none, and no_new_privs is
 * set, so setuid and file-capability binaries gain nothing.
 *
 * libcap tells the parent how many capabilities this kernel knows; the child
 * only issues prctl(2) and capset(2), which allocate nothing.
 *
 * Without a user namespace (the landlock isolation mode) a caller other than
 * root cannot empty its bounding set or lock securebits: both need
 * CAP_SETPCAP. Its sets hold no capability to begin with, and with
 * no_new_privs execve() grants none (setuid bits and file capabilities are
 * ignored), so the bounding set left full grants nothing.
 */
#include "config.h"

#include <linux/capability.h>
#include <linux/securebits.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include "layers.h"

int caps_prepare(struct caps_plan *plan, bool userns, struct osb_diag *diag)
{
        int bits = (int) cap_max_bits();
        cap_flag_value_t setpcap = CAP_SET;

        if (bits <= 0 || bits > 64)
                return diag_set(diag, -EINVAL, "cannot tell how many capabilities this kernel has (%d)", bits);
        plan->last_cap = bits - 1;
        if (!userns) {
                cap_t now = cap_get_proc();
                if (!now || cap_get_flag(now, CAP_SETPCAP, CAP_EFFECTIVE, &setpcap) < 0)
                        setpcap = CAP_CLEAR;
                cap_free(now);
        }
        plan->keep_bounding = setpcap != CAP_SET;
        return 0;
}

int caps_apply(const struct caps_plan *plan)
{
        struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
        struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {};

        /* Needs CAP_SETPCAP, so before capset() empties the sets. */
        for (int cap = 0; cap <= plan->last_cap && !plan->keep_bounding; cap++)
                if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0)
                        return -errno;
        if (!plan->keep_bounding && prctl(PR_SET_SECUREBITS,
                  SECBIT_NOROOT | SECBIT_NOROOT_LOCKED |
                  SECBIT_NO_SETUID_FIXUP | SECBIT_NO_SETUID_FIXUP_LOCKED |
                  SECBIT_KEEP_CAPS_LOCKED |
                  SECBIT_NO_CAP_AMBIENT_RAISE | SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED, 0, 0, 0) < 0)
                return -errno;
        if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0)
                return -errno;
        if (syscall(SYS_capset, &hdr, data) < 0)
                return -errno;
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                return -errno;
        return 0;
}
