#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The option table, `oslbox help run` and the man pages agree: every row is
# an option in --help and in oslbox(1), every directive in oslbox.policy(5),
# each with its help text; the pages are clean under mandoc -Tlint; every
# public function is in liboslbox(3).
. "$OSLBOX_SRCDIR/tests/integ/lib.sh"

MANGEN="$OSLBOX_BUILDDIR/mangen"
PAGES="oslbox.1 oslbox.policy.5 liboslbox.3"

sorted() { LC_ALL=C sort -u; }

# same WANT GOT DESCRIPTION: WANT and GOT are lists, one name a line.
same() {
        local missing extra
        missing=$(LC_ALL=C comm -23 <(printf '%s\n' "$1" | sorted) <(printf '%s\n' "$2" | sorted) | tr '\n' ' ')
        extra=$(LC_ALL=C comm -13 <(printf '%s\n' "$1" | sorted) <(printf '%s\n' "$2" | sorted) | tr '\n' ' ')
        if [ -z "$missing" ] && [ -z "$extra" ]; then
                ok "$3"
        else
                not_ok "$3"
                [ -n "$missing" ] && diag "missing: $missing"
                [ -n "$extra" ] && diag "not in the table: $extra"
        fi
}

for page in $PAGES; do
        if [ -s "$OSLBOX_BUILDDIR/man/$page" ]; then ok "man/$page was built"
        else not_ok "man/$page was built (make builds it with mangen)"; fi
done

cli=$("$MANGEN" names cli); rc=$?
is "$rc" 0 "mangen names cli"
policy=$("$MANGEN" names policy)
[ "$(printf '%s\n' "$cli" | grep -c .)" -gt 10 ] && ok "the table has rows ($(printf '%s\n' "$cli" | grep -c .))" ||
        not_ok "the table has rows: '$cli'"

# --- oslbox help run ---------------------------------------------------------
# An option line is "  --NAME[ METAVAR]", then its help from column 27 on the
# same line (or the next, when the left part is too wide), continued on
# lines indented by 26 blanks.
help=$("$OSLBOX" help run 2>&1); rc=$?
is "$rc" 0 "oslbox help run exits 0"
help_names=$(printf '%s\n' "$help" | sed -n 's/^  --\([a-z0-9-]*\).*/\1/p')
same "$cli" "$help_names" "oslbox help run lists exactly the table's options"
undocumented=$(printf '%s\n' "$help" | awk '
        function flush() { if (name != "" && text !~ /[A-Za-z]/) print name; name = "" }
        /^  --/ { flush(); name = $1; sub(/^--/, "", name); text = substr($0, 27); next }
        /^                          / { text = text substr($0, 27); next }
        { flush() }
        END { flush() }')
is "$undocumented" "" "every option in oslbox help run has help text"

# --- the generated lists of oslbox(1) and oslbox.policy(5) -------------------
# The entries of the list mangen generates: ".It Fl \-NAME ..." in oslbox(1),
# ".It Ic NAME ..." in oslbox.policy(5), each followed by its help text.
# names_of PAGE PREFIX: the names of the entries (PREFIX: an awk regex).
names_of() {
        awk -v prefix="$2" '$0 ~ "^" prefix { match($0, "^" prefix); name = substr($0, RLENGTH + 1)
                                              sub(/ .*/, "", name); print name }' "$OSLBOX_BUILDDIR/man/$1"
}
# empty_items PAGE PREFIX: the entries whose next line is not help text.
empty_items() {
        awk -v prefix="$2" '$0 ~ "^" prefix { match($0, "^" prefix); name = substr($0, RLENGTH + 1)
                                              sub(/ .*/, "", name); getline body
                                              if (body !~ /^[^.]/ || body !~ /[A-Za-z]/) print name }' \
                "$OSLBOX_BUILDDIR/man/$1"
}
CLI_ITEM='\\.It Fl \\\\-'
POLICY_ITEM='\\.It Ic '

same "$cli" "$(names_of oslbox.1 "$CLI_ITEM")" "oslbox(1) documents exactly the table's options (.It Fl \\-name)"
is "$(empty_items oslbox.1 "$CLI_ITEM")" "" "every option in oslbox(1) has help text"
same "$policy" "$(names_of oslbox.policy.5 "$POLICY_ITEM")" \
        "oslbox.policy(5) documents exactly the table's directives, no command-line-only option (.It Ic name)"
