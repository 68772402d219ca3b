#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# oslbox learn: a script that reads files outside the default view and writes
# into a directory outside it fails under oslbox run; learn writes a policy
# that oslbox check accepts, that holds no directive wider than needed, and
# with which oslbox run succeeds. The output file is never overwritten nor
# followed as a symlink. The trial run's host-view lets a script that stops
# at its first error show what it reads and runs outside the view; a write
# it was refused makes learn run it again; a real one: make of a small
# project whose header, tool and build directory are outside the view.
. "$OSLBOX_SRCDIR/tests/integ/lib.sh"

for who in $USERS; do
        home=$(home_of "$who")
        rel=.oslbox-learn-$$
        one=$(plant_secret "$who" "$rel/one")
        for i in 1 2 3 4 5 6 7 8 9; do plant_secret "$who" "$rel/many/f$i" >/dev/null; done
        plant_secret "$who" "$rel/out/keep" >/dev/null
        dir="$home/$rel"
        wd=$(workdir "$who")
        # Reads one file, nine of one directory, writes a new file in a
        # third, going on after a failure (the trial run's view is still the
        # base policy's: a command that stops at its first refusal would
        # teach learn only that one).
        script="s=0; cat $dir/one || s=1; for i in 1 2 3 4 5 6 7 8 9; do cat $dir/many/f\$i || s=1; done
                echo learned > $dir/out/new || s=1; exit \$s"

        out=$(as "$who" "$OSLBOX" run -- sh -c "$script" 2>/dev/null); rc=$?
        if [ "$rc" -ne 0 ] && ! grep -q "$(cat "$one")" <<<"$out" && [ ! -e "$dir/out/new" ]
        then ok "the script fails under the default policy (as $who)"
        else not_ok "the script ran under the default policy: rc $rc (as $who)"; fi

        rm -f "$wd/p.policy"
        err=$(as "$who" "$OSLBOX" learn -o p.policy -- sh -c "$script" 2>&1 >/dev/null); rc=$?
        is "$rc" 0 "learn exits 0 (as $who)"
        if [ -f "$wd/p.policy" ] && [ ! -L "$wd/p.policy" ]
        then ok "learn wrote p.policy (as $who)"
        else not_ok "no p.policy: $err (as $who)"; fi
        as "$who" "$OSLBOX" check p.policy; is "$?" 0 "oslbox check accepts the policy learn wrote (as $who)"
        is "$(grep -c '^# Written by oslbox learn' "$wd/p.policy")" 1 "the policy starts with learn's comment (as $who)"
        is "$(grep -cx "ro $dir/one" "$wd/p.policy")" 1 "ro of the file read (as $who)"
        is "$(grep -B1 -x "ro $dir/one" "$wd/p.policy" | head -1)" "# read by cat, 1 time" "... commented with why (as $who)"
        rm -f "$dir/out/new"
        out=$(as "$who" "$OSLBOX" run --policy ./p.policy -- sh -c "$script" 2>&1); rc=$?
        if [ "$rc" -eq 0 ] && grep -q "$(cat "$one")" <<<"$out" && [ "$(cat "$dir/out/new" 2>/dev/null)" = learned ]
        then ok "with the policy learn wrote the script reads and writes what it needs (as $who)"
        else not_ok "the script still fails with the learned policy: rc $rc: $out (as $who)"; fi
        # Every directive: the nine files are one directory, the
        # write is the directory written to, nothing wider.
        all=$(grep -E '^(ro|rw|ro-try|rw-try|allow-syscall|net) ' "$wd/p.policy" | sort -u | tr '\n' ';')
        is "$all" "ro $dir/many;ro $dir/one;rw $dir/out;" "the policies hold exactly ro one, ro many/ (9 files), rw out/ (as $who)"
        wide=$(cat "$wd/p.policy" | grep -E "^(ro|rw)(-try)? (/|$home|$dir|$(dirname "$home"))/?\$")
        is "$wide" "" "no directive names /, the home directory or the planted directory whole (as $who)"
        is "$(grep -B1 -x "ro $dir/many" "$wd/p.policy" | grep -c '^# read by cat, 9 files$')" 1 \
                "the directory is commented with its 9 files (as $who)"
        # With the policy as base: it is included, and nothing more is needed.
        as "$who" "$OSLBOX" learn --policy ./p.policy -o p2.policy -- sh -c "$script" >/dev/null 2>&1; rc=$?
        is "$rc:$(grep -cx "include $wd/p.policy" "$wd/p2.policy"):$(grep -cE '^(ro|rw) ' "$wd/p2.policy")" "0:1:0" \
                "learn --policy FILE includes FILE and adds nothing when nothing was refused (as $who)"

        # Paths under the working directory: relative when the file is
        # there, else from ${CWD}; the options given are kept.
        mkdir -p "$wd/sub"; chown "$who:" "$wd/sub"
        as "$who" "$OSLBOX" learn --ro . -o r.policy -- sh -c 'echo x > sub/x' 2>/dev/null
        is "$(grep -E '^(ro|rw) ' "$wd/r.policy" | tr '\n' ';')" "ro .;rw sub;" \
                "a write refused under the working directory: rw sub, relative (as $who)"
        if as "$who" "$OSLBOX" run --policy ./r.policy -- sh -c 'echo x > sub/x' && [ -f "$wd/sub/x" ]
        then ok "... with which the write succeeds (as $who)"
        else not_ok "the write still fails with rw sub (as $who)"; fi
        rm -f "$wd/sub/x"
        as "$who" "$OSLBOX" learn --ro . -- sh -c 'echo x > sub/x' 2>/dev/null > "$T/r-$who.policy"
        is "$(grep -E '^(ro|rw) ' "$T/r-$who.policy" | tr '\n' ';')" 'ro ${CWD};rw ${CWD}/sub;' \
                "... on standard output: \${CWD}/sub (as $who)"
        rm -rf "$wd/sub" "$wd/r.policy"

        # The output file: never overwritten, never followed.
        echo keep > "$wd/exists.policy"; chown "$who:" "$wd/exists.policy"
        as "$who" "$OSLBOX" learn -o exists.policy -- true 2>/dev/null; rc=$?
        is "$rc:$(cat "$wd/exists.policy")" "125:keep" "learn refuses an existing -o file (as $who)"
        ln -sf "$wd/target" "$wd/link.policy"
        as "$who" "$OSLBOX" learn -o link.policy -- true 2>/dev/null; rc=$?
        if [ "$rc" -eq 125 ] && [ ! -e "$wd/target" ]
        then ok "learn refuses a symlink as -o file, creates nothing through it (as $who)"
        else not_ok "learn followed a symlink: rc $rc (as $who)"; fi
        # The command swaps -o's directory for a symlink: the file still
        # goes to the directory opened before the run.
        mkdir -p "$wd/sub" "$T/elsewhere-$who"; chown "$who:" "$wd/sub" "$T/elsewhere-$who"
        as "$who" "$OSLBOX" learn -o sub/s.policy -- sh -c "mv sub sub.old && ln -s $T/elsewhere-$who sub" 2>/dev/null
        if [ -f "$wd/sub.old/s.policy" ] && [ -z "$(ls -A "$T/elsewhere-$who")" ]
        then ok "-o's directory is the one opened before the run, not a symlink the command put there (as $who)"
        else not_ok "learn wrote through the command's symlink (as $who)"; fi
        rm -rf "$wd/sub" "$wd/sub.old"
        as "$who" "$OSLBOX" learn --env OSLBOX_LEARN_SECRET=hunter2-$$ -o fresh.policy -- true; rc=$?
        is "$rc:$(grep -cE '^(ro|rw) ' "$wd/fresh.policy")" "0:0" "twin: a new -o file is written, with no directive for a command refused nothing (as $who)"
        is "$(grep -c "hunter2-$$" "$wd/fresh.policy")" 0 "an --env value given to learn is not written (as $who)"
        # SIGTERM to learn reaches the command, and the policy is still written.
        as "$who" timeout -s TERM 1 "$OSLBOX" learn -o sig.policy -- sh -c 'trap "exit 3" TERM; sleep 10 & wait' 2>/dev/null
        is "$(grep -c '^# which exited with status 3\.$' "$wd/sig.policy" 2>/dev/null)" 1 \
                "SIGTERM to learn is passed on to the command, whose status the policy records (as $who)"
        rm -f "$wd"/p*.policy "$wd/sig.policy" "$wd/exists.policy" "$wd/link.policy" "$wd/fresh.policy"
