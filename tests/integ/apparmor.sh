#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The AppArmor profile (data/apparmor/oslbox.in): what it says, that AppArmor's
# parser accepts it (checked only: -Q, nothing is loaded into the kernel), and
# that make install puts it into SYSCONFDIR/apparmor.d where configured.
. "$OSLBOX_SRCDIR/tests/integ/lib.sh"

prof=$OSLBOX_BUILDDIR/data/apparmor/oslbox
bindir=$(sed -n 's/^bindir = //p' "$OSLBOX_BUILDDIR/Makefile")
prefix=$(sed -n 's/^prefix = //p' "$OSLBOX_BUILDDIR/Makefile")
bindir=${bindir//\$\{exec_prefix\}/$prefix}
bindir=${bindir//\$\{prefix\}/$prefix}

if [ ! -f "$prof" ]; then
        not_ok "the profile is built ($prof)"
        done_testing
        exit
fi
is "$(grep -v -e '^ *#' -e '^ *$' "$prof")" "abi <abi/4.0>,
include <tunables/global>
profile oslbox $bindir/oslbox flags=(unconfined) {
  userns,
  include if exists <local/oslbox>
}" "the profile: the installed program, $bindir/oslbox, unconfined, with the userns rule and nothing else"

parser=$(PATH=$PATH:/usr/sbin:/sbin command -v apparmor_parser)
if [ -z "$parser" ]; then
        skip "no apparmor_parser to check the profile with (package apparmor: tools/install-deps --test)"
else
        # -Q: parse and compile only, never load; -K: no cache. An AppArmor
        # before 4.0 (Debian 12 has 3.0) knows neither abi 4.0 nor the
        # userns rule: there the rest of the profile is checked, under abi 3.0.
        p=$T/oslbox.profile
        ver=$("$parser" --version | sed -n '1s/.* version \([0-9]*\).*/\1/p')
        if [ "${ver:-0}" -ge 4 ]; then
                cp "$prof" "$p"; what="the whole profile"
        else
                sed -e 's|<abi/4.0>|<abi/3.0>|' -e '/^  userns,$/d' "$prof" > "$p"
                what="the profile but its userns rule (apparmor_parser $ver predates it)"
        fi
        if out=$("$parser" -Q -K "$p" 2>&1); then ok "apparmor_parser -Q accepts $what"
        else not_ok "apparmor_parser -Q accepts $what"; diag "$out"; fi
        sed 's|^}$|  frobnicate,\n}|' "$p" > "$p.bad"
        refute "... twin: a profile with an unknown rule is rejected" "$parser" -Q -K "$p.bad"
fi

# make install of the profile alone, into a DESTDIR.
if grep -q '^nodist_apparmor_DATA = ' "$OSLBOX_BUILDDIR/Makefile"; then
        sysconfdir=$(sed -n 's/^sysconfdir = //p' "$OSLBOX_BUILDDIR/Makefile")
        sysconfdir=${sysconfdir//\$\{prefix\}/$prefix}
        env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$OSLBOX_BUILDDIR" install-nodist_apparmorDATA \
                DESTDIR="$T/inst" > "$T/install.log" 2>&1
        check "make install puts it into $sysconfdir/apparmor.d/oslbox" cmp -s "$prof" "$T/inst$sysconfdir/apparmor.d/oslbox"
else
        skip "configured --without-apparmor: make install leaves the profile out"
fi

done_testing
