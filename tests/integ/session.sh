#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Named sandboxes: run --name/--detach, attach and detach through a real
# terminal (scrollback, input, the detach keys, resize, several clients,
# the terminal restored), logs, ps, stop, wait, rm, exec (confined as the
# first command, widening nothing), and the per-user state (another user,
# root included, can do none of it, nor can a sandbox that sees the state).
. "$OSLBOX_SRCDIR/tests/integ/lib.sh"

install -m 755 "$OSLBOX_SRCDIR/tests/helpers/term.py" "$T/bin/term.py"

# Each user's state in a directory of its own under $T, not its real one.
xdg_of() { echo "$T/xdg-$1"; }
for who in $USERS; do
        install -d -m 700 -o "$who" -g "$(id -gn "$who")" "$(xdg_of "$who")"
done
# ob WHO ARGS...: oslbox ARGS as WHO, with WHO's state directory: as
# `as` does it, with what it looks up looked up once (this test runs
# oslbox some hundred times).
declare -A home_of_user
for who in $USERS; do
        home_of_user[$who]=$(home_of "$who")
        as "$who" true          # makes the working directory
done
me=$(id -un)
ob() {
        local who=$1; shift
        local run=(env -i PATH=/usr/local/bin:/usr/bin:/bin HOME="${home_of_user[$who]}" USER="$who" LANG=C.UTF-8
                   XDG_RUNTIME_DIR="$(xdg_of "$who")" ${EXTRA_ENV:-} "$OSLBOX" "$@")
        if [ "$who" = "$me" ]; then
                (_close_locks; cd "$(workdir "$who")" && exec "${run[@]}")
        else
                (_close_locks; cd "$(workdir "$who")" && exec setpriv --reuid="$who" --regid="$who" --init-groups "${run[@]}")
        fi
}
# term WHO [TERM.PY ARGS...] -- oslbox ARGS...: on a new terminal (see
# tests/helpers/term.py); its output without carriage returns.
term() {
        local who=$1; shift
        EXTRA_ENV="XDG_RUNTIME_DIR=$(xdg_of "$who")" as "$who" python3 "$T/bin/term.py" --deadline 8 "$@" | tr -d '\r'
        return "${PIPESTATUS[0]}"
}
# field WHO NAME KEY: KEY of NAME in the table of ps (state, exit_code,
# supervisor_pid or clients).
field() {
        ob "$1" ps | awk -v name="$2" -v key="$3" 'BEGIN { col["state"] = 2; col["exit_code"] = 3
                                                            col["supervisor_pid"] = 4; col["clients"] = 5 }
                                                    $1 == name { print $col[key] }'
}
# gone PATTERN: no process whose command line matches PATTERN is left
# (within 2 s: SIGKILL and the reaping take a moment).
gone() {
        local i
        for i in $(seq 40); do
                pgrep -f "$1" >/dev/null || return 0
                sleep 0.05
        done
        return 1
}
# same_state FILE DESCRIPTION: term.py --state FILE shows the terminal as it was.
same_state() {
        local f; f="$(workdir "$who")/$1"
        if [ -s "$f" ] && [ "$(sed -n 1p "$f")" = "$(sed -n 2p "$f")" ]; then ok "$2"
        else not_ok "$2"; diag "before: $(sed -n 1p "$f" 2>/dev/null)" "after:  $(sed -n 2p "$f" 2>/dev/null)"; fi
}

# raw: python3 -c "$raw" SOCKET: what the supervisor at SOCKET answers a
# REQ_INFO (where oslbox itself would refuse before asking): "TYPE first line".
raw='
import socket, struct, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
try:
    s.connect(sys.argv[1])
except OSError as e:
    print("connect:", e.strerror); sys.exit()
s.send(struct.pack("IIII", 1, 0, 0, 0))
for tries in range(2):
    try:
        m = s.recv(70000); break
    except ConnectionResetError:
        m = b""
print(struct.unpack("I", m[:4])[0] if m else "none", m[16:].decode().split("\n")[0])'
for who in $USERS; do
        mark="oslbox-session-$$-$who"
        # exec makes a command lose a "# marker": sleep's own argument marks it.
        n=$RANDOM$$$(id -u "$who")

        # --- names -----------------------------------------------------------------
        bad=""
        for name in "" .hidden -dash a/b "a b" "$(printf 'a%.0s' $(seq 65))" "é" 'a$b'; do
                out=$(ob "$who" run --name "$name" --detach -- true 2>&1); rc=$?
                [ "$rc" = 125 ] && [[ $out == *"invalid sandbox name"* ]] || bad="$bad [$name]:$rc"
        done
        is "$bad" "" "bad names (empty, .x, -x, a/b, 'a b', 65 characters, é, a\$b): 125, invalid sandbox name (as $who)"
        name=$(printf 'A%.0s' $(seq 60)).b-_
        is "$(ob "$who" run --name "$name" -- echo ok 2>&1; echo "rc $?")" "ok
