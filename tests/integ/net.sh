#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The network: no TCP, UDP or abstract unix sockets to the host by default; --net host; socket families.
. "$OSLBOX_SRCDIR/tests/integ/lib.sh"

if ! command -v python3 >/dev/null; then
        skip "no python3 on the host to listen with"
        done_testing
        exit
fi

# One listener on the host: TCP and UDP on free ports of 127.0.0.1, and the
# abstract unix socket @$name. It logs one line per connection or datagram.
name="oslbox-net-$$-$RANDOM"
cat > "$T/listen.py" <<'EOF'
import os, select, socket, sys
out, name = sys.argv[1], sys.argv[2]
tcp = socket.socket()
tcp.bind(("127.0.0.1", 0))
tcp.listen(16)
udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
udp.bind(("127.0.0.1", 0))
ab = socket.socket(socket.AF_UNIX)
ab.bind("\0" + name)
ab.listen(16)
log = open(out + ".log", "a", buffering=1)
with open(out + ".tmp", "w") as f:
    f.write("%d %d\n" % (tcp.getsockname()[1], udp.getsockname()[1]))
os.rename(out + ".tmp", out)
while True:
    for s in select.select([tcp, udp, ab], [], [])[0]:
        if s is udp:
            log.write("udp %s\n" % s.recv(4096).decode(errors="replace").strip())
        else:
            c, _ = s.accept()
            c.close()
            log.write("tcp\n" if s is tcp else "abstract\n")
EOF
python3 "$T/listen.py" "$T/ports" "$name" &
listener=$!
at_exit "kill $listener"
for _ in $(seq 100); do [ -s "$T/ports" ] && break; sleep 0.05; done
read -r tcp_port udp_port < "$T/ports" || { echo "Bail out! the listener did not start"; exit 1; }

# logged LINE WANT: how many LINEs the listener logged, once it logged WANT
# of them (or after 2 s). A "nothing arrived" check wants the count before.
logged() {
        local n
        for _ in $(seq 40); do
                n=$(grep -cxF "$1" "$T/ports.log" 2>/dev/null)
                [ "${n:-0}" -ge "$2" ] && break
                sleep 0.05
        done
        echo "${n:-0}"
}

for who in $USERS; do
        as "$who" true
        wd=$(workdir "$who")

        # TCP
        before=$(logged tcp 0)
        is "$(as "$who" "$OSLBOX" run -- ./probe tcp "$tcp_port")" EPERM \
                "TCP connect to the host's 127.0.0.1: EPERM by default (as $who)"
        is "$(logged tcp "$before")" "$before" "... the listener saw nothing (as $who)"
        is "$(as "$who" "$OSLBOX" run --net host -- ./probe tcp "$tcp_port")" OK "... OK with --net host (as $who)"
        is "$(logged tcp $((before + 1)))" "$((before + 1))" "... and the listener accepted it (as $who)"

        # UDP
        msg="oslbox-udp-$who-$RANDOM"
        is "$(as "$who" "$OSLBOX" run -- ./probe udp "$udp_port" "$msg")" EPERM \
                "UDP send to the host's 127.0.0.1: EPERM by default (as $who)"
        is "$(logged "udp $msg" 0)" 0 "... nothing arrived (as $who)"
        is "$(as "$who" "$OSLBOX" run --net host -- ./probe udp "$udp_port" "$msg")" OK "... OK with --net host (as $who)"
        is "$(logged "udp $msg" 1)" 1 "... and the datagram arrived (as $who)"

        # Abstract unix sockets are not files: neither the view nor a
        # network filter on families stops them; scoping (or a netns) does.
        before=$(logged abstract 0)
        is "$(as "$who" ./probe abstract "$name")" OK "the host's abstract socket @$name: OK outside (as $who)"
        got=$(as "$who" "$OSLBOX" run -- ./probe abstract "$name")
        case "$got" in OK|"") not_ok "... refused inside by default (as $who)"; diag "got: '$got'";;
                *) ok "... refused inside by default: $got (as $who)";; esac
        is "$(logged abstract $((before + 1)))" "$((before + 1))" "... the listener saw only the one from outside (as $who)"
        is "$(as "$who" "$OSLBOX" run --net host -- ./probe abstract "$name")" OK "... OK with --net host (as $who)"
        is "$(logged abstract $((before + 2)))" "$((before + 2))" "... and the listener accepted it (as $who)"
        is "$(as "$who" "$OSLBOX" run -- python3 -c '
