#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The run report (--report FILE): JSON with the outcome, the usage and the layers, each value checked.
. "$OSLBOX_SRCDIR/tests/integ/lib.sh"

# field FILE EXPR: EXPR evaluated on the report in FILE (as r), printed as
# JSON ("null", "true", "[...]"); "unreadable" when FILE is not JSON.
field() {
        python3 -c '
import json, sys
try:
    r = json.load(open(sys.argv[1]))
except (OSError, ValueError) as e:
    print("unreadable"); sys.exit(0)
try:
    print(json.dumps(eval(sys.argv[2], {"r": r})))
except (KeyError, TypeError, IndexError) as e:
    print("missing %s" % e)' "$1" "$2"
}

# cond FILE EXPR DESCRIPTION: ok when EXPR is true of the report.
cond() {
        local v; v=$(field "$1" "$2")
        if [ "$v" = true ]; then ok "$3"; else not_ok "$3"; diag "$2: $v" "report: $(cat "$1" 2>/dev/null)"; fi
}

# cgroup_can WHO CONTROLLER: whether oslbox doctor says WHO gets a cgroup with it.
cgroup_can() {
        as "$1" "$OSLBOX" doctor --json 2>/dev/null | python3 -c '
import json, sys
c = json.load(sys.stdin)["cgroup"]
v2 = c.get("v2_can_create") and sys.argv[1] in (c.get("v2_controllers") or "").split()
v1 = (c.get("v1") or {}).get(sys.argv[1], {}).get("can_create")
sys.exit(0 if v2 or v1 else 1)' "$2"
}

kernel_abi=$(python3 -c 'import ctypes; l = ctypes.CDLL(None); print(max(0, l.syscall(444, None, 0, 1)))')
burn='import time
t = time.process_time()
while time.process_time() - t < 0.5:
    pass'

