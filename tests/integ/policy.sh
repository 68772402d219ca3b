#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Policy files by their effect inside the sandbox: directives as flags,
# variables, quoting, include, explain's round trip, require, project
# policies and trust, and the shipped policies running real tools.
. "$OSLBOX_SRCDIR/tests/integ/lib.sh"

# The shipped policies as lib.sh copied them: the test user may not be able
# to enter the source tree.
export OSLBOX_POLICY_DIR="$POLICIES"
EXTRA_ENV="OSLBOX_POLICY_DIR=$OSLBOX_POLICY_DIR"

for who in $USERS; do
        wd=$(workdir "$who")
        as "$who" true
        home=$(home_of "$who")
        own() { [ "$who" = root ] || chown -R "$who:" "$@"; }

        # --- a policy file has the same effect as the flags ---------------------
        mkdir -p "$T/data-$who" "$wd/rwdir" "$wd/dir with space"
        echo secret-data > "$T/data-$who/file"
        own "$T/data-$who" "$wd/rwdir" "$wd/dir with space"
        cat > "$wd/p.policy" <<POL
# the same as: --ro $T/data-$who --rw rwdir --env GREETING=hi --timeout 1s
ro $T/data-$who
rw rwdir
env "GREETING=hello world"
timeout 1s
POL
        own "$wd/p.policy"
        probe='cat '"$T/data-$who"'/file; echo "$GREETING"; touch rwdir/x && echo rw-ok; touch '"$T/data-$who"'/y 2>/dev/null || echo ro-ok'
        by_file=$(as "$who" "$OSLBOX" run --policy ./p.policy -- sh -c "$probe")
        by_flags=$(as "$who" "$OSLBOX" run --ro "$T/data-$who" --rw rwdir --env "GREETING=hello world" --timeout 1s -- sh -c "$probe")
        is "$by_file" "secret-data
hello world
rw-ok
ro-ok" "a policy file with ro, rw, env works inside (as $who)"
        is "$by_file" "$by_flags" "... exactly as the same flags (as $who)"
        as "$who" "$OSLBOX" run --policy ./p.policy -- sleep 5 2>/dev/null; is "$?" 124 "... and its timeout too (as $who)"
        as "$who" "$OSLBOX" run --policy ./p.policy --timeout 0 -- true; is "$?" 0 "command-line flags apply after files (as $who)"

        # --- variables, quoting, relative paths, include -----------------------
        mkdir -p "$wd/conf/inc"
        printf 'env INC=included\nenv DIR=${POLICY_DIR}\n' > "$wd/conf/inc/more.policy"
        cat > "$wd/conf/v.policy" <<'POL'
include inc/more.policy
env H=${HOME}
env C=${CWD}
env U=${USER}
env P=${POLICY_DIR}
rw "../dir with space"
env 'Q=$literal "x"'
POL
        own "$wd/conf"
        out=$(as "$who" "$OSLBOX" run --policy conf/v.policy -- sh -c 'echo "$INC|$DIR|$H|$C|$U|$P|$Q"; touch "dir with space/f" && echo spaced-rw')
        is "$out" "included|$wd/conf/inc|$home|$wd|$who|$wd/conf|\$literal \"x\"