is "$(empty_items oslbox.policy.5 "$POLICY_ITEM")" "" "every directive in oslbox.policy(5) has help text"
# --- the other commands: oslbox help CMD and oslbox(1) -----------------------
# Each command of src/cli/commands.h has an entry ".It Cm NAME ..." in the
# COMMANDS of oslbox(1), and for those with a help of their own (the named
# sandboxes'), the flags of its Usage: lines are those of the entry: in its
# .It line and the .It Fl lines of a list inside it.
commands=$(sed -n 's/^ *X(\([a-z]*\), .*/\1/p' "$OSLBOX_SRCDIR/src/cli/commands.h")
man_cmds=$(sed -n 's/^\.It Cm \([a-z]*\).*/\1/p' "$OSLBOX_BUILDDIR/man/oslbox.1")
same "$commands" "$man_cmds" "oslbox(1) has an entry for exactly the commands of src/cli/commands.h (.It Cm name)"
bad=""
for c in attach exec logs ps stop wait rm; do
        usage=$("$OSLBOX" help "$c" 2>&1 | awk 'NF == 0 { exit } { print }')
        hflags=$(printf '%s\n' "$usage" | grep -o -- '--[a-z][a-z-]*' | grep -vx -- '--' | sorted | tr '\n' ' ')
        mflags=$(awk -v c="$c" '$0 ~ "^\\.It Cm " c "( |$)" { on = 1; depth = 0; print; next }
                                on && /^\.Bl/ { depth++ } on && /^\.El/ { if (depth-- == 0) exit }
                                on && depth == 0 && /^\.It/ { exit }
                                on && depth == 1 && /^\.It Fl/ { print }' "$OSLBOX_BUILDDIR/man/oslbox.1" |
                grep -o 'Fl \\-[a-z][a-z-]*' | sed 's/^Fl \\-/--/' | sorted | tr '\n' ' ')
        [ -n "$usage" ] && [ "$hflags" = "$mflags" ] || bad="$bad [$c: help '$hflags', oslbox(1) '$mflags']"
done
is "$bad" "" "attach, exec, logs, ps, stop, wait, rm: the flags of oslbox help CMD are those oslbox(1) gives CMD"
for page in oslbox.1 oslbox.policy.5; do
        n=$(grep -c '^@OPTIONS@$' "$OSLBOX_BUILDDIR/man/$page")
        is "$n" 0 "man/$page: mangen replaced @OPTIONS@"
done
n=$(grep -c '^@OPTIONS@$' "$OSLBOX_SRCDIR/man/liboslbox.3.in")
is "$n" 0 "liboslbox.3.in has no @OPTIONS@ (mangen runs it in none mode)"

# --- liboslbox(3) ------------------------------------------------------------
api=$(sed -n 's/^OSLBOX_API[^(]*[ *]\([a-z_0-9]*\)(.*/\1/p' "$OSLBOX_SRCDIR/include/oslbox.h")
[ "$(printf '%s\n' "$api" | grep -c .)" -gt 20 ] && ok "oslbox.h declares the API ($(printf '%s\n' "$api" | grep -c .) functions)" ||
        not_ok "oslbox.h declares the API: '$api'"
fns=$(sed -n 's/^\.F[no] \(oslbox_[a-z_0-9]*\).*/\1/p' "$OSLBOX_BUILDDIR/man/liboslbox.3" | sorted)
missing=""
for f in $api; do
        grep -q "^\.Fn $f\\( \\|\$\\)" "$OSLBOX_BUILDDIR/man/liboslbox.3" || missing="$missing $f"
done
is "$missing" "" "liboslbox(3) describes every OSLBOX_API function with .Fn"
extra=$(LC_ALL=C comm -13 <(printf '%s\n' "$api" | sorted) <(printf '%s\n' "$fns"))
is "$extra" "" "liboslbox(3) names no function oslbox.h lacks"

# The example program of liboslbox(3) compiles and does what the page says:
# prints hello and exits with echo's status.
sed -n '/^#define _GNU_SOURCE/,/^}$/p' "$OSLBOX_BUILDDIR/man/liboslbox.3" | sed 's/\\e/\\/g' > "$T/example.c"
if ! grep -q 'oslbox_proc_spawn' "$T/example.c"; then
        not_ok "liboslbox(3) has an example program (from #define _GNU_SOURCE to the closing brace of main)"
elif ! command -v "${CC:-cc}" >/dev/null; then
        skip "no C compiler (${CC:-cc}): the example of liboslbox(3) is not compiled"
elif [ ! -e "$OSLBOX_BUILDDIR/.libs/liboslbox.so" ]; then
        skip "no shared liboslbox in .libs (--disable-shared?): the example of liboslbox(3) is not compiled"