rc 0" "... twin: a 64-character name of every allowed kind runs (as $who)"
        ob "$who" rm "$name"
        # An idle supervisor gives back the code pages it ran with (after
        # a second without events): its resident set falls.
        ob "$who" run --name "mem$n" --detach -- sh -c 'seq 20000; exec sleep 60'
        for _ in $(seq 50); do [ "$(ob "$who" logs "mem$n" | wc -l)" -ge 20000 ] && break; sleep 0.1; done
        sp=$(field "$who" "mem$n" supervisor_pid)
        busy=$(awk '/^VmRSS:/ { print $2 }' "/proc/$sp/status")
        sleep 2.5
        idle=$(awk '/^VmRSS:/ { print $2 }' "/proc/$sp/status")
        if [ -n "$busy" ] && [ -n "$idle" ] && [ "$idle" -le $((busy - 256)) ]
        then ok "an idle supervisor gives back pages: $busy kB after a request, $idle kB idle (as $who)"
        else not_ok "the idle supervisor kept its pages: $busy kB -> $idle kB (as $who)"; fi
        is "$(ob "$who" logs "mem$n" | tail -1)" 20000 "... and still answers, its scrollback whole (as $who)"
        ob "$who" rm --force "mem$n" >/dev/null
        out=$(ob "$who" run --name dk --detach-keys ctrl-1 -- true 2>&1)
        is "$?:$out" "125:oslbox: --detach-keys ctrl-1: invalid detach keys 'ctrl-1': key 'ctrl-1' is not a character, ctrl-X or DEL (use e.g. ctrl-], ctrl-p,ctrl-q or a single character)" \
                "--detach-keys ctrl-1: 125 naming it (as $who)"
        is "$(ob "$who" run --detach -- true 2>&1; echo "rc $?")" "oslbox: --detach needs --name: an unnamed sandbox could not be found again
rc 125" "--detach without --name: 125 (as $who)"

        # --- detach, attach, scrollback, input, resize, the end --------------------------
        # A trap interrupts read: its status is not the end of the input.
        prog='echo TOKEN-before; trap "stty size" WINCH; while :; do read -r l || continue; echo "got <$l>"; [ "$l" = quit ] && exit 7; done'
        ob "$who" run --name s1 --detach --pty -- sh -c "$prog # $mark"
        is "$?" 0 "run --name s1 --detach --pty: 0 at once (as $who)"
        is "$(ob "$who" run --name s1 --detach -- true 2>&1; echo "rc $?")" \
                "oslbox: s1 is already running (oslbox attach s1, or oslbox stop s1)
rc 125" "... a second start under the name: 125, already running (as $who)"
        out=$(term "$who" --size 30x100 --state st1 expect:TOKEN-before 'send:hello\n' 'expect:got <hello>' \
                resize:40x120 'expect:40 120' 'send:\x1d' -- "$OSLBOX" attach s1)
        rc=$?
        case "$out" in
        *TOKEN-before*) ok "attach: the token printed before any attach comes first, from the scrollback (as $who)";;
        *) not_ok "attach: the token printed before any attach comes first (as $who)"; diag "rc=$rc: $out";;
        esac
        case "$out" in *"got <hello>"*) ok "... typed input reaches the command (as $who)";;
        *) not_ok "... typed input reaches the command (as $who)";; esac
        case "$out" in *"40 120"*) ok "... a resize reaches it as SIGWINCH with the new size, 40 120 (as $who)";;
        *) not_ok "... a resize reaches it as SIGWINCH with the new size (as $who)";; esac
        is "$rc" 0 "... the detach key ctrl-] ends attach with status 0 (as $who)"
        same_state st1 "... and the terminal is as before: termios, size, exclusive mode (as $who)"
        is "$(field "$who" s1 state)" running "... ps says s1 is still running (as $who)"
        if pgrep -f "$mark" >/dev/null; then ok "... its process exists (as $who)"
        else not_ok "... its process exists (as $who)"; fi

        # Two at once: both see the output, both may type; ps counts them.
        term "$who" expect:TOKEN-before 'send:from-a\n' 'expect:got <from-b>' 'send:\x1d' -- "$OSLBOX" attach s1 \
                > "$T/a.out" &
        apid=$!
        for i in $(seq 40); do [ "$(field "$who" s1 clients)" = 1 ] && break; sleep 0.05; done
        is "$(field "$who" s1 clients)" 1 "ps: clients is 1 with one attached (as $who)"
        json=$(ob "$who" ps --json | PATH=/usr/local/bin:/usr/bin:/bin python3 -c 'import json, sys
for s in json.load(sys.stdin):
    if s["name"] == "s1":
        print(sorted(s), s["state"], s["exit_code"], s["clients"], s["command"][:2], s["started"][10], s["started"][-1])')
        is "$json" "['clients', 'command', 'exit_code', 'name', 'started', 'state', 'supervisor_pid'] running None 1 ['sh', '-c'] T Z" \
                "ps --json: exactly the keys, exit_code null while running, command an array, started RFC 3339 (as $who)"
        out=$(term "$who" 'expect:got <from-a>' 'send:from-b\n' 'expect:got <from-b>' 'send:\x1d' -- "$OSLBOX" attach s1)
        rc=$?
        wait "$apid"; arc=$?
        case "$rc:$arc:$(cat "$T/a.out")" in
        "0:0:"*"got <from-a>"*"got <from-b>"*) ok "two attached at once: each sees what the other typed (as $who)";;
        *) not_ok "two attached at once: each sees what the other typed (as $who)"; diag "rc=$rc arc=$arc: $out" "a: $(cat "$T/a.out")";;
        esac

        out=$(term "$who" --state st2 'expect:got <from-b>' 'send:quit\n' -- "$OSLBOX" attach s1)
        rc=$?
        is "$rc" 7 "another attach sees the scrollback; exit 7 ends attach with status 7 (as $who)"
        same_state st2 "... and the terminal is as before after the end (as $who)"
        is "$(field "$who" s1 state):$(field "$who" s1 exit_code)" exited:7 "... ps: exited, exit_code 7 (as $who)"
        is "$(ob "$who" logs s1 | tr -d '\r' | grep -c -e TOKEN-before -e 'got <quit>')" 2 \
                "logs after the end: the first and the last line (as $who)"
        is "$(ob "$who" wait s1; echo "rc $?")" "rc 7" "wait after the end: 7 at once (as $who)"
        is "$(ob "$who" attach s1 2>&1; echo "rc $?")" "oslbox: s1 has ended (exit status 7): nothing to attach to (oslbox logs s1)
