#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Memory, pids and cpu limits through cgroups (v2 or v1), and what happens
# without a usable cgroup: refusal, or rlimits with resources best-effort.
. "$OSLBOX_SRCDIR/tests/integ/lib.sh"

# can WHO CONTROLLER: whether oslbox doctor says WHO can get a cgroup with it.
can() {
        as "$1" "$OSLBOX" doctor --json 2>/dev/null | python3 -c '
import json, sys
c = json.load(sys.stdin)["cgroup"]
want = sys.argv[1]
v2 = c.get("v2_can_create") and want in (c.get("v2_controllers") or "").split()
v1 = (c.get("v1") or {}).get(want, {}).get("can_create")
sys.exit(0 if v2 or v1 else 1)' "$2"
}

# osb USER ARGS...: oslbox ARGS as USER, its pid noted (its cgroups are
# named after it); mine_left USER: how many cgroups of those runs are left.
# Other scripts running at the same time leave and remove cgroups of their
# own: a count of every oslbox cgroup on the host would see theirs.
osb() {
        local who=$1; shift
        as "$who" sh -c 'echo $$ >> "$0"; exec "$@"' "$T/cg-$who.pids" "$OSLBOX" "$@"
}
mine_left() {
        local pid n=0
        while read -r pid; do
                [ -z "$(find /sys/fs/cgroup -maxdepth 6 -type d -name "oslbox-$pid-*" 2>/dev/null)" ] || n=$((n + 1))
        done < "$T/cg-$1.pids"
        echo "$n"
}

# forks N: how many of N children that sleep 2 s could be started.
forks='
import os, sys, time
n = 0
for i in range(int(sys.argv[1])):
    try:
        pid = os.fork()
    except OSError:
        continue
    if pid == 0:
        time.sleep(2)
        os._exit(0)
    n += 1
print(n)'
hog='import sys; x = bytearray(int(sys.argv[1]) * 1024 * 1024); print("survived")'
report_field() { python3 -c 'import json,sys; v = json.load(open(sys.argv[1]))[sys.argv[2]]; print("null" if v is None else str(v).lower())' "$1" "$2"; }

