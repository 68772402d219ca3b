#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Landlock, the second wall: host directories reached through an inherited fd, around the mount view.
. "$OSLBOX_SRCDIR/tests/integ/lib.sh"

abi=$("$OSLBOX" doctor --json | sed -n 's/^ *"abi": *\([0-9][0-9]*\).*/\1/p')
if [ "${abi:-0}" -lt 1 ]; then
        skip "Landlock ABI 0: the kernel has no Landlock (needs Linux >= 5.13 with landlock in lsm=)"
        done_testing
        exit
fi

# A directory passed as stdin is an fd on the host's tree, in the host's
# mounts: /proc/self/fd/0/NAME reaches beneath it whatever the sandbox's
# mount namespace shows. Only Landlock can stop that.
for who in $USERS; do
        wd=$(workdir "$who")
        as "$who" true
        d="$T/landlock-$who"
        mkdir -p "$d"
        echo "oslbox-landlock-$who-$RANDOM$RANDOM" > "$d/secret"
        chown -R "$who:" "$d"; chmod 700 "$d"; chmod 600 "$d/secret"
        line=$(cat "$d/secret")

        is "$(as "$who" ./probe open /proc/self/fd/0/secret < "$d")" OK \
                "outside, a file opens through a directory fd on stdin (as $who)"
        is "$(as "$who" "$OSLBOX" run -- ./probe open /proc/self/fd/0/secret < "$d")" EACCES \
                "inside, a file beneath a directory fd from outside the view: EACCES (as $who)"
        out=$(as "$who" "$OSLBOX" run -- cat /proc/self/fd/0/secret < "$d" 2>&1)
        case "$out" in *"$line"*) not_ok "... cat reveals it (as $who)";;
                *) ok "... cat does not reveal it (as $who)";; esac
        is "$(as "$who" "$OSLBOX" run -- ./probe open /proc/self/fd/0 < "$d")" EACCES \
                "... nor can the directory itself be listed (as $who)"
        is "$(as "$who" "$OSLBOX" run --ro "$d" -- ./probe open /proc/self/fd/0/secret < "$d")" OK \
                "... with --ro DIR it opens (as $who)"
        echo inview > "$wd/inview"; chown "$who:" "$wd/inview"
        is "$(as "$who" "$OSLBOX" run -- ./probe open /proc/self/fd/0/inview < "$wd")" OK \
                "... as does a file beneath a directory fd inside the view (as $who)"

        # Writing through the fd: the fd's mount is the host's, writable, so
        # a read-only bind cannot stop it; Landlock's read-only rule does.
        rm -f "$d/new"
        is "$(as "$who" "$OSLBOX" run -- ./probe create /proc/self/fd/0/new < "$d")" EACCES \
                "creating a file through a directory fd from outside the view: EACCES (as $who)"
        is "$(as "$who" "$OSLBOX" run --ro "$d" -- ./probe create /proc/self/fd/0/new < "$d")" EACCES \
                "... also with --ro DIR, though the fd's own mount is writable (as $who)"
        check "... nothing appeared on the host (as $who)" test ! -e "$d/new"
        is "$(as "$who" "$OSLBOX" run --rw "$d" -- ./probe create /proc/self/fd/0/new < "$d")" OK \
                "... with --rw DIR it works (as $who)"
        check "... and the file is on the host (as $who)" test -f "$d/new"
        is "$(as "$who" "$OSLBOX" run --ro "$d" -- ./probe create /proc/self/fd/0/secret < "$d")" EACCES \
                "truncating a file through the fd with --ro DIR: EACCES (as $who)"
        is "$(cat "$d/secret")" "$line" "... it still holds its data (as $who)"
done

done_testing