rc 125" "attach to an ended sandbox: 125 (as $who)"

        # The run itself attached: the detach key and a hang-up leave it running.
        out=$(term "$who" --state st3 expect:READY 'send:\x10' 'send:x\n' 'expect:x>' 'send:\x10\x11' -- \
                "$OSLBOX" run --name s2 --pty --detach-keys ctrl-p,ctrl-q -- sh -c \
                "echo READY; while read -r l; do echo \"got <\$l>\"; done # $mark")
        is "$?:$(field "$who" s2 state)" 0:running \
                "run --name --pty --detach-keys ctrl-p,ctrl-q: ctrl-p then x is input; ctrl-p,ctrl-q detaches, 0, still running (as $who)"
        same_state st3 "... and the terminal is as before (as $who)"
        term "$who" expect:READY hangup -- "$OSLBOX" run --name s3 --pty -- sh -c "echo READY; exec sleep 4$n" >/dev/null
        is "$(field "$who" s3 state)" running "... a hang-up of the terminal detaches a named run: still running (as $who)"
        if pgrep -f "^sleep 4$n\$" >/dev/null; then ok "... its process exists (as $who)"
        else not_ok "... its process exists (as $who)"; fi
        term "$who" expect:READY hangup -- "$OSLBOX" run --pty -- sh -c "echo READY; exec sleep 3$n" >/dev/null
        if gone "^sleep 3$n\$"; then ok "... twin: an unnamed run is torn down by it (as $who)"
        else not_ok "... twin: an unnamed run is torn down by it (as $who)"; fi

        # --- without a PTY: read-only attach, logs, --follow --------------------------------
        ob "$who" run --name np --detach -- sh -c "echo out-1; echo err-1 >&2; read x; echo \"read <\$x>\"; exec sleep 100 # $mark"
        out=$(term "$who" expect:out-1 'send:typed\n' sleep:0.2 'send:\x1d' -- "$OSLBOX" attach np)
        rc=$?
        case "$rc:$out" in
        0:*out-1*err-1*) ok "attach without --pty: stdout and stderr shown, detach key: 0 (as $who)";;
        *) not_ok "attach without --pty: stdout and stderr shown, detach key: 0 (as $who)"; diag "rc=$rc: $out";;
        esac
        case "$out" in *"read <typed>"*) not_ok "... read-only: what is typed does not reach it (as $who)";;
        *) ok "... read-only: what is typed does not reach it (stdin is /dev/null) (as $who)";; esac
        is "$(ob "$who" logs np 2>/dev/null):$(ob "$who" logs np 2>&1 >/dev/null)" "out-1
read <>:err-1" "logs: stdout to stdout, stderr to stderr (as $who)"
        out=$(ob "$who" run --name fo --detach -- sh -c 'echo a; sleep 0.3; echo b'; ob "$who" logs --follow fo; echo "rc $?")
        is "$out" "a
b
rc 0" "logs --follow: what came, then live until the end (as $who)"

        # --- exec ----------------------------------------------------------------------------
        # fp: what confines the command that runs it, one line each: its
        # capabilities, no_new_privs, seccomp, namespaces, network
        # interfaces, and whether the host secret can be read.
        secret=$(plant_secret "$who" ".ssh/oslbox-session-$$")
        fp="grep -E '^(Cap(Inh|Prm|Eff|Bnd|Amb)|NoNewPrivs|Seccomp(_filters)?):' /proc/self/status
