#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The Python module's tests (tests/python/test_*.py, pytest), as root and as
# the test user: the module, the tests and the built library are copied
# under $T, where that user can read them. Each pytest test is one TAP line
# here, tagged with the user. Skipped, saying why, without Python 3 or
# pytest (Debian: python3-pytest). $OSLBOX_TEST_PYTHON names another
# interpreter than the python3 of /usr/local/bin:/usr/bin:/bin.
. "$OSLBOX_SRCDIR/tests/integ/lib.sh"

py=${OSLBOX_TEST_PYTHON:-python3}
lib=$(ls "$OSLBOX_BUILDDIR"/.libs/liboslbox.so.[0-9]* 2>/dev/null | head -n 1)
if [ -z "$lib" ]; then
        not_ok "the shared liboslbox was built (.libs/liboslbox.so.N)"
        done_testing
        exit
fi
mkdir -p "$T/python/tests" "$T/lib" "$T/include" "$T/policies"
cp -R "$OSLBOX_SRCDIR/bindings/python/oslbox" "$T/python/"
cp "$OSLBOX_SRCDIR"/tests/python/*.py "$T/python/tests/"
cp "$OSLBOX_SRCDIR/bindings/python/README.md" "$T/python/"
cp -P "$OSLBOX_BUILDDIR"/.libs/liboslbox.so* "$T/lib/"
install -m 755 "$OSLBOX_BUILDDIR/oslbox-init" "$T/lib/oslbox-init"     # found next to the library
cp "$OSLBOX_SRCDIR/include/oslbox.h" "$T/include/"
cp "$OSLBOX_SRCDIR"/policies/*.policy "$T/policies/"
chmod -R a+rX "$T/python" "$T/lib" "$T/include" "$T/policies"
soname="$T/lib/$(basename "$lib" | sed 's/^\(liboslbox\.so\.[0-9]*\).*/\1/')"

for who in $USERS; do
        if ! as "$who" "$py" -c 'import sys; assert sys.version_info >= (3, 7)' 2>/dev/null; then
                skip "no Python 3.7 or later as $py (as $who): the Python module is not tested"
                continue
        fi
        if ! as "$who" "$py" -c 'import pytest' 2>/dev/null; then
                skip "no pytest for $py (apt-get install python3-pytest; as $who): the Python module is not tested"
                continue
        fi
        secret=$(plant_secret "$who" .ssh/oslbox-python-probe)
        wd=$(workdir "$who")
        tap="$wd/pytest.tap"
        rm -f "$tap"
        EXTRA_ENV="OSLBOX_LIBRARY=$soname PYTHONPATH=$T/python PYTHONDONTWRITEBYTECODE=1
                   OSLBOX_POLICY_DIR=$T/policies OSLBOX_TEST_SECRET=$secret OSLBOX_TEST_INCLUDE=$T/include
                   OSLBOX_TEST_TAP=$tap" \
                as "$who" timeout -k 10 900 "$py" -m pytest -p no:cacheprovider -q -rfE \
                --rootdir="$T/python/tests" "$T/python/tests" > "$T/pytest-$who.log" 2>&1
        rc=$?
        n=0 failed=0
        if [ -f "$tap" ]; then
                while IFS=$'\t' read -r status desc; do
                        n=$((n + 1))
                        case $status in
                        ok) ok "$desc (as $who)";;
                        skip) skip "$desc (as $who)";;
                        *) failed=1; not_ok "$desc (as $who)";;
                        esac
                done < "$tap"
        fi
        if [ "$n" -eq 0 ] || { [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; }; then
                not_ok "pytest ran the tests and exited 0 (as $who): exit status $rc, $n tests reported"
                failed=1
        fi
        [ "$failed" -eq 0 ] || diag "$(tail -n 150 "$T/pytest-$who.log")"
done

# --- the module as make install puts it (configure --enable-python) ----------------
if ! grep -q '^oslboxpydir = ' "$OSLBOX_BUILDDIR/Makefile"; then
        diag "configured without --enable-python: the installed module is not checked"
        done_testing
        exit
fi
inst="$T/inst"
# This may run inside make check: the outer make's jobserver is not ours.
if out=$(env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$OSLBOX_BUILDDIR" DESTDIR="$inst" \
         install-oslboxpyPYTHON install-nodist_oslboxpyPYTHON 2>&1); then
        ok "make install of the Python module"
else
        not_ok "make install of the Python module"
        diag "$out"
fi
init=$(find "$inst" -path '*/oslbox/__init__.py' | head -n 1)
pydir=$(dirname "$(dirname "$init")")
chmod -R a+rX "$inst"
prefix=$(sed -n 's/^prefix = //p' "$OSLBOX_BUILDDIR/Makefile")
case $pydir in
"$inst$prefix"/*) ok "it goes below the prefix: ${pydir#"$inst"}";;
*) not_ok "it goes below the prefix $prefix"; diag "found: '$init'";;
esac
libdir=$(env -u MAKEFLAGS make -s -C "$OSLBOX_BUILDDIR" -f Makefile -f - print-libdir <<'MK' 2>/dev/null
print-libdir:
	@echo $(libdir)
MK
)
for who in $USERS; do
        # shellcheck disable=SC2016 # expanded by Python
        out=$(EXTRA_ENV="PYTHONPATH=$pydir OSLBOX_LIBRARY=$soname PYTHONDONTWRITEBYTECODE=1" as "$who" "$py" -c '
import oslbox, oslbox._config, sys
assert oslbox.__file__.startswith(sys.argv[1]), oslbox.__file__
print(oslbox._config.LIBDIR, oslbox.run(["echo", "ok"], capture_output=True, text=True).stdout.strip())' \
              "$pydir" 2>&1)
        is "$out" "$libdir ok" "the installed module imports, knows the libdir ($libdir) and runs a sandbox (as $who)"
done

done_testing
