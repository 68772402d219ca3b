#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Namespaces: host processes (pid), the hostname (uts), SysV IPC (ipc), only the caller's ids (user).
. "$OSLBOX_SRCDIR/tests/integ/lib.sh"

for who in $USERS; do
        wd=$(workdir "$who")
        as "$who" true

        # --- pid: a host process of the caller's own, with a unique marker --------
        marker="oslbox-marker-$$-$who-$RANDOM"
        (exec_as "$who" bash -c 'exec -a "$0" sleep 60' "$marker") &
        pid=$!
        at_exit "kill $pid"
        # The marker from a file: a command line holding it would match itself.
        echo "$marker" > "$wd/marker"; chmod 644 "$wd/marker"
        for _ in $(seq 50); do grep -qF "$marker" "/proc/$pid/cmdline" 2>/dev/null && break; sleep 0.02; done
        find='grep -lF -f marker /proc/[0-9]*/cmdline 2>/dev/null | grep -c .'
        is "$(as "$who" sh -c "$find")" 1 "outside, /proc shows the host process marked $marker (as $who)"
        is "$(as "$who" "$OSLBOX" run -- sh -c "$find")" 0 "... inside, no process carries the marker (as $who)"
        check "outside, /proc/$pid exists (as $who)" as "$who" test -e "/proc/$pid"
        refute "... not inside (as $who)" as "$who" "$OSLBOX" run -- test -e "/proc/$pid"
        check "outside, kill -0 $pid reaches it (as $who)" as "$who" kill -0 "$pid"
        refute "... not from inside (as $who)" as "$who" "$OSLBOX" run -- sh -c "kill -0 $pid 2>/dev/null"
        kill "$pid" 2>/dev/null
        is "$(as "$who" "$OSLBOX" run -- sh -c 'echo $$ /proc/[0-9]*')" "2 /proc/1 /proc/2" \
                "inside, the command is pid 2 and sees only init and itself (as $who)"

        # --- uts ---------------------------------------------------------------------------
        host=$(cat /proc/sys/kernel/hostname)
        is "$(as "$who" "$OSLBOX" run -- cat /proc/sys/kernel/hostname)" oslbox "the hostname inside is oslbox (as $who)"
        check "... not the host's, $host (as $who)" test "$host" != oslbox
        is "$(as "$who" "$OSLBOX" run --hostname oslbox-probe -- uname -n)" oslbox-probe \
                "--hostname oslbox-probe sets it (as $who)"
        is "$(cat /proc/sys/kernel/hostname)" "$host" "... and the host's is unchanged (as $who)"

        # --- ipc: a message queue of the caller's -------------------------------------------
        id=$(as "$who" ipcmk -Q | sed -n 's/^Message queue id: //p')
        at_exit "ipcrm -q $id"
        key=$(as "$who" ipcs -q | awk -v id="$id" '$2 == id { print $1 }')
        check "outside, ipcs lists the caller's queue $key (as $who)" test -n "$key"
        inside=$(as "$who" "$OSLBOX" run -- ipcs -q)
        case "$inside" in
        *"$key"*|"") not_ok "... inside, ipcs does not (as $who)"; diag "got: '$inside'";;
        *"Message Queues"*) ok "... inside, ipcs does not (as $who)";;
        *) not_ok "... inside, ipcs lists queues (as $who)"; diag "got: '$inside'";;
        esac
        ipcrm -q "$id"

        # --- user: only the caller's ids, mapped to themselves ------------------------------
        uid=$(id -u "$who") gid=$(id -g "$who")
        is "$(as "$who" "$OSLBOX" run -- cat /proc/self/uid_map | awk '{ print $1, $2, $3 }')" "$uid $uid 1" \
                "uid_map inside: $uid $uid 1, nothing else (as $who)"
        is "$(as "$who" "$OSLBOX" run -- cat /proc/self/gid_map | awk '{ print $1, $2, $3 }')" "$gid $gid 1" \
                "gid_map inside: $gid $gid 1 (as $who)"
        is "$(as "$who" cat /proc/self/uid_map | awk '{ print $1, $2, $3 }')" "0 0 4294967295" \
                "... outside, the initial namespace maps every id (as $who)"
        is "$(as "$who" "$OSLBOX" run -- cat /proc/self/setgroups)" deny "setgroups is denied inside (as $who)"
        is "$(as "$who" "$OSLBOX" run -- id -u):$(as "$who" "$OSLBOX" run -- id -g)" "$uid:$gid" \
                "the command runs as the caller's uid and gid (as $who)"
done

# --- a covered /proc, as in a container: doctor and a run name the cause ------
# bubblewrap covers parts of its /proc when it runs as root; the read-only
# /proc/sys makes sure it does for every caller.
covered=(bwrap --unshare-user --unshare-pid --dev-bind / / --proc /proc --ro-bind /proc/sys /proc/sys --dev /dev)
uncovered=(bwrap --unshare-user --dev-bind / /)
userns_json='import json, sys; u = json.load(sys.stdin)["user_namespaces"]; print(u["ok"], u["failed_step"], u["proc_covered"])'
for who in $USERS; do
        if ! as "$who" "${covered[@]}" true 2>"$T/bwrap.err"; then
                not_ok "bwrap runs (as $who): tools/install-deps --test installs bubblewrap"
                diag "$(cat "$T/bwrap.err")"
                continue
        fi
        out=$(as "$who" "${covered[@]}" "$OSLBOX" doctor 2>&1 | grep '^user_namespaces ')
        case "$out" in
        "user_namespaces  no  "*"not a new procfs"*"Operation not permitted: /proc is covered"*"fully visible"*"systempaths=unconfined"*)
                ok "doctor in a sandbox with a covered /proc: no, it names the cause and the remedy (as $who)";;
        *) not_ok "doctor in a sandbox with a covered /proc: no, it names the cause (as $who)"; diag "got: $out";;
        esac
        is "$(as "$who" "${covered[@]}" "$OSLBOX" doctor --json 2>/dev/null | python3 -c "$userns_json")" "False proc True" \
                "... doctor --json: ok false, failed_step proc, proc_covered true (as $who)"
        # isolation auto falls back to the landlock mode there; asked for
        # namespaces, the run refuses with the same explanation.
        out=$(as "$who" "${covered[@]}" "$OSLBOX" run -- echo ran 2>&1); rc=$?
        is "$rc:$out" "0:ran" "... a run there works, in the landlock isolation mode auto falls back to (as $who)"
        out=$(as "$who" "${covered[@]}" "$OSLBOX" run --isolation namespaces -- echo ran 2>&1); rc=$?
        case "$rc:$out" in
        "125:oslbox: cannot mount proc on /proc: Operation not permitted: /proc is covered"*"fully visible"*"--isolation landlock"*)
                ok "... with --isolation namespaces it exits 125 with the same explanation (as $who)";;
        *) not_ok "... with --isolation namespaces it exits 125 with the same explanation (as $who)"; diag "got: $rc:$out";;
        esac
        is "$(as "$who" "${uncovered[@]}" "$OSLBOX" doctor --json 2>/dev/null | python3 -c "$userns_json")" "True None False" \
                "in bwrap with the host's /proc, uncovered: doctor says usable (as $who)"
        is "$(as "$who" "${uncovered[@]}" "$OSLBOX" run -- echo ran 2>&1)" ran "... and a run works (as $who)"
        is "$(as "$who" "$OSLBOX" doctor 2>&1 | grep '^user_namespaces ' | cut -c1-20)" "user_namespaces  yes" \
                "outside bwrap, doctor says usable (as $who)"
done

done_testing