for who in $USERS; do
        wd=$(workdir "$who")
        : > "$T/cg-$who.pids"
        chown "$who:" "$T/cg-$who.pids" 2>/dev/null
        # --- memory ---------------------------------------------------------
        if can "$who" memory; then
                err=$(osb "$who" run --memory 64M --report report.json -- python3 -c "$hog" 200 2>&1 >/dev/null); rc=$?
                is "$rc" 137 "a 200M hog under --memory 64M is killed: 128+9 (as $who)"
                is "$err" "oslbox: command killed: out of memory (limit 64M)" "... and oslbox says so (as $who)"
                is "$(report_field "$wd/report.json" oom_killed)" true "... the report says oom_killed (as $who)"
                peak=$(report_field "$wd/report.json" memory_peak_kb)
                if [ "$peak" != null ] && [ "$peak" -le $((64 * 1024 + 1024)) ] && [ "$peak" -ge $((32 * 1024)) ]; then
                        ok "... memory_peak_kb $peak is near the limit (as $who)"
                else
                        not_ok "... memory_peak_kb near the limit: $peak (as $who)"
                fi
                out=$(osb "$who" run --memory 256M -- python3 -c "$hog" 32)
                is "$out" survived "a 32M process under --memory 256M survives (as $who)"
        elif [ "$(id -u)" -eq 0 ] && [ "$who" = root ]; then
                skip "no memory cgroup controller here (neither delegated cgroup v2 nor cgroup v1)"
        else
                err=$(osb "$who" run --memory 64M -- true 2>&1); rc=$?
                is "$rc" 125 "no usable cgroup: --memory refuses with 125 (as $who)"
                case "$err" in "oslbox: "*"cgroup"*"best-effort"*) ok "... naming the cgroup and --resources best-effort (as $who)";;
                        *) not_ok "... naming the cgroup and best-effort: $err";; esac
                is "$(printf '%s\n' "$err" | wc -l)" 1 "... in one line (as $who)"
                out=$(osb "$who" run --memory 64M --resources best-effort -- sh -c 'ulimit -v' 2>"$T/err")
                is "$out" 65536 "resources best-effort: --memory 64M becomes RLIMIT_AS 64M (as $who)"
                case "$(cat "$T/err")" in "oslbox: warning: "*"RLIMIT_AS"*) ok "... with a warning line (as $who)";;
                        *) not_ok "... with a warning line: $(cat "$T/err")";; esac
                out=$(osb "$who" run --memory 64M --resources best-effort -- python3 -c "$hog" 200 2>/dev/null); rc=$?
                [ "$rc" -ne 0 ] && [ "$out" != survived ] && ok "... and a 200M allocation fails (as $who)" ||
                        not_ok "... a 200M allocation fails under best-effort (rc=$rc, $out)"
        fi

        # --- pids -----------------------------------------------------------
        if can "$who" pids; then
                # 100 sleepers: all start without a limit, not under --pids 64.
                out=$(osb "$who" run -- python3 -c "$forks" 100)
                is "$out" 100 "without --pids, 100 processes start (as $who)"
                out=$(osb "$who" run --pids 64 -- python3 -c "$forks" 100 2>/dev/null)
                if [ -n "$out" ] && [ "$out" -le 64 ]; then ok "under --pids 64 at most 64 start ($out) (as $who)"
                else not_ok "under --pids 64 at most 64 start: '$out' (as $who)"; fi

                marker="oslbox-forkbomb-$$-$who"
                start=$(date +%s)
                osb "$who" run --pids 64 --timeout 8s -- sh -c ": $marker; b() { b | b & }; b; sleep 4" >/dev/null 2>&1 &
                bomb=$!
                sleep 2
                n=$(pgrep -f "$marker" | wc -l)
                t0=$(date +%s%N); /bin/true; t1=$(date +%s%N)
                if [ "$n" -le 66 ]; then ok "a fork bomb under --pids 64 is contained ($n processes) (as $who)"
                else not_ok "a fork bomb under --pids 64 is contained: $n processes (as $who)"; fi
                [ $(( (t1 - t0) / 1000000 )) -lt 1000 ] && ok "... the host stays responsive (as $who)" ||
                        not_ok "... the host stays responsive (as $who)"
                wait "$bomb"
                end=$(date +%s)
                [ $((end - start)) -le 12 ] && ok "... the run ends in bounded time (as $who)" ||
                        not_ok "... the run ends in bounded time: $((end - start)) s (as $who)"
                sleep 0.2
                is "$(pgrep -f "$marker" | wc -l)" 0 "... and nothing of it survives (as $who)"

                # An oslbox killed with SIGKILL cannot remove its cgroup; the next run does.
                # oslbox writes its own pid: how many shells stand between
                # $! and it depends on bash, not on the test.
                wd=$(workdir "$who")
                rm -f "$wd/victim.pid"
                as "$who" sh -c 'echo $$ > victim.pid; exec "$@"' sh "$OSLBOX" run --pids 64 -- sleep 30 &
                victim=$!
                for _ in $(seq 500); do [ -s "$wd/victim.pid" ] && break; sleep 0.02; done
                # Killed once its cgroup exists (a loaded host may take long to get there).
                vpid=$(cat "$wd/victim.pid") made=0
                for _ in $(seq 500); do
                        made=$(find /sys/fs/cgroup -maxdepth 6 -type d -name "oslbox-$vpid-*" 2>/dev/null | wc -l)
                        [ "$made" -gt 0 ] && break
                        sleep 0.02
                done
                sleep 0.2
                kill -KILL "$vpid" 2>/dev/null
                wait "$victim" 2>/dev/null
                sleep 0.5
                # Any run removes it, one of another script's too: it must
                # have existed, and be gone once ours has run.
                osb "$who" run --pids 64 -- true
                now=$(find /sys/fs/cgroup -maxdepth 6 -type d -name "oslbox-$vpid-*" 2>/dev/null | wc -l)
                if [ "$made" -gt 0 ] && [ "$now" -eq 0 ]; then
                        ok "a SIGKILLed run's cgroup is removed by the next run (as $who)"
                else
                        not_ok "a SIGKILLed run's cgroup is removed by the next run: $made made, $now left (as $who)"
                fi
        elif [ "$who" = root ]; then
                skip "no pids cgroup controller here (neither delegated cgroup v2 nor cgroup v1)"
        else
                err=$(osb "$who" run --pids 64 -- true 2>&1); rc=$?
                is "$rc" 125 "no usable cgroup: --pids refuses with 125 (as $who)"
                # RLIMIT_NPROC 6 (5 and init), counted in the sandbox's user
                # namespace (Linux >= 5.14): init and python leave room for
                # 4 children, whatever else the user runs outside.
                sleepers=""
                for i in 1 2 3 4 5 6; do
                        (exec_as "$who" sleep 5) &
                        sleepers="$sleepers $!"
                done
                sleep 0.3
                out=$(osb "$who" run --pids 5 --resources best-effort -- python3 -c "$forks" 8 2>/dev/null)
                is "$out" 4 "resources best-effort: --pids 5 is RLIMIT_NPROC over the sandbox's processes only (as $who)"
                kill $sleepers 2>/dev/null; wait $sleepers 2>/dev/null
        fi

        # --- cpu ------------------------------------------------------------
        if can "$who" cpu; then
                spin='while :; do :; done'
                osb "$who" run --cpus 0.1 --timeout 2s --report cpu.json -- sh -c "$spin" 2>/dev/null
                slow=$(report_field "$wd/cpu.json" cpu_ms)
                osb "$who" run --timeout 2s --report cpu.json -- sh -c "$spin" 2>/dev/null
                fast=$(report_field "$wd/cpu.json" cpu_ms)
                # 0.1 CPU for 2 s is 200 ms at most (plus a period's slack);
                # unlimited, it gets clearly more: a loaded host may give it well under a
                # CPU, so the twin is compared with the limited run, not with 900 ms.
                if [ "$slow" -lt 450 ] && [ "$fast" -gt $((slow + 250)) ]; then
                        ok "--cpus 0.1 throttles a busy loop: $slow ms of CPU in 2 s, $fast ms without (as $who)"
                else
                        not_ok "--cpus 0.1 throttles a busy loop: $slow ms vs $fast ms (as $who)"
                fi
        elif [ "$who" = root ]; then
                skip "no cpu cgroup controller here (neither delegated cgroup v2 nor cgroup v1)"
        fi
        sleep 0.2
        is "$(mine_left "$who")" 0 "the run's cgroups are removed afterwards (as $who)"
