#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The view's hardening: a read-only /proc (host sysctls), read-only device
# nodes and git metadata, hidden host secrets, the working directory checked
# by identity and bound race-free, a private /tmp, and /proc and /dev that
# are the sandbox's own.
. "$OSLBOX_SRCDIR/tests/integ/lib.sh"

install -m 755 "$OSLBOX_SRCDIR/tests/helpers/term.py" "$T/bin/term.py"

# refused WHO WANT DESCRIPTION -- COMMAND...: COMMAND as WHO exits 125 with a
# message matching the glob WANT.
refused() {
        local who=$1 want=$2 desc=$3 err rc; shift 4
        err=$(as "$who" "$@" 2>&1 </dev/null); rc=$?
        # shellcheck disable=SC2254 # WANT is a glob
        case "$rc:$err" in 125:$want) ok "$desc";; *) not_ok "$desc"; diag "exit $rc: $err";; esac
}

# --- 1. /proc is read-only: a root caller's sandbox cannot write host sysctls ---
if [ "$(id -u)" -eq 0 ]; then
        wb='printf "%s\n" "$1" > "$2"'
        for f in /proc/sys/kernel/core_pattern /proc/sys/net/ipv4/ip_forward; do
                # Only ever the value just read goes back: no host sysctl changes.
                v=$(cat "$f")
                check "writing $f's own value back works outside (as root)" as root sh -c "$wb" sh "$v" "$f"
                err=$(as root "$OSLBOX" run -- sh -c "$wb" sh "$v" "$f" 2>&1); rc=$?
                case "$rc:$err" in 0:*) not_ok "... inside it fails (as root): it worked";;
                        *"Read-only file system"*) ok "... inside it fails: read-only (as root)";;
                        *) not_ok "... inside it fails: read-only (as root)"; diag "$rc: $err";; esac
                is "$(cat "$f")" "$v" "... $f still holds its value"
                is "$(as root "$OSLBOX" run -- cat "$f")" "$v" "... and reads the same inside (as root)"
        done
fi
rename='echo oslbox-renamed > /proc/self/comm && read -r n < /proc/self/comm && echo "$n"'
for who in $USERS; do
        is "$(as "$who" sh -c "$rename" 2>&1)" oslbox-renamed "a process writes its /proc/self/comm outside (as $who)"
        out=$(as "$who" "$OSLBOX" run -- sh -c "$rename" 2>&1)
        case "$out" in *"Read-only file system"*) ok "... not inside: /proc is read-only (as $who)";;
                *) not_ok "... not inside: /proc is read-only (as $who)"; diag "$out";; esac
done

# --- 12. host secrets are hidden from a root caller -------------------------------
if [ "$(id -u)" -eq 0 ]; then
        key=/etc/ssh/ssh_host_oslbox$$_key
        [ -d /etc/ssh ] || { mkdir /etc/ssh && at_exit "rmdir /etc/ssh"; }
        printf 'oslbox-host-key-%s\n' "$RANDOM$RANDOM" > "$key"; chmod 600 "$key"; at_exit "rm -f '$key'"
        for f in /etc/shadow /etc/gshadow "$key"; do
                [ -f "$f" ] || { skip "no $f on this host"; continue; }
                line=$(head -n 1 "$f")
                check "$f is readable outside (as root)" test -n "$(as root head -n 1 "$f")"
                out=$(as root "$OSLBOX" run -- cat "$f" 2>&1)
                case "$out" in *"$line"*) not_ok "... inside its content does not show (as root)";;
                        *) ok "... inside its content does not show (as root)";; esac
                is "$(as root "$OSLBOX" run -- ./probe open "$f")" EACCES "... it cannot be opened: EACCES (as root)"
                is "$(as root "$OSLBOX" run --ro "$f" -- head -n 1 "$f")" "$line" "... but can with --ro $f (as root)"
        done