import socket, subprocess
s = socket.socket(socket.AF_UNIX); s.bind("\0oslbox-inner"); s.listen(1)
print(subprocess.run(["./probe", "abstract", "oslbox-inner"], capture_output=True, text=True).stdout.strip())')" OK \
                "... while one inside the sandbox is reachable from inside (as $who)"

        # A network namespace of its own: an abstract name bound inside is
        # not one of the host's (no squatting of X11's or D-Bus's names), and
        # /proc/net shows nothing of the host's.
        for net in none host; do
                inner="oslbox-inner-$who-$RANDOM"
                rm -f "$wd/bound" "$wd/done"
                as "$who" "$OSLBOX" run --net "$net" --timeout 20s -- python3 -c '
import os, socket, sys, time
s = socket.socket(socket.AF_UNIX); s.bind("\0" + sys.argv[1]); s.listen(4)
open("bound", "w").close()
end = time.monotonic() + 15
while not os.path.exists("done") and time.monotonic() < end:
    time.sleep(0.02)' "$inner" &
                job=$!
                for _ in $(seq 200); do [ -e "$wd/bound" ] && break; sleep 0.05; done
                got=$(as "$who" ./probe abstract "$inner")
                touch "$wd/done"
                wait "$job"
                if [ "$net" = none ]; then
                        case "$got" in OK|"") not_ok "@name bound inside is not reachable from the host's namespace (as $who)"; diag "got: '$got'";;
                                *) ok "@name bound inside is not reachable from the host's namespace: $got (as $who)";; esac
                else
                        is "$got" OK "... twin: with --net host the host connects to it (as $who)"
                fi
        done
        port_hex=$(printf '%04X' "$tcp_port")
        inside=$(as "$who" "$OSLBOX" run -- cat /proc/net/tcp /proc/net/unix)
        case "$inside" in
        *":$port_hex "*|*"@$name"*) not_ok "/proc/net inside shows none of the host's listeners (as $who)";;
        *) ok "/proc/net inside shows none of the host's listeners (TCP :$tcp_port, @$name) (as $who)";;
        esac
        inside=$(as "$who" "$OSLBOX" run --net host -- cat /proc/net/tcp /proc/net/unix)
        case "$inside" in
        *":$port_hex "*"@$name"*) ok "... twin: with --net host it shows both (as $who)";;
        *) not_ok "... twin: with --net host it shows both (as $who)";;
        esac
        is "$(as "$who" "$OSLBOX" run -- awk -F: 'NR > 2 { gsub(/ /, "", $1); print $1 }' /proc/net/dev)" lo \
                "... and no interface but lo (the host has: $(awk -F: 'NR > 2 { gsub(/ /, "", $1); printf "%s ", $1 }' /proc/net/dev)) (as $who)"

        # Socket families
        is "$(as "$who" "$OSLBOX" run -- ./probe socket unix)" OK "socket(AF_UNIX) works by default (as $who)"
        for af in inet inet6 netlink; do
                is "$(as "$who" "$OSLBOX" run -- ./probe socket "$af")" EPERM "socket($af) refused by default (as $who)"
                is "$(as "$who" "$OSLBOX" run --net host -- ./probe socket "$af")" OK "... OK with --net host (as $who)"
        done
        is "$(as "$who" "$OSLBOX" run -- ./probe socket vsock)" EPERM "socket(AF_VSOCK) refused by default (as $who)"
        is "$(as "$who" "$OSLBOX" run --net host -- ./probe socket vsock)" EPERM "... and with --net host (as $who)"
        got=$(as "$who" ./probe socket vsock)
        case "$got" in EPERM|"") not_ok "... not EPERM outside (as $who)"; diag "got: '$got'";;
                *) ok "... not EPERM outside: $got (as $who)";; esac
done

done_testing