spaced-rw" "include, variables, quoting and relative paths (as $who)"

        # --- bad policies refuse before anything runs ---------------------------
        printf 'ro /usr\nfrobnicate yes\n' > "$wd/bad.policy"; own "$wd/bad.policy"
        err=$(as "$who" "$OSLBOX" run --policy ./bad.policy -- touch ran 2>&1); rc=$?
        is "$rc" 125 "a bad policy exits 125 (as $who)"
        is "$err" "oslbox: ./bad.policy:2: error: unknown directive 'frobnicate'" "... with FILE:LINE: error: (as $who)"
        [ -e "$wd/ran" ] && not_ok "... and nothing ran (as $who)" || ok "... and nothing ran (as $who)"
        err=$(as "$who" "$OSLBOX" check ./bad.policy ./p.policy 2>&1); rc=$?
        is "$rc:$err" "1:./bad.policy:2: error: unknown directive 'frobnicate'" "check reports the bad file, exits 1 (as $who)"
        as "$who" "$OSLBOX" check ./p.policy conf/v.policy; is "$?" 0 "check exits 0 for valid files (as $who)"

        # --- pty from a file, and --no-pty after it --------------------------------
        printf 'pty\n' > "$wd/pty.policy"; own "$wd/pty.policy"
        is "$(as "$who" "$OSLBOX" run --policy ./pty.policy -- sh -c 'test -t 0 && echo tty' </dev/null | tr -d '\r')" tty \
                "pty in a policy file gives the command a terminal (as $who)"
        is "$(as "$who" "$OSLBOX" run --policy ./pty.policy --no-pty -- sh -c 'test -t 0 || echo notty' </dev/null)" \
                notty "... and --no-pty on the command line takes it back (as $who)"

        # --- require ------------------------------------------------------------
        printf 'require landlock>=99\n' > "$wd/req.policy"; own "$wd/req.policy"
        err=$(as "$who" "$OSLBOX" run --policy ./req.policy -- true 2>&1); rc=$?
        is "$rc" 125 "require landlock>=99 refuses the run (as $who)"
        case "$err" in *"req.policy:1: error: this host lacks landlock>=99"*) ok "... naming it (as $who)";;
                *) not_ok "... naming it: $err";; esac
        printf 'require landlock>=1\nrequire seccomp\nrequire userns\n' > "$wd/req.policy"
        as "$who" "$OSLBOX" run --policy ./req.policy -- true; is "$?" 0 "requirements this host meets pass (as $who)"

        # --- explain: the round trip ---------------------------------------------
        as "$who" "$OSLBOX" explain --policy ./p.policy --env X=1 --ro . --hostname h1 > "$wd/e.policy"
        own "$wd/e.policy"
        grep -q '^env X=1 *# command line$' "$wd/e.policy" && grep -q '^timeout 1s *# ./p.policy:5$' "$wd/e.policy" &&
                grep -q '^net none *# default$' "$wd/e.policy" && ok "explain says where each directive came from (as $who)" ||
                { not_ok "explain says where each directive came from (as $who)"; diag "$(cat "$wd/e.policy")"; }
        probe2='echo "$X $GREETING $(hostname)"; cat '"$T/data-$who"'/file; touch f 2>/dev/null || echo cwd-ro'
        a=$(as "$who" "$OSLBOX" run --policy ./p.policy --env X=1 --ro . --hostname h1 -- sh -c "$probe2")
        b=$(as "$who" "$OSLBOX" run --policy ./e.policy -- sh -c "$probe2")
        is "$b" "$a" "explain's output given back with --policy makes the same sandbox (as $who)"
        as "$who" "$OSLBOX" explain --policy ./e.policy | sed 's/ *#.*//' > "$wd/e2"
        sed 's/ *#.*//' "$wd/e.policy" > "$wd/e1"
        diff -q "$wd/e1" "$wd/e2" >/dev/null && ok "... and explains to the same directives (as $who)" ||
                { not_ok "... and explains to the same directives (as $who)"; diag "$(diff "$wd/e1" "$wd/e2")"; }

        # --- project policies and trust -----------------------------------------
        proj="$wd/proj"; mkdir -p "$proj/.git" "$proj/sub"
        state="$T/state-$who"; mkdir -p "$state"; own "$state"
        pe="XDG_STATE_HOME=$state OSLBOX_POLICY_DIR=$OSLBOX_POLICY_DIR"
        # From a subdirectory: "ro ." would be the project root, more than the
        # default view holds; the working directory itself narrows.
        printf 'timeout 1s\nro ${CWD}\n' > "$proj/.oslbox.policy"; own "$proj"
        out=$(cd "$proj/sub" && EXTRA_ENV="$pe" as "$who" sh -c "cd '$proj/sub' && '$OSLBOX' run -- sh -c 'touch f 2>/dev/null || echo ro; sleep 5'" 2>/dev/null); rc=$?
        is "$rc:$out" "124:ro" "an untrusted project policy that only narrows applies, from a subdirectory too (as $who)"
        printf 'rw /srv\nnet host\nro .\n' > "$proj/.oslbox.policy"; own "$proj"
        err=$(EXTRA_ENV="$pe" as "$who" sh -c "cd '$proj' && '$OSLBOX' run -- true" 2>&1); rc=$?
        is "$rc" 125 "an untrusted project policy that widens refuses (as $who)"
        case "$err" in *"not trusted"*"($proj/.oslbox.policy:1: rw /srv; $proj/.oslbox.policy:2: net host)"*"oslbox trust $proj/.oslbox.policy"*)
                ok "... naming what widens and the command that trusts it (as $who)";;
                *) not_ok "... naming what widens and how to trust: $err";; esac
        out=$(EXTRA_ENV="$pe" as "$who" sh -c "cd '$proj' && '$OSLBOX' run --no-project-policy -- sh -c 'touch g && echo rw'")
        is "$out" rw "--no-project-policy skips it (as $who)"
        EXTRA_ENV="$pe" as "$who" sh -c "cd '$proj' && '$OSLBOX' trust" >/dev/null; is "$?" 0 "oslbox trust (as $who)"
        out=$(EXTRA_ENV="$pe" as "$who" sh -c "cd '$proj' && '$OSLBOX' run -- sh -c 'test -d /srv && echo srv; touch h 2>/dev/null || echo ro'")
        is "$out" "srv
