#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# log-denials: one line per distinct denial, naming the layer, the process and
# the directive that allows it; the errno the command sees does not change;
# following the advice makes the command succeed; the output stays bounded;
# without the directive nothing is printed.
. "$OSLBOX_SRCDIR/tests/integ/lib.sh"

# The lines, pids made N (they depend on how many processes ran before).
lines() { sed -n 's/(pid [0-9]*)/(pid N)/; s/^oslbox: denied: //p'; }

# Each row: the probe; the errno it gets inside (as seccomp.sh has it); the
# line (without "oslbox: denied: "), or "-" for none.
table='
mount /oslbox-no-such-dir | EPERM  | mount(2) by probe (pid N): seccomp default filter (allow with --allow-syscall mount)
bpf bad                   | EPERM  | bpf(2) by probe (pid N): seccomp default filter (allow with --allow-syscall bpf)
clone-newuser             | EPERM  | clone(2) of a namespace by probe (pid N): seccomp default filter (allow with --allow-syscall clone)
unshare-user              | EPERM  | unshare(2) of a namespace by probe (pid N): seccomp default filter (allow with --allow-syscall unshare)
personality 0x0400000     | EPERM  | personality(2) by probe (pid N): seccomp default filter (allow with --allow-syscall personality)
socket inet               | EPERM  | socket AF_INET (UDP) by probe (pid N): network none (allow with --net host)
socket vsock              | EPERM  | socket AF_VSOCK (datagram) by probe (pid N): seccomp default filter (no directive allows it)
nr 470                    | ENOSYS | syscall 470 by probe (pid N): newer than the system calls this oslbox was reviewed for (no directive allows it)
clone3                    | ENOSYS | -
'

