#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The seam run: integration scripts again, with oslbox under tests/helpers/nons
# (namespaces blocked as Docker's seccomp profile blocks them), so that each
# runs in the landlock isolation mode that isolation auto falls back to. A
# check that does not hold there as written is listed in tests/seam.expect
# with the reason; any other failure, or a listed one that no longer fails,
# fails this script. OSLBOX_SEAM_SCRIPTS picks the scripts (names without .sh).
# They run as the caller only: root's make check runs them as root, the test
# user's as that user (isolation.sh checks each promise as both).
. "$OSLBOX_SRCDIR/tests/integ/lib.sh"

if [ ! -x "$NONS" ]; then
        echo "Bail out! tests/helpers/nons is not built"
        exit 1
fi
abi=$("$OSLBOX" doctor --json | sed -n 's/^ *"abi": *\([0-9][0-9]*\).*/\1/p')
if [ "${abi:-0}" -lt 6 ]; then
        skip "Landlock ABI ${abi:-0} < 6: the landlock mode refuses here (tests/integ/isolation.sh checks how)"
        done_testing
        exit
fi

scripts=${OSLBOX_SEAM_SCRIPTS:-env caps cli report supervise pty net view}
expect=$OSLBOX_SRCDIR/tests/seam.expect

# keys OUT: each failed check of the TAP in OUT, one line: its description,
# after the one it follows when it starts with "...", the caller as "root"
# or "user".
keys() {
        awk '
        function norm(d,   out, w) {
                out = ""
                while (match(d, /\(as [^()]*\)/)) {
                        w = substr(d, RSTART, RLENGTH)
                        out = out substr(d, 1, RSTART - 1) (w == "(as root)" ? w : "(as user)")
                        d = substr(d, RSTART + RLENGTH)
                }
                return out d
        }
        /^(not )?ok [0-9]+ - / {
                d = $0; sub(/^(not )?ok [0-9]+ - /, "", d); sub(/ # (SKIP|TODO).*$/, "", d); d = norm(d)
                key = (d ~ /^\.\.\./ && last != "") ? last " / " d : d
                if (d !~ /^\.\.\./) last = d
                if ($0 ~ /^not ok/) print key
        }' "$1"
}

# seps TEXT: one x per " / " in TEXT.
seps() { local t=${1//" / "/$'\001'}; t=${t//[^$'\001']/}; echo "${t//$'\001'/x}"; }

for s in $scripts; do
        out=$T/seam-$s.out
        t0=$SECONDS
        # As the caller only (a second user doubles the time: the test user's
        # own make check covers it), and fewer tries of view.sh's race.
        OSLBOX_SEAM=1 OSLBOX_TEST_CALLER_ONLY=1 OSLBOX_RACE_TRIES=${OSLBOX_RACE_TRIES:-30} \
                bash "$OSLBOX_SRCDIR/tests/integ/$s.sh" > "$out" 2>&1
        secs=$((SECONDS - t0))
        if ! grep -q '^1\.\.[0-9]' "$out"; then
                not_ok "$s.sh under the seam ran to its end"
                diag "$(tail -5 "$out")"
                continue
        fi
        declare -A seen=()
        # The expectations for this caller: "(as root)" ones for root, "(as
        # user)" ones for anyone else; one naming neither applies to both.
        if [ "$(id -u)" -eq 0 ]; then me="(as root)"; else me="(as user)"; fi
        mapfile -t want < <(awk -F '\t' -v s="$s" -v me="$me" '
                $1 == s && (index($2, me) || ($2 !~ /\(as root\)/ && $2 !~ /\(as user\)/)) { print $2 "\t" $3 }' "$expect")
        while IFS= read -r key; do
                why=
                for w in "${want[@]}"; do
                        g=${w%%$'\t'*}
                        # As many " / " in both: a glob's * never spans two checks.
                        [ "$(seps "$key")" = "$(seps "$g")" ] || continue
                        # shellcheck disable=SC2053 # the expectation is a glob
                        if [[ $key == $g ]]; then why=${w#*$'\t'}; seen[${w%%$'\t'*}]=1; break; fi
                done
                if [ -n "$why" ]; then
                        ok "$s.sh under the seam: $key: differs in the landlock mode: $why"
                else
                        not_ok "$s.sh under the seam: $key"
                        d=${key##* / }; d=${d% (as *)}
                        diag "$(grep -F -A4 -- "$d" "$out" | head -12)"
                fi
        done < <(keys "$out")
        for w in "${want[@]}"; do
                [ -n "${seen[${w%%$'\t'*}]:-}" ] ||
                        not_ok "$s.sh under the seam: tests/seam.expect lists '${w%%$'\t'*}', which held or was not run"
        done
        unset seen
        ok "$s.sh under the seam: $(grep -c '^ok' "$out") checks held (${secs} s)"
done

done_testing