done

# --- the default process limit ------------------------------------------------
# A capped bomb: starts up to N tasks and prints how many it started. The
# kernel counts threads as it counts processes, for the pids cgroup and for
# RLIMIT_NPROC alike, and a thread costs a fraction of a fork, so the 4300
# tasks are threads of one process, whose arguments hold the marker for
# pgrep. The default allows 4096 (init, the bomb and 4095 more): with a
# cgroup for root, with RLIMIT_NPROC for the others.
bomb='
import sys, threading
threading.stack_size(65536)
hold = threading.Event()
n = 0
for i in range(int(sys.argv[1])):
    try:
        threading.Thread(target=hold.wait, daemon=True).start()
    except RuntimeError:
        break
    n += 1
print(n, flush=True)'
for who in $USERS; do
        if [ "$who" = root ] && ! can root pids; then
                skip "root without a pids cgroup: RLIMIT_NPROC does not bind for uid 0, the default limit cannot"
                continue
        fi
        marker="oslbox-default-bomb-$$-$who"
        out=$(as "$who" "$OSLBOX" run --timeout 200s -- python3 -c "$bomb" 4300 "$marker" 2>"$T/err")
        if [ -n "$out" ] && [ "$out" -ge 4000 ] && [ "$out" -le 4095 ]; then
                ok "by default, a capped bomb of 4300 tasks stops near 4096: $out started (as $who)"
        else
                not_ok "by default, a capped bomb of 4300 tasks stops near 4096: '$out' started (as $who)"
        fi
        is "$(cat "$T/err")" "" "... with no warning and no refusal (as $who)"
        sleep 0.5
        is "$(pgrep -f "$marker" | wc -l)" 0 "... and nothing of it survives the run (as $who)"
        out=$(as "$who" "$OSLBOX" run --pids 4200 --resources best-effort --timeout 200s -- \
                python3 -c "$bomb" 4300 "$marker" 2>/dev/null)
        if [ -n "$out" ] && [ "$out" -gt 4095 ]; then
                ok "... a higher --pids lifts it: $out started under --pids 4200 (as $who)"
        else
                not_ok "... a higher --pids lifts it: '$out' started under --pids 4200 (as $who)"
        fi
        sleep 0.5
done

for bad in "0" "-5" "1X" "abc"; do
        err=$("$OSLBOX" run --memory "$bad" -- true 2>&1); rc=$?
        [ "$rc" -eq 125 ] && printf '%s' "$err" | grep -qF "'$bad'" && ok "--memory $bad: 125 quoting it" ||
                not_ok "--memory $bad: 125 quoting it: $err"
done
for bad in "0" "-1" "x" "99999999999"; do
        err=$("$OSLBOX" run --pids "$bad" -- true 2>&1); rc=$?
        [ "$rc" -eq 125 ] && printf '%s' "$err" | grep -qF "'$bad'" && ok "--pids $bad: 125 quoting it" ||
                not_ok "--pids $bad: 125 quoting it: $err"
done
for bad in "0" "1.0001" ".5" "x"; do
        err=$("$OSLBOX" run --cpus "$bad" -- true 2>&1); rc=$?
        [ "$rc" -eq 125 ] && printf '%s' "$err" | grep -qF "'$bad'" && ok "--cpus $bad: 125 quoting it" ||
                not_ok "--cpus $bad: 125 quoting it: $err"
done
done_testing
