#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The supervisor: --timeout and --kill-after, signals to oslbox, nothing left behind.
. "$OSLBOX_SRCDIR/tests/integ/lib.sh"

SLEEP=$(readlink -f "$(command -v sleep)")
RUN_ID=oslbox-sup-$$-$RANDOM
_n=0
BG='' BG_PIDFILE=''

# Stop a background run a failed check left behind: its oslbox, by pid (the
# sandbox dies with it, as checked below), and the job.
cleanup() {
        [ -n "$BG" ] || return 0
        [ -s "$BG_PIDFILE" ] && kill -KILL "$(cat "$BG_PIDFILE")" 2>/dev/null
        kill -KILL "$BG" 2>/dev/null
}
at_exit cleanup

now_ms() { local t=${EPOCHREALTIME/[.,]/}; echo $((t / 1000)); }

# marker WHO: sets m to a new name unique to this run, and makes a symlink
# of that name to sleep in WHO's working directory: `./$m 100` is a sleep
# the host finds with pgrep -f "$m".
marker() {
        _n=$((_n + 1))
        m=$RUN_ID-$_n
        ln -s "$SLEEP" "$(workdir "$1")/$m"
}

# left MARKER: the processes with MARKER in their command line, one line each.
left() { pgrep -a -f -- "$1"; }

# gone_within MS MARKER: true once no process carries MARKER, polling for MS.
gone_within() {
        local end=$(($(now_ms) + $1))
        while left "$2" >/dev/null; do
                [ "$(now_ms)" -ge "$end" ] && return 1
                sleep 0.05
        done
}

# running N MARKER: true once N processes run `./MARKER 100` (3 s at most).
running() {
        local i
        for i in $(seq 60); do
                [ "$(pgrep -c -x -f -- "./$2 100")" -ge "$1" ] && return 0
                sleep 0.05
        done
        return 1
}

# wait_file PATH: true once PATH exists (3 s at most).
wait_file() {
        local i
        for i in $(seq 60); do [ -e "$1" ] && return 0; sleep 0.05; done
        return 1
}

# timed WHO ARGS...: runs `oslbox run ARGS...` as WHO; sets RC and MS (elapsed).
timed() {
        local who=$1 t0; shift
        t0=$(now_ms)
        as "$who" "$OSLBOX" run "$@" >/dev/null 2>&1
        RC=$?
        MS=$(($(now_ms) - t0))
}

# between LO HI DESCRIPTION: ok when LO <= $MS < HI. A loaded machine only
# makes a run slower: each HI sits just below the least the wrong behaviour
# would take (a grace applied that was not due, or the default one instead
# of the one given), not at what a quiet machine takes.
between() {
        if [ "$MS" -ge "$1" ] && [ "$MS" -lt "$2" ]; then ok "$3 (${MS} ms)"
        else not_ok "$3"; diag "took $MS ms, want [$1, $2)"; fi
}

# nothing_left MARKER DESCRIPTION: no process with MARKER exists now.
nothing_left() {
        local l
        if l=$(left "$1"); then not_ok "$2"; diag "left: $l"; else ok "$2"; fi
}

# start_bg WHO ARGS...: starts `oslbox run ARGS...` as WHO in the background;
# BG is the job, its oslbox writes its pid to oslbox.pid in WHO's directory.
start_bg() {
        local who=$1; shift
        BG_PIDFILE=$(workdir "$who")/oslbox.pid
        rm -f "$BG_PIDFILE"
        as "$who" sh -c 'echo $$ > oslbox.pid; exec "$@"' sh "$OSLBOX" run "$@" 2>/dev/null &
        BG=$!
}

# finish_bg: waits for the background run; sets RC.
finish_bg() { wait "$BG"; RC=$?; BG=; }

