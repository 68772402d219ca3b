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
        # Every error of every file, as a compiler does.
        printf 'include bad.policy\ntimeout 5x\nro /usr\npty 1\n' > "$wd/bad2.policy"; own "$wd/bad2.policy"
        err=$(as "$who" "$OSLBOX" check ./bad2.policy ./p.policy ./bad.policy 2>&1); rc=$?
        is "$rc:$err" "1:$wd/bad.policy:2: error: unknown directive 'frobnicate'
./bad2.policy:2: error: timeout: invalid duration '5x' (use e.g. 500ms, 30s, 5m, 1h, or seconds)
./bad2.policy:4: error: 'pty' takes no value
./bad.policy:2: error: unknown directive 'frobnicate'" "check reports every error of every file, includes too (as $who)"
        # Limits: 1 MiB a file, reported at the line that crosses it.
        { echo 'env A=1'; yes '# a generated policy can be large' | head -c $((1024 * 1024 - 8)); } > "$wd/big.policy"
        own "$wd/big.policy"
        err=$(as "$who" "$OSLBOX" check ./big.policy 2>&1); rc=$?
        is "$rc:$err" "0:" "a policy of 1 MiB is valid (as $who)"
        echo '# one line more' >> "$wd/big.policy"
        n=$(( $(head -c $((1024 * 1024)) "$wd/big.policy" | wc -l) + 1 ))
        err=$(as "$who" "$OSLBOX" check ./big.policy 2>&1); rc=$?
        is "$rc:$err" "1:./big.policy:$n: error: the file goes past 1048576 bytes (1 MiB) on this line" \
                "over 1 MiB: FILE:LINE: error: at the line that crosses it (as $who)"
        rm -f "$wd/big.policy"
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

        # --- untrusted: what the option table says widens (tests/widening.table) ---
        # Each row's widening use is refused at its line and nothing runs; its
        # narrowing use applies (explain shows it as coming from the file).
        mkdir -p "$proj/.git" "$proj/sub"; own "$proj"
        pol="$proj/.oslbox.policy"
        while IFS='|' read -r name wide narrow; do
                name=$(echo $name)
                case "$name" in ''|'#'*) continue;; esac
                case "$(echo $wide)" in cli-only) continue;; esac
                wide=$(echo $wide); narrow=$(echo $narrow)
                if [ "$wide" != - ]; then
                        printf '%s\n' "$wide" | sed 's/ ; /\n/g' > "$pol"; own "$pol"
                        n=$(wc -l < "$pol")
                        rm -f "$proj/ran"
                        err=$(EXTRA_ENV="$pe" as "$who" sh -c "cd '$proj' && '$OSLBOX' run -- touch ran" 2>&1); rc=$?
                        case "$rc:$err" in "125:oslbox: $pol is not trusted and widens access ("*"$pol:$n: $name"*)
                                [ -e "$proj/ran" ] && not_ok "untrusted '$wide': refused, but it ran (as $who)" ||
                                        ok "untrusted '$wide' widens: refused at line $n, nothing ran (as $who)";;
                        *) not_ok "untrusted '$wide' widens: refused at line $n (as $who)"; diag "$rc: $err";;
                        esac
                fi
                if [ "$narrow" != - ]; then
                        printf '%s\n' "$narrow" | sed 's/ ; /\n/g' > "$pol"; own "$pol"
                        n=$(wc -l < "$pol")
                        out=$(EXTRA_ENV="$pe" as "$who" sh -c "cd '$proj' && '$OSLBOX' explain" 2>&1); rc=$?
                        if [ "$rc" = 0 ] && printf '%s\n' "$out" | grep -q "# $pol:$n\$"; then
                                ok "untrusted '$narrow' narrows: applied (as $who)"
                        else
                                not_ok "untrusted '$narrow' narrows: applied (as $who)"; diag "$rc: $out"
                        fi
                fi
        done < "$OSLBOX_SRCDIR/tests/widening.table"

        # Their effect: the working directory cannot move to ~/.ssh (item 3),
        # nor the grace after SIGTERM grow (item 8); narrowing ones bite.
        secret=$(plant_secret "$who" .ssh/oslbox-cwd-probe)
        printf 'cwd ${HOME}/.ssh\n' > "$pol"; own "$pol"
        out=$(EXTRA_ENV="$pe" as "$who" sh -c "cd '$proj' && '$OSLBOX' run -- cat oslbox-cwd-probe" 2>&1); rc=$?
        case "$rc:$out" in "125:oslbox: $pol is not trusted"*"$pol:1: cwd $home/.ssh"*)
                ok "untrusted 'cwd \${HOME}/.ssh' is refused, the key unread (as $who)";;
                *) not_ok "untrusted 'cwd \${HOME}/.ssh' is refused, the key unread (as $who)"; diag "$rc: $out";; esac
        out=$(EXTRA_ENV="$pe" as "$who" sh -c "cd '$proj' && '$OSLBOX' run --no-project-policy --cwd '$home/.ssh' -- cat oslbox-cwd-probe" 2>/dev/null)
        is "$out" "$(cat "$secret")" "... while the caller's own --cwd ~/.ssh (no project policy line) reaches it (as $who)"
        printf 'cwd sub\n' > "$pol"; own "$pol"
        out=$(EXTRA_ENV="$pe" as "$who" sh -c "cd '$proj' && '$OSLBOX' run -- sh -c 'pwd; touch ../up 2>/dev/null'")
        is "$out:$(test -e "$proj/up" && echo up)" "$(realpath "$proj")/sub:" \
                "untrusted 'cwd sub' applies: starts there, only it writable (as $who)"
        printf 'kill-after 1h\n' > "$pol"; own "$pol"
        err=$(EXTRA_ENV="$pe" as "$who" sh -c "cd '$proj' && '$OSLBOX' run -- true" 2>&1); rc=$?
        case "$rc:$err" in "125:"*"($pol:1: kill-after 1h)"*) ok "untrusted 'kill-after 1h' (default 2s) is refused (as $who)";;
                *) not_ok "untrusted 'kill-after 1h' (default 2s) is refused (as $who)"; diag "$rc: $err";; esac
        # A TERM-ignoring command outlives SIGTERM by the grace: 1s narrows.
        printf 'kill-after 1s\ntimeout 1s\n' > "$pol"; own "$pol"
        start=$(date +%s%N)
        EXTRA_ENV="$pe" as "$who" sh -c "cd '$proj' && '$OSLBOX' run -- sh -c 'trap \"\" TERM; sleep 20'" 2>/dev/null; rc=$?
        ms=$(( ($(date +%s%N) - start) / 1000000 ))
        [ "$rc" = 124 ] && [ "$ms" -lt 5000 ] && ok "untrusted 'kill-after 1s' applies: killed after ${ms} ms (as $who)" ||
                not_ok "untrusted 'kill-after 1s' applies: rc $rc after ${ms} ms (as $who)"

        # --- untrusted includes, and files that are not policies (item 17) -----
        token="oslbox-token-$who-$RANDOM$RANDOM"
        printf '//registry.npmjs.org/:_authToken=%s\n' "$token" > "$home/.oslbox-npmrc"
        [ "$who" = root ] || chown "$who:" "$home/.oslbox-npmrc"
        at_exit "rm -f '$home/.oslbox-npmrc'"
        printf 'include ${HOME}/.oslbox-npmrc\n' > "$pol"; own "$pol"
        err=$(EXTRA_ENV="$pe" as "$who" sh -c "cd '$proj' && '$OSLBOX' run -- true" 2>&1); rc=$?
        case "$rc:$err" in *"$token"*) not_ok "an untrusted include of ~/.oslbox-npmrc: the token is in the message (as $who)";;
                "125:oslbox: $pol:1: error: include: $home/.oslbox-npmrc is outside the project"*)
                        ok "an untrusted project policy may not include ~/.oslbox-npmrc (as $who)";;
                *) not_ok "an untrusted project policy may not include ~/.oslbox-npmrc (as $who)"; diag "$rc: $err";; esac
        ln -sf "$home/.oslbox-npmrc" "$proj/inc.policy"
        printf 'include inc.policy\n' > "$pol"; own "$pol"
        err=$(EXTRA_ENV="$pe" as "$who" sh -c "cd '$proj' && '$OSLBOX' run -- true" 2>&1); rc=$?
        case "$rc:$err" in *"$token"*) not_ok "... nor through a link in the project: the token is in the message (as $who)";;
                "125:"*"outside the project"*) ok "... nor through a link in the project (as $who)";;
                *) not_ok "... nor through a link in the project (as $who)"; diag "$rc: $err";; esac
        rm -f "$proj/inc.policy"
        printf 'include agent\ninclude sub/ok.policy\n' > "$pol"; printf 'timeout 1s\n' > "$proj/sub/ok.policy"; own "$proj"
        out=$(EXTRA_ENV="$pe" as "$who" sh -c "cd '$proj' && '$OSLBOX' explain" 2>&1)
        case "$out" in *"timeout 1s "*"# $proj/sub/ok.policy:1"*"hostname agent"*) ok "... but a file of its project and a shipped policy (as $who)";;
                *) not_ok "... but a file of its project and a shipped policy (as $who)"; diag "$out";; esac
        # Named by the caller, it is read, but no message quotes a line of it.
        printf 'include %s\n' "$home/.oslbox-npmrc" > "$wd/inc.policy"; own "$wd/inc.policy"
        err=$(as "$who" "$OSLBOX" run --policy ./inc.policy -- true 2>&1); rc=$?
        is "$rc:$err" "125:oslbox: $home/.oslbox-npmrc:1: error: unknown directive (the line is not shown: not a .policy file)" \
                "a file that is not a .policy: FILE:LINE: error: and the reason, no content (as $who)"
        err=$(as "$who" "$OSLBOX" check "$home/.oslbox-npmrc" 2>&1)
        case "$err" in *"$token"*) not_ok "... oslbox check does not quote it either (as $who)";;
                *) ok "... oslbox check does not quote it either (as $who)";; esac
        printf 'env A=1\n\033]0;pwned\007 x\n' > "$wd/esc.policy"; own "$wd/esc.policy"
        err=$(as "$who" "$OSLBOX" check ./esc.policy 2>&1)
        is "$err" "./esc.policy:2: error: unknown directive '\x1b]0;pwned\x07'" \
                "control characters in a message are escaped, \\xNN (as $who)"
        err=$(as "$who" "$OSLBOX" run --hostname "$(printf 'a\033[2Jb')" -- true 2>&1)
        case "$err" in *"$(printf '\033')"*) not_ok "... and in the CLI's messages quoting argv (as $who)";;
                *'a\x1b[2Jb'*) ok "... and in the CLI's messages quoting argv (as $who)";;
                *) not_ok "... and in the CLI's messages quoting argv (as $who)"; diag "$err";; esac
        rm -rf "$proj"

        # --- shipped policies keep their caches apart from the host's (item 11) ---
        for spec in "python PIP_CACHE_DIR .cache/pip pip" "node npm_config_cache .npm npm" "c CCACHE_DIR .cache/ccache ccache"; do
                set -- $spec
                hostcache="$home/$3"; own_cache="$home/.cache/oslbox/$4"
                [ -e "$home/.cache/oslbox" ] || at_exit "rm -rf '$home/.cache/oslbox'"
                [ -e "$hostcache" ] || at_exit "rm -rf '$hostcache'"
                [ -e "$home/.cache" ] || at_exit "rm -rf '$home/.cache'"
                mkdir -p "$hostcache"
                echo host-entry > "$hostcache/oslbox-probe"
                [ "$who" = root ] || chown -R "$who:" "$home/.cache" "$hostcache"
                at_exit "rm -f '$hostcache/oslbox-probe' '$hostcache/oslbox-new'"
                out=$(as "$who" "$OSLBOX" run --policy "$1" -- sh -c "echo poison > '$hostcache/oslbox-probe' 2>/dev/null;
                        touch '$hostcache/oslbox-new' 2>/dev/null; echo \$$2; echo mine > \"\$$2/oslbox-mine\" && echo wrote")
                is "$out" "$own_cache
