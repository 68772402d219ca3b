#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# net.sh in the landlock isolation mode: tests/integ/seam.sh for this one
# script, so that make -j runs the seam run's scripts side by side.
OSLBOX_SEAM_SCRIPTS=net exec bash "$OSLBOX_SRCDIR/tests/integ/seam.sh"
