#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Terminals: --pty under a real terminal (size, resize, Ctrl-C, restore), and without it.
. "$OSLBOX_SRCDIR/tests/integ/lib.sh"

install -m 755 "$OSLBOX_SRCDIR/tests/helpers/term.py" "$T/bin/term.py"

# term WHO [TERM.PY ARGS...] -- COMMAND...: COMMAND as WHO on a new terminal
# (see tests/helpers/term.py); its output without carriage returns.
term() {
        local who=$1; shift
        as "$who" python3 "$T/bin/term.py" --deadline 5 "$@" | tr -d '\r'
        return "${PIPESTATUS[0]}"
}

# Counts the deliveries of signal $1 (each, not once per pending signal):
# prints READY, "got SIZE" at each (the window size then, or - without a
# terminal), and after half a second without one "SIG n SIZE...".
count_signals='
import os, select, signal, sys
sig = getattr(signal, sys.argv[1])
r, w = os.pipe()
os.set_blocking(w, False)
signal.signal(sig, lambda s, f: None)
signal.set_wakeup_fd(w, warn_on_full_buffer=False)
print("READY", flush=True)
seen = []
while select.select([r], [], [], 0.5)[0]:
    for _ in os.read(r, 64):
        size = os.get_terminal_size(0) if os.isatty(0) else None
        seen.append("%dx%d" % (size.lines, size.columns) if size else "-")
        print("got", seen[-1], flush=True)
print(sys.argv[1], len(seen), *seen)'

# Pushes a line into the terminal on fd 0 with TIOCSTI; says what happened.
push_input='
import fcntl, termios
try:
    for c in b"oslbox-pushed\n":
        fcntl.ioctl(0, termios.TIOCSTI, bytes([c]))
    print("TIOCSTI: pushed")
except OSError as e:
    print("TIOCSTI:", e.strerror)'

# The session, and the controlling terminal (0: none) of the shell.
session='set -- $(cat /proc/$$/stat); [ "$6" = $$ ] && echo leader; echo "tty_nr=$7"'
devtty='if (exec 3</dev/tty) 2>/dev/null; then echo "/dev/tty opens"; else echo "/dev/tty fails"; fi'

