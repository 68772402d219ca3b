#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The command line: exit statuses, usage errors, help, doctor.
. "$OSLBOX_SRCDIR/tests/integ/lib.sh"

out=$("$OSLBOX" --version)
case "$out" in "oslbox "[0-9]*) ok "--version prints the version";; *) not_ok "--version: '$out'";; esac

for who in $USERS; do
        err=$(as "$who" "$OSLBOX" run --no-such-option -- true 2>&1 >/dev/null); rc=$?
        is "$rc" 125 "unknown option exits 125 (as $who)"
        is "$(printf '%s\n' "$err" | wc -l)" 1 "... with one stderr line (as $who)"
        case "$err" in "oslbox: "*"--no-such-option"*) ok "... naming the option (as $who)";;
                *) not_ok "... naming the option: '$err'";; esac

        err=$(as "$who" "$OSLBOX" run --pty=1 -- true 2>&1 >/dev/null); rc=$?
        is "$rc:$err" "125:oslbox: --pty takes no value (see oslbox help run)" \
                "a flag given a value: 125, naming the flag (as $who)"

        as "$who" "$OSLBOX" run -- true; is "$?" 0 "true exits 0 (as $who)"
        as "$who" "$OSLBOX" run -- sh -c 'exit 3'; is "$?" 3 "the command's status is oslbox's (as $who)"
        as "$who" "$OSLBOX" run -- sh -c 'kill -SEGV $$'; is "$?" 139 "killed by SIGSEGV: 128+11 (as $who)"
        as "$who" "$OSLBOX" run -- sh -c 'kill -KILL $$'; is "$?" 137 "killed by SIGKILL: 128+9 (as $who)"

        err=$(as "$who" "$OSLBOX" run -- no-such-command-xyz 2>&1); rc=$?
        is "$rc" 127 "a missing command exits 127 (as $who)"
        case "$err" in "oslbox: "*no-such-command-xyz*) ok "... and says which (as $who)";;
                *) not_ok "... and says which: '$err'";; esac
        wd=$(workdir "$who")
        printf 'echo hi\n' > "$wd/notexec"; chmod 644 "$wd/notexec"
        [ "$who" = root ] || chown "$who:" "$wd/notexec"
        as "$who" "$OSLBOX" run -- ./notexec 2>/dev/null; is "$?" 126 "a non-executable file exits 126 (as $who)"

        err=$(as "$who" "$OSLBOX" run --rw /does/not/exist -- true 2>&1); rc=$?
        is "$rc" 125 "--rw of a missing path exits 125 (as $who)"
        case "$err" in "oslbox: "*"/does/not/exist"*) ok "... naming the path (as $who)";;
                *) not_ok "... naming the path: '$err'";; esac

        err=$(as "$who" "$OSLBOX" run --timeout 5x -- true 2>&1); rc=$?
        is "$rc" 125 "a malformed duration exits 125 (as $who)"
        case "$err" in *"'5x'"*) ok "... quoting the value (as $who)";; *) not_ok "... quoting: '$err'";; esac
done

err=$("$OSLBOX" run 2>&1); rc=$?
is "$rc" 125 "run without a command exits 125"
"$OSLBOX" help run | grep -q -- '--timeout DUR' && ok "help run lists options" || not_ok "help run lists options"

if command -v python3 >/dev/null; then
        for who in $USERS; do
                json=$(as "$who" "$OSLBOX" doctor --json)
                if printf '%s' "$json" | python3 -m json.tool >/dev/null; then
                        ok "doctor --json is JSON (as $who)"
                else
                        not_ok "doctor --json is JSON (as $who)"
                fi
                abi=$(printf '%s' "$json" | python3 -c 'import json,sys; print(json.load(sys.stdin)["landlock"]["abi"])')
                want=$(python3 -c 'import ctypes; l=ctypes.CDLL(None); print(max(0, l.syscall(444, None, 0, 1)))')
                is "$abi" "$want" "doctor reports the kernel's Landlock ABI ($want) (as $who)"
        done
        # liboslbox's init program: beside the program (a static link), else
        # the installed one; informational, as cgroups are.
        initprog() { as "$1" "$OSLBOX" doctor --json |
                python3 -c 'import json,sys; d=json.load(sys.stdin)["init_program"]; print(d["ok"], d["path"])'; }
        install -m 755 "$OSLBOX_BUILDDIR/oslbox-init" "$T/bin/oslbox-init"
        for who in $USERS; do
                is "$(initprog "$who")" "True $T/bin/oslbox-init" "doctor finds oslbox-init beside the program (as $who)"
        done
        "$OSLBOX" doctor > /dev/null
        with=$?
        rm -f "$T/bin/oslbox-init"
        out=$(initprog "$(id -un)")
        case $out in
        "True "*/oslbox/oslbox-init) [ -x "${out#True }" ] && ok "without it there: the installed one, which exists: $out" ||
                not_ok "without it there: the installed one: $out";;
        "False "*/oslbox/oslbox-init) [ ! -e "${out#False }" ] && ok "without it there: the installed one, missing: no, not an error ($out)" ||
                not_ok "without it there: the installed one: $out";;
        *) not_ok "without it there: the installed one"; diag "got: $out";;
        esac
        "$OSLBOX" doctor > /dev/null
        is "$?" "$with" "... and doctor's status does not count it"
fi
done_testing
