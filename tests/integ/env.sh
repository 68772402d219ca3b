#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# What the command inherits: the environment (allowlist, --env, --keep-env) and file descriptors (0-2 only).
. "$OSLBOX_SRCDIR/tests/integ/lib.sh"

# The caller's environment, on top of lib.sh's: secrets, passed variables
# with values the default could not produce, and identity variables that lie.
CALLER_ENV="GITHUB_TOKEN=ghp_oslbox$$ SSH_AUTH_SOCK=/tmp/oslbox-agent.$$ LD_PRELOAD=libc.so.6
 PATH=/usr/local/bin:/usr/bin:/bin:/oslbox-path TERM=oslbox-term LANG=C.UTF-8 LC_ALL=C
 USER=impostor LOGNAME=impostor PWD=/oslbox-nowhere TMPDIR=/var/tmp/oslbox
 OSLBOX_PROBE_A=a$$ OSLBOX_PROBE_B=b$$ OSLBOX_OTHER=o$$
 LC_TIME=C.UTF-8 LC_MESSAGES=C LC_IDENTIFICATION=C LC_RT_TOKEN=lc-secret$$"
caller() { EXTRA_ENV="$CALLER_ENV" as "$@"; }

# var ENV NAME: NAME's value in `env` output ENV; "(unset)" when absent.
var() {
        local v
        v=$(printf '%s\n' "$1" | grep "^$2=") || { echo "(unset)"; return; }
        echo "${v#*=}"
}

for who in $USERS; do
        home=$(home_of "$who")
        wd=$(workdir "$who")
        outside=$(caller "$who" env)
        inside=$(caller "$who" "$OSLBOX" run -- env)

        for name in GITHUB_TOKEN SSH_AUTH_SOCK LD_PRELOAD; do
                want=$(var "$outside" "$name")
                check "the caller has $name=$want (as $who)" test "$want" != "(unset)"
                is "$(var "$inside" "$name")" "(unset)" "... it is absent inside (as $who)"
                is "$(var "$(caller "$who" "$OSLBOX" run --keep-env "$name" -- env)" "$name")" "$want" \
                        "... --keep-env $name passes it (as $who)"
        done
        is "$(var "$(caller "$who" "$OSLBOX" run --keep-env 'SSH_*' -- env)" SSH_AUTH_SOCK)" "/tmp/oslbox-agent.$$" \
                "... --keep-env 'SSH_*' passes SSH_AUTH_SOCK (as $who)"

        for name in PATH LANG TERM LC_ALL LC_TIME LC_MESSAGES LC_IDENTIFICATION; do
                is "$(var "$inside" "$name")" "$(var "$outside" "$name")" "$name passes: $(var "$outside" "$name") (as $who)"
        done
        # ssh forwards LC_*: an LC_ name that is no locale category is no locale.
        is "$(var "$outside" LC_RT_TOKEN)" "lc-secret$$" "the caller has LC_RT_TOKEN (as $who)"
        is "$(var "$inside" LC_RT_TOKEN)" "(unset)" "... it is absent inside: only glibc's LC_ categories pass (as $who)"
        is "$(var "$(caller "$who" "$OSLBOX" run --keep-env 'LC_*' -- env)" LC_RT_TOKEN)" "lc-secret$$" \
                "... --keep-env 'LC_*' still passes it (as $who)"

        # The sandbox's own, whatever the caller says.
        is "$(var "$inside" USER)" "$who" "USER is the caller's name, not the caller's USER=impostor (as $who)"
        is "$(var "$inside" LOGNAME)" "$who" "LOGNAME likewise (as $who)"
        is "$(var "$inside" PWD)" "$(realpath "$wd")" "PWD is the working directory, not /oslbox-nowhere (as $who)"
        is "$(var "$inside" TMPDIR)" /tmp "TMPDIR is /tmp, not /var/tmp/oslbox (as $who)"
        is "$(var "$inside" HOME)" "$home" "HOME is $home (as $who)"
        rm -f "$home/oslbox-env-probe"
        is "$(caller "$who" "$OSLBOX" run -- sh -c 'ls -A "$HOME"; touch "$HOME/oslbox-env-probe" && echo writable')" writable \
                "... an empty, writable directory inside (as $who)"
        check "... that is not the host's home (as $who)" test ! -e "$home/oslbox-env-probe"
        is "$(var "$(caller "$who" env)" USER)" impostor "... while the caller's own USER is impostor (as $who)"

        # --env
        env2=$(caller "$who" "$OSLBOX" run --env OSLBOX_SET=one --env 'OSLBOX_SPACE=a b=c' \
                --env TERM=override --env TMPDIR=/tmp/mine -- env)
        is "$(var "$env2" OSLBOX_SET)" one "--env NAME=VALUE sets NAME (as $who)"
        is "$(var "$env2" OSLBOX_SPACE)" "a b=c" "... spaces and = kept in the value (as $who)"
        is "$(var "$env2" TERM)" override "... overrides a passed variable (as $who)"
        is "$(var "$env2" TMPDIR)" /tmp/mine "... and one of the sandbox's (as $who)"

        # --keep-env with a glob
        is "$(var "$inside" OSLBOX_PROBE_A)" "(unset)" "OSLBOX_PROBE_A is not passed by default (as $who)"
        env3=$(caller "$who" "$OSLBOX" run --keep-env 'OSLBOX_PROBE_*' -- env)
        is "$(var "$env3" OSLBOX_PROBE_A):$(var "$env3" OSLBOX_PROBE_B)" "a$$:b$$" \
                "--keep-env 'OSLBOX_PROBE_*' passes OSLBOX_PROBE_A and _B (as $who)"
        is "$(var "$env3" OSLBOX_OTHER)" "(unset)" "... but not OSLBOX_OTHER (as $who)"
        is "$(var "$env3" GITHUB_TOKEN)" "(unset)" "... nor GITHUB_TOKEN (as $who)"

        # File descriptors: opened here without close-on-exec, inherited by
        # every child of this shell, and by none inside the sandbox.
        as "$who" true
        exec 7</etc/hostname 8<"$T" 9>>"$T/fd9"
        fds=" $(as "$who" ./probe fds) "
        case "$fds" in *" 7 8 9 "*) ok "fds 7, 8 and 9 reach a command outside (as $who)";;
                *) not_ok "fds 7, 8 and 9 reach a command outside (as $who)"; diag "got:$fds";; esac
        is "$(as "$who" "$OSLBOX" run -- ./probe fds)" "0 1 2" "... inside only 0 1 2 are open (as $who)"
        is "$(as "$who" "$OSLBOX" run --pty -- ./probe fds </dev/null | tr -d '\r')" "0 1 2" "... also with --pty (as $who)"
        exec 7<&- 8<&- 9>&-
done

done_testing
