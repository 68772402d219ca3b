#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The C API tests (tests/api/test-*.c), each run as root and as the test user:
# what an embedding program gets depends on who it runs as. Their TAP is
# renumbered into this test's, each line tagged with the program and the user.
#
#   tests/api/api.sh [test-spawn ...]     (default: all of them)
. "$OSLBOX_SRCDIR/tests/integ/lib.sh"

PROGRAMS=${*:-test-spawn test-threads test-fds test-pty test-event-fd test-spawn-in test-memory test-init-exec}

# The programs are libtool wrappers around the real ones in .libs/, which
# the test user may not be able to reach: copy the real ones and the
# library under $T.
mkdir -p "$T/lib"
cp -P "$OSLBOX_BUILDDIR"/.libs/liboslbox.so* "$T/lib/"
# The library's init program, which it finds next to itself.
install -m 755 "$OSLBOX_BUILDDIR/oslbox-init" "$T/lib/oslbox-init"
real_program() { "$OSLBOX_BUILDDIR/libtool" --mode=execute echo "$1"; }

# run_tap LABEL COMMAND...: COMMAND's TAP as lines of this test's.
run_tap() {
        local label=$1 out rc line n=0 plan="" failed=0
        shift
        out=$("$@" 2>&1)
        rc=$?
        while IFS= read -r line; do
                case $line in
                "ok "*" # SKIP"*) n=$((n + 1)); skip "${line#* # SKIP } ($label)";;
                "ok "*)           n=$((n + 1)); ok "${line#*[0-9] - } ($label)";;
                "not ok "*)       n=$((n + 1)); failed=1; not_ok "${line#*[0-9] - } ($label)";;
                "1.."*)           plan=${line#1..};;
                "Bail out!"*)     failed=1; not_ok "$label: ${line#Bail out! }";;
                "#"*)             echo "$line";;
                "")               ;;
                *)                diag "$line";;
                esac
        done <<< "$out"
        if [ "$plan" != "$n" ]; then
                not_ok "$label: plan 1..${plan:-?} but $n checks ran (exit status $rc)"
        elif [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
                not_ok "$label: exit status $rc without a failed check"
        fi
}

for prog in $PROGRAMS; do
        real=$(real_program "$OSLBOX_BUILDDIR/tests/api/$prog")
        if [ ! -x "$real" ]; then
                not_ok "$prog is built (make check builds it)"
                continue
        fi
        install -m 755 "$real" "$T/bin/$prog"
        for who in $USERS; do
                EXTRA_ENV="LD_LIBRARY_PATH=$T/lib" run_tap "$prog as $who" \
                        as "$who" timeout -k 5 120 "$T/bin/$prog"
        done
done

done_testing
