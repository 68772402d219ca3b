/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "oslbox.h"
#include "cfg.h"

const struct osb_config *policy_config(const struct oslbox_policy *policy);
