# SPDX-License-Identifier: LGPL-2.1-or-later
# Shared by the integration tests: TAP output, the unprivileged test user,
# and a copy of the built programs that user can run.
set -u

: "${OSLBOX_BUILDDIR:?run through make check}"
: "${OSLBOX_SRCDIR:?run through make check}"

TEST_USER=${OSLBOX_TEST_USER:-oslbox-test}
_tap_n=0
_tap_failed=0

ok()     { _tap_n=$((_tap_n + 1)); echo "ok $_tap_n - $*"; }
not_ok() { _tap_n=$((_tap_n + 1)); _tap_failed=$((_tap_failed + 1)); echo "not ok $_tap_n - $*"; }
skip()   { _tap_n=$((_tap_n + 1)); echo "ok $_tap_n # SKIP $*"; }
diag()   { printf '%s\n' "$@" | sed 's/^/# /'; }
check()  { # check DESCRIPTION COMMAND...: ok when COMMAND succeeds
        local desc=$1; shift
        if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}
is() {   # is GOT WANT DESCRIPTION
        if [ "$1" = "$2" ]; then ok "$3"; else not_ok "$3"; diag "got:  '$1'" "want: '$2'"; fi
}
done_testing() {
        echo "1..$_tap_n"
        [ "$_tap_failed" -eq 0 ]
}