for ns in cgroup ipc mnt net pid user uts; do echo \$ns \$(readlink /proc/self/ns/\$ns); done
echo net: \$(awk -F: 'NR > 2 { printf \"%s \", \$1 }' /proc/net/dev)
cat '$secret' >/dev/null 2>&1 && echo secret: readable || echo secret: unreadable"
        ob "$who" run --name ex --detach -- sh -c "{ $fp; } > /tmp/fp; echo in-home > \$HOME/f; echo in-tmp > /tmp/f
                echo \$\$ > /tmp/pid; exec sleep 5$n"
        for i in $(seq 40); do ob "$who" exec ex -- test -s /tmp/pid 2>/dev/null && break; sleep 0.05; done
        is "$(ob "$who" exec ex -- sh -c 'cat "$HOME/f" /tmp/f' 2>&1; echo "rc $?")" "in-home
in-tmp
rc 0" "exec: sees the files the first command wrote in the private \$HOME and /tmp, 0 (as $who)"
        out=$(ob "$who" exec ex -- ps -eo pid=,args= 2>&1)
        case "$out" in *"sleep 5$n"*) ok "exec: ps in it lists the first command (as $who)";;
        *) not_ok "exec: ps in it lists the first command (as $who)"; diag "$out";; esac
        first=$(ob "$who" exec ex -- cat /tmp/fp)
        out=$(ob "$who" exec ex -- sh -c "$fp" 2>&1)
        is "$out" "$first" "exec: confined exactly as the first command: capabilities, no_new_privs, seccomp, namespaces, network, the secret (as $who)"
        # The same, and the values that make it confinement, not just equal.
        want="CapEff:	0000000000000000
NoNewPrivs:	1
Seccomp:	2
net: lo
secret: unreadable"
        is "$(printf '%s\n' "$out" | grep -E '^(CapEff|NoNewPrivs|Seccomp|net|secret):')" "$want" \
                "... no capability, no_new_privs, seccomp filtering, no network but lo, host secret unreadable (as $who)"
        is "$(ob "$who" exec ex -- sh -c 'exit 7'; echo "rc $?")" "rc 7" "exec: exit 7 is 7 (as $who)"
        is "$(ob "$who" exec ex -- no-such-command-$$ 2>&1; echo "rc $?")" \
                "oslbox: cannot execute no-such-command-$$: No such file or directory
rc 127" "exec: a missing command is 127 (as $who)"
        is "$(echo typed | EXTRA_ENV="OSB_T=host" ob "$who" exec ex --cwd /tmp --env OSB_E=set -- \
                sh -c 'read -r l; echo "$l $PWD ${OSB_E:-} ${OSB_T:-none}"')" "typed /tmp set none" \
                "exec: the caller's stdin, --cwd, --env; the caller's environment through the allowlist (as $who)"
        out=$({ ob "$who" exec ex --pty -- sh -c 'test -t 0 && test -t 1 && echo on-a-tty; exit 5' </dev/null
                echo ":$?"; } | tr -d '\r')
        is "$out" "on-a-tty
