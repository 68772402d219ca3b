#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Runs the policy parser's libFuzzer harness for a bounded time (about 20 s,
# OSLBOX_FUZZ_SECONDS to change it), seeded with the shipped policies.
. "$OSLBOX_SRCDIR/tests/integ/lib.sh"

fuzzer="$OSLBOX_BUILDDIR/tests/fuzz/fuzz-policy"
if [ ! -x "$fuzzer" ]; then
        skip "clang with libFuzzer is not installed: the parser fuzzer was not built"
        done_testing
        exit
fi
corpus="$T/corpus"
mkdir -p "$corpus"
cp "$OSLBOX_SRCDIR"/policies/*.policy "$corpus/"
printf 'include x.policy\nrequire landlock>=3\nenv "A=${HOME} \\$x"\n' > "$corpus/extra.policy"
seconds=${OSLBOX_FUZZ_SECONDS:-20}
if ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
   "$fuzzer" -max_total_time="$seconds" -print_final_stats=1 -max_len=4096 -timeout=10 -rss_limit_mb=1024 \
        -artifact_prefix="$T/" "$corpus" >"$T/fuzz.log" 2>&1; then
        ok "the policy parser survives $seconds s of libFuzzer ($(grep -o 'stat::number_of_executed_units: [0-9]*' "$T/fuzz.log" | awk '{print $2}') inputs)"
else
        not_ok "the policy parser survives $seconds s of libFuzzer"
        tail -n 40 "$T/fuzz.log" | diag "$(cat)"
        ls "$T"/crash-* "$T"/leak-* 2>/dev/null | while read -r f; do diag "input: $(base64 -w0 "$f")"; done
fi
done_testing
