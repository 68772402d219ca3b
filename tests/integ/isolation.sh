#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The landlock isolation mode: each promise oslbox(1) makes for it, where
# namespaces are blocked as a container blocks them (tests/helpers/nons, the
# seam: clone3 ENOSYS, clone/unshare/setns with namespace flags EPERM), and
# how auto, --isolation namespaces, --report and explain behave there.
. "$OSLBOX_SRCDIR/tests/integ/lib.sh"

if [ ! -x "$NONS" ]; then
        echo "Bail out! tests/helpers/nons is not built"
        exit 1
fi
abi=$("$OSLBOX" doctor --json | sed -n 's/^ *"abi": *\([0-9][0-9]*\).*/\1/p')
SLEEP=$(readlink -f "$(command -v sleep)")
RUN_ID=oslbox-iso-$$-$RANDOM
_n=0
now_ms() { local t=${EPOCHREALTIME/[.,]/}; echo $((t / 1000)); }

# L WHO ARGS...: `oslbox run ARGS...` as WHO under the seam (isolation auto).
L() { local who=$1; shift; as "$who" "$NONS" "$OSLBOX" run "$@"; }

# Host processes a check starts (a listener, a sleeper): killed at exit.
HOST_PIDS=
host_bg() { HOST_PIDS="$HOST_PIDS $!"; }
host_done() {
        local p
        for p in $HOST_PIDS; do { kill -KILL "$p" && wait "$p"; } 2>/dev/null; done
        HOST_PIDS=
}
at_exit host_done

# wait_file PATH: true once PATH is a non-empty file (3 s at most).
wait_file() {
        local i
        for i in $(seq 60); do [ -s "$1" ] && return 0; sleep 0.05; done
        return 1
}

# --- Below Landlock ABI 6 the mode refuses: no signal or abstract socket scoping ----
if [ "${abi:-0}" -lt 6 ]; then
        for who in $USERS; do
                out=$(L "$who" -- true 2>&1); rc=$?
                case "$rc:$out" in
                125:"oslbox: the landlock isolation mode needs Landlock ABI 3"*"--isolation namespaces"*)
                        ok "Landlock ABI ${abi:-0}: the landlock mode refuses, naming truncate's ABI 3 and --isolation namespaces (as $who)";;
                125:"oslbox: "*"ABI 6"*"--no-signal-scoping"*) ok "Landlock ABI ${abi:-0}: the landlock mode refuses, naming signal scoping and --no-signal-scoping (as $who)";;
                *) not_ok "Landlock ABI ${abi:-0}: the landlock mode refuses (as $who)"; diag "$rc: $out";;
                esac
        done
        skip "Landlock ABI ${abi:-0} < 6: no signal or abstract socket scoping, the landlock mode's promises are not checked"
        done_testing
        exit
fi

