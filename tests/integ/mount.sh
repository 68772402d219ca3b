#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The filesystem view: secrets outside it, read-only system, writable cwd, private /tmp, ro/rw/tmpfs.
. "$OSLBOX_SRCDIR/tests/integ/lib.sh"

# reads WHO PATH LINE [OPTION...]: `cat PATH` in a sandbox run by WHO with
# OPTIONs prints exactly LINE.
reads() {
        local who=$1 path=$2 line=$3; shift 3
        [ "$(as "$who" "$OSLBOX" run "$@" -- cat "$path" 2>/dev/null)" = "$line" ]
}

for who in $USERS; do
        home=$(home_of "$who")
        group=$(id -gn "$who")
        wd=$(workdir "$who")
        as "$who" true         # creates $wd and ./probe

        # --- secrets outside the view -------------------------------------------
        secret=$(plant_secret "$who" ".ssh/oslbox-probe-$$")
        line=$(cat "$secret")
        check "planted ~/.ssh secret readable outside (as $who)" \
                test "$(as "$who" cat "$secret")" = "$line"
        out=$(as "$who" "$OSLBOX" run -- cat "$secret" 2>&1)
        case "$out" in *"$line"*) not_ok "planted ~/.ssh secret readable inside (as $who)";;
                *) ok "planted ~/.ssh secret unreadable inside (as $who)";; esac
        is "$(as "$who" "$OSLBOX" run -- ./probe open "$secret")" ENOENT \
                "... it is not even in the view: ENOENT (as $who)"
        check "... and readable inside with --ro $home/.ssh (as $who)" \
                reads "$who" "$secret" "$line" --ro "$home/.ssh"

        if [ "$who" = root ]; then
                # Another user's home, readable by all on the host: only the view hides it.
                other=$(plant_secret "$TEST_USER" "oslbox-probe-$$/secret" 644)
                oline=$(cat "$other")
                check "another user's world-readable secret readable outside (as $who)" \
                        test "$(as "$who" cat "$other")" = "$oline"
                refute "another user's home secret unreadable inside (as $who)" \
                        reads "$who" "$other" "$oline"
                check "... readable inside with --ro $(dirname "$other") (as $who)" \
                        reads "$who" "$other" "$oline" --ro "$(dirname "$other")"
        else
                # /root: another user's home; mode 0700 on most hosts, so the
                # view is checked apart from file permissions too.
                if other=$(plant_secret root "oslbox-probe-$$/secret"); then
                        oline=$(cat "$other")
                        refute "/root secret unreadable inside (as $who)" reads "$who" "$other" "$oline"
                else
                        skip "a secret in /root: only root can plant it, and this test runs as $(id -un)"
                fi
                check "/root exists outside (as $who)" as "$who" test -d /root
                is "$(as "$who" "$OSLBOX" run -- ./probe open /root)" ENOENT \
                        "/root is not in the view at all: ENOENT (as $who)"
        fi

        # Host directories outside the default view.
        for dir in /var /run; do
                [ -d "$dir" ] || continue
                is "$(as "$who" ./probe open "$dir")" OK "$dir opens outside (as $who)"
                is "$(as "$who" "$OSLBOX" run -- ./probe open "$dir")" ENOENT "$dir is not in the view (as $who)"
        done
        is "$(as "$who" "$OSLBOX" run --ro /var -- ./probe open /var)" OK "... /var is with --ro /var (as $who)"

        # --- the system, read-only ---------------------------------------------------
        check "/etc/passwd readable inside, same content (as $who)" \
                test "$(as "$who" "$OSLBOX" run -- cat /etc/passwd)" = "$(cat /etc/passwd)"
        is "$(as "$who" "$OSLBOX" run -- /usr/bin/env sh -c 'echo ran')" ran "/usr/bin/env executes inside (as $who)"
        for dir in /usr /etc; do
                f="$dir/oslbox-probe-$$-$who"
                is "$(as "$who" "$OSLBOX" run -- ./probe create "$f")" EROFS "creating $f fails: EROFS (as $who)"
                check "... and nothing appeared on the host (as $who)" test ! -e "$f"
                rm -f "$f"
        done
        rm -f "$wd/created"
        is "$(as "$who" "$OSLBOX" run -- ./probe create "$wd/created")" OK \
                "... while the same probe creates a file in the working directory (as $who)"
        check "... which appears on the host (as $who)" test -f "$wd/created"

        # --- the working directory, read-write ---------------------------------------
        rm -f "$wd/big.bin"
        inside=$(as "$who" "$OSLBOX" run -- sh -c 'head -c 52428800 /dev/urandom > big.bin && sha256sum big.bin')
        host=$(sha256sum "$wd/big.bin" 2>/dev/null)
        is "${inside%% *}" "${host%% *}" "a 50 MB file written inside has the same sha256 on the host (as $who)"
        is "$(stat -c %s "$wd/big.bin" 2>/dev/null)" 52428800 "... and all 52428800 bytes (as $who)"
        is "$(stat -c %U:%G "$wd/big.bin" 2>/dev/null)" "$who:$group" "... owned by the caller, $who:$group (as $who)"
        rm -f "$wd/big.bin"
        as "$who" "$OSLBOX" run -- sh -c 'mkdir -p sub && printf "a\nb\n" > sub/small'
        is "$(tr '\n' , < "$wd/sub/small" 2>/dev/null)" "a,b," "a small file written inside reads back on the host (as $who)"
        is "$(stat -c %U:%G "$wd/sub" 2>/dev/null)" "$who:$group" "... its directory owned by the caller (as $who)"
        rm -rf "$wd/sub"

        # --ro .
        rm -f "$wd/ro-probe"
        is "$(as "$who" "$OSLBOX" run --ro . -- ./probe create ./ro-probe)" EROFS \
                "--ro . makes the working directory read-only (as $who)"
        check "... nothing appeared on the host (as $who)" test ! -e "$wd/ro-probe"
        is "$(as "$who" "$OSLBOX" run --ro . -- ./probe open ./probe)" OK "... its files stay readable (as $who)"
        is "$(as "$who" "$OSLBOX" run -- ./probe create ./ro-probe)" OK "... and without --ro . it is writable (as $who)"
        rm -f "$wd/ro-probe"

        # --- /tmp is private --------------------------------------------------------------
        f=/tmp/oslbox-probe-$$-$who
        rm -f "$f"
        is "$(as "$who" "$OSLBOX" run -- sh -c "echo inside > $f && cat $f")" inside \
                "a file written in /tmp inside reads back inside (as $who)"
        check "... but is not in the host's /tmp (as $who)" test ! -e "$f"
        hf=/tmp/oslbox-host-$$-$who
        echo host > "$hf"; chmod 644 "$hf"; at_exit "rm -f '$hf'"
        is "$(as "$who" ./probe open "$hf")" OK "a file in the host's /tmp opens outside (as $who)"
        is "$(as "$who" "$OSLBOX" run -- ./probe open "$hf")" ENOENT "... but is not in the sandbox's /tmp (as $who)"

        # --- symlinks in the working directory do not lead out ----------------------------
        mkdir -p "$T/outside-$who"; chown "$who:" "$T/outside-$who"
        echo "oslbox-outside-$who-$RANDOM" > "$T/outside-$who/secret"
        chown "$who:" "$T/outside-$who/secret"; chmod 600 "$T/outside-$who/secret"
        oline=$(cat "$T/outside-$who/secret")
        ln -sfn "$secret" "$wd/leak-abs"
        ln -sfn "../outside-$who/secret" "$wd/leak-rel"
        check "a symlink to ~/.ssh reveals the secret outside (as $who)" \
                test "$(as "$who" cat leak-abs)" = "$line"
        refute "... but not inside (as $who)" reads "$who" leak-abs "$line"
        check "a relative symlink out of the working directory reveals it outside (as $who)" \
                test "$(as "$who" cat leak-rel)" = "$oline"
        refute "... but not inside (as $who)" reads "$who" leak-rel "$oline"
        rm -f "$wd/leak-abs" "$wd/leak-rel"

        # --- --rw, --ro, --tmpfs ------------------------------------------------------------
        d="$T/rw-$who"
        mkdir -p "$d"; chown "$who:" "$d"
        is "$(as "$who" "$OSLBOX" run -- ./probe create "$d/f")" ENOENT "a host directory is not in the view (as $who)"
        as "$who" "$OSLBOX" run --rw "$d" -- sh -c "echo written-$who > $d/f"
        is "$(cat "$d/f" 2>/dev/null)" "written-$who" "--rw DIR: a file written inside is on the host (as $who)"
        is "$(stat -c %U "$d/f" 2>/dev/null)" "$who" "... owned by the caller (as $who)"

        d="$T/ro-$who"
        mkdir -p "$d"; echo "ro-data-$who" > "$d/f"; chown -R "$who:" "$d"
        refute "a host file outside the view is unreadable inside (as $who)" reads "$who" "$d/f" "ro-data-$who"
        check "--ro DIR: readable inside (as $who)" reads "$who" "$d/f" "ro-data-$who" --ro "$d"
        is "$(as "$who" "$OSLBOX" run --ro "$d" -- ./probe create "$d/g")" EROFS "... not writable: EROFS (as $who)"
        check "... nothing appeared on the host (as $who)" test ! -e "$d/g"
        is "$(as "$who" "$OSLBOX" run --ro "$d" -- ./probe create "$d/f")" EROFS "... existing files cannot be truncated (as $who)"
        is "$(cat "$d/f")" "ro-data-$who" "... and it still holds its data (as $who)"

        mkdir -p "$wd/tmpfs"; echo host > "$wd/tmpfs/hostfile"; chown -R "$who:" "$wd/tmpfs"
        is "$(as "$who" "$OSLBOX" run -- ls -A tmpfs)" hostfile "without --tmpfs the host directory shows inside (as $who)"
        is "$(as "$who" "$OSLBOX" run --tmpfs "$wd/tmpfs" -- sh -c 'ls -A tmpfs; echo new > tmpfs/new && cat tmpfs/new')" new \
                "--tmpfs DIR: empty and writable inside (as $who)"
        check "... what was written there is not on the host (as $who)" test ! -e "$wd/tmpfs/new"
        is "$(cat "$wd/tmpfs/hostfile")" host "... and the host's file is untouched (as $who)"
        rm -rf "$wd/tmpfs" "$wd/created"

        # --cwd DIR: the working directory, bound writable and started in,
        # in place of the caller's.
        mkdir -p "$wd/other"; chown "$who:" "$wd/other"
        is "$(as "$who" "$OSLBOX" run --cwd "$wd/other" -- sh -c 'pwd; touch made && echo written')" "$wd/other
written" "--cwd DIR: the command starts in DIR, and DIR is writable (as $who)"
        check "... what it wrote is in DIR on the host (as $who)" test -e "$wd/other/made"
        home=$(home_of "$who")
        err=$(as "$who" sh -c "cd '$home' && '$OSLBOX' run -- true" 2>&1); rc=$?
        case "$rc:$err" in "125:oslbox: the working directory $home holds your home directory"*)
                ok "started from the home directory: refused, 125 (as $who)";;
                *) not_ok "started from the home directory: refused, 125: $rc: $err";; esac
        is "$(as "$who" sh -c "cd '$home' && '$OSLBOX' run --cwd '$wd/other' -- pwd")" "$wd/other" \
                "... and --cwd to a project directory runs there instead (as $who)"
        rm -rf "$wd/other"

        for opt in --rw --ro --tmpfs; do
                err=$(as "$who" "$OSLBOX" run $opt / -- true 2>&1); rc=$?
                case "$rc:$err" in "125:oslbox: cannot "*"/"*"root is its own"*) ok "$opt / is refused: 125 (as $who)";;
                        *) not_ok "$opt / is refused: 125: $rc: $err";; esac
        done
done

done_testing
