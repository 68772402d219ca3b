#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Resource limits (setrlimit): applied inside, validated outside.
. "$OSLBOX_SRCDIR/tests/integ/lib.sh"

for who in $USERS; do
        out=$(as "$who" "$OSLBOX" run --rlimit nofile=64 -- sh -c 'ulimit -n; ulimit -Hn')
        is "$out" "64
64" "--rlimit nofile=64: soft and hard are 64 inside (as $who)"
        out=$(as "$who" "$OSLBOX" run --rlimit nofile=32:64 -- sh -c 'ulimit -n; ulimit -Hn')
        is "$out" "32
64" "--rlimit nofile=32:64: soft 32, hard 64 (as $who)"
        # The limit is the command's, not the sandbox's init: however low,
        # init still takes its fds (the PTY too) and polls its channels.
        out=$(as "$who" "$OSLBOX" run --rlimit nofile=4 -- sh -c 'ulimit -n' </dev/null 2>&1)
        is "$out" 4 "--rlimit nofile=4: the command runs with it (as $who)"
        out=$(as "$who" "$OSLBOX" run --pty --rlimit nofile=4 -- sh -c 'ulimit -n' </dev/null 2>&1)
        is "$(printf '%s' "$out" | tr -d '\r')" 4 "--rlimit nofile=4 with --pty (as $who)"
        out=$(as "$who" "$OSLBOX" run -- sh -c 'ulimit -n')
        outside=$(as "$who" sh -c 'ulimit -n')
        is "$out" "$outside" "without --rlimit the limit is the caller's (as $who)"
        out=$(as "$who" "$OSLBOX" run --rlimit fsize=1K -- sh -c 'head -c 4096 /dev/zero > f 2>/dev/null; wc -c < f')
        is "$out" 1024 "--rlimit fsize=1K stops a file at 1024 bytes (as $who)"
        out=$(as "$who" "$OSLBOX" run --rlimit as=unlimited --rlimit core=0 -- sh -c 'ulimit -c')
        is "$out" 0 "--rlimit core=0 (as $who)"
        out=$(as "$who" "$OSLBOX" run --rlimit nofile=64 --rlimit nofile=48 -- sh -c 'ulimit -n')
        is "$out" 48 "a later rlimit for the same resource wins (as $who)"

        for bad in "nofile=64:32" "nofiles=10" "nofile" "nofile=abc" "nofile=-1" "stack=1X" "nofile=" \
                   "cpu=99999999999999999999999"; do
                err=$(as "$who" "$OSLBOX" run --rlimit "$bad" -- true 2>&1); rc=$?
                if [ "$rc" -eq 125 ] && [ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] &&
                   printf '%s' "$err" | grep -qF "'$bad'"; then
                        ok "--rlimit $bad exits 125 quoting the value (as $who)"
                else
                        not_ok "--rlimit $bad exits 125 quoting the value (as $who)"; diag "rc=$rc: $err"
                fi
        done
done

# Raising a hard limit is refused up front, not half-applied inside.
hard=$(as "$TEST_USER" sh -c 'ulimit -Hn' 2>/dev/null || ulimit -Hn)
if [ "$hard" != unlimited ]; then
        err=$(as "$(echo $USERS | awk '{print $NF}')" "$OSLBOX" run --rlimit "nofile=$((hard + 1))" -- true 2>&1); rc=$?
        is "$rc" 125 "a hard limit above the caller's is refused"
        case "$err" in *"only lower"*) ok "... saying a sandbox can only lower limits";;
                *) not_ok "... saying a sandbox can only lower limits: $err";; esac
fi
done_testing