for who in $USERS; do
        as "$who" true
        wd=$(workdir "$who")
        uid=$(id -u "$who")

        # --- which mode ran, and why ---------------------------------------------------
        as "$who" "$NONS" "$OSLBOX" run --report "$wd/r.json" -- true; rc=$?
        rep=$(tr -d ' \n' < "$wd/r.json" 2>/dev/null)
        case "$rc:$rep" in
        0:*'"isolation":"landlock","isolation_reason":"clone3withthenamespaceflags:Functionnotimplemented"'*)
                ok "auto under the seam runs, in the landlock mode; --report says why (as $who)";;
        *) not_ok "auto under the seam runs, in the landlock mode; --report says why (as $who)"; diag "$rc: $rep";;
        esac
        as "$who" "$OSLBOX" run --report "$wd/r.json" -- true
        rep=$(tr -d ' \n' < "$wd/r.json" 2>/dev/null)
        case "$rep" in
        *'"isolation":"namespaces","isolation_reason":null'*) ok "... twin: without the seam, namespaces (as $who)";;
        *) not_ok "... twin: without the seam, namespaces (as $who)"; diag "$rep";;
        esac
        out=$(as "$who" "$NONS" "$OSLBOX" explain 2>&1 | grep '^# isolation here')
        is "$out" "# isolation here: landlock (namespaces are not available: clone3 with the namespace flags: Function not implemented)" \
                "explain under the seam says landlock, and why (as $who)"
        is "$(as "$who" "$OSLBOX" explain 2>&1 | grep '^# isolation here')" "# isolation here: namespaces" \
                "... twin: without it, namespaces (as $who)"
        out=$(as "$who" "$NONS" "$OSLBOX" doctor 2>&1 | grep '^isolation ')
        case "$out" in
        *"yes auto gives landlock: namespaces are not available (clone3 with the namespace flags: Function not implemented); a seccomp filter refuses clone3 (a container's profile"*"ISOLATION")
                ok "doctor under the seam: auto gives landlock, why, and the container's remedy (as $who)";;
        *) not_ok "doctor under the seam: auto gives landlock, why, and the container's remedy (as $who)"; diag "$out";;
        esac
        out=$(as "$who" "$NONS" "$OSLBOX" doctor --json | tr -d ' \n')
        case "$out" in
        *'"isolation":{"mode":"landlock","namespaces_unavailable":"clone3withthenamespaceflags:Functionnotimplemented","landlock_refusal":null,"remedy":"aseccompfilterrefusesclone3'*)
                ok "... doctor --json too (as $who)";;
        *) not_ok "... doctor --json too (as $who)"; diag "$out";;
        esac
        is "$(as "$who" "$OSLBOX" doctor 2>&1 | grep '^isolation ')" \
                "isolation        yes auto gives namespaces: this caller can create them here" "... twin: without the seam, namespaces (as $who)"
        out=$(L "$who" --isolation namespaces -- true 2>&1); rc=$?
        case "$rc:$out" in
        "125:oslbox: cannot create the sandbox's namespaces"*"--isolation landlock, or auto, runs without them"*)
                ok "--isolation namespaces under the seam refuses, naming the remedy (as $who)";;
        *) not_ok "--isolation namespaces under the seam refuses, naming the remedy (as $who)"; diag "$rc: $out";;
        esac
        is "$(as "$who" "$OSLBOX" run --isolation landlock -- sh -c 'test $$ -ne 1 && echo not-1')" not-1 \
                "--isolation landlock without the seam: no pid namespace, the command is not pid 1 (as $who)"

        printf 'require userns\n' > "$T/require-userns.policy"; chmod 644 "$T/require-userns.policy"
        out=$(L "$who" --policy "$T/require-userns.policy" -- true 2>&1); rc=$?
        is "$rc:$out" "125:oslbox: $T/require-userns.policy:1: error: this host lacks userns (user namespaces for this user)" \
                "require userns under the seam: a floor, the run refuses rather than fall back (as $who)"
        is "$(as "$who" "$OSLBOX" run --policy "$T/require-userns.policy" -- echo ran)" ran "... twin: without the seam it runs (as $who)"

        # --- directives the mode cannot honour: refused, named, with the remedy ---------------
        for d in "--hostname box" "--tmpfs $wd/t"; do
                out=$(L "$who" $d -- true 2>&1); rc=$?
                case "$rc:$out" in
                125:"oslbox: ${d%% *}"*"drop the directive, or use --isolation namespaces"*) ok "$d under the seam refuses, naming it and the remedy (as $who)";;
                125:"oslbox: "*"${d#--}"*"--isolation namespaces"*) ok "$d under the seam refuses, naming it and the remedy (as $who)";;
                *) not_ok "$d under the seam refuses, naming it and the remedy (as $who)"; diag "$rc: $out";;
                esac
        done
        is "$(as "$who" "$OSLBOX" run --hostname box -- uname -n)" box "... twin: --hostname without the seam runs (as $who)"
        mkdir -p "$wd/sub"
        out=$(L "$who" --ro "$wd/sub" -- true 2>&1); rc=$?
        case "$rc:$out" in
        "125:oslbox: ro $wd/sub: the landlock isolation mode cannot make a path inside the writable $wd read-only"*"drop the directive, or use --isolation namespaces"*)
                ok "--ro of a path inside the working directory under the seam refuses, naming it and the remedy (as $who)";;
        *) not_ok "--ro of a path inside the working directory under the seam refuses, naming it and the remedy (as $who)"; diag "$rc: $out";;
        esac
        is "$(as "$who" "$OSLBOX" run --ro "$wd/sub" -- ./probe create sub/f)" EROFS "... twin: without the seam it runs, and holds (as $who)"
        mkdir -p "$wd/repo/.git"
        out=$(as "$who" sh -c 'cd repo && exec "$@"' sh "$NONS" "$OSLBOX" run -- true 2>&1); rc=$?
        case "$rc:$out" in
        "125:oslbox: protect-git: the landlock isolation mode cannot keep $wd/repo/.git/config and hooks read-only"*"--no-protect-git"*)
                ok "in a git work tree under the seam, protect-git refuses, naming --no-protect-git (as $who)";;
        *) not_ok "in a git work tree under the seam, protect-git refuses, naming --no-protect-git (as $who)"; diag "$rc: $out";;
        esac
        is "$(as "$who" sh -c 'cd repo && exec "$@"' sh "$NONS" "$OSLBOX" run --no-protect-git -- echo ran)" ran \
                "... twin: with --no-protect-git it runs (as $who)"
        rm -rf "$wd/repo" "$wd/sub"

        # --- the filesystem -------------------------------------------------------------
        if can_plant "$TEST_USER" && [ "$who" = root ]; then
                secret=$(plant_secret "$TEST_USER" .oslbox-iso/secret 644)
                is "$(cat "$secret" | wc -l)" 1 "another user's home: a world-readable secret, readable on the host (as $who)"
                is "$(L "$who" -- ./probe open "$secret")" EACCES "... inside: EACCES (as $who)"
                is "$(L "$who" --ro "$(dirname "$secret")" -- ./probe open "$secret")" OK "... twin: with --ro DIR, OK (as $who)"
                secret=$(plant_secret root .oslbox-iso/secret)
                is "$(L "$who" -- ./probe open "$secret")" EACCES "a secret in /root: EACCES inside (as $who)"
                is "$(L "$who" --ro "$(dirname "$secret")" -- ./probe open "$secret")" OK "... twin: with --ro DIR, OK (as $who)"
        fi
        secret=$(plant_secret "$who" .ssh/oslbox-iso)
        out=$(L "$who" -- sh -c "cat '$secret'; ./probe open '$secret'" 2>/dev/null)
        is "$out" EACCES "the caller's own ~/.ssh: unreadable inside (as $who)"
        is "$(L "$who" --ro "$(dirname "$secret")" -- ./probe open "$secret")" OK "... twin: with --ro DIR, OK (as $who)"

        u=/usr/local/oslbox-iso-$$-$who
        if [ "$(id -u)" -eq 0 ]; then
                mkdir -p "$u" && chown "$who:" "$u"
                at_exit "rm -rf '$u'"
                is "$(L "$who" -- ./probe create "$u/f")" EACCES "/usr: not writable inside, though the caller may write there (as $who)"
                check "... nothing appeared on the host (as $who)" test ! -e "$u/f"
                is "$(L "$who" --rw "$u" -- ./probe create "$u/f")" OK "... twin: with --rw DIR, OK (as $who)"
        fi
        is "$(L "$who" -- ./probe create /usr/oslbox-iso-$$)" EACCES "creating a file in /usr: EACCES (as $who)"
        rm -f "$wd/made"
        is "$(L "$who" -- ./probe create "$wd/made")" OK "the working directory is writable (as $who)"
        check "... and the file is on the host (as $who)" test -f "$wd/made"
        # No Landlock right covers xattrs: an ACL on a read-only file would be a chmod.
        rodir=$T/ro-xattr-$who; mkdir -p "$rodir"; echo x > "$rodir/f"; chown -R "$who:" "$rodir"
        if [ "$(as "$who" ./probe setxattr "$rodir/f")" = OK ]; then
                is "$(L "$who" --ro "$rodir" -- ./probe setxattr "$rodir/f")" EOPNOTSUPP \
                        "setting an xattr of a file of the caller's in a --ro path: EOPNOTSUPP (as $who)"
                is "$(L "$who" --ro "$rodir" --allow-syscall setxattr -- ./probe setxattr "$rodir/f")" OK \
                        "... twin: --allow-syscall setxattr lets it through (as $who)"
        else
                skip "the file system of $T has no user xattrs"
        fi
        is "$(L "$who" -- sh -c 'ls /usr/bin/sh /etc/passwd >/dev/null && echo read')" read \
                "the system directories are readable (as $who)"

        # The host's /tmp (beyond the working directory) is not the sandbox's.
        hostdir=$(mktemp -d /tmp/oslbox-iso-host.XXXXXX)
        chmod 755 "$hostdir"; chown "$who:" "$hostdir"
        at_exit "rm -rf '$hostdir'"
        echo tmpsecret > "$hostdir/f"; chmod 644 "$hostdir/f"
        is "$(L "$who" -- ./probe open "$hostdir/f")" EACCES "a world-readable file in the host's /tmp: EACCES inside (as $who)"
        is "$(L "$who" --ro "$hostdir" -- ./probe open "$hostdir/f")" OK "... twin: with --ro DIR, OK (as $who)"
        is "$(L "$who" -- ./probe create /tmp/oslbox-iso-$$-$who)" EACCES "a literal /tmp path: EACCES, as oslbox(1) says (as $who)"

        # HOME and TMPDIR: private, empty, 0700, the caller's; gone afterwards.
        rm -f "$wd/home.txt" "$wd/go"
        L "$who" -- sh -c 'echo "$HOME $TMPDIR" > home.txt
                stat -c "%a %U" "$HOME" "$TMPDIR" >> home.txt; ls -A "$HOME" "$TMPDIR" | grep -v : | grep . >> home.txt
                echo x > "$HOME/f" && echo x > "$TMPDIR/f" && echo writable >> home.txt
                while [ ! -e go ]; do sleep 0.01; done' &
        bgrun=$!
        for i in $(seq 60); do [ "$(cat "$wd/home.txt" 2>/dev/null | wc -l)" -ge 4 ] && break; sleep 0.05; done
        h= tmp=
        read -r h tmp < "$wd/home.txt" 2>/dev/null
        is "$(sed 1d "$wd/home.txt" | tr '\n' ' ')" "700 $who 700 $who writable " \
                "HOME and TMPDIR: 0700, the caller's, empty, writable (as $who)"
        check "... HOME ($h) is not the caller's home, TMPDIR is not /tmp (as $who)" \
                test "$h" != "$(home_of "$who")" -a "$tmp" != /tmp -a -n "$tmp"
        check "... while the command runs, they exist on the host (as $who)" test -f "$h/f" -a -f "$tmp/f"
        touch "$wd/go"
        wait "$bgrun"
        check "... and are gone after the run (as $who)" test ! -e "$h" -a ! -e "$tmp" -a ! -e "$(dirname "$h")"

        # --- /dev: no other terminal ------------------------------------------------------
        (_close_locks; exec_as "$who" script -qfc "exec $SLEEP 100" /dev/null < /dev/null > /dev/null 2>&1) &
        host_bg
        pts=
        for i in $(seq 60); do
                pts=$(ps -o tty= --ppid "$!" 2>/dev/null | tr -d ' ')
                case "$pts" in pts/*) break;; esac
                sleep 0.05
        done
        if [ -n "$pts" ]; then
                is "$(as "$who" ./probe open "/dev/$pts")" OK "another terminal of the caller (/dev/$pts, from script): opens on the host (as $who)"
                is "$(L "$who" -- ./probe open "/dev/$pts")" EACCES "... inside: EACCES (as $who)"
        else
                not_ok "script made a terminal for the caller (as $who)"
        fi
        is "$(L "$who" -- sh -c 'for d in null zero full random urandom kmsg shm; do ./probe open /dev/$d; done' | tr '\n' ' ')" \
                "OK OK OK OK OK EACCES EACCES " "/dev: null, zero, full, random, urandom open; kmsg, shm do not (as $who)"
        is "$(L "$who" --ro /dev/shm -- ./probe open /dev/shm)" OK "... twin: with --ro /dev/shm it opens (as $who)"
        is "$(L "$who" -- ./probe open /dev/ptmx)" EACCES "/dev/ptmx: EACCES inside (as $who)"
        is "$(L "$who" -- ./probe open /dev/null)" OK "... twin: /dev/null opens (as $who)"

        # --- /proc: host processes' environ, maps, fds ------------------------------------
        envsecret=oslbox-env-$RANDOM$RANDOM
        (_close_locks; exec_as "$who" env "OSLBOX_ISO_SECRET=$envsecret" "$SLEEP" 100) &
        host_bg
        hp=$!
        for i in $(seq 60); do grep -q "$envsecret" "/proc/$hp/environ" 2>/dev/null && break; sleep 0.05; done
        out=$(as "$who" sh -c "tr '\\0' '\\n' < /proc/$hp/environ" | grep -c "$envsecret")
        is "$out" 1 "a host process of the caller's holds a secret in its environ, readable on the host (as $who)"
        out=$(L "$who" -- sh -c "cat /proc/$hp/environ /proc/$hp/maps; readlink /proc/$hp/fd/* /proc/$hp/cwd" 2>/dev/null |
                grep -c "$envsecret\\|sleep\\|/")
        is "$out" 0 "... inside, its environ, maps, fd and cwd links reveal nothing (as $who)"
        out=$(L "$who" -- sh -c "for f in environ mem maps fd/1 root/etc/passwd; do ./probe open /proc/$hp/\$f; done" | tr '\n' ' ')
        is "$out" "EACCES EACCES EACCES EACCES EACCES " "... opening its environ, mem, maps, fd/1, root/: EACCES (as $who)"
        is "$(L "$who" -- ./probe open /proc/self/environ)" OK "... twin: the command's own environ opens (as $who)"
        check "... but the host process is visible in /proc, as oslbox(1) says (as $who)" \
                L "$who" -- test -d "/proc/$hp"

        # --- signals --------------------------------------------------------------------
        is "$(as "$who" ./probe kill "$hp")" OK "kill() of that host process: OK on the host (as $who)"
        is "$(L "$who" -- ./probe kill "$hp")" EPERM "... inside: EPERM (as $who)"
        is "$(L "$who" -- sh -c "$SLEEP 5 & ./probe kill \$!; kill \$!")" OK "... twin: the command's own child: OK (as $who)"
        is "$(L "$who" -- ./probe ptrace "$hp")" EPERM "ptrace of the host process: EPERM (as $who)"
        out=$(L "$who" -- sh -c 'echo "$(cat /proc/$PPID/comm) $(./probe kill $PPID)"')
        is "$out" "oslbox EPERM" "the sandbox's init (the command's parent, outside its Landlock domain): kill() fails, EPERM (as $who)"

        # --- SysV IPC -------------------------------------------------------------------
        id=$(as "$who" ipcmk -M 4096 -p 0600 | sed -n 's/^Shared memory id: //p')
        if [ -n "$id" ]; then
                at_exit "ipcrm -m $id"
                key=$(ipcs -m | awk -v id="$id" '$2 == id { print $1 }')
                is "$(as "$who" ./probe shmget "$key"):$(as "$who" ./probe shmat "$id")" OK:OK \
                        "a host SysV shared memory segment of the caller's: reachable on the host by key and id (as $who)"
                is "$(L "$who" -- ./probe shmget "$key"):$(L "$who" -- ./probe shmat "$id")" EPERM:EPERM \
                        "... inside: EPERM by key and by id (as $who)"
                is "$(L "$who" --allow-syscall shmat -- ./probe shmat "$id")" OK \
                        "... twin: with --allow-syscall shmat it attaches (as $who)"
        else
                not_ok "ipcmk made a segment (as $who)"
        fi

        # --- TCP and UDP ----------------------------------------------------------------
        is "$(L "$who" -- ./probe tcp 9):$(L "$who" -- ./probe socket inet):$(L "$who" -- ./probe socket inet6)" EPERM:EPERM:EPERM \
                "no TCP, UDP or IPv6 socket inside (as $who)"
        is "$(L "$who" --net host -- ./probe tcp 9):$(L "$who" --net host -- ./probe socket inet)" ECONNREFUSED:OK \
                "... twin: with --net host a TCP connect reaches the host's stack, a UDP socket is made (as $who)"

        # --- pathname unix sockets --------------------------------------------------------
        sd=/run/oslbox-iso-$$-$who
        if [ "$(id -u)" -eq 0 ]; then
                install -d -o "$who" -m 755 "$sd"
                at_exit "rm -rf '$sd'"
        else
                sd=$hostdir/run-$who; mkdir -p "$sd"
        fi
        hostsock=$hostdir/tmp-$who.sock
        for s in "$sd/s" "$hostsock" "$wd/s"; do
                rm -f "$s" "$s.out"
                (_close_locks; exec_as "$who" "$PROBE" listen "$s" > "$s.out") &
                host_bg
                wait_file "$s.out"
        done
        is "$(as "$who" ./probe connect "$sd/s"):$(as "$who" ./probe connect "$hostsock")" OK:OK \
                "host unix sockets in $sd and in the host's /tmp: reachable on the host (as $who)"
        is "$(L "$who" -- ./probe connect "$sd/s")" EACCES "... inside, the one outside the view: EACCES (as $who)"
        is "$(L "$who" -- ./probe connect "$hostsock")" EACCES "... the one in the host's /tmp: EACCES (as $who)"
        is "$(L "$who" --ro "$sd" -- ./probe connect "$sd/s")" OK "... twin: with --ro DIR, OK (as $who)"
        is "$(L "$who" -- ./probe connect "$wd/s")" OK "a host listener in the working directory: reachable inside (as $who)"
        is "$(L "$who" -- sh -c './probe listen own.sock > own.out & while [ ! -s own.out ]; do sleep 0.01; done
                ./probe connect own.sock; kill $!; rm -f own.sock own.out')" OK \
                "a socket the command makes in its working directory: reachable (as $who)"
        is "$(L "$who" --net host -- ./probe socket unix)" EPERM \
                "--net host: no unix sockets at all, as oslbox(1) says (init would have to let a connect through) (as $who)"

        # --- nothing outlives the run ---------------------------------------------------
        _n=$((_n + 1)); m=$RUN_ID-$_n
        ln -s "$SLEEP" "$wd/$m"
        rm -f "$wd/ready"
        L "$who" -- sh -c "(setsid sh -c 'echo > ready; exec ./$m 100' &)
                while [ ! -e ready ]; do sleep 0.01; done; exit 5" >/dev/null 2>&1
        rc=$?
        is "$rc" 5 "a command that leaves a setsid, double-forked daemon: its status (as $who)"
        check "... the daemon had started (as $who)" test -e "$wd/ready"
        if l=$(pgrep -a -f -- "$m"); then not_ok "... and is gone when oslbox returns (as $who)"; diag "left: $l"
        else ok "... and is gone when oslbox returns (as $who)"; fi

        _n=$((_n + 1)); m=$RUN_ID-$_n
        ln -s "$SLEEP" "$wd/$m"
        rm -f "$wd/oslbox.pid"
        as "$who" sh -c 'echo $$ > oslbox.pid; exec "$@"' sh "$NONS" "$OSLBOX" run -- \
                sh -c "(setsid ./$m 100 &); exec ./$m 100" > /dev/null 2>&1 &
        bgrun=$!
        for i in $(seq 60); do [ "$(pgrep -c -x -f -- "./$m 100")" -ge 2 ] && break; sleep 0.05; done
        is "$(pgrep -c -x -f -- "./$m 100")" 2 "SIGKILL of oslbox: the command and its setsid daemon run (as $who)"
        kill -KILL "$(cat "$wd/oslbox.pid")" 2>/dev/null
        wait "$bgrun"
        end=$(($(now_ms) + 1000))
        while pgrep -f -- "$m" >/dev/null && [ "$(now_ms)" -lt "$end" ]; do sleep 0.05; done
        if l=$(pgrep -a -f -- "$m"); then not_ok "... within 1 s of SIGKILL nothing of the sandbox is left (as $who)"; diag "left: $l"
        else ok "... within 1 s of SIGKILL nothing of the sandbox is left (as $who)"; fi
        host_done
done

done_testing