ro" "a trusted project policy applies whole (as $who)"
        echo 'env EDITED=1' >> "$proj/.oslbox.policy"
        EXTRA_ENV="$pe" as "$who" sh -c "cd '$proj' && '$OSLBOX' run -- true" 2>/dev/null; is "$?" 125 "an edit makes it untrusted again (as $who)"
        printf 'rw /srv\n' > "$proj/.oslbox.policy"
        out=$(EXTRA_ENV="$pe" as "$who" sh -c "cd '$proj' && '$OSLBOX' run --policy ./.oslbox.policy -- sh -c 'test -d /srv && echo srv'")
        is "$out" srv "a file named with --policy is trusted (as $who)"
        rm -rf "$proj"

        # --- shipped policies, with real tools -----------------------------------
        mkdir -p "$wd/cproj"
        printf '#include <stdio.h>\nint main(void) { puts("built in a sandbox"); return 0; }\n' > "$wd/cproj/hello.c"
        printf 'hello: hello.c\n\t$(CC) -O2 -o $@ hello.c\n' > "$wd/cproj/Makefile"
        own "$wd/cproj"
        out=$(as "$who" sh -c "cd '$wd/cproj' && '$OSLBOX' run --policy c -- sh -c 'make -s CC=cc && ./hello'")
        is "$out" "built in a sandbox" "--policy c builds a C program with make (as $who)"
        out=$(as "$who" "$OSLBOX" run --policy python -- sh -c 'python3 -m venv --without-pip .venv && .venv/bin/python -c "import sys; print(sys.prefix != sys.base_prefix)"')
        is "$out" True "--policy python runs python3 in a project venv (as $who)"
        if command -v node >/dev/null; then
                out=$(as "$who" "$OSLBOX" run --policy node -- node -e 'console.log(require("os").hostname(), process.env.npm_config_cache)')
                is "$out" "oslbox $home/.npm" "--policy node runs node (as $who)"
        else
                not_ok "node is not installed (tools/install-deps --test installs nodejs)"
        fi
        out=$(as "$who" "$OSLBOX" run --policy agent -- sh -c 'hostname; ulimit -c; ./probe socket inet; ./probe ptrace 1')
        is "$out" "agent
0
EPERM
EPERM" "--policy agent: no network, no core dumps, no ptrace (as $who)"
        out=$(as "$who" "$OSLBOX" explain --policy default | sed 's/ *#.*//' | sort)
        base=$(as "$who" "$OSLBOX" explain | sed 's/ *#.*//' | sort)
        is "$out" "$base" "--policy default is the embedded default (as $who)"
done
out=$("$OSLBOX" check "$POLICIES"/*.policy 2>&1); rc=$?
is "$rc:$out" "0:" "every shipped policy is valid"

# --- an oslbox not installed: the build tree's program finds its policies -----
out=$(cd "$T" && env -u OSLBOX_POLICY_DIR "$OSLBOX_BUILDDIR/oslbox" explain --policy c 2>&1)
case "$out" in
*"# $OSLBOX_SRCDIR/policies/c.policy:"*) ok "the build tree's oslbox finds --policy c in the source tree";;
*) not_ok "the build tree's oslbox finds --policy c in the source tree"; diag "got: $(echo "$out" | head -n 5)";;
esac
out=$(cd "$T" && env -u OSLBOX_POLICY_DIR "$OSLBOX" explain --policy c 2>&1)
case "$out" in
*"# $OSLBOX_SRCDIR/policies/c.policy:"*)
        not_ok "a copy of it does not use the source tree's policies"; diag "got: $(echo "$out" | head -n 5)";;
*"no shipped policy 'c' ("*"c.policy: No such file or directory): make install puts the shipped policies there, OSLBOX_POLICY_DIR names another directory")
        ok "a copy of it does not: its message names make install and OSLBOX_POLICY_DIR";;
*"c.policy:"*) ok "a copy of it does not: it uses the installed policies";;
*) not_ok "a copy of it: the installed policies or a message naming make install"; diag "got: $out";;
esac
done_testing
