#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The shared library's ABI: only oslbox_* leaves it, versioned, with a versioned soname.
. "$OSLBOX_SRCDIR/tests/integ/lib.sh"

so="$OSLBOX_BUILDDIR/.libs/liboslbox.so"
if [ ! -e "$so" ]; then
        skip "no $so: configured with --disable-shared"
        done_testing
        exit
fi

# Defined dynamic symbols, as NAME@@VERSION; the version node itself
# (OSLBOX_0.1, an absolute symbol) is not a function or object.
symbols=$(nm -D --defined-only "$so" | awk '$2 != "A" { print $3 }')
check "the library defines dynamic symbols" test -n "$symbols"
others=$(printf '%s\n' "$symbols" | grep -v '^oslbox_')
is "$others" "" "every exported symbol is oslbox_*"
unversioned=$(printf '%s\n' "$symbols" | grep -v '@@OSLBOX_[0-9.]*$')
is "$unversioned" "" "every exported symbol carries a version (@@OSLBOX_...)"

# The header and the library agree: every OSLBOX_API call is exported, and
# nothing is exported that the header does not declare.
declared=$(grep -o '^OSLBOX_API [^(]*(' "$OSLBOX_SRCDIR/include/oslbox.h" |
           sed 's/.*[ *]\(oslbox_[a-z0-9_]*\)(/\1/' | sort -u)
exported=$(printf '%s\n' "$symbols" | sed 's/@.*//' | sort -u)
is "$exported" "$declared" "the exported symbols are exactly the OSLBOX_API calls of oslbox.h"

# The static archive: a program linking it must meet no internal name.
ar="$OSLBOX_BUILDDIR/.libs/liboslbox.a"
if [ -e "$ar" ]; then
        globals=$(nm --defined-only -g "$ar" 2>/dev/null | awk 'NF == 3 { print $3 }' | sort -u)
        is "$(printf '%s\n' "$globals" | grep -v '^oslbox_')" "" "liboslbox.a defines no global symbol but oslbox_*"
        is "$(printf '%s\n' "$globals")" "$declared" "... and all of the OSLBOX_API calls"
else
        skip "no $ar: configured with --disable-static"
fi

soname=$(readelf -d "$so" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
is "$soname" liboslbox.so.0 "the soname is versioned: liboslbox.so.0"
check "... and the build has it: .libs/$soname" test -e "$OSLBOX_BUILDDIR/.libs/$soname"

done_testing