for who in $USERS; do
        wd=$(workdir "$who")
        as "$who" true

        # Nothing without the directive: the probe's errno, an empty stderr.
        out=$(as "$who" "$OSLBOX" run -- ./probe mount /oslbox-no-such-dir 2>"$wd/err")
        is "$out:$(cat "$wd/err")" "EPERM:" "without log-denials: EPERM and nothing on stderr (as $who)"

        while IFS='|' read -r -u 3 probe errno line; do
                probe=$(echo $probe) errno=$(echo $errno) line=${line# }
                [ -n "$probe" ] || continue
                # shellcheck disable=SC2086 # probe arguments split on purpose
                out=$(as "$who" "$OSLBOX" run --log-denials -- ./probe $probe 2>"$wd/err")
                is "$out" "$errno" "$probe: still $errno with log-denials (as $who)"
                got=$(lines < "$wd/err")
                is "${got:--}" "$line" "... its line (as $who)"
                is "$(grep -vc '^oslbox: denied: ' "$wd/err")" 0 "... and nothing else on stderr (as $who)"
                # The advice, followed: the filter no longer answers, no line.
                case "$line" in *"(allow with --"*)
                        advice=${line##*allow with }; advice=${advice%)}
                        # shellcheck disable=SC2086 # the directive and its value
                        out=$(as "$who" "$OSLBOX" run --log-denials $advice -- ./probe $probe 2>"$wd/err")
                        if [ "$out" = "$errno" ] || [ -z "$out" ]; then
                                not_ok "... with $advice: not $errno (as $who)"; diag "got: '$out'"
                        else
                                ok "... with $advice: $out (as $who)"
                        fi
                        is "$(lines < "$wd/err")" "" "... and no line (as $who)"
                esac
        done 3<<< "$table"

        # Following the advice makes a real command succeed.
        as "$who" "$OSLBOX" run --log-denials -- unshare -U true 2>"$wd/err"
        rc=$?
        is "$rc:$(lines < "$wd/err")" \
                "1:unshare(2) of a namespace by unshare (pid N): seccomp default filter (allow with --allow-syscall unshare)" \
                "unshare -U fails, with its line (as $who)"
        as "$who" "$OSLBOX" run --log-denials --allow-syscall unshare -- unshare -U true 2>"$wd/err"
        is "$?:$(cat "$wd/err")" "0:" "... and succeeds with --allow-syscall unshare, silently (as $who)"
        as "$who" "$OSLBOX" run --log-denials -- python3 -c 'import socket; socket.socket()' 2>"$wd/err"
        is "$?:$(lines < "$wd/err")" \
                "1:socket AF_INET (TCP) by python3 (pid N): network none (allow with --net host)" \
                "a TCP socket in python fails, with its line (as $who)"
        as "$who" "$OSLBOX" run --log-denials --net host -- python3 -c 'import socket; socket.socket()' 2>"$wd/err"
        is "$?:$(cat "$wd/err")" "0:" "... and works with --net host, silently (as $who)"

        # Most frequent first, counted; a deny-syscall names itself.
        as "$who" "$OSLBOX" run --log-denials --deny-syscall uname -- \
                sh -c './probe uname; ./probe mount /x; ./probe mount /x' >/dev/null 2>"$wd/err"
        is "$(lines < "$wd/err")" "mount(2) by probe (pid N), 2 times: seccomp default filter (allow with --allow-syscall mount)
uname(2) by probe (pid N): deny-syscall uname in the policy (allow with --allow-syscall uname)" \
                "counted, most frequent first; the policy's deny-syscall (as $who)"

        # The process killed for a call of another ABI: from its status.
        as "$who" "$OSLBOX" run --log-denials -- ./probe x32 >/dev/null 2>"$wd/err"
        is "$?:$(lines < "$wd/err")" \
                "159:a system call of another ABI (x32 or i386) by the command: the seccomp filter kills the process (no directive allows it)" \
                "an x32 call: killed, and said so (as $who)"

        # With a PTY: the command's output on the terminal, the lines on
        # oslbox's own stderr; TIOCSTI needs the terminal.
        out=$(as "$who" "$OSLBOX" run --pty --log-denials -- sh -c './probe tiocsti; ./probe mount /x' \
                </dev/null 2>"$wd/err" | tr -d '\r')
        is "$out" "EPERM
EPERM" "--pty: the probes' errnos on the terminal (as $who)"
        is "$(lines < "$wd/err")" "ioctl(2) TIOCSTI by probe (pid N): seccomp default filter (it types into the terminal) (no directive allows it)
mount(2) by probe (pid N): seccomp default filter (allow with --allow-syscall mount)" "... the lines on stderr (as $who)"

        # The report's entries.
        as "$who" "$OSLBOX" run --log-denials --report r.json -- sh -c './probe mount /x; ./probe mount /x' \
                >/dev/null 2>&1
        got=$(as "$who" python3 -c 'import json; r = json.load(open("r.json")); d = r["denials"][0]
print(len(r["denials"]), r["denials_unlisted"], d["layer"], d["syscall"], d["process"], d["count"], d["allow"], d["pid"] > 0)')
        is "$got" "1 0 seccomp mount probe 2 allow-syscall mount True" "--report: the denials array (as $who)"
        as "$who" "$OSLBOX" run --report r.json -- ./probe mount /x >/dev/null
        is "$(as "$who" python3 -c 'import json; print("denials" in json.load(open("r.json")))')" False \
                "... none without log-denials (as $who)"

        # Bounded: 3000 distinct denials (personality values) in one
        # process keep 1000 lines and a count of the rest; every call still
        # got EPERM.
        many='import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
bad = 0
for i in range(3000):
        if libc.syscall(135, 0x0400000 + (i << 8)) != -1 or ctypes.get_errno() != 1: bad += 1
print(bad)'
        out=$(as "$who" "$OSLBOX" run --log-denials -- python3 -c "$many" 2>"$wd/err")
        is "$out" 0 "3000 distinct denials: each one EPERM (as $who)"
        is "$(grep -c '^oslbox: denied: personality(2) by python3' "$wd/err")" 1000 "... 1000 lines (as $who)"
        is "$(tail -1 "$wd/err")" "oslbox: denied: 2000 more times, not listed (1000 distinct denials are kept)" \
                "... and a count of the rest (as $who)"

        # The landlock isolation mode: the same lines, and its own notified
        # calls (chmod) still answered by init.
        out=$(as "$who" "$OSLBOX" run --isolation landlock --log-denials -- \
                sh -c './probe mount /x; ./probe socket inet; touch f; chmod 600 f; stat -c %a f' 2>"$wd/err")
        rc=$?
        if [ "$rc" = 125 ] && grep -q "Landlock" "$wd/err"; then
                skip "the landlock isolation mode is unavailable here: $(head -1 "$wd/err")"
        else
                is "$out" "EPERM
EPERM
600" "landlock mode: EPERM, EPERM, and chmod answered by init (as $who)"
                is "$(lines < "$wd/err")" "mount(2) by probe (pid N): seccomp default filter (allow with --allow-syscall mount)
socket AF_INET (UDP) by probe (pid N): network none (allow with --net host)" "... the same lines (as $who)"
        fi
        rm -f "$wd/f" "$wd/r.json" "$wd/err"
done

done_testing