for who in $USERS; do
        as "$who" true      # creates the working directory
        wd=$(workdir "$who")
        rm -f "$wd"/*.json

        # --- the outcome --------------------------------------------------------------
        as "$who" "$OSLBOX" run --report exit3.json -- sh -c 'exit 3'
        is "$?" 3 "--report: the status is still the command's (as $who)"
        r=$wd/exit3.json
        check "... a relative FILE is in the caller's working directory (as $who)" test -f "$r"
        if python3 -m json.tool "$r" >/dev/null 2>&1; then ok "... and parses as JSON (as $who)"
        else not_ok "... and parses as JSON (as $who)"; diag "$(cat "$r" 2>/dev/null)"; fi
        is "$(field "$r" 'sorted(r)')" \
                '["cpu_ms", "exit_code", "isolation", "isolation_reason", "layers", "max_rss_kb", "memory_peak_kb", "oom_killed", "pids_limit", "pids_peak", "signal", "timed_out", "wall_ms"]' \
                "... with every field (as $who)"
        is "$(field "$r" 'sorted(r["layers"])')" \
                '["capabilities", "landlock", "namespaces", "network", "no_new_privs", "seccomp"]' \
                "... and every layer (as $who)"
        is "$(field "$r" 'sorted(r["layers"]["landlock"])')" '["abi", "handled_fs", "handled_net", "scoped"]' \
                "... and every Landlock field (as $who)"
        is "$(field "$r" '[r["exit_code"], r["signal"], r["timed_out"]]')" '[3, null, false]' \
                "exit 3: exit_code 3, signal null, timed_out false (as $who)"
        cond "$r" 'type(r["wall_ms"]) is int and 0 <= r["wall_ms"] < 2000' "... wall_ms is a small count of ms (as $who)"
        cond "$r" 'type(r["cpu_ms"]) is int and 0 <= r["cpu_ms"] < 300' "... cpu_ms of sh -c 'exit 3' is under 300 (as $who)"
        cond "$r" 'type(r["max_rss_kb"]) is int and 0 < r["max_rss_kb"] < 20000' "... max_rss_kb is under 20000 (as $who)"

        as "$who" "$OSLBOX" run --report segv.json -- sh -c 'kill -SEGV $$'
        is "$?" 139 "a command killed by SIGSEGV: 128+11 (as $who)"
        is "$(field "$wd/segv.json" '[r["exit_code"], r["signal"], r["timed_out"]]')" '[null, 11, false]' \
                "... exit_code null, signal 11, timed_out false (as $who)"

        as "$who" "$OSLBOX" run --report kill.json -- sh -c 'kill -KILL $$'
        is "$?" 137 "a command killed by SIGKILL: 128+9 (as $who)"
        is "$(field "$wd/kill.json" '[r["exit_code"], r["signal"], r["timed_out"]]')" '[null, 9, false]' \
                "... exit_code null, signal 9, timed_out false (as $who)"

        as "$who" "$OSLBOX" run --timeout 500ms --report timeout.json -- sleep 100 2>/dev/null
        is "$?" 124 "--timeout 500ms: 124 (as $who)"
        is "$(field "$wd/timeout.json" '[r["exit_code"], r["signal"], r["timed_out"]]')" '[null, 15, true]' \
                "... timed_out true, and the command died of SIGTERM (as $who)"
        cond "$wd/timeout.json" '450 <= r["wall_ms"] < 2000' "... wall_ms about 500 (as $who)"

        as "$who" "$OSLBOX" run --report ok.json -- true
        is "$(field "$wd/ok.json" '[r["exit_code"], r["signal"], r["timed_out"]]')" '[0, null, false]' \
                "true: exit_code 0, signal null, timed_out false (as $who)"

        # --- the usage ---------------------------------------------------------------------
        as "$who" "$OSLBOX" run --report cpu.json -- python3 -c "$burn"
        cond "$wd/cpu.json" '300 < r["cpu_ms"] < 5000' "half a second of CPU: cpu_ms over 300 (as $who)"
        cond "$wd/cpu.json" 'r["wall_ms"] >= 450' "... and wall_ms at least as much (as $who)"

        as "$who" "$OSLBOX" run --report rss.json -- python3 -c 'x = bytearray(32 << 20)'
        cond "$wd/rss.json" '20000 < r["max_rss_kb"] < 200000' "32 MB touched: max_rss_kb over 20000 (as $who)"
        is "$(field "$wd/rss.json" '[r["memory_peak_kb"], r["oom_killed"], r["pids_peak"]]')" '[null, null, null]' \
                "... without a cgroup: memory_peak_kb, oom_killed and pids_peak are null (as $who)"

        if cgroup_can "$who" memory; then
                as "$who" "$OSLBOX" run --memory 256M --report mem.json -- python3 -c 'x = bytearray(32 << 20)'
                cond "$wd/mem.json" 'type(r["memory_peak_kb"]) is int and 20000 < r["memory_peak_kb"] < 262144' \
                        "--memory 256M, 32 MB touched: memory_peak_kb over 20000 (as $who)"
                is "$(field "$wd/mem.json" 'r["oom_killed"]')" false "... oom_killed false (as $who)"
                cond "$wd/mem.json" 'r["pids_peak"] is None or r["pids_peak"] >= 1' "... pids_peak null or a count (as $who)"
        else
                # No cgroup for this user: best-effort runs on rlimits, and
                # the report says the cgroup figures are unknown.
                as "$who" "$OSLBOX" run --memory 256M --resources best-effort --report mem.json -- \
                        python3 -c 'x = bytearray(32 << 20)' 2>/dev/null
                is "$(field "$wd/mem.json" '[r["exit_code"], r["memory_peak_kb"], r["oom_killed"], r["pids_peak"]]')" \
                        '[0, null, null, null]' "no cgroup, best-effort: the run succeeds, cgroup figures null (as $who)"
        fi

        # --- the layers, compared with what the command sees -----------------------------
        inside=$(as "$who" "$OSLBOX" run --report layers.json -- sh -c \
                'for n in user mnt pid ipc uts net cgroup; do echo "$n $(readlink /proc/self/ns/$n)"; done')
        outside=$(as "$who" sh -c 'for n in user mnt pid ipc uts net cgroup; do echo "$n $(readlink /proc/self/ns/$n)"; done')
        new=$(join <(sort <<<"$inside") <(sort <<<"$outside") | awk '$2 != $3 { print ($1 == "mnt" ? "mount" : $1) }' | sort | tr '\n' ' ')
        r=$wd/layers.json
        is "$(field "$r" '" ".join(sorted(r["layers"]["namespaces"])) + " "')" "\"$new\"" \
                "namespaces: the report lists those the command is in, new ones: $new(as $who)"
        cond "$r" '{"user", "mount", "pid", "ipc", "uts"} <= set(r["layers"]["namespaces"])' \
                "... user, mount, pid, ipc and uts among them (as $who)"
        abi=$(as "$who" "$OSLBOX" doctor --json | python3 -c 'import json, sys; print(json.load(sys.stdin)["landlock"]["abi"])')
        is "$(field "$r" 'r["layers"]["landlock"]["abi"]')" "$kernel_abi" "landlock.abi is the kernel's ($kernel_abi) (as $who)"
        is "$abi" "$kernel_abi" "... as doctor --json says (as $who)"
        # Each ABI adds access rights: 13 in ABI 1, refer in 2, truncate in 3, ioctl_dev in 5.
        want_fs=$(( kernel_abi >= 5 ? 16 : kernel_abi >= 3 ? 15 : kernel_abi >= 2 ? 14 : kernel_abi >= 1 ? 13 : 0 ))
        cond "$r" "len(r['layers']['landlock']['handled_fs']) == $want_fs and {'execute', 'read_file', 'write_file'} <= set(r['layers']['landlock']['handled_fs'])" \
                "... handled_fs: the $want_fs rights of ABI $kernel_abi (as $who)"
        if [ "$kernel_abi" -ge 4 ]; then
                is "$(field "$r" 'r["layers"]["landlock"]["handled_net"]')" '["bind_tcp", "connect_tcp"]' \
                        "... handled_net: bind_tcp and connect_tcp with the default --net none (as $who)"
        else
                skip "Landlock ABI < 4: no TCP rules"
        fi
        if [ "$kernel_abi" -ge 6 ]; then
                is "$(field "$r" 'r["layers"]["landlock"]["scoped"]')" '["abstract_unix_socket", "signal"]' \
                        "... scoped: abstract unix sockets and signals (as $who)"
        else
                skip "Landlock ABI < 6: no scoping"
        fi
        status=$(as "$who" "$OSLBOX" run -- sh -c 'grep -E "^(CapEff|CapPrm|NoNewPrivs|Seccomp):" /proc/self/status' | tr -s '\t ' ' ')
        is "$status" "CapPrm: 0000000000000000
CapEff: 0000000000000000
NoNewPrivs: 1
Seccomp: 2" "inside: no capabilities, no_new_privs, a seccomp filter (as $who)"
        is "$(field "$r" '[r["layers"]["capabilities"], r["layers"]["no_new_privs"], r["layers"]["seccomp"]["mode"]]')" \
                '["none", true, "filter"]' "... and the report says so (as $who)"
        cond "$r" 'type(r["layers"]["seccomp"]["instructions"]) is int and r["layers"]["seccomp"]["instructions"] > 0' \
                "... with the filter's length (as $who)"
        is "$(field "$r" 'r["layers"]["network"]')" '"none"' "network: none by default (as $who)"
        as "$who" "$OSLBOX" run --net host --report host.json -- true
        is "$(field "$wd/host.json" '[r["layers"]["network"], r["layers"]["landlock"]["handled_net"]]')" '["host", []]' \
                "... twin: host with --net host, and no TCP rules (as $who)"

        # --- where the report goes ------------------------------------------------------------
        # oslbox writes it, outside the sandbox: a directory the command cannot see.
        out=$T/out-$who
        install -d -o "$who" -m 700 "$out"
        inside=$(as "$who" "$OSLBOX" run --report "../out-$who/r.json" -- sh -c "test -e ../out-$who && echo visible; exit 0")
        is "$inside" "" "a report directory outside the working directory is not visible inside (as $who)"
        check "... yet the report is written there, ../ resolved from the caller's directory (as $who)" test -f "$out/r.json"
        is "$(stat -c %U "$out/r.json" 2>/dev/null)" "$who" "... by oslbox, as the caller (as $who)"
        is "$(field "$out/r.json" 'r["exit_code"]')" 0 "... with the run's outcome (as $who)"

        # --- what the command can plant on the way to the report --------------------------
        # oslbox writes it with the caller's rights, after the command had the
        # working directory to itself. (timeout: a blocked oslbox would hang.)
        victim=$T/victim-$who                   # the caller's, outside the view
        echo "the caller's file" > "$victim"
        chown "$who:" "$victim"
        as "$who" timeout -k 2 10 "$OSLBOX" run --report planted.json -- sh -c "ln -sf '$victim' planted.json; exit 5"
        is "$?" 5 "a command that puts a symlink at the report's name: its status (as $who)"
        is "$(cat "$victim")" "the caller's file" "... the symlink's target, a file of the caller's, is untouched (as $who)"
        check "... the report is a regular file in its place (as $who)" test -f "$wd/planted.json" -a ! -L "$wd/planted.json"
        is "$(test -f "$wd/planted.json" && field "$wd/planted.json" 'r["exit_code"]')" 5 \
                "... with the run's outcome (as $who)"

        as "$who" timeout -k 2 10 "$OSLBOX" run --report planted.json -- sh -c 'rm -f planted.json; mkfifo planted.json; exit 6'
        is "$?" 6 "a command that puts a FIFO at the report's name: oslbox does not hang (as $who)"
        check "... the report is a regular file in its place (as $who)" test -f "$wd/planted.json" -a ! -p "$wd/planted.json"
        is "$(test -f "$wd/planted.json" && field "$wd/planted.json" 'r["exit_code"]')" 6 \
                "... with the run's outcome (as $who)"

        # The directory is the one the run started with, whatever the command
        # makes of its name.
        elsewhere=$T/elsewhere-$who
        install -d -o "$who" -m 755 "$elsewhere"
        rm -rf "$wd/sub" "$wd/sub.old"
        install -d -o "$who" "$wd/sub"
        as "$who" timeout -k 2 10 "$OSLBOX" run --report sub/r.json -- sh -c "mv sub sub.old && ln -s '$elsewhere' sub"
        is "$?" 0 "a command that swaps the report's directory for a symlink runs (as $who)"
        check "... nothing is written through the symlink (as $who)" test ! -e "$elsewhere/r.json"
        is "$(field "$wd/sub.old/r.json" 'r["exit_code"]')" 0 "... the report is in the directory the run started with (as $who)"
        rm -rf "$wd/sub" "$wd/sub.old"

        # A report that cannot be made is refused before the run, or (when the
        # command spoils it) after it, with one line and 125.
        rm -f "$wd/ran"
        err=$(as "$who" "$OSLBOX" run --report nodir/r.json -- touch ran 2>&1); rc=$?
        is "$rc" 125 "--report in a missing directory: 125 (as $who)"
        case "$err" in "oslbox: "*"/nodir/r.json: No such file or directory") ok "... naming it (as $who)";;
                *) not_ok "... naming it (as $who)"; diag "got: '$err'";; esac
        check "... before the command ran (as $who)" test ! -e "$wd/ran"
        err=$(as "$who" timeout -k 2 10 "$OSLBOX" run --report planted.json -- sh -c 'rm -f planted.json; mkdir planted.json' 2>&1); rc=$?
        is "$rc" 125 "a command that puts a directory at the report's name: 125 (as $who)"
        case "$err" in "oslbox: cannot write the report "*"/planted.json: Is a directory") ok "... saying so (as $who)";;
                *) not_ok "... saying so (as $who)"; diag "got: '$err'";; esac
        is "$(find "$wd" -maxdepth 1 -name '.oslbox-report-*' | wc -l)" 0 "... and no temporary file is left (as $who)"
        rm -rf "$wd/planted.json"
done
done_testing
