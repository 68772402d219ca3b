#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The installed library, as a program embedding it builds against it: make install
# into a DESTDIR, the examples compiled with only pkg-config's flags (and as C++),
# then run against the installed shared library.
. "$OSLBOX_SRCDIR/tests/integ/lib.sh"

inst="$T/inst"
# This may run inside make check: the outer make's jobserver is not ours.
if env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$OSLBOX_BUILDDIR" install DESTDIR="$inst" \
        > "$T/install.log" 2>&1; then
        ok "make install DESTDIR=..."
else
        not_ok "make install DESTDIR=..."
        diag "$(tail -20 "$T/install.log")"
        done_testing
        exit
fi

# The .pc as installed, its prefix moved into the DESTDIR.
pc=$(find "$inst" -name oslbox.pc | head -1)
check "oslbox.pc is installed" test -n "$pc"
mkdir -p "$T/pkgconfig"
prefix=$(sed -n 's/^prefix=//p' "$pc")
sed "s|^prefix=.*|prefix=$inst$prefix|" "$pc" > "$T/pkgconfig/oslbox.pc"
export PKG_CONFIG_PATH="$T/pkgconfig"
flags=$(pkg-config --cflags --libs oslbox)
is "$(pkg-config --modversion oslbox)" "$(sed -n 's/^Version: //p' "$pc")" "pkg-config finds it"
libdir=$(pkg-config --variable=libdir oslbox)
check "its libdir, $libdir, holds liboslbox.so.0" test -e "$libdir/liboslbox.so.0"

# The sandbox's init program (src/lib/init-exec.c), in the package's libexec
# directory, which the installed library knows: a program, not a command.
init=$(find "$inst" -name oslbox-init -type f | head -1)
case $init in
*/libexec/oslbox/oslbox-init) ok "oslbox-init is installed in libexec/oslbox: ${init#"$inst"}";;
*) not_ok "oslbox-init is installed in libexec/oslbox"; diag "found: ${init:-nothing}";;
esac
if [ -x "$init" ]; then
        out=$("$init" 2>&1)
        rc=$?
        is "$rc:$out" "125:oslbox-init: this program is started by liboslbox for a sandbox, not by hand" \
                "oslbox-init run by hand: status 125 and why"
        out=$("$init" 7 2>&1 7</dev/null)
        is "$?:$out" "125:oslbox-init: fd 7 is not a sandbox's hand-off: Bad message" \
                "oslbox-init given an fd that is not its hand-off: status 125 and why"
fi

cc=${CC:-cc}
cxx=${CXX:-g++}
# shellcheck disable=SC2086
build() { # build OUTPUT COMPILER ARGS...: compile with pkg-config's flags only
        local out=$1; shift
        if "$@" $flags -o "$T/bin/$out" > "$T/cc.log" 2>&1; then
                return 0
        fi
        diag "$(cat "$T/cc.log")"
        return 1
}
check "examples/run-policy.c compiles with \$(pkg-config --cflags --libs oslbox) alone" \
        build run-policy "$cc" "$OSLBOX_SRCDIR/examples/run-policy.c"
check "examples/threads.c too" build threads "$cc" "$OSLBOX_SRCDIR/examples/threads.c"
if command -v "$cxx" >/dev/null; then
        check "run-policy.c compiles as C++ with $cxx: <oslbox.h> declares extern \"C\"" \
                build run-policy-cxx "$cxx" -x c++ "$OSLBOX_SRCDIR/examples/run-policy.c" -x none
else
        skip "no C++ compiler ($cxx)"
fi
needed=$(readelf -d "$T/bin/run-policy" 2>/dev/null | sed -n 's/.*(NEEDED).*\[\(liboslbox[^]]*\)\]/\1/p')
is "$needed" liboslbox.so.0 "run-policy links liboslbox.so.0 dynamically"

printf 'env OSLBOX_EXAMPLE=from-file\n' > "$T/example.policy"
chmod 644 "$T/example.policy"
run() { EXTRA_ENV="LD_LIBRARY_PATH=$libdir" as "$@"; }
for who in $USERS; do
        uid=$(id -u "$who")
        for prog in run-policy run-policy-cxx; do
                [ -x "$T/bin/$prog" ] || continue
                out=$(run "$who" "$T/bin/$prog" -- sh -c 'echo out; echo err >&2; id -u' 2>"$T/stderr")
                is "$out|$(cat "$T/stderr")" "out
$uid|err" "$prog: the command's stdout and stderr come through its pipes (as $who)"
        done
        run "$who" "$T/bin/run-policy" sh -c 'exit 3'
        is "$?" 3 "run-policy exits with the command's status (as $who)"
        out=$(run "$who" "$T/bin/run-policy" --policy "$T/example.policy" OSLBOX_UNUSED=1 2>&1)
        is "$?" 125 "a bad NAME=VALUE directive: status 125 (as $who)"
        case $out in
        "run-policy: OSLBOX_UNUSED 1: "*) ok "... with the library's message: $out (as $who)";;
        *) not_ok "... with the library's message (as $who)"; diag "got: $out";;
        esac
        # shellcheck disable=SC2016  # expanded inside
        is "$(run "$who" "$T/bin/run-policy" --policy "$T/example.policy" env=OSLBOX_SET=from-set -- \
                sh -c 'echo $OSLBOX_EXAMPLE $OSLBOX_SET')" "from-file from-set" \
                "--policy FILE and NAME=VALUE both apply (as $who)"
        out=$(run "$who" "$T/bin/run-policy" --policy "$T/no-such.policy" true 2>&1)
        rc=$?
        case $rc:$out in
        "125:run-policy: "*"$T/no-such.policy"*) ok "a missing policy file: status 125, the library's message: $out (as $who)";;
        *) not_ok "a missing policy file: status 125, the library's message (as $who)"; diag "got: $rc:$out";;
        esac
        run "$who" "$T/bin/run-policy" timeout=200ms -- sh -c 'sleep 30 & wait' 2>/dev/null
        is "$?" 124 "timeout=200ms ends a command that keeps its pipes open: status 124 (as $who)"
        out=$(run "$who" "$T/bin/run-policy" oslbox-no-such-command 2>&1)
        rc=$?
        case $rc:$out in
        "127:run-policy: "*oslbox-no-such-command*) ok "a missing command: status 127, the library's message: $out (as $who)";;
        *) not_ok "a missing command: status 127, the library's message (as $who)"; diag "got: $rc:$out";;
        esac
        is "$(run "$who" "$T/bin/threads" 4 5)" "4 threads x 5 commands: 20 ok" \
                "threads 4 5: every command's status comes back to its thread (as $who)"
done

done_testing
