#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The seccomp filter: the default deny table, TIOCSTI, clone3, x32, syscalls newer than the
# table, socketpair, personality, allow-syscall and deny-syscall.
. "$OSLBOX_SRCDIR/tests/integ/lib.sh"

# The default filter, syscall -> errno. Each row: the probe as it would be
# used; a probe the kernel itself answers with something other than that
# errno (a missing mount point, a NULL attr, user-mode-only userfaultfd), so
# that the errno can only come from the filter; the name allow-syscall takes;
# the errno.
table='
mount            | mount /oslbox-no-such-dir  | mount           | EPERM
umount           | umount /oslbox-no-such-dir | umount2         | EPERM
unshare-user     | unshare-user               | unshare         | EPERM
clone-newuser    | clone-newuser              | clone           | EPERM
bpf              | bpf bad                    | bpf             | EPERM
keyctl           | keyctl                     | keyctl          | EPERM
io_uring_setup   | io_uring_setup             | io_uring_setup  | EPERM
perf_event_open  | perf_event_open            | perf_event_open | EPERM
userfaultfd      | userfaultfd user           | userfaultfd     | EPERM
setns            | setns                      | setns           | EPERM
clone3           | clone3                     | clone3          | ENOSYS
nr 467           | nr 467                     | open_tree_attr  | EPERM
nr 457           | nr 457                     | statmount       | EPERM
nr 458           | nr 458                     | listmount       | EPERM
'

# Where the kernel, not the filter, refuses the relaxed probe: say why.
kernel_refuses() {
        local v
        case "$1" in
        io_uring_setup)
                v=$(cat /proc/sys/kernel/io_uring_disabled 2>/dev/null || echo 0)
                [ "$v" != 0 ] && echo "kernel.io_uring_disabled=$v: no io_uring for unprivileged callers";;
        bpf)
                # Before Linux 6.5 the unprivileged check came before reading attr.
                v=$(cat /proc/sys/kernel/unprivileged_bpf_disabled 2>/dev/null || echo 0)
                [ "$v" != 0 ] && [ "$(printf '%s\n' "$(uname -r)" 6.5 | sort -V | head -1)" != 6.5 ] &&
                        echo "Linux < 6.5 with unprivileged_bpf_disabled=$v: bpf() refuses before reading attr";;
        esac
        return 0
}

for who in $USERS; do
        wd=$(workdir "$who")
        as "$who" true

        while IFS='|' read -r -u 3 plain disc name errno; do
                plain=$(echo $plain) disc=$(echo $disc) name=$(echo $name) errno=$(echo $errno)
                [ -n "$plain" ] || continue
                # shellcheck disable=SC2086 # probe arguments split on purpose
                is "$(as "$who" "$OSLBOX" run -- ./probe $plain)" "$errno" "$plain: $errno inside (as $who)"
                [ "$disc" = "$plain" ] ||
                        is "$(as "$who" "$OSLBOX" run -- ./probe $disc)" "$errno" "$disc: $errno inside (as $who)"
                why=$(kernel_refuses "$name")
                if [ -n "$why" ]; then
                        skip "$why"
                        continue
                fi
                got=$(as "$who" "$OSLBOX" run --allow-syscall "$name" -- ./probe $disc)
                case "$got" in
                "$errno") not_ok "$disc: not $errno with --allow-syscall $name (as $who)";;
                OK|E[A-Z]*) ok "$disc: $got with --allow-syscall $name (as $who)";;
                *) not_ok "$disc: a result with --allow-syscall $name (as $who)"; diag "got: '$got'";;
                esac
        done 3<<< "$table"

        # ptrace of another process of the sandbox: the shell's child, which
        # the probe inherits by exec (a tracer's own child, allowed by Yama).
        # (Its stdout elsewhere, so that $(...) need not wait for it.)
        traced='sleep 5 >/dev/null & exec ./probe ptrace $!'
        is "$(as "$who" "$OSLBOX" run -- sh -c "$traced")" EPERM \
                "ptrace of another sandboxed process: EPERM (as $who)"
        is "$(as "$who" "$OSLBOX" run --allow-syscall ptrace -- sh -c "$traced")" OK \
                "... OK with --allow-syscall ptrace (as $who)"
        is "$(as "$who" sh -c 'sleep 5 >/dev/null & echo $! > traced.pid; exec ./probe ptrace $!')" OK \
                "... OK outside (as $who)"
        kill "$(cat "$wd/traced.pid")" 2>/dev/null; rm -f "$wd/traced.pid"

        # clone3 says ENOSYS (in the table), so that libc falls back to
        # clone, whose flags the filter can see.
        is "$(as "$who" ./probe clone3)" OK "clone3: OK outside (as $who)"
        is "$(as "$who" "$OSLBOX" run -- python3 -c 'import threading as t; x = t.Thread(target=print, args=("thread",)); x.start(); x.join()')" \
                thread "... so libc falls back to clone: a thread starts (as $who)"

        # TIOCSTI needs a terminal on fd 0: --pty gives the command one.
        out=$(as "$who" "$OSLBOX" run --pty -- sh -c 'test -t 0 && echo tty; ./probe tiocsti; ./probe tiocsti high' </dev/null | tr -d '\r')
        is "$out" "tty
