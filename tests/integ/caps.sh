#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Capabilities: every set empty, securebits locked, no_new_privs, seccomp on; privileged calls fail.
. "$OSLBOX_SRCDIR/tests/integ/lib.sh"

# field TEXT NAME: the value of NAME in /proc/PID/status text.
field() { printf '%s\n' "$1" | sed -n "s/^$2:[[:space:]]*//p"; }

zero=0000000000000000
for who in $USERS; do
        wd=$(workdir "$who")
        inside=$(as "$who" "$OSLBOX" run -- cat /proc/self/status)
        outside=$(as "$who" cat /proc/self/status)

        for set in CapInh CapPrm CapEff CapBnd CapAmb; do
                is "$(field "$inside" "$set")" "$zero" "$set is empty inside (as $who)"
        done
        bnd=$(field "$outside" CapBnd)
        if [ -n "$bnd" ] && [ "$bnd" != "$zero" ]; then ok "... while CapBnd outside is $bnd (as $who)"
        else not_ok "... while CapBnd outside is not empty (as $who)"; diag "got: '$bnd'"; fi
        if [ "$who" = root ]; then
                eff=$(field "$outside" CapEff)
                if [ -n "$eff" ] && [ "$eff" != "$zero" ]; then ok "... and CapEff outside is $eff (as $who)"
                else not_ok "... and CapEff outside is not empty (as $who)"; diag "got: '$eff'"; fi
        fi
        is "$(field "$inside" NoNewPrivs)" 1 "NoNewPrivs is 1 inside (as $who)"
        is "$(field "$outside" NoNewPrivs)" 0 "... 0 outside (as $who)"
        is "$(field "$inside" Seccomp)" 2 "Seccomp is 2 (filter) inside (as $who)"
        is "$(field "$inside" Seccomp_filters)" "$(( $(field "$outside" Seccomp_filters) + 1 ))" \
                "... one filter more than outside (as $who)"

        sb=$(as "$who" "$OSLBOX" run -- setpriv --dump | sed -n 's/^Securebits: //p')
        case ",$sb," in *,noroot_locked,*no_setuid_fixup_locked,*keep_caps_locked,*)
                ok "securebits locked inside: $sb (as $who)";;
                *) not_ok "securebits locked inside (as $who)"; diag "got: '$sb'";; esac
        is "$(as "$who" setpriv --dump | sed -n 's/^Securebits: //p')" "[none]" "... none outside (as $who)"

        # What capabilities would allow: both twins hold them in a user
        # namespace of their own, outside the sandbox.
        is "$(as "$who" "$OSLBOX" run -- ./probe sethostname oslbox-caps)" EPERM \
                "sethostname in the sandbox's own uts namespace: EPERM (as $who)"
        is "$(as "$who" unshare --user --map-root-user --uts ./probe sethostname oslbox-caps)" OK \
                "... works with capabilities in a new user namespace outside (as $who)"
        printf 'mode 000\n' > "$wd/mode000"; chown "$who:" "$wd/mode000"; chmod 000 "$wd/mode000"
        is "$(as "$who" "$OSLBOX" run -- ./probe open ./mode000)" EACCES \
                "a mode 000 file of the caller's: EACCES inside, no CAP_DAC_OVERRIDE (as $who)"
        is "$(as "$who" unshare --user --map-root-user ./probe open ./mode000)" OK \
                "... opens with CAP_DAC_OVERRIDE in a new user namespace outside (as $who)"
        rm -f "$wd/mode000"
done

done_testing
