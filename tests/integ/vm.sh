#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# What this host cannot show: oslbox on another kernel, in a small VM booted
# with qemu (software emulation) from Debian's stock kernel and a busybox
# initramfs. There the cgroups are pure v2 (the limits through the unified
# hierarchy, delegation from a cgroup of oslbox's own, a delegated user) and
# Landlock is older than ABI 6 (network "none" through a network namespace;
# the landlock isolation mode, where a covered /proc or
# user.max_user_namespaces=0 leaves auto no namespaces, refuses below ABI 3).
. "$OSLBOX_SRCDIR/tests/integ/lib.sh"

if [ "$(uname -m)" != x86_64 ]; then
        skip "the VM test boots Debian's amd64 kernel: this host is $(uname -m)"
        done_testing
        exit
fi
busybox=$(command -v busybox || true)
qemu=$(command -v qemu-system-x86_64 || true)
if [ -z "$busybox" ] || [ -z "$qemu" ]; then
        not_ok "the VM test needs busybox and qemu-system-x86_64 (tools/install-deps --test installs them)"
        done_testing
        exit
fi
# Debian's kernel as a file in a cache, never installed: tools/install-deps
# --test fetches it, and so does this, once, when it is not there yet.
if ! kernel=$("$OSLBOX_SRCDIR/tools/vm-kernel" 2>"$T/vm-kernel.err"); then
        skip "no kernel to boot: $(cat "$T/vm-kernel.err")"
        done_testing
        exit
fi
file -L "$busybox" 2>/dev/null | grep -q 'statically linked' || {
        not_ok "$busybox is not the static busybox (busybox-static)"; done_testing; exit; }

# The initramfs: busybox, oslbox and the probe (both static), a user.
R="$T/vmroot"
mkdir -p "$R"/{bin,usr/bin,etc,root,home/user,work,opt,sbin,lib}
cp "$busybox" "$R/bin/busybox"
for a in sh mount mkdir cat echo grep ls id sleep poweroff chown chmod touch wc env cp true switch_root; do
        ln -s busybox "$R/bin/$a"