# A private directory every test user can reach, with the programs and the
# shipped policies in it: the build tree itself may sit under a directory
# only root can enter (a checkout in /root).
T=$(mktemp -d /tmp/oslbox-test.XXXXXX)
chmod 755 "$T"
trap 'rm -rf "$T" 2>/dev/null' EXIT
mkdir -p "$T/bin" "$T/policies"
install -m 755 "$OSLBOX_BUILDDIR/oslbox" "$T/bin/oslbox"
[ -x "$OSLBOX_BUILDDIR/tests/helpers/probe" ] && install -m 755 "$OSLBOX_BUILDDIR/tests/helpers/probe" "$T/bin/probe"
install -m 644 "$OSLBOX_SRCDIR"/policies/*.policy "$T/policies/"
OSLBOX="$T/bin/oslbox"
PROBE="$T/bin/probe"
POLICIES="$T/policies"

# The test seam (tests/helpers/nons): COMMAND under a filter that blocks
# namespaces as Docker's profile does. With OSLBOX_SEAM set, $OSLBOX itself
# runs through it, so that any script exercises the landlock isolation mode.
NONS="$T/bin/nons"
[ -x "$OSLBOX_BUILDDIR/tests/helpers/nons" ] && install -m 755 "$OSLBOX_BUILDDIR/tests/helpers/nons" "$NONS"
if [ -n "${OSLBOX_SEAM:-}" ]; then
        mv "$OSLBOX" "$T/bin/oslbox.real"
        printf '#!/bin/sh\nexec %s %s "$@"\n' "$NONS" "$T/bin/oslbox.real" > "$OSLBOX"
        chmod 755 "$OSLBOX"
fi

# The users every identity-sensitive check runs as: the caller, and as root
# also the test user. Scripts run in parallel (make -j): the first to start
# creates the user, under a lock, and the last to end removes it again if a
# test run created it (one that was there before stays). Each script holds
# users.lock shared while it runs; setup.lock orders creation and removal.
USERS=$(id -un)
_user_state=/run/oslbox-test
_user_locked=false
if [ "$(id -u)" -eq 0 ]; then
        # Descriptors above 9: tests use 3 to 9 for their own.
        mkdir -p -m 700 "$_user_state" && exec {_setup_lock}>"$_user_state/setup.lock" {_users_lock}>"$_user_state/users.lock" ||
                { echo "Bail out! cannot make the lock files in $_user_state"; exit 1; }
        flock -x "$_setup_lock"
        flock -s "$_users_lock"
        if ! id "$TEST_USER" >/dev/null 2>&1; then
                if ! out=$(useradd --create-home --shell /bin/sh "$TEST_USER" 2>&1); then
                        echo "Bail out! cannot create the test user $TEST_USER: $out"
                        exit 1
                fi
                echo "$TEST_USER" > "$_user_state/created"
        fi
        flock -u "$_setup_lock"
        USERS="root $TEST_USER"
        _user_locked=true
fi
# The seam run's scripts run as the caller alone (tests/integ/seam.sh): make
# check runs them as root, and as the test user when that user runs it; each
# landlock-mode promise is checked as both by isolation.sh.
[ -z "${OSLBOX_TEST_CALLER_ONLY:-}" ] || USERS=$(id -un)

# Called at exit: when no other script holds users.lock, removes the test
# user if a test run created it. userdel refuses while a process of the user
# is still ending (a killed sleeper): a few tries.
_user_done() {
        local i
        $_user_locked || return 0
        flock -u "$_users_lock"
        flock -x "$_setup_lock"
        if flock -x -n "$_users_lock" && [ "$(cat "$_user_state/created" 2>/dev/null)" = "$TEST_USER" ]; then
                for i in 1 2 3 4 5 6 7 8 9 10; do
                        userdel --remove "$TEST_USER" >/dev/null 2>&1 && break
                        sleep 0.2
                done
                if id "$TEST_USER" >/dev/null 2>&1; then
                        echo "# could not remove the test user $TEST_USER (userdel --remove failed)" >&2
                else
                        rm -f "$_user_state/created"
                fi
        fi
        flock -u "$_users_lock"
        flock -u "$_setup_lock"
}

# In subshells: the commands tests run see the descriptors they did before.
_close_locks() { if $_user_locked; then exec {_setup_lock}>&- {_users_lock}>&-; fi; }

home_of() { getent passwd "$1" | cut -d: -f6; }

# exec_as USER COMMAND...: replaces the shell with COMMAND run as USER (in a
# subshell: `(exec_as "$who" sleep 60) &`). Only root can switch to another
# user; for the caller itself it is a plain exec.
exec_as() {
        local who=$1; shift
        if [ "$who" = "$(id -un)" ]; then
                exec "$@"
        fi
        exec setpriv --reuid="$who" --regid="$who" --init-groups "$@"
}

# as USER COMMAND...: run COMMAND as USER with a clean, predictable environment,
# in a working directory of USER's under $T (writable inside the sandbox, so
# the probe helper is copied there as ./probe).
as() {
        local who=$1; shift
        local home; home=$(home_of "$who")
        local wd="$T/work-$who"
        mkdir -p "$wd"
        [ -x "$wd/probe" ] || { [ -x "$PROBE" ] && install -m 755 "$PROBE" "$wd/probe"; }
        if [ "$who" = "$(id -un)" ]; then
                (_close_locks; cd "$wd" && env -i PATH=/usr/local/bin:/usr/bin:/bin HOME="$home" USER="$who" \
                        LANG=C.UTF-8 ${EXTRA_ENV:-} "$@")
        else
                chown "$who:" "$wd"
                (_close_locks; cd "$wd" && exec_as "$who" \
                        env -i PATH=/usr/local/bin:/usr/bin:/bin HOME="$home" USER="$who" \
                        LANG=C.UTF-8 ${EXTRA_ENV:-} "$@")
        fi
}

workdir() { echo "$T/work-$1"; }

# at_exit COMMAND: run the shell text COMMAND when the test ends (latest
# first), before $T is removed. Works from subshells too: the commands are
# kept in a file, so $(plant_secret ...) can register its own cleanup.
_at_exit_file="$T/.at-exit"
: > "$_at_exit_file"
at_exit() { printf '%s\n' "$*" >> "$_at_exit_file"; }
_run_at_exit() {
        local cmd
        if [ -f "$_at_exit_file" ]; then
                tac "$_at_exit_file" | while IFS= read -r cmd; do eval "$cmd" >/dev/null 2>&1; done
        fi
        rm -rf "$T" 2>/dev/null
        _user_done
}
trap _run_at_exit EXIT

# plant_secret USER RELPATH [MODE]: a file ~USER/RELPATH owned by USER (mode
# MODE, default 600) holding one line no other file has; prints its absolute
# path. Directories it has to create belong to USER (0700, or 0755 when MODE
# lets others read); what it created is removed at exit. Fails, printing
# nothing, for another user when the caller is not root (see can_plant).
can_plant() { [ "$(id -u)" -eq 0 ] || [ "$1" = "$(id -un)" ]; }
plant_secret() {
        local who=$1 rel=$2 mode=${3:-600} home path dir top d dmode=0700
        can_plant "$who" || return 1
        home=$(home_of "$who")
        path="$home/$rel"
        dir=$(dirname "$path")
        case "$mode" in *[4-7]) dmode=0755;; esac
        # Scripts run in parallel and plant in the same home: each plants
        # and removes under a lock on the home directory, and removes only
        # its file and the directories it made that are left empty (another
        # script's secret may be in them).
        exec {lock}<"$home" && flock -x "$lock" || return 1
        top=$path d=$dir
        while [ ! -e "$d" ]; do top=$d; d=$(dirname "$d"); done
        install -d -o "$who" -g "$(id -gn "$who")" -m "$dmode" "$dir"
        # created directories only: an existing ~/.ssh keeps its owner and mode
        [ "$top" != "$path" ] && chown -R "$who:" "$top" && find "$top" -type d -exec chmod "$dmode" {} +
        printf 'oslbox-secret-%s-%s%s\n' "$who" "$RANDOM" "$RANDOM" > "$path"
        chown "$who:" "$path"
        chmod "$mode" "$path"
        exec {lock}<&-
        at_exit "_unplant '$home' '$path' '$top'"
        printf '%s\n' "$path"
}
_unplant() {
        local home=$1 path=$2 top=$3 d lock
        exec {lock}<"$home" && flock -x "$lock" || return
        rm -f -- "$path"
        d=$(dirname "$path")
        while [ "$top" != "$path" ] && case $d in "$top"|"$top"/*) true;; *) false;; esac; do
                rmdir -- "$d" 2>/dev/null || break
                d=$(dirname "$d")
        done
        exec {lock}<&-
}

# refute DESCRIPTION COMMAND...: ok when COMMAND fails
refute() {
        local desc=$1; shift
        if "$@"; then not_ok "$desc"; else ok "$desc"; fi
}