:5" "exec --pty: a terminal, its status (as $who)"
        out=$(term "$who" --size 30x90 --state st4 expect:ready 'send:typed\n' 'expect:got <typed>' -- \
                "$OSLBOX" exec ex --pty -- sh -c 'echo ready; stty size; read -r l; echo "got <$l>"; exit 4')
        rc=$?
        case "$rc:$out" in
        4:*"30 90"*"got <typed>"*) ok "exec --pty at a terminal: its size, typed input, its status 4 (as $who)";;
        *) not_ok "exec --pty at a terminal: its size, typed input, its status 4 (as $who)"; diag "rc=$rc: $out";;
        esac
        same_state st4 "... and the terminal is as before (as $who)"
        # The client's signals reach its command; the client's end is its end.
        ob "$who" exec ex -- sleep 6$n 2>/dev/null &
        bg=$!
        for i in $(seq 40); do pgrep -fx "sleep 6$n" >/dev/null && break; sleep 0.05; done
        kill -INT "$(pgrep -f "oslbox exec ex -- sleep 6$n")"
        wait "$bg"
        is "$?" 130 "exec: SIGINT to oslbox exec reaches its command: 130 (as $who)"
        ob "$who" exec ex -- sleep 7$n 2>/dev/null &
        bg=$!
        for i in $(seq 40); do pgrep -fx "sleep 7$n" >/dev/null && break; sleep 0.05; done
        kill -KILL "$(pgrep -f "oslbox exec ex -- sleep 7$n")"
        wait "$bg" 2>/dev/null
        if gone "^sleep 7$n\$"; then ok "... SIGKILL of oslbox exec: its command is killed too (as $who)"
        else not_ok "... SIGKILL of oslbox exec: its command is killed too (as $who)"; fi
        ob "$who" exec ex --timeout 300ms -- sleep 100
        rc=$?
        is "$rc:$(field "$who" ex state)" 124:running "exec --timeout 300ms: 124, the sandbox runs on (as $who)"
        # Each option of run: refused, by name; the widening ones say so
        # (one shell for the lot: this is some 40 runs of oslbox).
        bad=$(as "$who" env XDG_RUNTIME_DIR="$(xdg_of "$who")" sh -c '
                for o in $("$0" help run | sed -n "s/^  --\([a-z-]*\).*/\1/p"); do
                        case $o in pty|no-pty|cwd|env|timeout) continue;; esac
                        out=$("$0" exec ex "--$o=x" -- true 2>&1)
                        rc=$?
                        case "$rc:$out" in "125:oslbox: exec: --$o "*) ;; *) printf " [%s]:%s:%s" "$o" "$rc" "$out";; esac
                done' "$OSLBOX")
        is "$bad" "" "exec: every option of run but its own refused, 125 naming it (as $who)"
        bad=$(as "$who" sh -c '
                for o in rw ro net allow-syscall policy keep-env keep-alive; do
                        out=$("$0" exec ex "--$o" x -- true 2>&1)
                        case "$out" in "oslbox: exec: --$o would widen the sandbox"*) ;; *) printf " [%s]:%s" "$o" "$out";; esac
                done' "$OSLBOX")
        is "$bad" "" "... --rw, --ro, --net, --allow-syscall, --policy, --keep-env, ...: 'would widen the sandbox' (as $who)"
        # The twin: a sandbox made wider when it starts, and exec is as wide.
        ob "$who" run --name wide --detach --keep-alive --net host --ro "$secret" --keep-env OSB_T
        out=$(EXTRA_ENV="OSB_T=host" ob "$who" exec wide -- sh -c "$fp; echo env: \$OSB_T" 2>&1)
        case "$out" in
        *"secret: readable"*"env: host"*) ok "... twin: started with --ro SECRET --keep-env, exec reads it and gets the variable (as $who)";;
        *) not_ok "... twin: started with --ro SECRET --keep-env (as $who)"; diag "$out";;
        esac
        is "$(printf '%s\n' "$out" | grep '^net ')" "net $(readlink /proc/self/ns/net)" \
                "... and with --net host, the host's network namespace (as $who)"
        # A sandbox that sees the state directory (--rw of it) cannot reach
        # the wider one through its supervisor: its connection comes from
        # another user namespace. (Its view hides the state of the user's
        # own $XDG_RUNTIME_DIR, below; these start it with another one,
        # where the state is not looked for, to check the supervisor.)
        other="XDG_RUNTIME_DIR=$T/nowhere"
        out=$(EXTRA_ENV=$other ob "$who" run --rw "$(xdg_of "$who")" -- python3 -c "$raw" "$(xdg_of "$who")/oslbox/wide/sock" 2>&1)
        is "$out" "107 wide answers only processes outside every sandbox: this connection comes from other namespaces (a sandbox's)" \
                "a sandbox that sees the state directory connecting to a wider one's supervisor: refused, with why (as $who)"
        out=$(EXTRA_ENV=$other ob "$who" run --rw "$(xdg_of "$who")" --ro "$T/bin" -- \
                env XDG_RUNTIME_DIR="$(xdg_of "$who")" "$OSLBOX" exec wide -- cat "$secret" 2>&1)
        is "$?:$out" "125:oslbox: the socket of wide is served from other namespaces than ours (a sandbox's, or we run in one): refusing it" \
                "... and its oslbox exec: 125, the secret not read (as $who)"
        # Nor can it serve a socket of its own in a sandbox's place, to be
        # handed our stdio: the client checks the server the same way.
        fake='
import array, os, socket, sys
d = sys.argv[1] + "/oslbox/fake"
os.makedirs(d, mode=0o700, exist_ok=True)
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.bind(d + "/sock"); s.listen(1); s.settimeout(5)
print("ready", flush=True)
c, _ = s.accept(); c.settimeout(2)
fds = array.array("i")
try:
    msg, anc, _, _ = c.recvmsg(70000, socket.CMSG_SPACE(3 * fds.itemsize))
    for level, kind, data in anc:
        fds.frombytes(data[:len(data) - len(data) % fds.itemsize])
    print("got", len(msg), "bytes and", len(fds), "fds", flush=True)