else
        if err=$("${CC:-cc}" -Wall -Wextra -Werror -I"$OSLBOX_SRCDIR/include" -o "$T/bin/example" "$T/example.c" \
                 "$OSLBOX_BUILDDIR/.libs/liboslbox.so" 2>&1); then
                ok "the example of liboslbox(3) compiles with -Wall -Wextra -Werror"
                mkdir -p "$T/lib"
                cp -P "$OSLBOX_BUILDDIR"/.libs/liboslbox.so* "$T/lib/"
                for who in $USERS; do
                        out=$(as "$who" env LD_LIBRARY_PATH="$T/lib" "$T/bin/example" 2>&1); rc=$?
                        is "$rc:$out" "0:hello" "the example spawns echo hello, prints hello and exits 0 (as $who)"
                done
        else
                not_ok "the example of liboslbox(3) compiles with -Wall -Wextra -Werror"
                diag "$err"
        fi
fi

# --- cross-references between the pages ------------------------------------
for page in $PAGES; do
        bad=""
        while read -r name sec; do
                [ -s "$OSLBOX_BUILDDIR/man/$name.$sec" ] || bad="$bad $name($sec)"
        done < <(sed -n 's/^\.Xr \(l*i*b*oslbox[a-z.]*\) \([0-9]\).*/\1 \2/p' "$OSLBOX_BUILDDIR/man/$page" | sort -u)
        is "$bad" "" "man/$page refers only to pages the build makes"
done

# --- mandoc -Tlint ---------------------------------------------------------
# Messages on the list mangen generates that come from the shape of the
# table's help text (long lines, two sentences on a line) are mangen's to
# fix: they are reported as TODO. Every other message fails. "referenced
# manual not found" depends on the manuals installed on this host, and
# mandoc looks there only; the references to this project's own pages are
# checked above. "operating system explicitly specified" is a rule for the
# BSD base systems' pages, which Debian's mandoc applies to all: the footer
# names oslbox and its version on purpose (.Os oslbox VERSION).
if ! command -v mandoc >/dev/null; then
        skip "mandoc is not installed: the pages are not linted"
else
        for page in $PAGES; do
                file="$OSLBOX_BUILDDIR/man/$page"
                start=$(grep -n '^@OPTIONS@$' "$OSLBOX_SRCDIR/man/$page.in" | head -n 1 | cut -d: -f1)
                end=0
                if [ -n "$start" ]; then
                        end=$(awk -v s="$start" 'NR >= s && /^\.El$/ { print NR; exit }' "$file")
                else
                        start=0
                fi
                out=$(cd "$OSLBOX_BUILDDIR/man" && mandoc -Tlint -Wall "$page" 2>&1)
                hand=$(printf '%s\n' "$out" | awk -F: -v s="$start" -v e="${end:-0}" '
                        /^mandoc: [^:]*:[0-9]+:[0-9]+: / {
                                if ($0 ~ /referenced manual not found/) next
                                if ($0 ~ /operating system explicitly specified: Os oslbox /) next
                                if ($3 + 0 >= s && $3 + 0 <= e &&
                                    ($0 ~ /input text line longer than 80 bytes/ || $0 ~ /new sentence, new line/)) next
                                print; next }
                        /^mandoc: / && /outdated mandoc\.db|mandoc\.db/ { next }
                        NF { print }')
                gen=$(printf '%s\n' "$out" | awk -F: -v s="$start" -v e="${end:-0}" '
                        /^mandoc: [^:]*:[0-9]+:[0-9]+: / && $3 + 0 >= s && $3 + 0 <= e &&
                        ($0 ~ /input text line longer than 80 bytes/ || $0 ~ /new sentence, new line/) { print }')
                xr=$(printf '%s\n' "$out" | grep 'referenced manual not found' | sed 's/.*not found: //')
                if [ -z "$hand" ]; then
                        ok "man/$page is clean under mandoc -Tlint -Wall (but for the TODO below)"
                else
                        not_ok "man/$page is clean under mandoc -Tlint -Wall (but for the TODO below)"
                        diag "$hand"
                fi
                if [ "$start" -gt 0 ]; then
                        if [ -z "$gen" ]; then
                                ok "man/$page: the list mangen generates is clean under mandoc -Tlint -Wall"
                        else
                                echo "not ok $((_tap_n + 1)) - man/$page: the list mangen generates is clean under mandoc -Tlint # TODO mangen: one sentence a line, lines of at most 80 bytes"
                                _tap_n=$((_tap_n + 1))
                                diag "$gen"
                        fi
                fi
                [ -n "$xr" ] && diag "man/$page: not installed on this host (not checked): $(printf '%s\n' "$xr" | tr '\n' ' ')"
        done
fi

done_testing