wrote" "--policy $1: $2 is $own_cache, writable (as $who)"
                is "$(cat "$hostcache/oslbox-probe"):$(test -e "$hostcache/oslbox-new" && echo new)" "host-entry:" \
                        "... the host's ~/$3 is unchanged (as $who)"
                is "$(stat -c '%U %a' "$own_cache" 2>&1):$(cat "$own_cache/oslbox-mine" 2>&1)" "$who 700:mine" \
                        "... its own cache is made, the caller's, mode 0700, and kept (as $who)"
                out=$(as "$who" "$OSLBOX" run --policy "$1" -- sh -c "cat \"\$$2/oslbox-mine\"")
                is "$out" mine "... and found by the next run (as $who)"
        done
        # rw-create makes directories with the caller's rights: below the
        # home directory only, through no link a sandbox may have planted.
        err=$(as "$who" "$OSLBOX" run --rw-create "$wd/made" -- true 2>&1); rc=$?
        is "$rc:$err" "125:oslbox: rw-create $wd/made: not below the home directory $home, the only place oslbox creates directories (use rw for an existing one)" \
                "rw-create outside the home directory is refused (as $who)"
        [ -e "$home/.cache/oslbox-link" ] || at_exit "rm -f '$home/.cache/oslbox-link'"
        ln -sfn "$T/data-$who" "$home/.cache/oslbox-link"
        err=$(as "$who" "$OSLBOX" run --rw-create "$home/.cache/oslbox-link/made" -- true 2>&1); rc=$?
        case "$rc:$err" in "125:oslbox: rw-create $home/.cache/oslbox-link/made: a part of it below $home is a symbolic link"*)
                [ -e "$T/data-$who/made" ] && not_ok "... and one through a link below it: refused, but made (as $who)" ||
                        ok "... and one through a link below it, which makes nothing (as $who)";;
                *) not_ok "... and one through a link below it (as $who)"; diag "$rc: $err";; esac
        rm -f "$home/.cache/oslbox-link"
        out=$(as "$who" "$OSLBOX" run --policy python -- python3 -m pip cache dir 2>/dev/null)
        is "$out" "$home/.cache/oslbox/pip" "pip itself uses it (as $who)"
        out=$(as "$who" "$OSLBOX" run --policy node -- npm config get cache 2>/dev/null)
        is "$out" "$home/.cache/oslbox/npm" "npm itself uses it (as $who)"

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
                is "$out" "oslbox $home/.cache/oslbox/npm" "--policy node runs node (as $who)"
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