for who in $USERS; do
        as "$who" true      # creates the working directory
        wd=$(workdir "$who")

        # --- --pty under a terminal -----------------------------------------------
        out=$(term "$who" --size 33x101 -- "$OSLBOX" run --pty -- sh -c \
                'test -t 0 && test -t 1 && test -t 2 && echo ttys; t=$(tty) && test -e "$t" && echo "$t exists"; stty size')
        rc=$?
        is "$rc" 0 "--pty under a terminal runs (as $who)"
        is "$(sed -n 1p <<<"$out")" ttys "... stdin, stdout and stderr are terminals inside (as $who)"
        case "$(sed -n 2p <<<"$out")" in
        /dev/pts/*" exists") ok "... tty names a terminal that exists inside: $(sed -n 2p <<<"$out") (as $who)";;
        *) not_ok "... tty names a terminal that exists inside (as $who)"; diag "got: $out";;
        esac
        is "$(sed -n 3p <<<"$out")" "33 101" "... stty size inside is the outer terminal's, 33x101 (as $who)"

        out=$(term "$who" --size 33x101 -- "$OSLBOX" run --pty -- sh -c "$session; $devtty")
        is "$out" "leader
tty_nr=$(python3 -c 'import os; print(os.makedev(136, 0))')
/dev/tty opens" "... the command leads a session whose controlling terminal is the sandbox's pts 0 (as $who)"

        # The trap prints the size at each SIGWINCH; Ctrl-C ends the loop.
        out=$(term "$who" --size 33x101 expect:READY resize:40x120 'expect:40 120' 'send:\x03' -- \
                "$OSLBOX" run --pty -- sh -c 'trap "stty size" WINCH; echo READY; while :; do sleep 0.05; done')
        rc=$?
        case "$out" in
        *"40 120"*) ok "a resize of the outer terminal is seen inside: SIGWINCH, then stty size 40 120 (as $who)";;
        *) not_ok "a resize of the outer terminal is seen inside (as $who)"; diag "rc=$rc: $out";;
        esac

        # Each resize once the command saw the one before (and a duplicate had time to come).
        out=$(term "$who" --size 33x101 expect:READY resize:30x90 'expect:got 30x90' sleep:0.1 \
                resize:31x91 'expect:got 31x91' sleep:0.1 resize:32x92 'expect:got 32x92' -- \
                "$OSLBOX" run --pty -- python3 -c "$count_signals" SIGWINCH)
        is "$(tail -n 1 <<<"$out")" "SIGWINCH 3 30x90 31x91 32x92" \
                "three resizes: three SIGWINCH inside, each after the size changed (as $who)"

        # Three bytes without a newline reach a raw reader inside only if the
        # outer terminal is raw too while the command runs.
        out=$(term "$who" --stty stty.out expect:READY send:abc -- "$OSLBOX" run --pty -- sh -c \
                'stty raw -echo; echo READY; head -c 3; echo')
        rc=$?
        is "$rc:$(tail -n 1 <<<"$out")" "0:abc" "--pty: the outer terminal is raw while the command runs (as $who)"
        is "$(sed -n 1p "$wd/stty.out")" "$(sed -n 2p "$wd/stty.out")" \
                "... and stty -g of it is the same after the run as before (as $who)"
        out=$(term "$who" --stty stty.twin -- stty raw -echo)
        if [ "$(sed -n 1p "$wd/stty.twin")" != "$(sed -n 2p "$wd/stty.twin")" ]; then
                ok "... twin: stty raw run on the terminal directly changes it (as $who)"
        else
                not_ok "... twin: stty raw run on the terminal directly changes it (as $who)"
        fi
        out=$(term "$who" --stty stty.out -- "$OSLBOX" run --pty --timeout 500ms -- sh -c 'stty raw -echo; sleep 100')
        rc=$?
        is "$rc" 124 "--pty --timeout 500ms: 124 (as $who)"
        is "$(sed -n 1p "$wd/stty.out")" "$(sed -n 2p "$wd/stty.out")" \
                "... and stty -g of the outer terminal is the same after as before (as $who)"

        out=$(term "$who" --stty stty.out expect:READY signal:TERM -- "$OSLBOX" run --pty -- sh -c \
                'stty raw -echo; echo READY; exec sleep 100')
        rc=$?
        is "$rc" 143 "--pty, SIGTERM to oslbox: the command dies of it, 128+15 (as $who)"
        is "$(sed -n 1p "$wd/stty.out")" "$(sed -n 2p "$wd/stty.out")" \
                "... and stty -g of the outer terminal is the same after as before (as $who)"

        for pty in --pty --no-pty; do
                out=$(term "$who" expect:READY hangup -- "$OSLBOX" run $pty -- sh -c 'echo READY; exec sleep 100')
                is "$?" 129 "$pty: closing the outer terminal ends the run, the command gets SIGHUP (as $who)"
        done

        t0=${EPOCHREALTIME/[.,]/}
        out=$(term "$who" expect:READY 'send:\x03' -- "$OSLBOX" run --pty -- sh -c 'echo READY; exec sleep 100')
        rc=$?
        ms=$(( (${EPOCHREALTIME/[.,]/} - t0) / 1000 ))
        is "$rc" 130 "Ctrl-C typed at the outer terminal interrupts sleep 100: 128+2 (as $who)"
        # Well before the 100 s sleep would end by itself (a loaded host takes seconds to start a terminal).
        if [ "$ms" -lt 30000 ]; then ok "... at once (${ms} ms) (as $who)"; else not_ok "... at once: ${ms} ms (as $who)"; fi

        out=$(term "$who" -- "$OSLBOX" run --pty -- seq 1 200000)
        rc=$?
        is "$rc:$(wc -l <<<"$out"):$(head -n 1 <<<"$out"):$(tail -n 1 <<<"$out")" "0:200000:1:200000" \
                "seq 1 200000 through the terminal: every line, first and last (as $who)"
        if [ "$out" = "$(seq 1 200000)" ]; then ok "... in order, none changed (as $who)"
        else not_ok "... in order, none changed (as $who)"; fi

        out=$(term "$who" expect:name 'send:oslbox typed\n' -- "$OSLBOX" run --pty -- sh -c 'echo name; read -r a b; echo "got <$b>"')
        is "$(tail -n 1 <<<"$out")" "got <typed>" "what is typed at the outer terminal reaches the command (as $who)"

        # --- without --pty: oslbox's own stdio, in a new session --------------------
        out=$(term "$who" -- "$OSLBOX" run -- sh -c "test -t 0 && test -t 1 && echo ttys; $session; $devtty")
        is "$out" "ttys
leader
tty_nr=0
/dev/tty fails" "without --pty: the outer terminal on 0 and 1, a new session without a controlling terminal, /dev/tty fails (as $who)"

        out=$(term "$who" expect:name 'send:oslbox typed\n' -- "$OSLBOX" run -- sh -c 'echo name; read -r a b; echo "got <$b>"')
        is "$(tail -n 1 <<<"$out")" "got <typed>" "... it reads the outer terminal directly (as $who)"

        rm -f "$wd/pending"
        out=$(term "$who" --pending pending -- "$OSLBOX" run -- python3 -c "$push_input")
        is "$out:$(cat "$wd/pending")" "TIOCSTI: Operation not permitted:" \
                "... TIOCSTI on it fails and pushes nothing into the outer terminal (as $who)"
        rm -f "$wd/pending"
        out=$(term "$who" --pending pending -- python3 -c "$push_input")
        if [ "$(cat /proc/sys/dev/tty/legacy_tiocsti 2>/dev/null)" = 0 ] && [ "$who" != root ]; then
                skip "dev.tty.legacy_tiocsti = 0: no TIOCSTI outside to compare with (as $who)"
        else
                is "$(tail -n 1 <<<"$out"):$(cat "$wd/pending")" "TIOCSTI: pushed:oslbox-pushed" \
                        "... twin: outside the sandbox it pushes a line (as $who)"
        fi

        # The command has the outer terminal on its stdio and changes it: echo
        # and canonical mode off, another window size, exclusive mode. oslbox
        # puts it back however the run ends (--state: stty -g, size, excl).
        spoil='stty -echo -icanon && stty rows 11 cols 22 && python3 -c "import fcntl, termios; fcntl.ioctl(0, termios.TIOCEXCL)"'
        term "$who" --state state.twin -- sh -c "$spoil" >/dev/null
        if [ "$(sed -n 1p "$wd/state.twin")" != "$(sed -n 2p "$wd/state.twin")" ] &&
           [ "$(sed -n 2p "$wd/state.twin" | cut -d' ' -f2-)" = "11x22 excl=1" ]; then
                ok "twin: the command run on the terminal directly leaves it changed (as $who)"
        else
                not_ok "twin: the command run on the terminal directly leaves it changed (as $who)"; diag "$(cat "$wd/state.twin")"
        fi
        # same_state FILE DESCRIPTION: the terminal is as it was before the run.
        same_state() {
                if [ -s "$wd/$1" ] && [ "$(sed -n 1p "$wd/$1")" = "$(sed -n 2p "$wd/$1")" ]; then ok "$2"
                else not_ok "$2"; diag "before: $(sed -n 1p "$wd/$1")" "after:  $(sed -n 2p "$wd/$1")"; fi
        }
        rm -f "$wd/state.out"
        term "$who" --state state.out -- "$OSLBOX" run -- sh -c "$spoil" >/dev/null
        is "$?" 0 "without --pty, a command that changes the terminal runs (as $who)"
        same_state state.out "... the terminal is as before after it ends: termios, size, exclusive mode (as $who)"
        rm -f "$wd/state.out"
        term "$who" --state state.out -- "$OSLBOX" run --timeout 500ms -- sh -c "$spoil; sleep 100" >/dev/null
        is "$?" 124 "... --timeout 500ms: 124 (as $who)"
        same_state state.out "... the terminal is as before after the timeout (as $who)"
        rm -f "$wd/state.out"
        term "$who" --state state.out expect:READY signal:TERM -- "$OSLBOX" run -- sh -c "$spoil; echo READY; exec sleep 100" >/dev/null
        is "$?" 143 "... SIGTERM to oslbox: 128+15 (as $who)"
        same_state state.out "... the terminal is as before after the signal (as $who)"
        rm -rf "$wd/state.out" "$wd/spoilt.json"
        term "$who" --state state.out -- "$OSLBOX" run --report spoilt.json -- sh -c "$spoil; mkdir spoilt.json" >/dev/null
        is "$?" 125 "... oslbox failing after the run (its report spoilt): 125 (as $who)"
        same_state state.out "... the terminal is as before after oslbox's own failure (as $who)"
        rm -rf "$wd/spoilt.json"

        # The outer terminal is cooked: Ctrl-C signals its foreground process group.
        # Each Ctrl-C once the one before was seen and a duplicate had time to come.
        out=$(term "$who" expect:READY 'send:\x03' expect:got sleep:0.1 'send:\x03' expect:got sleep:0.1 \
                'send:\x03' expect:got sleep:0.1 'send:\x03' expect:got sleep:0.1 'send:\x03' -- \
                "$OSLBOX" run -- python3 -c "$count_signals" SIGINT)
        is "$(grep -o 'SIGINT [0-9]*' <<<"$out")" "SIGINT 5" \
                "... five Ctrl-C at the outer terminal: five SIGINT inside, not more (as $who)"

        # --- --pty with stdin a pipe -------------------------------------------------
        # (the status is oslbox's: the last of each pipeline inside $(...))
        out=$(printf 'a\nb\n' | as "$who" timeout 5 "$OSLBOX" run --pty -- cat; echo "status $?")
        is "$(tr -d '\r' <<<"$out")" "a
b
status 0" "--pty with piped input: cat prints each line once, and end of input ends it (as $who)"
        out=$(printf 'x' | as "$who" timeout 5 "$OSLBOX" run --pty -- cat; echo " status $?")
        is "$(tr -d '\r' <<<"$out")" "x status 0" "... input without a final newline reaches cat too (as $who)"
        out=$(as "$who" timeout 5 "$OSLBOX" run --pty -- sh -c 'test -t 0 && echo tty; cat; echo end' </dev/null
              echo "status $?")
        is "$(tr -d '\r' <<<"$out")" "tty
end
status 0" "... empty input: a terminal inside, at end of file at once (as $who)"
done
done_testing
