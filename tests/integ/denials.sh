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
socket vsock              | EPERM  | socket AF_VSOCK (datagram) by probe (pid N): seccomp default filter (no directive allows it)
ptrace 999999             | EPERM  | ptrace(2) by probe (pid N): seccomp default filter (allow with --allow-syscall ptrace)
nr 470                    | ENOSYS | syscall 470 by probe (pid N): newer than the system calls this oslbox was reviewed for (no directive allows it)
clone3                    | ENOSYS | -
'

# 20000 host files outside the view (/var is not in it), for every user.
many_dir=$(mktemp -d /var/tmp/oslbox-denials.XXXXXX)
at_exit "rm -rf -- '$many_dir'"
chmod 755 "$many_dir"
(cd "$many_dir" && seq -f 'f%.0f' 0 19999 | xargs touch)
# Listeners for the network checks: an abstract name, a socket in
# $many_dir (outside the view), that anyone may connect to, a TCP port and
# a UDP port of the host's loopback, and a loopback port nothing listens on
# (bound, never listened on: no connection succeeds there).
abstract=oslbox-denials-$$
python3 -I -c 'import socket, sys, os
a = socket.socket(socket.AF_UNIX); a.bind("\0" + sys.argv[1]); a.listen(64)
p = socket.socket(socket.AF_UNIX); p.bind(sys.argv[2] + "/sock"); os.chmod(sys.argv[2] + "/sock", 0o777); p.listen(64)
t = socket.socket(); t.bind(("127.0.0.1", 0)); t.listen(64)
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("127.0.0.1", 0))
n = socket.socket(); n.bind(("127.0.0.1", 0))
print("ready", t.getsockname()[1], u.getsockname()[1], n.getsockname()[1], flush=True)
import time; time.sleep(600)' "$abstract" "$many_dir" > "$T/listeners" &
listeners=$!
at_exit "kill $listeners"
for _ in $(seq 50); do grep -q ready "$T/listeners" && break; sleep 0.1; done
read -r _ tcp_port udp_port free_port < "$T/listeners"

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
        # TCP and UDP, with their addresses: the sandbox's network
        # namespace has no route out, and the sockets can be made there.
        is "$(as "$who" "$OSLBOX" run -- ./probe tcp "$tcp_port")" EPERM \
                "without log-denials a TCP socket is refused: EPERM (as $who)"
        out=$(as "$who" "$OSLBOX" run --log-denials -- ./probe tcp "$tcp_port" 2>"$wd/err")
        case $out in EACCES | ENETUNREACH) ok "with it the connect to the host's 127.0.0.1:$tcp_port fails: $out (as $who)" ;;
                *) not_ok "with log-denials the TCP connect gave '$out' (as $who)" ;; esac
        is "$(lines < "$wd/err")" \
                "connect to 127.0.0.1:$tcp_port (TCP) by probe (pid N): network none (allow with --net host)" \
                "... its line names the address (as $who)"
        is "$(as "$who" "$OSLBOX" run --log-denials --net host -- ./probe tcp "$tcp_port" 2>"$wd/err"):$(cat "$wd/err")" \
                "OK:" "... which connects with --net host, silently (as $who)"
        out=$(as "$who" "$OSLBOX" run --log-denials -- ./probe udp "$udp_port" 2>"$wd/err")
        is "$out:$(lines < "$wd/err")" \
                "ENETUNREACH:send to 127.0.0.1:$udp_port (UDP) by probe (pid N): network none (allow with --net host)" \
                "a UDP datagram to the host's 127.0.0.1:$udp_port: its line (as $who)"
        as "$who" "$OSLBOX" run --log-denials -- ./probe tcp "$free_port" >/dev/null 2>"$wd/err"
        is "$(lines < "$wd/err")" "" "twin: a loopback port the host does not listen on is no denial (as $who)"
        conn='import socket, sys
for a in (("192.0.2.1", 5432, socket.AF_INET), ("2001:db8::7", 443, socket.AF_INET6)):
    s = socket.socket(a[2])
    try: s.connect(a[:2])
    except OSError as e: print(e.errno)
d = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
try: d.sendto(b"q", ("198.51.100.9", 53))
except OSError as e: print(e.errno)'
        as "$who" "$OSLBOX" run --log-denials --report r.json -- python3 -I -c "$conn" >/dev/null 2>"$wd/err"
        is "$(lines < "$wd/err" | sort)" "connect to 192.0.2.1:5432 (TCP) by python3 (pid N): network none (allow with --net host)