done
install -m 755 "$OSLBOX" "$PROBE" "$R/usr/bin/"
# A large program embedding liboslbox (static, as the VM has no libc): its
# sandboxes' init is oslbox-init, where such a program looks for it.
bigcaller="$OSLBOX_BUILDDIR/tests/helpers/bigcaller"
init_path=$("$bigcaller" --init-path)
case $init_path in
/usr/*|/opt/*) ;;
*) not_ok "oslbox-init's place, $init_path, is under /usr or /opt (the VM copies those)"; done_testing; exit;;
esac
install -m 755 "$bigcaller" "$R/usr/bin/bigcaller"
mkdir -p "$R${init_path%/*}"
install -m 755 "$OSLBOX_BUILDDIR/oslbox-init" "$R$init_path"
file -L "$OSLBOX" | grep -q 'statically linked' || {
        not_ok "oslbox is not statically linked (configured with --disable-static-cli?)"; done_testing; exit; }
printf 'root:x:0:0:root:/root:/bin/sh\nuser:x:1000:1000:user:/home/user:/bin/sh\n' > "$R/etc/passwd"
printf 'root:x:0:\nuser:x:1000:\n' > "$R/etc/group"
echo topsecret > "$R/root/secret"
chmod 700 "$R/root"
chown 1000:1000 "$R/home/user"
chmod 777 "$R/work"

# pivot_root cannot leave the initramfs's rootfs: stage one moves to a tmpfs.
cat > "$R/init" <<'EOF'
#!/bin/busybox sh
/bin/busybox mkdir -p /newroot
/bin/busybox mount -t tmpfs -o mode=755 root /newroot
/bin/busybox cp -a /bin /usr /etc /root /home /work /opt /sbin /lib /checks /newroot/
/bin/busybox mkdir -p /newroot/proc /newroot/sys /newroot/dev /newroot/tmp
exec /bin/busybox switch_root /newroot /checks
EOF
# Stage two: each check prints "@@ NAME" and then what it saw.
cat > "$R/checks" <<'EOF'
#!/bin/busybox sh
export PATH=/bin:/usr/bin HOME=/root USER=root
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev; mount -t tmpfs tmp /tmp
mkdir -p /sys/fs/cgroup && mount -t cgroup2 cgroup2 /sys/fs/cgroup
echo 1 > /proc/sys/kernel/unprivileged_userns_clone 2>/dev/null
cd /work
u() { probe runas 1000 1000 env HOME=/home/user USER=user "$@"; }
c() { echo "@@ $1"; }
c abi; oslbox doctor --json | grep '"abi"' | tr -dc 0-9; echo
c basic; oslbox run --report /work/basic.json -- sh -c 'grep -E "^(CapEff|NoNewPrivs|Seccomp):" /proc/self/status;
        wc -l < /proc/net/dev; probe socket inet; probe socket unix; probe create /usr/x; cat /root/secret 2>&1'
tr -d ' \n' < /work/basic.json | grep -o '"namespaces":\[[^]]*\]' | tr -d '"'
c unpriv; u oslbox run -- sh -c 'id -u; cat /root/secret 2>&1; probe socket inet'
c timeout; oslbox run --timeout 1s -- sleep 10 2>&1; echo "rc=$?"
c root-memory; oslbox run --memory 64M --report /work/m.json -- probe hog 200 2>&1; echo "rc=$?"
grep -o '"oom_killed": *[a-z]*' /work/m.json
c root-memory-ok; oslbox run --memory 256M -- probe hog 32; echo "rc=$?"
c root-pids; oslbox run --pids 16 -- probe forker 40
c root-cpus; oslbox run --cpus 0.25 --timeout 2s --report /work/c.json -- sh -c 'while :; do :; done' 2>/dev/null
grep -o '"cpu_ms": *[0-9]*' /work/c.json | tr -dc 0-9; echo
oslbox run --timeout 2s --report /work/c.json -- sh -c 'while :; do :; done' 2>/dev/null
grep -o '"cpu_ms": *[0-9]*' /work/c.json | tr -dc 0-9; echo
c leftovers; ls /sys/fs/cgroup | grep -c '^oslbox-'
c scope-alone; mkdir /sys/fs/cgroup/scope
sh -c 'echo $$ > /sys/fs/cgroup/scope/cgroup.procs; exec oslbox run --memory 64M -- probe hog 200' 2>&1; echo "rc=$?"
cat /sys/fs/cgroup/scope/cgroup.subtree_control
c scope-shared; mkdir /sys/fs/cgroup/scope2
sh -c 'echo $$ > /sys/fs/cgroup/scope2/cgroup.procs; sleep 30 & exec oslbox run --memory 64M -- probe hog 200' 2>&1; echo "rc=$?"
c best-effort
sh -c 'echo $$ > /sys/fs/cgroup/scope2/cgroup.procs; exec oslbox run --memory 64M --resources best-effort -- probe hog 200' 2>&1; echo "rc=$?"
c user-delegated; mkdir /sys/fs/cgroup/user
chown 1000:1000 /sys/fs/cgroup/user /sys/fs/cgroup/user/cgroup.procs /sys/fs/cgroup/user/cgroup.subtree_control
sh -c 'echo $$ > /sys/fs/cgroup/user/cgroup.procs; exec probe runas 1000 1000 env HOME=/home/user USER=user oslbox run --memory 64M -- probe hog 200' 2>&1; echo "rc=$?"
c user-undelegated; mkdir /sys/fs/cgroup/user2
sh -c 'echo $$ > /sys/fs/cgroup/user2/cgroup.procs; exec probe runas 1000 1000 env HOME=/home/user USER=user oslbox run --memory 64M -- true' 2>&1; echo "rc=$?"
# Init executed (oslbox-init) from a large caller's memory: a v2 cgroup it
# joins itself (no CLONE_INTO_CGROUP with clone(2)), as root and delegated.
c big-root; bigcaller 24 memory=64M -- sh -c 'cat /proc/1/comm; probe hog 200' 2>&1; echo "rc=$?"
c big-user; mkdir /sys/fs/cgroup/user3
chown 1000:1000 /sys/fs/cgroup/user3 /sys/fs/cgroup/user3/cgroup.procs /sys/fs/cgroup/user3/cgroup.subtree_control
sh -c 'echo $$ > /sys/fs/cgroup/user3/cgroup.procs; exec probe runas 1000 1000 env HOME=/home/user USER=user bigcaller 24 memory=64M -- sh -c "cat /proc/1/comm; id -u; cat /root/secret 2>&1; probe socket inet; probe hog 200"' 2>&1; echo "rc=$?"
# The landlock isolation mode, where namespaces cannot be made: a covered
# /proc (no new procfs in a user namespace), then no user namespaces at all.
c ll-covered; mount -t tmpfs cover /proc/sys; oslbox run -- true 2>&1; echo "rc=$?"
umount /proc/sys
echo 0 > /proc/sys/user/max_user_namespaces
c ll-nouserns; u oslbox run -- true 2>&1; echo "rc=$?"
c ll-explicit; u oslbox run --isolation landlock --no-signal-scoping -- true 2>&1; echo "rc=$?"
c ll-doctor; u oslbox doctor | grep '^isolation '
c end
poweroff -f
EOF
chmod 755 "$R/init" "$R/checks"
(cd "$R" && find . | cpio -o -H newc 2>/dev/null | gzip) > "$T/initrd.gz"

# Nothing of the terminal for qemu: no stdin, the serial console to a file,
# no monitor, no display. (With -nographic and a terminal on stdin, qemu sets
# it raw; in the background process group timeout puts it in, SIGTTOU stops
# it.) --foreground keeps timeout in make's process group, so a Ctrl-C at the
# terminal ends qemu too.
timeout --foreground 240 "$qemu" -accel tcg -cpu max -m 1024 -display none -monitor none -serial "file:$T/vm.log" \
        -no-reboot -kernel "$kernel" -initrd "$T/initrd.gz" \
        -append 'console=ttyS0 quiet panic=-1 oops=panic' < /dev/null > "$T/qemu.log" 2>&1
[ -s "$T/qemu.log" ] && cat "$T/qemu.log" >> "$T/vm.log"
# Without the firmware's terminal escapes and the kernel's own messages.
tr -d '\r' < "$T/vm.log" | sed 's/\x1b\[[0-9;?]*[a-zA-Z]//g; s/\x1bc//g' | grep -av '^\[ *[0-9.]*\]' > "$T/vm.out"
# section NAME: what the VM printed under "@@ NAME".
section() { awk -v s="@@ $1" '$0 == s { on = 1; next } /^@@ / { on = 0 } on' "$T/vm.out"; }

if ! grep -q '^@@ end$' "$T/vm.out"; then
        not_ok "the VM ($(basename "$kernel")) booted and ran every check"
        diag "$(tail -n 30 "$T/vm.out")"
        done_testing
        exit
fi
ok "the VM ($(basename "$kernel")) booted and ran every check"

abi=$(section abi)
if [ "${abi:-0}" -ge 6 ]; then
        skip "the VM's kernel has Landlock ABI $abi: no network-namespace fallback to check"
else
        is "$(section basic | tail -n 1)" "namespaces:[user,mount,pid,ipc,uts,net]" \
                "Landlock ABI $abi (< 6): network none uses a network namespace"
        is "$(section basic | sed -n 4p)" 3 "... which has only lo (/proc/net/dev: 3 lines)"
fi
is "$(section basic | head -n 3 | tr -s '\t ' ' ')" "CapEff: 0000000000000000
NoNewPrivs: 1
Seccomp: 2" "no capabilities, no_new_privs, seccomp on this kernel too"
is "$(section basic | sed -n '5,8p')" "EPERM
OK
EROFS
cat: can't open '/root/secret': No such file or directory" "no inet socket, unix sockets, /usr read-only, /root not there"
is "$(section unpriv)" "1000
cat: can't open '/root/secret': No such file or directory
EPERM" "the same as an unprivileged user"
is "$(section timeout | tail -n 1)" "rc=124" "--timeout 1s: 124"

is "$(section root-memory | grep -v '^rc=\|oom_killed')" "oslbox: command killed: out of memory (limit 64M)" \
        "cgroup v2, root cgroup: a 200M hog under --memory 64M is killed and reported"
is "$(section root-memory | grep -E '^rc=|oom_killed' | tr -d ' ')" 'rc=137
"oom_killed":true' "... exit 137, oom_killed true in the report"
is "$(section root-memory-ok)" "survived
rc=0" "... a 32M process under --memory 256M survives"
n=$(section root-pids)
if [ -n "$n" ] && [ "$n" -le 16 ] && [ "$n" -ge 8 ]; then ok "cgroup v2: --pids 16 lets $n of 40 forks start"
else not_ok "cgroup v2: --pids 16 lets at most 16 of 40 forks start: '$n'"; fi
slow=$(section root-cpus | head -n 1); fast=$(section root-cpus | tail -n 1)
if [ "${slow:-9999}" -lt 750 ] && [ "${fast:-0}" -gt $((${slow:-9999} + 250)) ]; then ok "cgroup v2: --cpus 0.25 gives $slow ms of CPU in 2 s, $fast ms without"
else not_ok "cgroup v2: --cpus 0.25 throttles: $slow ms against $fast ms"; fi
is "$(section leftovers)" 0 "cgroup v2: the runs' cgroups are removed"

is "$(section scope-alone)" "oslbox: command killed: out of memory (limit 64M)
rc=137
memory pids" "oslbox alone in a cgroup without delegation: moves into a leaf of its own, delegates memory (and pids, for the default process limit), enforces it"
case "$(section scope-shared)" in
*"other processes share its v2 cgroup"*"rc=125") ok "sharing its cgroup with another process: refused (125), saying why";;
*) not_ok "sharing its cgroup with another process: refused (125): $(section scope-shared)";; esac
case "$(section best-effort)" in
"oslbox: warning: "*"RLIMIT_AS"*"malloc failed"*"rc=3") ok "... with --resources best-effort: a warning, and RLIMIT_AS stops the hog";;
*) not_ok "best-effort: a warning and RLIMIT_AS: $(section best-effort)";; esac
is "$(section user-delegated)" "oslbox: command killed: out of memory (limit 64M)
rc=137" "an unprivileged user with a delegated v2 cgroup gets --memory"
case "$(section user-undelegated)" in
*"this user may not delegate it"*"rc=125") ok "... without delegation: refused (125), saying why";;
*) not_ok "without delegation: refused (125): $(section user-undelegated)";; esac

is "$(section big-root)" "oslbox-init
bigcaller: out of memory
rc=137" "a caller of 24 MiB: init is oslbox-init, and it joins the v2 cgroup: the hog is killed at 64M"
is "$(section big-user)" "oslbox-init
1000
cat: can't open '/root/secret': No such file or directory
EPERM
bigcaller: out of memory
rc=137" "... as an unprivileged user with a delegated cgroup, confined as the CLI's sandbox is"

# The landlock isolation mode on this kernel: auto falls back to it where a
# covered /proc or user.max_user_namespaces=0 stops the namespaces, and it
# refuses below Landlock ABI 3 (6.1 has ABI 2), saying why for both modes.
if [ "${abi:-0}" -lt 3 ]; then
        ll="oslbox: the landlock isolation mode needs Landlock ABI 3 (Linux 6.2) to keep read-only files from being truncated, and this kernel has ABI $abi: use --isolation namespaces where this host allows it"
        is "$(section ll-covered)" "$ll (namespaces are not available here: mounting a new procfs: Operation not permitted (/proc is covered))
rc=125" "a covered /proc: auto falls back to the landlock mode, which refuses at ABI $abi, naming both causes"
        is "$(section ll-nouserns)" "$ll (namespaces are not available here: clone3 with the namespace flags: No space left on device)
rc=125" "user.max_user_namespaces=0: the same, as an unprivileged user"
        is "$(section ll-explicit)" "$ll
rc=125" "--isolation landlock --no-signal-scoping: refused too, for truncate"
        case "$(section ll-doctor)" in
        "isolation        no  no isolation mode is available here: ${ll#oslbox: }"*"user.max_user_namespaces=0"*"sysctl -w user.max_user_namespaces="*)
                ok "doctor: no isolation mode, why, and the sysctl that gives namespaces back";;
        *) not_ok "doctor: no isolation mode, why, and the remedy"; diag "$(section ll-doctor)";;
        esac
else
        skip "the VM's kernel has Landlock ABI $abi: the landlock mode's refusal below ABI 3 is not checked"
fi
done_testing