except (OSError, socket.timeout) as e:
    print("got nothing:", type(e).__name__, flush=True)'
        EXTRA_ENV=$other ob "$who" run --rw "$(xdg_of "$who")" -- python3 -c "$fake" "$(xdg_of "$who")" > "$T/fake-$who.out" 2>&1 &
        fpid=$!
        for i in $(seq 100); do grep -q ready "$T/fake-$who.out" 2>/dev/null && break; sleep 0.05; done
        out=$(ob "$who" exec fake -- true 2>&1)
        is "$?:$out" "125:oslbox: the socket of fake is served from other namespaces than ours (a sandbox's, or we run in one): refusing it" \
                "exec to a socket a sandbox bound in the state directory: refused by the client, 125 (as $who)"
        wait "$fpid"
        is "$(sed -n 2p "$T/fake-$who.out")" "got 0 bytes and 0 fds" "... which sent it nothing, no fd (as $who)" || diag "$(cat "$T/fake-$who.out")"
        rm -rf "$(xdg_of "$who")/oslbox/fake"
        # The view leaves the state out wherever it would show it: in the
        # namespaces mode an empty directory, in the landlock mode (no user
        # namespace to tell a sandbox by) names at most, nothing to read or
        # connect to.
        out=$(ob "$who" run --rw "$(xdg_of "$who")" -- sh -c 'ls -A "$1/oslbox" | wc -l; python3 -c "$2" "$1/oslbox/wide/sock"' \
                sh "$(xdg_of "$who")" "$raw" 2>&1)
        is "$out" "0
connect: No such file or directory" "--rw of the state directory: the sessions' state is hidden, an empty directory (as $who)"
        is "$(ob "$who" run --ro "$(xdg_of "$who")/oslbox/wide" -- true 2>&1; echo "rc $?")" \
                "oslbox: cannot bind $(xdg_of "$who")/oslbox/wide: it is where oslbox keeps its named sandboxes' state (their supervisors' sockets), which no sandbox may see
rc 125" "--ro of a session's state directory: refused, 125 (as $who)"
        if ob "$who" run --isolation landlock -- true 2>/dev/null; then
                out=$(ob "$who" run --isolation landlock --rw "$(xdg_of "$who")" -- sh -c \
                        'python3 -c "$2" "$1/oslbox/wide/sock"; cat "$1/oslbox/wide/info" >/dev/null 2>&1 || echo unreadable' \
                        sh "$(xdg_of "$who")" "$raw" 2>&1)
                is "$out" "connect: Permission denied
unreadable" "the landlock mode, --rw of the state directory: a session's socket refused, its files unreadable (as $who)"
                # Where the view does not hide it (a session started with
                # another $XDG_RUNTIME_DIR), the supervisor still tells a
                # sandboxed command's connection by init's name for it.
                out=$(EXTRA_ENV=$other ob "$who" run --isolation landlock --rw "$(xdg_of "$who")" -- \
                        python3 -c "$raw" "$(xdg_of "$who")/oslbox/wide/sock" 2>&1)
                is "$out" "107 wide answers only processes outside every sandbox: this connection was made for a sandboxed command (by the init of a sandbox of the landlock isolation mode)" \
                        "... and where the view shows it: the wider sandbox's supervisor refuses, with why (as $who)"
                # A session started after the sandbox: the state directory
                # was made (and hidden) when the sandbox started.
                late="$T/xdg-late-$who" wd=$(workdir "$who")
                install -d -m 700 -o "$who" -g "$(id -gn "$who")" "$late"
                rm -f "$wd/ready" "$wd/go"
                EXTRA_ENV="XDG_RUNTIME_DIR=$late" ob "$who" run --isolation landlock --rw "$late" -- sh -c \
                        'touch ready; while [ ! -e go ]; do sleep 0.05; done; python3 -c "$2" "$1/oslbox/late/sock"' \
                        sh "$late" "$raw" > "$T/late-$who.out" 2>&1 &
                lpid=$!
                for i in $(seq 100); do [ -e "$wd/ready" ] && break; sleep 0.05; done
                EXTRA_ENV="XDG_RUNTIME_DIR=$late" ob "$who" run --name late --detach --keep-alive
                touch "$wd/go"
                wait "$lpid"
                is "$(cat "$T/late-$who.out")" "connect: Permission denied" \
                        "... a session started after a landlock-mode sandbox that sees its state directory: hidden too (as $who)"
                EXTRA_ENV="XDG_RUNTIME_DIR=$late" ob "$who" rm --force late >/dev/null 2>&1
                rm -f "$wd/ready" "$wd/go"
        else
                skip "the landlock isolation mode cannot run here (oslbox doctor says why): its view of the state is not checked"
        fi
        ob "$who" stop --kill-after 0 wide
        # Its own status is 0, or 137 when the end of the sandbox it caused
        # came first; SIGTERM is the first command's end only from it.
        ob "$who" exec ex -- sh -c 'kill -TERM "$(cat /tmp/pid)"'
        is "$(ob "$who" wait ex; echo "$?")" 143 "exec: signals the first command (SIGTERM), which ends the sandbox: wait is 143 (as $who)"
        is "$(ob "$who" exec ex -- true 2>&1; echo "rc $?")" "oslbox: ex is not running (it ended with status 143)
rc 125" "exec into an ended sandbox: 125 (as $who)"
        is "$(ob "$who" exec nosuch -- true 2>&1; echo "rc $?")" "oslbox: no sandbox named nosuch