fi
if [ -n "${TEST_USER:-}" ] && [ "$(id -u)" -eq 0 ]; then
        is "$(as "$TEST_USER" ./probe open /etc/shadow)" EACCES "/etc/shadow is unreadable outside (as $TEST_USER)"
        is "$(as "$TEST_USER" "$OSLBOX" run -- sh -c 'grep -c " /etc/shadow " /proc/self/mountinfo')" 0 \
                "... so inside it is left as it is, nothing mounted (as $TEST_USER)"
fi
# ... and what Docker hides in /proc, where the caller can read it.
for who in $USERS; do
        for f in /proc/keys /proc/timer_list; do
                [ -e "$f" ] || { skip "no $f in this kernel"; continue; }
                [ "$(as "$who" ./probe open "$f")" = OK ] || continue  # root's only: nothing to hide
                ok "$f opens outside (as $who)"
                is "$(as "$who" "$OSLBOX" run -- ./probe open "$f")" EACCES "... not inside: EACCES (as $who)"
        done
done

# --- 5. device nodes: they work, their host inodes cannot be changed --------------
for who in $USERS; do
        is "$(as "$who" "$OSLBOX" run -- sh -c 'echo x > /dev/null && head -c 16 /dev/urandom | wc -c &&
                head -c 2 /dev/zero | od -An -tx1 && ! { echo x > /dev/full; } 2>/dev/null && echo full')" \
                "16
 00 00
full" "/dev/null, urandom, zero and full work inside (as $who)"
        out=$(as "$who" python3 "$T/bin/term.py" --deadline 5 -- \
                "$OSLBOX" run --pty -- sh -c 'echo oslbox-via-tty > /dev/tty' | tr -d '\r')
        is "$out" oslbox-via-tty "/dev/tty works inside, with --pty (as $who)"
done
if [ "$(id -u)" -eq 0 ]; then
        for f in /dev/null /dev/tty; do
                mode=$(stat -c %a "$f")
                # The same mode and times it has: nothing changes on the host.
                check "chmod $mode $f works outside (as root)" as root chmod "$mode" "$f"
                check "touch -c -r $f $f works outside (as root)" as root touch -c -r "$f" "$f"
                err=$(as root "$OSLBOX" run -- chmod "$mode" "$f" 2>&1)
                case "$?:$err" in 0:*) not_ok "... chmod fails inside (as root): it worked";;
                        *"Read-only file system"*) ok "... chmod fails inside: read-only (as root)";;
                        *) not_ok "... chmod fails inside: read-only (as root)"; diag "$err";; esac
                err=$(as root "$OSLBOX" run -- touch -c -r "$f" "$f" 2>&1)
                case "$?:$err" in 0:*) not_ok "... touch fails inside (as root): it worked";;
                        *"Read-only file system"*) ok "... touch fails inside: read-only (as root)";;
                        *) not_ok "... touch fails inside: read-only (as root)"; diag "$err";; esac
        done
fi

# --- 6. the private /tmp stays private ----------------------------------------------
hf=/tmp/oslbox-host-file-$$ hs=/tmp/oslbox-host-sock-$$
echo host > "$hf"; chmod 644 "$hf"; at_exit "rm -f '$hf' '$hs'"
python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$hs"; chmod 777 "$hs"
for who in $USERS; do
        refused "$who" "oslbox: the working directory /tmp is the host's /tmp; *--cwd*" \
                "started in /tmp itself: refused, naming --cwd (as $who)" -- sh -c "cd /tmp && '$OSLBOX' run -- true"
        refused "$who" "oslbox: the working directory /tmp is the host's /tmp; *" \
                "... as is --cwd /tmp (as $who)" -- "$OSLBOX" run --cwd /tmp -- true
        is "$(as "$who" sh -c "cd /tmp && '$OSLBOX' run --rw /tmp -- cat '$hf'")" host \
                "... --rw /tmp shares the host's /tmp (as $who)"
        refused "$who" "oslbox: the working directory /dev/shm is the host's /dev/shm; *" \
                "--cwd /dev/shm is refused too (as $who)" -- "$OSLBOX" run --cwd /dev/shm -- true
        check "a unix socket in the host's /tmp is there outside (as $who)" as "$who" test -S "$hs"
        is "$(as "$who" "$OSLBOX" run -- ./probe open "$hs")" ENOENT \
                "... but not inside, from a directory below /tmp (as $who)"
        is "$(as "$who" "$OSLBOX" run -- ./probe open "$hf")" ENOENT "... nor a file of the host's /tmp (as $who)"