for who in $USERS; do
        as "$who" true      # creates the working directory
        wd=$(workdir "$who")

        # --- --timeout ------------------------------------------------------------
        marker "$who"
        timed "$who" --timeout 1s -- "./$m" 100
        is "$RC" 124 "--timeout 1s: sleep 100 ends with 124 (as $who)"
        between 950 2950 "... after 1 s, within the 2 s default grace (as $who)"
        nothing_left "$m" "... and no process of it is left (as $who)"

        marker "$who"
        timed "$who" --timeout 1s --kill-after 1s -- sh -c "trap '' TERM; ./$m 100"
        is "$RC" 124 "a command ignoring SIGTERM: 124 (as $who)"
        between 1900 2950 "... SIGKILLed 1 s after SIGTERM with --kill-after 1s (as $who)"
        nothing_left "$m" "... nothing left (as $who)"

        marker "$who"
        timed "$who" --timeout 1s --kill-after 1s -- sh -c "./$m 100"
        is "$RC" 124 "twin: a command that dies of SIGTERM: 124 (as $who)"
        between 950 1950 "... right after 1 s, no grace needed (as $who)"
        nothing_left "$m" "... nothing left (as $who)"

        marker "$who"
        timed "$who" --timeout 100ms -- sh -c "trap '' TERM; ./$m 100"
        is "$RC" 124 "ignoring SIGTERM, --timeout 100ms, default grace: 124 (as $who)"
        between 2050 10000 "... SIGKILLed 2 s after SIGTERM by default (as $who)"
        nothing_left "$m" "... nothing left (as $who)"

        marker "$who"
        timed "$who" --timeout 300ms --kill-after 200ms -- sh -c "trap '' TERM; ./$m 100"
        is "$RC" 124 "ignoring SIGTERM, --timeout 300ms --kill-after 200ms: 124 (as $who)"
        between 450 2250 "... SIGKILLed 200 ms after SIGTERM (as $who)"
        nothing_left "$m" "... nothing left (as $who)"

        marker "$who"
        timed "$who" --timeout 0 -- sh -c "./$m 0.3; echo done"
        is "$RC" 0 "--timeout 0: no timeout, the command ends by itself (as $who)"

        # --- what the command leaves behind ---------------------------------------
        # A daemon: forked twice, in a session of its own; it says when it runs.
        marker "$who"
        rm -f "$wd/ready"
        timed "$who" -- sh -c "(setsid sh -c 'echo > ready; exec ./$m 100' &)
                while [ ! -e ready ]; do sleep 0.01; done; exit 5"
        is "$RC" 5 "a command that leaves a setsid daemon exits with its own status (as $who)"
        check "... the daemon had started (as $who)" test -e "$wd/ready"
        nothing_left "$m" "... and is gone when oslbox returns (as $who)"

        # --- signals to oslbox ----------------------------------------------------
        for sig in TERM KILL; do
                marker "$who"
                start_bg "$who" -- sh -c "(setsid ./$m 100 &); exec ./$m 100"
                if running 2 "$m" && wait_file "$wd/oslbox.pid"; then
                        ok "SIG$sig: the command and its daemon run (as $who)"
                else
                        not_ok "SIG$sig: the command and its daemon run (as $who)"; diag "$(left "$m")"
                fi
                kill -"$sig" "$(cat "$wd/oslbox.pid")"
                finish_bg
                if [ "$sig" = TERM ]; then
                        is "$RC" 143 "... SIGTERM to oslbox reaches the command: 128+15 (as $who)"
                        nothing_left "$m" "... and nothing of the sandbox is left when oslbox returns (as $who)"
                else
                        is "$RC" 137 "... SIGKILL ends oslbox (as $who)"
                        if gone_within 1000 "$m"; then ok "... and within 1 s nothing of the sandbox is left (as $who)"
                        else not_ok "... and within 1 s nothing of the sandbox is left (as $who)"; diag "left: $(left "$m")"; fi
                fi
        done

        for sig in INT HUP QUIT; do
                marker "$who"
                num=$(kill -l "$sig")
                start_bg "$who" -- "./$m" 100
                running 1 "$m" && wait_file "$wd/oslbox.pid"
                kill -"$sig" "$(cat "$wd/oslbox.pid")"
                finish_bg
                is "$RC" $((128 + num)) "SIG$sig to oslbox kills the command: 128+$num (as $who)"
                nothing_left "$m" "... nothing left (as $who)"
        done

        # A trap inside says which signal came.
        for sig in INT HUP TERM; do
                marker "$who"
                rm -f "$wd/ready" "$wd/trap.out"
                traps=
                for s in INT HUP TERM; do traps="$traps trap 'echo $s > trap.out; exit 7' $s;"; done
                start_bg "$who" -- sh -c "$traps echo > ready; ./$m 100"
                wait_file "$wd/ready" && wait_file "$wd/oslbox.pid"
                kill -"$sig" "$(cat "$wd/oslbox.pid")"
                finish_bg
                is "$RC:$(cat "$wd/trap.out" 2>/dev/null)" "7:$sig" \
                        "SIG$sig to oslbox reaches the command's trap as SIG$sig; its status is oslbox's (as $who)"
        done

        # --- init under a policy that denies the calls init makes ------------------------
        # The policy's seccomp filter binds the command only: init's loop
        # (poll, read of its signalfd, waitpid, kill, ...) keeps working.
        # (A --timeout ends a run whose init is stuck: it kills init.)
        lim='--timeout 5s --kill-after 500ms'
        for sc in poll read wait4 kill rt_sigaction signalfd4 sendto; do
                out=$(as "$who" "$OSLBOX" run $lim --deny-syscall "$sc" -- ./probe uname 2>&1); rc=$?
                is "$rc:$out" "0:OK" "--deny-syscall $sc: the command runs, and its status comes back (as $who)"
        done
        out=$(as "$who" "$OSLBOX" run $lim --deny-syscall uname -- ./probe uname 2>&1); rc=$?
        is "$rc:$out" "0:EPERM" "... twin: the command itself is under the filter (as $who)"
        out=$(as "$who" "$OSLBOX" run $lim -- sh -c 'for p in 1 self; do
                grep -E "^(CapPrm|CapEff|CapBnd|NoNewPrivs|Seccomp):" /proc/$p/status | tr -s "\t " " " | tr "\n" " "
                if cat /proc/$p/environ >/dev/null 2>&1; then echo environ readable; else echo environ unreadable; fi
        done')
        is "$out" "CapPrm: 0000000000000000 CapEff: 0000000000000000 CapBnd: 0000000000000000 NoNewPrivs: 1 Seccomp: 0 environ unreadable
CapPrm: 0000000000000000 CapEff: 0000000000000000 CapBnd: 0000000000000000 NoNewPrivs: 1 Seccomp: 2 environ readable" \
                "init: no capabilities, no_new_privs, not dumpable, no seccomp filter; the command has one (as $who)"
        mkdir -p "$wd/proj"
        echo 'deny-syscall poll' > "$wd/proj/.oslbox.policy"
        out=$(as "$who" sh -c 'cd proj && exec "$@" 2>&1' sh "$OSLBOX" run $lim -- sh -c 'exit 3'); rc=$?
        is "$rc:$out" "3:" "an untrusted project policy with deny-syscall poll: the command's status (as $who)"
        rm -rf "$wd/proj"

        # With poll denied, init neither spins nor outlives oslbox.
        marker "$who"
        start_bg "$who" --deny-syscall poll -- "./$m" 100
        init=
        if running 1 "$m" && wait_file "$wd/oslbox.pid"; then
                init=$(ps -o pid= --ppid "$(cat "$wd/oslbox.pid")" | tr -d ' ')
        fi
        if [ -n "$init" ]; then
                t0=$(awk '{ print $14 + $15 }' "/proc/$init/stat")
                sleep 1
                t1=$(awk '{ print $14 + $15 }' "/proc/$init/stat")
                ticks=$((t1 - t0)) hz=$(getconf CLK_TCK)
                if [ "$ticks" -le $((hz / 20)) ]; then ok "--deny-syscall poll: init's CPU over 1 s: $ticks ticks of $hz (as $who)"
                else not_ok "--deny-syscall poll: init's CPU over 1 s: $ticks ticks of $hz, want at most $((hz / 20)) (as $who)"; fi
        else
                not_ok "--deny-syscall poll: the command and its init run (as $who)"
        fi
        kill -KILL "$(cat "$wd/oslbox.pid")"
        finish_bg
        if gone_within 1000 "$m"; then ok "... SIGKILL of oslbox: within 1 s nothing of the sandbox is left (as $who)"
        else not_ok "... SIGKILL of oslbox: within 1 s nothing of the sandbox is left (as $who)"; diag "left: $(left "$m")"; fi
        [ -n "$init" ] && kill -KILL "$init" 2>/dev/null      # a spinning init (a failed check) would stay

        # An error of init's own calls ends the sandbox: a filter oslbox
        # inherits (wait4, which only init calls) makes init's reaping fail.
        out=$(as "$who" ./probe deny 61 EPERM "$OSLBOX" run $lim -- ./probe uname 2>&1); rc=$?
        case "$rc:$out" in
        "125:OK"*"oslbox: the sandbox's init failed (wait4: Operation not permitted)"*)
                ok "init's wait4 failing: the sandbox ends, 125, and oslbox says why (as $who)";;
        *) not_ok "init's wait4 failing: the sandbox ends, 125, and oslbox says why (as $who)"; diag "rc=$rc: $out";;
        esac

        # --- durations ----------------------------------------------------------------
        for opt in timeout kill-after; do
                for d in 500ms:500ms 30s:30s 5m:5m 1h:1h 30:30s 7200:2h 120s:2m 1500ms:1500ms; do
                        line=$(as "$who" "$OSLBOX" explain "--$opt" "${d%%:*}" 2>&1 | awk -v o="$opt" '$1 == o { print $1, $2 }')
                        is "$line" "$opt ${d#*:}" "--$opt ${d%%:*} is read as ${d#*:} (as $who)"
                done
                as "$who" "$OSLBOX" run "--$opt" 5m -- true
                is "$?" 0 "... and a run with --$opt 5m starts (as $who)"
                for bad in -1 -5s 99999999999999999999 9999999999999999h 9223372036854776ms 5x 1.5s "" s 1sec " 1s" 1s2 1S; do
                        err=$(as "$who" "$OSLBOX" run "--$opt" "$bad" -- true 2>&1); rc=$?
                        if [ "$rc" -eq 125 ] && [ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] &&
                           printf '%s' "$err" | grep -qF -- "'$bad'"; then
                                ok "--$opt '$bad' exits 125 with one line quoting it (as $who)"
                        else
                                not_ok "--$opt '$bad' exits 125 with one line quoting it (as $who)"; diag "rc=$rc: $err"
                        fi
                done
        done

        # A duration the parser accepts must not wrap around when armed: 2^64 ns
        # is 18446744073709.55 ms, so this is 584 years plus 0.45 ms.
        huge=18446744073710ms
        timed "$who" --timeout "$huge" -- sh -c 'sleep 0.3; echo done'
        if [ "$RC" -eq 125 ] || [ "$RC" -eq 0 ]; then ok "--timeout $huge is refused or never fires (as $who)"
        else not_ok "--timeout $huge is refused or never fires (as $who)"; diag "exit status $RC after $MS ms"; fi
        marker "$who"
        timed "$who" --timeout 300ms --kill-after "$huge" -- sh -c "trap '' TERM; ./$m 0.6"
        if [ "$RC" -eq 125 ] || [ "$MS" -ge 550 ]; then ok "--kill-after $huge is refused or gives a long grace (as $who)"
        else not_ok "--kill-after $huge is refused or gives a long grace (as $who)"; diag "exit status $RC after $MS ms"; fi
done
done_testing