rc 125" "exec into an unknown name: 125 (as $who)"

        # --- stop, SIGKILL of the supervisor, timeout, rm --------------------------------------
        ob "$who" run --name st --detach -- sh -c "setsid sleep 1$n & (sleep 1$n &); exec sleep 1$n"
        for i in $(seq 40); do [ "$(pgrep -f "^sleep 1$n\$" | wc -l)" -ge 3 ] && break; sleep 0.05; done
        is "$(pgrep -f "^sleep 1$n\$" | wc -l)" 3 "a sandbox with a setsid'd and a double-forked process: 3 of them (as $who)"
        ob "$who" stop st
        is "$?:$(field "$who" st state)" 0:exited "stop: 0, exited (as $who)"
        if gone "^sleep 1$n\$"; then ok "... no process of it is left (as $who)"
        else not_ok "... no process of it is left (as $who)"; diag "$(pgrep -af "^sleep 1$n\$")"; fi
        ob "$who" run --name tm --detach -- sh -c "trap '' TERM; sleep 1000"
        t0=${EPOCHREALTIME/[.,]/}
        ob "$who" stop --kill-after 300ms tm
        ms=$(( (${EPOCHREALTIME/[.,]/} - t0) / 1000 ))
        is "$(field "$who" tm exit_code)" 137 "stop --kill-after 300ms of a command ignoring SIGTERM: SIGKILL, 137 (as $who)"
        if [ "$ms" -ge 250 ] && [ "$ms" -lt 1900 ]; then ok "... after the grace, not the policy's 2 s: ${ms} ms (as $who)"
        else not_ok "... after the grace, not the policy's 2 s: ${ms} ms (as $who)"; fi

        ob "$who" run --name kl --detach -- sh -c "setsid sleep 2$n & exec sleep 2$n"
        for i in $(seq 40); do [ "$(pgrep -f "^sleep 2$n\$" | wc -l)" -ge 2 ] && break; sleep 0.05; done
        kill -KILL "$(field "$who" kl supervisor_pid)"
        if gone "^sleep 2$n\$"; then ok "SIGKILL of the supervisor: every process of the sandbox goes (as $who)"
        else not_ok "SIGKILL of the supervisor: every process of the sandbox goes (as $who)"; fi
        out=$(ob "$who" ps 2>&1 >/dev/null)
        is "$out:$(ob "$who" ps --quiet | grep -c '^kl$')" "oslbox: the supervisor of kl had died; its state is removed:0" \
                "... and ps notices, says so and removes its state (as $who)"

        ob "$who" run --name to --detach --timeout 500ms -- sleep 100
        is "$(ob "$who" wait to; echo "rc $?")" "rc 124" "a detached sandbox's --timeout fires: wait exits 124 (as $who)"

        is "$(ob "$who" rm np 2>&1; echo "rc $?")" "oslbox: np is running (oslbox stop np first, or oslbox rm --force np)
rc 125" "rm of a running sandbox: 125 (as $who)"
        ob "$who" rm --force np
        is "$?:$(ob "$who" ps --quiet | grep -c '^np$')" 0:0 "rm --force: 0, and it is gone from ps (as $who)"
        ob "$who" stop --kill-after 0 s2
        ob "$who" stop --kill-after 0 s3
        if gone "$mark" && gone "^sleep 4$n\$"; then ok "... once s2 and s3 are stopped too, no process of this test's sandboxes is left (as $who)"
        else not_ok "... once s2 and s3 are stopped too, no process of this test's sandboxes is left (as $who)"
                diag "$(pgrep -af "$mark")"; fi
        ob "$who" rm fo
        is "$(ob "$who" logs fo 2>&1; echo "rc $?")" "oslbox: no sandbox named fo
rc 125" "rm of an ended one: its logs are gone, logs is 125 (as $who)"
        is "$(ob "$who" wait nosuch 2>&1; echo "rc $?")" "oslbox: no sandbox named nosuch
rc 125" "wait, unknown name: 125 (as $who)"
        # --- the state directory ---------------------------------------------------------
        bad="$T/xdg-bad-$who"
        install -d -m 700 -o "$who" -g "$(id -gn "$who")" "$bad" "$bad/elsewhere"
        ln -s elsewhere "$bad/oslbox"
        out=$(EXTRA_ENV="XDG_RUNTIME_DIR=$bad" ob "$who" run --name x --detach -- true 2>&1)
        is "$?:$out" "125:oslbox: $bad/oslbox is a symbolic link: refusing to follow it" \
                "\$XDG_RUNTIME_DIR/oslbox a symbolic link: 125, not followed (as $who)"
        rm "$bad/oslbox"
        install -d -m 755 -o "$who" -g "$(id -gn "$who")" "$bad/oslbox"
        out=$(EXTRA_ENV="XDG_RUNTIME_DIR=$bad" ob "$who" ps 2>&1)
        is "$?:$out" "125:oslbox: $bad/oslbox has mode 0755: others may enter it; refusing to keep sandboxes there (chmod 700 it)" \
                "... of mode 0755: 125 (as $who)"
        chmod 700 "$bad/oslbox"
        is "$(EXTRA_ENV="XDG_RUNTIME_DIR=$bad" ob "$who" ps --quiet 2>&1; echo "rc $?")" "rc 0" "... twin: 0700, it is used (as $who)"
