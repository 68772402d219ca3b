#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# oslbox learn: a script that reads files outside the default view and writes
# into a directory outside it fails under oslbox run; learn writes a policy
# that oslbox check accepts, that holds no directive wider than needed, and
# with which oslbox run succeeds. The output file is never overwritten nor
# followed as a symlink.
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
done_testing