done
# --- the trial's view (host-view) and the runs -----------------------------
# A tree outside the default view (under /var/tmp: the host's /tmp is the
# sandbox's own even in the trial), per user: the working directory, and
# beside it data, a tool and an output directory.
base=$(mktemp -d /var/tmp/oslbox-learn.XXXXXX); chmod 755 "$base"
at_exit "rm -rf '$base'"
for who in $USERS; do
        D=$base/$who
        mkdir -p "$D/work" "$D/data" "$D/tools" "$D/out" "$D/proj" "$D/include" "$D/build"
        echo "data-$$-$who" > "$D/data/f"
        printf '#!/bin/sh\necho tool-ran-%s\n' "$$" > "$D/tools/tool"
        printf '#!/bin/sh\necho "/* stamped */" > "$1"\n' > "$D/tools/stamp"
        chmod 755 "$D/tools/tool" "$D/tools/stamp"
        echo '#define GREETING "greetings-'$$' from outside the view"' > "$D/include/greet.h"
        printf '#include <stdio.h>\n#include "greet.h"\nint main(void) { puts(GREETING); return 0; }\n' > "$D/proj/main.c"
        printf 'all: ../build/hello\n\n../build/hello: main.c\n\t../tools/stamp ../build/stamp.h\n\tcc -I../include -o ../build/hello main.c\n' \
                > "$D/proj/Makefile"
        [ "$who" = "$(id -un)" ] || chown -R "$who:" "$D"
        # in DIR (relative to D): COMMAND...
        within() { local dir=$1; shift; as "$who" sh -c 'cd "$1" && shift && exec "$@"' sh "$D/$dir" "$@"; }
        # Stops at its first error: read, run, write.
        s1='set -e; cat ../data/f; ../tools/tool; echo learned > ../out/new'
        want="ro $D/data/f;ro $D/tools/tool;rw $D/out;"
        directives() { grep -E '^(ro|rw|ro-try|rw-try|rw-create|allow-syscall|net) ' "$1" | sort | tr '\n' ';'; }

        out=$(within work "$OSLBOX" run -- sh -c "$s1" 2>&1); rc=$?
        if [ "$rc" -ne 0 ] && ! grep -q "data-$$" <<<"$out" && [ ! -e "$D/out/new" ]
        then ok "a script that stops at its first error fails under the default policy (as $who)"
        else not_ok "the script ran under the default policy: rc $rc: $out (as $who)"; fi

        within work "$OSLBOX" learn -n 1 -o p1.policy -- sh -c "$s1" >/dev/null 2>&1; rc=$?
        is "$rc" 0 "learn -n 1 exits 0 (as $who)"
        is "$(directives "$D/work/p1.policy")" "$want" \
                "one trial run shows the read, the tool run and the write, each exactly (as $who)"
        is "$(grep -B1 -x "ro $D/tools/tool" "$D/work/p1.policy" | head -1)" "# run by sh, 1 time" \
                "... the tool commented as run (as $who)"
        is "$(grep -c '^# Written by oslbox learn from one run of:' "$D/work/p1.policy")" 1 "... from one run (as $who)"
        if [ ! -e "$D/out/new" ]
        then ok "the trial wrote nothing where the base does not write (as $who)"
        else not_ok "the trial's refused write reached the host (as $who)"; fi
        out=$(within work "$OSLBOX" run --policy ./p1.policy -- sh -c "$s1" 2>&1); rc=$?
        if [ "$rc" -eq 0 ] && grep -q "data-$$" <<<"$out" && grep -q "tool-ran-$$" <<<"$out" &&
           [ "$(cat "$D/out/new" 2>/dev/null)" = learned ]
        then ok "with that policy the script reads, runs the tool and writes (as $who)"
        else not_ok "the script fails with the learned policy: rc $rc: $out (as $who)"; fi
        within work "$OSLBOX" run --policy ./p1.policy --log-denials -- sh -c "$s1" >/dev/null 2>"$T/den-$who"
        is "$(grep -c 'oslbox: denied' "$T/den-$who")" 0 "... without a denial (as $who)"

        # The write first: refused in the trial, it stops the script, and
        # learn runs it again with rw of the directory.
        rm -f "$D/out/new"
        s2='set -e; echo learned > ../out/new; cat ../data/f; ../tools/tool'
        err=$(within work "$OSLBOX" learn -o p2.policy -- sh -c "$s2" 2>&1 >/dev/null); rc=$?
        is "$rc:$(directives "$D/work/p2.policy")" "0:$want" \
                "a refused write: learn runs the script again and learns the rest (as $who)"
        is "$(grep -c '^oslbox: learn: run 1 exited with status 2; running it again with the 1 directive learned$' <<<"$err")" 1 \
                "... saying so (as $who)"
        is "$(grep -c '^# Written by oslbox learn from 2 runs of:' "$D/work/p2.policy"):$(grep -c '^# which at last exited with status 0\.$' "$D/work/p2.policy")" \
                "1:1" "... the file says 2 runs, the last one successful (as $who)"
        rm -f "$D/out/new"
        within work "$OSLBOX" learn -n 1 -o p3.policy -- sh -c "$s2" >/dev/null 2>&1
        is "$(directives "$D/work/p3.policy")" "rw $D/out;" "twin: with -n 1 only the write is learned (as $who)"
        rm -f "$D/out/new"

        # The real one: make of a project whose header, code generator and
        # build directory are outside the view.
        out=$(within proj "$OSLBOX" run -- make 2>&1); rc=$?
        if [ "$rc" -ne 0 ] && [ ! -e "$D/build/hello" ]
        then ok "make fails under the default policy (as $who)"
        else not_ok "make ran under the default policy: rc $rc (as $who)"; fi
        within proj "$OSLBOX" learn -o build.policy -- make >/dev/null 2>&1; rc=$?
        is "$rc:$(directives "$D/proj/build.policy")" \
                "0:ro $D/include/greet.h;ro $D/tools/stamp;rw $D/build;" \
                "learn on make: the header, the tool, the build directory, nothing wider (as $who)"
        within proj "$OSLBOX" check build.policy; is "$?" 0 "oslbox check accepts it (as $who)"
        rm -f "$D/build/hello" "$D/build/stamp.h"
        out=$(within proj "$OSLBOX" run --policy ./build.policy -- make 2>&1); rc=$?
        if [ "$rc" -eq 0 ] && [ "$(as "$who" "$D/build/hello" 2>&1)" = "greetings-$$ from outside the view" ]
        then ok "oslbox run --policy ./build.policy -- make builds it (as $who)"
        else not_ok "make fails with the learned policy: rc $rc: $out (as $who)"; fi

        # What host-view leaves out: the host's /tmp (the sandbox's own),
        # the caller's home outside the working directory, /run, the view's
        # hidden files; what it shows: the rest of the host, read-only.
        out=$(within work "$OSLBOX" run --host-view -- sh -c "cat $D/data/f; echo x > $D/data/g" 2>&1); rc=$?
        if grep -q "data-$$" <<<"$out" && [ ! -e "$D/data/g" ]
        then ok "host-view shows a directory outside the view read-only (as $who)"
        else not_ok "host-view: rc $rc: $out (as $who)"; fi
        secret=$(plant_secret "$who" ".oslbox-learn-hv-$$/s")
        out=$(within work "$OSLBOX" run --host-view -- sh -c "cat $(home_of "$who")/.oslbox-learn-hv-$$/s; ls $T" 2>&1)
        if ! grep -q "$(cat "$secret")" <<<"$out" && ! grep -q "work-$who" <<<"$out"
        then ok "host-view keeps the home directory and the host's /tmp out (as $who)"
        else not_ok "host-view showed the home or /tmp: $out (as $who)"; fi
        if [ "$(id -u)" -eq 0 ]; then
                echo "run-secret-$$" > "/run/oslbox-learn-$$"; at_exit "rm -f /run/oslbox-learn-$$"
                out=$(within work "$OSLBOX" run --host-view -- sh -c "cat /run/oslbox-learn-$$ /etc/shadow" 2>&1)
                if ! grep -q "run-secret-$$" <<<"$out" && ! grep -q '^root:' <<<"$out"
                then ok "host-view shows neither /run nor the hidden /etc/shadow (as $who)"
                else not_ok "host-view showed /run or /etc/shadow: $out (as $who)"; fi
        else
                skip "planting in /run needs root (as $who)"
        fi

        # A system call refused: allow-syscall when the run failed for it
        # (and then it runs), a comment when the command went on without.
        within work "$OSLBOX" learn -o sys.policy -- sh -c 'unshare -U true' >/dev/null 2>&1
        is "$(directives "$D/work/sys.policy")" "allow-syscall unshare;" "a refused unshare that failed the run: allow-syscall unshare (as $who)"
        within work "$OSLBOX" run --policy ./sys.policy -- unshare -U true; is "$?" 0 "... with which unshare -U runs (as $who)"
        within work "$OSLBOX" learn -o probe.policy -- sh -c 'unshare -U true; exit 0' >/dev/null 2>&1
        is "$(directives "$D/work/probe.policy"):$(grep -c '^# refused, and the command succeeded without it: unshare(2)' "$D/work/probe.policy")" \
                ":1" "twin: refused, but the command succeeded: only a comment (as $who)"

        # A destination the network refused: a comment, never a directive.
        within work "$OSLBOX" learn -n 1 -o net.policy -- \
                python3 -I -c 'import socket; socket.create_connection(("192.0.2.1", 5432), timeout=5)' >/dev/null 2>&1
        is "$(grep -c '^# needed, not widened by learn: connect to 192\.0\.2\.1:5432 (TCP) by python3 (pid [0-9]*): network none (allow with --net host)$' "$D/work/net.policy"):$(grep -c '^net ' "$D/work/net.policy")" \
                "1:0" "a refused TCP destination is written as a comment with its address, the network not widened (as $who)"

        # Refusals: the landlock mode cannot observe host-view; -n's range.
        err=$(within work "$OSLBOX" run --isolation landlock --host-view -- true 2>&1); rc=$?
        is "$rc:$(grep -c '^oslbox: host-view: the landlock isolation mode cannot tell' <<<"$err")" "125:1" \
                "host-view in the landlock mode is refused, naming it (as $who)"
        within work "$OSLBOX" learn --isolation landlock -o ll.policy -- true >/dev/null 2>&1; rc=$?
        is "$rc:$(grep -c '^host-view' "$D/work/ll.policy" 2>/dev/null)" "0:0" \
                "learn --isolation landlock runs in the base view (as $who)"
        # Where namespaces cannot be made (the test seam), auto gives the
        # landlock mode: learn says the trial keeps the policy's view, and
        # learns what Landlock refused, run after run.
        err=$(within work "$NONS" "$OSLBOX" learn -o seam.policy -- sh -c "$s1" 2>&1 >/dev/null); rc=$?
        is "$rc:$(grep -c "; the trial runs in the policy's own view\$" <<<"$err")" "0:1" \
                "without namespaces learn says the trial keeps the policy's view (as $who)"
        is "$(directives "$D/work/seam.policy")" "$want" "... and learns the same, in more runs (as $who)"
        rm -f "$D/out/new"
        for n in 0 17 x -1 ''; do
                err=$(within work "$OSLBOX" learn -n "$n" -- true 2>&1); rc=$?
                is "$rc:$(grep -c "^oslbox: learn: -n takes a number of runs from 1 to 16, not '$n'$" <<<"$err")" "125:1" \
                        "learn -n '$n' is refused (as $who)"
        done
done
done_testing