done

# --- another user: neither root nor the test user may use the other's --------------
if [ "$(id -u)" -ne 0 ]; then
        skip "another user: only root can act as two users here"
else
        tu=$TEST_USER
        uid=$(id -u "$tu")
        ob root run --name rs --detach -- sleep 5$n
        ob "$tu" run --name us --detach -- sleep 6$n
        for cmd in "ps" "attach rs" "exec rs -- true" "stop rs" "logs rs"; do
                # shellcheck disable=SC2086 # the words of the command
                out=$(EXTRA_ENV="XDG_RUNTIME_DIR=$(xdg_of root)" ob "$tu" $cmd 2>&1)
                is "$?:$out" "125:oslbox: $(xdg_of root) belongs to uid 0, not to you (uid $uid): refusing to keep sandboxes there" \
                        "the test user, with root's state directory: $cmd is refused, 125"
                # shellcheck disable=SC2086
                out=$(EXTRA_ENV="XDG_RUNTIME_DIR=$(xdg_of "$tu")" ob root ${cmd/rs/us} 2>&1)
                is "$?:$out" "125:oslbox: $(xdg_of "$tu") belongs to uid $uid, not to you (uid 0): refusing to keep sandboxes there" \
                        "root, with the test user's state directory: ${cmd/rs/us} is refused, 125"
        done
        is "$(field root rs state):$(field "$tu" us state)" running:running "... both still run"
        # The supervisor's own check, SO_PEERCRED, for who gets past the
        # directories: root always, the test user once root's are opened.
        out=$(PATH=/usr/local/bin:/usr/bin:/bin python3 -c "$raw" "$(xdg_of "$tu")/oslbox/us/sock")
        is "$out" "$(printf '%d' 107) us belongs to uid $uid: uid 0 may not list, attach to, exec into or stop it" \
                "root connecting to the test user's supervisor itself: refused by SO_PEERCRED, with why"
        out=$(as "$tu" python3 -c "$raw" "$(xdg_of "$tu")/oslbox/us/sock")
        is "${out%% *}" 100 "... twin: the test user's own connection is answered (MSG_INFO)"
        chmod 711 "$(xdg_of root)" "$(xdg_of root)/oslbox" "$(xdg_of root)/oslbox/rs"
        chmod 777 "$(xdg_of root)/oslbox/rs/sock"
        out=$(as "$tu" python3 -c "$raw" "$(xdg_of root)/oslbox/rs/sock")
        is "$out" "107 rs belongs to uid 0: uid $uid may not list, attach to, exec into or stop it" \
                "the test user connecting to root's supervisor, its directories opened: refused by SO_PEERCRED"
        out=$(ob root ps 2>&1)
        is "$?:$out" "125:oslbox: $(xdg_of root)/oslbox has mode 0711: others may enter it; refusing to keep sandboxes there (chmod 700 it)" \
                "... and root's own oslbox refuses a state directory others may enter"
        chmod 700 "$(xdg_of root)/oslbox" "$(xdg_of root)/oslbox/rs"
        ob root stop --kill-after 0 rs
        ob "$tu" stop --kill-after 0 us
        is "$(field root rs exit_code):$(field "$tu" us exit_code)" 137:137 "... each owner stops its own"

        # Without $XDG_RUNTIME_DIR (and no /run/user/UID): /tmp/oslbox-UID,
        # which must be the user's own. A uid no one has, so that no one's
        # state is in the way.
        fu=61000
        while getent passwd "$fu" >/dev/null || [ -e "/tmp/oslbox-$fu" ] || [ -e "/run/user/$fu" ]; do
                fu=$((fu + 1))
        done
        install -d -o "$fu" -g "$fu" "$T/fu" "$T/fu/home" "$T/fu/work"
        as_fu() { (_close_locks; cd "$T/fu/work" && setpriv --reuid="$fu" --regid="$fu" --clear-groups \
                        env -i PATH=/usr/bin:/bin HOME="$T/fu/home" "$OSLBOX" "$@"); }
        mkdir -m 700 "/tmp/oslbox-$fu"
        out=$(as_fu ps 2>&1)
        is "$?:$out" "125:oslbox: /tmp/oslbox-$fu belongs to uid 0, not to you (uid $fu): refusing to keep sandboxes there" \
                "without \$XDG_RUNTIME_DIR: /tmp/oslbox-UID made by another user first (root): refused, 125"
        rmdir "/tmp/oslbox-$fu"
        out=$(as_fu run --name fb -- echo ok 2>&1)
        is "$?:$out:$(stat -c '%u %a' "/tmp/oslbox-$fu" 2>&1):$(as_fu ps --quiet)" "0:ok:$fu 700:fb" \
                "... twin: made by the user itself, mode 0700, used"
        rm -rf "/tmp/oslbox-$fu"
fi
done_testing
