#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Memory: a short run of the API (tests/api/memcheck-run.c: policies, 2 threads
# x 3 spawns, a PTY spawn, an exec failure, a session with spawn_in) under
# valgrind's memcheck, and
# under LeakSanitizer, which can follow it where valgrind cannot: valgrind
# implements neither clone3 nor (before 3.21) the Landlock calls, so under it
# every spawn is refused and only the failure paths get checked.
. "$OSLBOX_SRCDIR/tests/integ/lib.sh"

mkdir -p "$T/lib"
cp -P "$OSLBOX_BUILDDIR"/.libs/liboslbox.so* "$T/lib/"
real=$("$OSLBOX_BUILDDIR/libtool" --mode=execute echo "$OSLBOX_BUILDDIR/tests/api/memcheck-run")
if [ ! -x "$real" ]; then
        not_ok "tests/api/memcheck-run is built (make check builds it)"
        done_testing
        exit
fi
install -m 755 "$real" "$T/bin/memcheck-run"
run() { EXTRA_ENV="LD_LIBRARY_PATH=$T/lib ${RUN_ENV:-}" as "$@"; }

if ! command -v valgrind >/dev/null; then
        skip "valgrind is not installed"
else
        # The child side of clone3 never returns (it execs or _exits): only
        # the caller's process is checked.
        vg="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite
            --child-silent-after-fork=yes"
        for who in $USERS; do
                out=$(run "$who" timeout -k 5 120 "$T/bin/memcheck-run" 2>&1)
                is "$?:$out" "0:memcheck-run: 8 spawns, 3 spawn_in ok" "memcheck-run works without valgrind (as $who)"

                log="$(workdir "$who")/valgrind.log"   # the user's: it writes it
                # shellcheck disable=SC2086
                out=$(run "$who" timeout -k 5 300 $vg --log-file="$log" "$T/bin/memcheck-run" 2>&1)
                rc=$?
                case $rc in
                0)  ok "memcheck: no error and no definite leak, 8 spawns and 3 spawn_in included (as $who)";;
                3)  # Refused for want of clone3 or Landlock, which valgrind
                    # does not implement: anything else is a finding.
                    why=$(printf '%s\n' "$out" | grep -m1 '^memcheck-run: spawn: ')
                    case $why in
                    *"not available"*|*"not implemented"*)
                        ok "memcheck: no error and no definite leak on the paths valgrind can run (as $who)"
                        diag "$(valgrind --version) knows neither clone3 nor Landlock, so spawns fail under it" \
                             "and only the failure paths were checked; LeakSanitizer covers the rest below: $why";;
                    *)  not_ok "memcheck: spawns failed under valgrind (as $who)"
                        diag "$out";;
                    esac;;
                *)  not_ok "memcheck: exit status $rc (99: memcheck found errors) (as $who)"
                    diag "$out" "$(cat "$log" 2>/dev/null)";;
                esac
        done
fi

# LeakSanitizer's runtime, preloaded: it replaces malloc and reports what is
# left unfreed at exit, the child sides of clone3 (which _exit) aside.
lsan=$(${CC:-cc} -print-file-name=liblsan.so 2>/dev/null)
case $lsan in
/*) ;;
*)  lsan="";;
esac
if [ -z "$lsan" ] || [ ! -e "$lsan" ]; then
        skip "no LeakSanitizer runtime (liblsan.so, from gcc)"
else
        for who in $USERS; do
                out=$(RUN_ENV="LD_PRELOAD=$lsan LSAN_OPTIONS=exitcode=23" \
                      run "$who" timeout -k 5 120 "$T/bin/memcheck-run" 2>&1)
                rc=$?
                if [ "$rc" -eq 0 ]; then
                        ok "LeakSanitizer: no leak, 8 spawns and 3 spawn_in included (as $who)"
                else
                        not_ok "LeakSanitizer: exit status $rc (23: leaks) (as $who)"
                        diag "$out"
                fi
        done
fi

done_testing