EPERM
EPERM" "TIOCSTI on the sandbox's terminal: EPERM, high bits set too (as $who)"
        out=$(as "$who" "$OSLBOX" run --pty --allow-syscall ioctl -- sh -c 'test -t 0 && echo tty; ./probe tiocsti; ./probe tiocsti high' </dev/null | tr -d '\r')
        is "$out" "tty
EPERM
EPERM" "... still EPERM with --allow-syscall ioctl (as $who)"
        out=$(as "$who" script -qec './probe tiocsti; ./probe tiocsti high' /dev/null </dev/null | tr -d '\r ')
        case "$out" in
        *EPERM*|"") not_ok "... not EPERM on a terminal outside (as $who)"; diag "got: '$out'";;
        *) ok "... not EPERM on a terminal outside: ${out//$'\n'/ } (as $who)";;
        esac

        # Another ABI: the process is killed (SIGSYS), not given an errno.
        out=$(as "$who" "$OSLBOX" run -- ./probe x32 2>/dev/null); rc=$?
        is "$rc" 159 "an x32 syscall kills the process: 128+SIGSYS (as $who)"
        is "$out" "" "... before it can print (as $who)"
        out=$(as "$who" ./probe x32); rc=$?
        is "$rc:${out:+printed}" "0:printed" "... outside it returns ($out) (as $who)"

        # Numbers past the reviewed table fail with ENOSYS. The kernel says
        # ENOSYS for them too, so a filter oslbox inherits fails them with
        # ENOTBLK first: the sandbox's own filter, newer, wins with ENOSYS;
        # without a rule of its own the older filter's ENOTBLK would show.
        is "$(as "$who" ./probe deny 470,500 ENOTBLK ./probe nr 470)" ENOTBLK \
                "syscall 470 under a filter failing it with ENOTBLK: ENOTBLK outside (as $who)"
        for nr in 470 500; do
                is "$(as "$who" ./probe deny 470,500 ENOTBLK "$OSLBOX" run -- ./probe nr "$nr")" ENOSYS \
                        "... syscall $nr, past the table: ENOSYS from the sandbox's filter (as $who)"
        done
        is "$(as "$who" ./probe deny 469 ENOTBLK "$OSLBOX" run -- ./probe nr 469)" ENOTBLK \
                "... twin: syscall 469 (file_setattr), the newest reviewed, is allowed through (as $who)"

        # socketpair() as socket(): only AF_UNIX with --net none, never AF_VSOCK.
        is "$(as "$who" "$OSLBOX" run -- ./probe socketpair unix)" OK "socketpair(AF_UNIX) works by default (as $who)"
        outside=$(as "$who" ./probe socketpair inet)
        case "$outside" in EPERM|"") not_ok "socketpair(AF_INET) is not EPERM outside (as $who)"; diag "got: '$outside'";;
                *) ok "socketpair(AF_INET) is not EPERM outside: $outside (as $who)";; esac
        for af in inet inet6 netlink; do
                is "$(as "$who" "$OSLBOX" run -- ./probe socketpair "$af")" EPERM "socketpair($af): EPERM by default (as $who)"
                got=$(as "$who" "$OSLBOX" run --net host -- ./probe socketpair "$af")
                is "$got" "$(as "$who" ./probe socketpair "$af")" "... with --net host what the kernel says: $got (as $who)"
        done
        is "$(as "$who" "$OSLBOX" run --net host -- ./probe socketpair vsock)" EPERM \
                "socketpair(AF_VSOCK): EPERM with --net host too (as $who)"

        # personality(): Docker's values only.
        for v in 0 0x8 0x20000 0x20008 0xffffffff; do
                is "$(as "$who" "$OSLBOX" run -- ./probe personality "$v")" OK "personality($v): OK inside (as $who)"
        done
        for v in 0x0040000 0x0400000 0x0040008; do     # ADDR_NO_RANDOMIZE, READ_IMPLIES_EXEC
                is "$(as "$who" "$OSLBOX" run -- ./probe personality "$v")" EPERM "personality($v): EPERM inside (as $who)"
                is "$(as "$who" "$OSLBOX" run --allow-syscall personality -- ./probe personality "$v")" OK \
                        "... OK with --allow-syscall personality (as $who)"
                is "$(as "$who" ./probe personality "$v")" OK "... OK outside (as $who)"
        done
        out=$(as "$who" "$OSLBOX" run -- setarch -R true 2>&1); rc=$?
        case "$rc:$out" in 0:*) not_ok "setarch -R (ADDR_NO_RANDOMIZE) fails inside (as $who)";;
                *) ok "setarch -R (ADDR_NO_RANDOMIZE) fails inside: ${out//$'\n'/ } (as $who)";; esac

        # deny-syscall: a normally allowed call fails.
        is "$(as "$who" "$OSLBOX" run -- ./probe uname)" OK "uname: OK inside by default (as $who)"
        is "$(as "$who" "$OSLBOX" run --deny-syscall uname -- ./probe uname)" EPERM "... EPERM with --deny-syscall uname (as $who)"
        err=$(as "$who" "$OSLBOX" run --deny-syscall uname -- uname -n 2>&1); rc=$?
        case "$rc:$err" in 0:*) not_ok "... uname(1) fails (as $who)"; diag "got: '$err'";;
                *"Operation not permitted"*) ok "... uname(1) fails: Operation not permitted (as $who)";;
                *) not_ok "... uname(1) fails with EPERM (as $who)"; diag "got: '$err'";; esac
        is "$(as "$who" "$OSLBOX" run --deny-syscall uname --allow-syscall uname -- ./probe uname)" OK \
                "... the last of deny/allow wins (as $who)"

        # An unknown name is a usage error, not a silently weaker filter.
        for opt in --allow-syscall --deny-syscall; do
                err=$(as "$who" "$OSLBOX" run "$opt" no_such_syscall_xyz -- true 2>&1); rc=$?
                is "$rc" 125 "$opt with an unknown name exits 125 (as $who)"
                case "$err" in "oslbox: "*no_such_syscall_xyz*) ok "... naming it (as $who)";;
                        *) not_ok "... naming it (as $who)"; diag "got: '$err'";; esac
        done
        as "$who" "$OSLBOX" run --deny-syscall getpriority -- true
        is "$?" 0 "... while a known one runs (as $who)"
done

done_testing