done

# --- 7. the home refusal compares identities, not names ------------------------------
for who in $USERS; do
        home=$(home_of "$who")
        ln -sfn "$home" "$T/homelink-$who"
        he="HOME=$T/homelink-$who"
        refused "$who" "oslbox: the working directory $home holds your home directory*" \
                "HOME through a symlink, started in the real home: refused (as $who)" \
                -- env "$he" sh -c "cd '$home' && '$OSLBOX' run -- true"
        parent=$(dirname "$home")
        refused "$who" "oslbox: the working directory $parent holds your home directory*" \
                "... and in its parent $parent (as $who)" -- env "$he" sh -c "cd '$parent' && '$OSLBOX' run -- true"
        is "$(as "$who" env "$he" sh -c "cd '$home' && '$OSLBOX' run --ro . -- echo ran")" ran \
                "... --ro . lifts the refusal (as $who)"
        is "$(as "$who" env "$he" "$OSLBOX" run -- echo ran)" ran "... and a project directory runs (as $who)"
        # A system directory as the working directory: as root, the host's
        # /usr or /etc would be writable inside.
        for sys in /usr /etc; do
                refused "$who" "oslbox: the working directory $sys is the system directory $sys, *--ro $sys*" \
                        "started in $sys: refused, it stays read-only (as $who)" -- sh -c "cd $sys && '$OSLBOX' run -- true"
        done
        is "$(as "$who" sh -c "cd /usr && '$OSLBOX' run --ro . -- ./bin/true && echo ran")" ran \
                "... --ro . lifts it (as $who)"
        is "$(as "$who" sh -c "cd /usr/share && '$OSLBOX' run -- echo ran")" ran \
                "... and a directory below one is a working directory like any other (as $who)"
done

# --- 4. the working directory cannot be swapped for $HOME while oslbox starts --------
# A loop renames a component of the --cwd path between a real directory and a
# symlink to (a path to) the home directory, while oslbox starts, many times.
# Whatever oslbox does, the command must never be in the real home: it prints
# the identity of its working directory and writes a file there.
swap='
import os, sys, time
link, real, target, stop = sys.argv[1:5]
while not os.path.exists(stop):
    try:
        os.rename(link, real); os.symlink(target, link); time.sleep(0.0003)
        os.unlink(link); os.rename(real, link); time.sleep(0.0006)
    except OSError:
        pass
'
tries=${OSLBOX_RACE_TRIES:-100}
for who in $USERS; do
        home=$(home_of "$who")
        for where in last middle; do
                r="$T/race-$who-$where"
                mkdir -p "$r/p"
                if [ "$where" = last ]; then
                        cwd=$r/p target=$home                           # p -> ~
                else
                        mkdir -p "$r/p/$(basename "$home")"
                        cwd=$r/p/$(basename "$home") target=$(dirname "$home")  # p -> ~/..
                fi
                chown -R "$who:" "$r"
                python3 -c "$swap" "$r/p" "$r/p.real" "$target" "$r/stop" & pid=$!
                ran=0 ids=
                for i in $(seq "$tries"); do
                        id=$(as "$who" "$OSLBOX" run --cwd "$cwd" -- sh -c "stat -c %d:%i . && echo x > oslbox-race-$$-$i" \
                                2>/dev/null </dev/null) && ran=$((ran + 1))
                        ids="$ids $id"
                done
                touch "$r/stop"; wait "$pid"
                wrote=$(find "$home" -maxdepth 1 -name "oslbox-race-$$-*" | wc -l) won=0
                find "$home" -maxdepth 1 -name "oslbox-race-$$-*" -delete
                for id in $ids; do [ "$id" != "$(stat -c %d:%i "$home")" ] || won=$((won + 1)); done
                diag "$where component, $tries tries: $ran ran, $won in $home, $wrote files written there"
                is "$won:$wrote" 0:0 "a swapped $where component of --cwd never gets the home directory bound (as $who)"
                check "... while the runs it did not disturb ran ($ran of $tries) (as $who)" test "$ran" -gt 0
        done