connect to [2001:db8::7]:443 (TCP) by python3 (pid N): network none (allow with --net host)
send to 198.51.100.9:53 (UDP) by python3 (pid N): network none (allow with --net host)" \
                "TCP to an IPv4 and an IPv6 address, a UDP send: each named (as $who)"
        got=$(as "$who" python3 -c 'import json; r = json.load(open("r.json"))
print(sorted((d["layer"], d["address"], d["syscall"], d["allow"]) for d in r["denials"]), r["layers"]["seccomp"]["socket_families"])')
        is "$got" "[('network', '192.0.2.1:5432', 'connect', 'net host'), ('network', '198.51.100.9:53', 'sendto', 'net host'), ('network', '[2001:db8::7]:443', 'connect', 'net host')] unix, inet and inet6" \
                "... and in the report, with their addresses (as $who)"

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
        out=$(as "$who" "$OSLBOX" run --log-denials -- python3 -I -c "$many" 2>"$wd/err")
        is "$out" 0 "3000 distinct denials: each one EPERM (as $who)"
        is "$(grep -c '^oslbox: denied: personality(2) by python3' "$wd/err")" 1000 "... 1000 lines (as $who)"
        is "$(tail -1 "$wd/err")" "oslbox: denied: 2000 more, not examined: the table of 1000 distinct denials was full" \
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
                # A signal to a process of the caller's outside the
                # sandbox: Landlock's scoping refuses it, and says so; one
                # to the sandbox's own child is no denial.
                if [ "$who" = "$(id -un)" ]; then sleep 120 & else (exec_as "$who" sleep 120) & fi
                hp=$!
                at_exit "kill $hp"
                for _ in $(seq 50); do [ "$(cat /proc/$hp/comm 2>/dev/null)" = sleep ] && break; sleep 0.1; done
                out=$(as "$who" "$OSLBOX" run --isolation landlock --log-denials -- \
                        sh -c "kill -TERM $hp 2>/dev/null || echo refused; ./probe kill $hp; sleep 30 & kill \$!" 2>"$wd/err")
                is "$out" "refused
EPERM" "landlock mode: kill of a host process refused, EPERM (as $who)"
                is "$(lines < "$wd/err")" "SIGTERM to pid $hp (sleep) outside the sandbox by sh (pid N): Landlock's signal scoping (no directive allows it)
signal 0 to pid $hp (sleep) outside the sandbox by probe (pid N): Landlock's signal scoping (no directive allows it)" \
                        "... each signal's line names the target; none for the sandbox's own child (as $who)"
                if kill -0 "$hp" 2>/dev/null; then ok "... and the host process lives (as $who)"
                else not_ok "the host process was signalled (as $who)"; fi
                kill "$hp" 2>/dev/null
                # The filesystem, as Landlock refused it: a file outside the
                # view read (and read with the advice), a write to the
                # read-only /usr; none for the working directory, /etc, a
                # look-up.
                lsecret=$(plant_secret "$who" .config/oslbox-denials-ll/data 644)
                as "$who" "$OSLBOX" run --isolation landlock --log-denials -- \
                        sh -c "cat $lsecret; echo x > /usr/oslbox-denials-$$; touch f; ls /etc; cat /etc/hostname; stat $lsecret" \
                        >/dev/null 2>"$wd/err"
                is "$(lines < "$wd/err")" "open $lsecret for reading by cat (pid N): outside the view (allow with --ro $lsecret)
create /usr/oslbox-denials-$$ by sh (pid N): read-only in the view (allow with --rw /usr)" \
                        "landlock mode: a file outside the view, a write to /usr: their lines, nothing else (as $who)"
                is "$(as "$who" "$OSLBOX" run --isolation landlock --log-denials --ro "$lsecret" -- cat "$lsecret" 2>"$wd/err")" \
                        "$(cat "$lsecret")" "... read with --ro $lsecret (as $who)"
                is "$(cat "$wd/err")" "" "... and nothing denied (as $who)"
        fi

        # The filesystem: a host file outside the view (the private home
        # hides it: ENOENT inside), and its twin with the advice followed.
        secret=$(plant_secret "$who" .config/oslbox-denials/data 644)
        as "$who" "$OSLBOX" run --log-denials -- cat "$secret" >/dev/null 2>"$wd/err"
        is "$?:$(lines < "$wd/err")" \
                "1:open $secret for reading by cat (pid N): outside the view (allow with --ro $secret)" \
                "a host file outside the view: its line (as $who)"
        is "$(as "$who" "$OSLBOX" run --log-denials --ro "$secret" -- cat "$secret" 2>"$wd/err")" "$(cat "$secret")" \
                "... read with --ro $secret (as $who)"
        is "$(cat "$wd/err")" "" "... and nothing denied (as $who)"
        # The same, and a TCP connect, with a PTY: the lines on stderr.
        as "$who" "$OSLBOX" run --pty --log-denials -- sh -c "cat $secret; ./probe tcp $tcp_port" \
                </dev/null >/dev/null 2>"$wd/err"
        is "$(lines < "$wd/err")" "open $secret for reading by cat (pid N): outside the view (allow with --ro $secret)
connect to 127.0.0.1:$tcp_port (TCP) by probe (pid N): network none (allow with --net host)" \
                "--pty: the file's and the address's lines on stderr (as $who)"
        as "$who" "$OSLBOX" run --log-denials -- cat "$secret.missing" 2>"$wd/err"
        is "$(lines < "$wd/err")" "" "a path the host does not have either: no line (as $who)"
        # Under --pty too, and by a process the command started.
        as "$who" "$OSLBOX" run --pty --log-denials -- sh -c "cat $secret; true" </dev/null >/dev/null 2>"$wd/err"
        is "$(lines < "$wd/err")" "open $secret for reading by cat (pid N): outside the view (allow with --ro $secret)" \
                "... --pty: the same line (as $who)"

        # A write into a read-only place: a directory of the caller's made
        # read-only; the advice makes it writable.
        as "$who" mkdir -p rodir
        as "$who" "$OSLBOX" run --log-denials --ro "$wd/rodir" -- sh -c 'echo x > rodir/new' 2>"$wd/err"
        is "$(lines < "$wd/err")" \
                "create $wd/rodir/new by sh (pid N): read-only in the view (allow with --rw $wd/rodir)" \
                "a file made in a read-only directory: its line (as $who)"
        as "$who" "$OSLBOX" run --log-denials --ro "$wd/rodir" --rw "$wd/rodir" -- sh -c 'echo x > rodir/new' 2>"$wd/err"
        is "$?:$(cat "$wd/err"):$(cat "$wd/rodir/new" 2>/dev/null)" "0::x" "... made with --rw $wd/rodir (as $who)"
        # Devices on read-only mounts are written all the same: no line.
        as "$who" "$OSLBOX" run --log-denials -- sh -c 'echo > /dev/null' 2>"$wd/err"
        is "$(cat "$wd/err")" "" "writing /dev/null: no line (as $who)"

        # Network none: the host's abstract unix name and a socket outside
        # the view; --net host and --ro reach them.
        conn='import socket, sys
s = socket.socket(socket.AF_UNIX)
try: s.connect(sys.argv[1].replace("@", "\0", 1)); print("connected")
except OSError as e: print(e.strerror)'
        out=$(as "$who" "$OSLBOX" run --log-denials -- python3 -I -c "$conn" "@$abstract" 2>"$wd/err")
        is "$out:$(lines < "$wd/err")" \
                "Connection refused:connect to @$abstract (abstract unix socket) by python3 (pid N): network none (allow with --net host)" \
                "the host's abstract unix name: refused, its line (as $who)"
        out=$(as "$who" "$OSLBOX" run --log-denials --net host -- python3 -I -c "$conn" "@$abstract" 2>"$wd/err")
        is "$out:$(cat "$wd/err")" "connected:" "... connected with --net host, silently (as $who)"
        out=$(as "$who" "$OSLBOX" run --log-denials -- python3 -I -c "$conn" "$many_dir/sock" 2>"$wd/err")
        is "$out:$(lines < "$wd/err")" \
                "No such file or directory:connect to $many_dir/sock (unix socket) by python3 (pid N): outside the view (allow with --ro $many_dir/sock)" \
                "a unix socket outside the view: its line (as $who)"
        out=$(as "$who" "$OSLBOX" run --log-denials --ro "$many_dir/sock" -- python3 -I -c "$conn" "$many_dir/sock" 2>"$wd/err")
        is "$out:$(cat "$wd/err")" "connected:" "... connected with --ro $many_dir/sock, silently (as $who)"

        install -m 644 "$OSLBOX_SRCDIR/tests/integ/denials-open.py" "$wd/denials-open.py"
        # Bounded: 20000 distinct host files outside the view, then 20000
        # missing ones; oslbox's memory stays what it is without.
        out=$(as "$who" /usr/bin/time -f "%M" "$OSLBOX" run --log-denials -- \
                python3 -I denials-open.py "$many_dir" 20000 2>"$wd/err")
        is "$out" 0 "20000 opens outside the view: each one ENOENT (as $who)"
        is "$(grep -c '^oslbox: denied: ' "$wd/err"):$(grep -c '^oslbox: denied: open .* outside the view' "$wd/err")" \
                1001:1000 "... 1000 lines of them, the table's size (as $who)"
        is "$(grep -Ec '^oslbox: denied: 1[89][0-9]{3} more, not examined' "$wd/err")" 1 \
                "... and a count of the rest (as $who)"
        rss_on=$(tail -1 "$wd/err")
        out=$(as "$who" /usr/bin/time -f "%M" "$OSLBOX" run --log-denials -- \
                python3 -I denials-open.py "$many_dir/missing" 20000 2>"$wd/err")
        is "$out:$(grep -c '^oslbox: denied: ' "$wd/err")" "0:1" \
                "20000 missing ones: no line but the count, the host has none of them (as $who)"
        # (time's figure is the largest of oslbox, init and the command.)
        rss_off=$(as "$who" /usr/bin/time -f "%M" "$OSLBOX" run -- python3 -I denials-open.py "$many_dir" 20000 2>&1 |
                  tail -1)
        if [ "$rss_on" -le $((rss_off + 4096)) ]; then
                ok "... peak RSS with log-denials: $rss_on KiB, $rss_off KiB without (as $who)"
        else
                not_ok "... peak RSS with log-denials: $rss_on KiB, more than 4 MiB over $rss_off KiB without (as $who)"
        fi
        rm -rf "$wd/f" "$wd/r.json" "$wd/err" "$wd/rodir" "$wd/denials-open.py"
done

done_testing
