/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Cgroups: see resource limits. */
#include "config.h"

#include "layers.h"

bool cgroup_usable(void)
{
        return false;
}