done

# --- 10. git: commits work, what runs code on the host is read-only ----------------
G='git -c user.name=oslbox -c user.email=oslbox@invalid'
for who in $USERS; do
        wd=$(workdir "$who")
        as "$who" true
        repo=$wd/repo
        rm -rf "$repo" "$wd/wt"
        as "$who" sh -c "git init -q repo && cd repo && echo a > a && git add a && $G commit -q -m one"
        inside() { as "$who" "$OSLBOX" run --cwd "$repo" "$@"; }
        is "$(inside -- sh -c "echo b > b && git add b && $G commit -q -m two && git log --format=%s | tr '\n' ,")" \
                "two,one," "git commit works inside (as $who)"
        is "$(as "$who" git -C "$repo" log --format=%s | tr '\n' ,)" "two,one," "... and the commit is on the host (as $who)"
        is "$(as "$who" git -C "$repo" status --porcelain)" "" "... with the index up to date (as $who)"

        err=$(inside -- git config core.fsmonitor 'touch /tmp/oslbox-fsmonitor' 2>&1)
        case "$?:$err" in 0:*) not_ok "git config core.fsmonitor fails inside (as $who): it worked";;
                *) ok "git config core.fsmonitor fails inside (as $who)";; esac
        is "$(as "$who" git -C "$repo" config --get core.fsmonitor)" "" "... the host's config has none (as $who)"
        check "... while with --no-protect-git git config works (as $who)" inside --no-protect-git -- git config oslbox.probe 1
        is "$(as "$who" git -C "$repo" config --get oslbox.probe)" 1 "... and reaches the host (as $who)"
        as "$who" git -C "$repo" config --unset oslbox.probe

        err=$(inside -- sh -c 'echo "exit 0" > .git/hooks/pre-commit' 2>&1)
        case "$?:$err" in 0:*) not_ok "creating .git/hooks/pre-commit fails inside (as $who): it worked";;
                *"Read-only file system"*) ok "creating .git/hooks/pre-commit fails inside: read-only (as $who)";;
                *) not_ok "creating .git/hooks/pre-commit fails inside (as $who)"; diag "$err";; esac
        check "... nothing appeared on the host (as $who)" test ! -e "$repo/.git/hooks/pre-commit"
        check "... with --no-protect-git it works (as $who)" inside --no-protect-git -- sh -c 'echo "exit 0" > .git/hooks/pre-commit'
        rm -f "$repo/.git/hooks/pre-commit"

        err=$(inside -- sh -c 'mv .git .git-moved && mkdir .git' 2>&1)
        case "$?:$err" in 0:*) not_ok ".git cannot be renamed away inside (as $who): it was";;
                *"busy"*) ok ".git cannot be renamed away inside: busy (as $who)";;
                *) not_ok ".git cannot be renamed away inside (as $who)"; diag "$err";; esac
        check "... it is still the repository on the host (as $who)" test -f "$repo/.git/HEAD" -a ! -e "$repo/.git-moved"
        # Where it was not (today's main), put it back for the checks below.
        [ ! -d "$repo/.git-moved" ] || { rm -rf "$repo/.git" && mv "$repo/.git-moved" "$repo/.git"; }
        check "... with --no-protect-git it can be (as $who)" \
                inside --no-protect-git -- sh -c 'mv .git .git-moved && mv .git-moved .git'

        rm -rf "$repo/.git/hooks"
        err=$(inside -- sh -c 'mkdir -p .git/hooks && echo "exit 0" > .git/hooks/post-checkout' 2>&1)
        case "$?:$err" in 0:*) not_ok "a missing .git/hooks cannot be created inside (as $who): it was";;
                *) ok "a missing .git/hooks cannot be created inside (as $who)";; esac
        is "$(ls -A "$repo/.git/hooks" 2>&1)" "" "... on the host it is there, empty (as $who)"

        # With extensions.worktreeConfig git also reads .git/config.worktree.
        as "$who" sh -c "cd '$repo' && git config core.repositoryformatversion 1 &&
                git config extensions.worktreeConfig true && rm -f .git/config.worktree"
        err=$(inside -- git config --worktree core.fsmonitor 'touch /tmp/oslbox-fsmonitor' 2>&1)
        case "$?:$err" in 0:*) not_ok "with worktreeConfig, git config --worktree fails inside (as $who): it worked";;
                *) ok "with worktreeConfig, git config --worktree fails inside (as $who)";; esac
        is "$(as "$who" git -C "$repo" config --get core.fsmonitor)" "" "... the host's git sees no fsmonitor (as $who)"
        check "... with --no-protect-git it works (as $who)" inside --no-protect-git -- git config --worktree oslbox.probe 1
        is "$(as "$who" git -C "$repo" config --get oslbox.probe)" 1 "... and the host's git reads it (as $who)"
        as "$who" sh -c "cd '$repo' && rm -f .git/config.worktree && git config --unset extensions.worktreeConfig &&
                git config core.repositoryformatversion 0"

        as "$who" git -C "$repo" worktree add -q ../wt 2>/dev/null
        gitfile=$(cat "$wd/wt/.git")
        err=$(as "$who" "$OSLBOX" run --cwd "$wd/wt" -- sh -c 'echo "gitdir: /tmp" > .git' 2>&1)
        case "$?:$err" in 0:*) not_ok "a linked work tree's .git file cannot be rewritten inside (as $who): it was";;
                *"Read-only file system"*) ok "a linked work tree's .git file cannot be rewritten inside (as $who)";;
                *) not_ok "a linked work tree's .git file cannot be rewritten inside (as $who)"; diag "$err";; esac
        is "$(cat "$wd/wt/.git")" "$gitfile" "... it still points to the repository (as $who)"
        rm -rf "$repo" "$wd/wt"
done

# --- /proc and /dev are the sandbox's own; --cwd names itself when missing --------
for who in $USERS; do
        for opt in "--ro /proc" "--rw /proc" "--tmpfs /proc" "--ro /proc/sys" "--rw /dev" "--ro /dev/null" \
                   "--ro-try /proc/no-such-file"; do
                # shellcheck disable=SC2086 # the option and its path
                refused "$who" "oslbox: cannot * the sandbox has its own /*" "$opt is refused (as $who)" \
                        -- "$OSLBOX" run $opt -- true
        done
        f=/dev/shm/oslbox-host-$$-$who
        echo shm > "$f"; chmod 644 "$f"; at_exit "rm -f '$f'"
        is "$(as "$who" "$OSLBOX" run -- ./probe open "$f")" ENOENT "/dev/shm is private by default (as $who)"
        is "$(as "$who" "$OSLBOX" run --ro /dev/shm -- cat "$f")" shm "... --ro /dev/shm shows the host's (as $who)"
        refused "$who" "oslbox: cannot use /nonexistent-$$ as the working directory (--cwd): No such file*" \
                "--cwd with a missing directory names --cwd (as $who)" -- "$OSLBOX" run --cwd /nonexistent-$$ -- true
done

done_testing
