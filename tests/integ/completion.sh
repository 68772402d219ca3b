#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The shell completions tools/compgen generates: every row of the option
# table and of the commands table is offered, each option's value completes
# to its kind (checked against what oslbox accepts), they are installed
# where bash-completion and zsh look, and in a real terminal, bash and zsh
# complete `oslbox run --ne<TAB>` to --net.
. "$OSLBOX_SRCDIR/tests/integ/lib.sh"

COMPGEN="$OSLBOX_BUILDDIR/compgen"
MANGEN="$OSLBOX_BUILDDIR/mangen"
BASH_SCRIPT="$OSLBOX_BUILDDIR/completions/oslbox"
ZSH_SCRIPT="$OSLBOX_BUILDDIR/completions/_oslbox"

sorted() { LC_ALL=C sort -u; }
# same WANT GOT DESCRIPTION: WANT and GOT are lists of words.
same() {
        local want got missing extra
        want=$(printf '%s\n' $1 | sorted)
        got=$(printf '%s\n' $2 | sorted)
        missing=$(LC_ALL=C comm -23 <(printf '%s\n' "$want") <(printf '%s\n' "$got") | tr '\n' ' ')
        extra=$(LC_ALL=C comm -13 <(printf '%s\n' "$want") <(printf '%s\n' "$got") | tr '\n' ' ')
        if [ -z "$missing" ] && [ -z "$extra" ]; then
                ok "$3"
        else
                not_ok "$3"
                [ -n "$missing" ] && diag "missing: $missing"
                [ -n "$extra" ] && diag "not expected: $extra"
        fi
}

for f in "$COMPGEN" "$BASH_SCRIPT" "$ZSH_SCRIPT"; do
        if [ -s "$f" ]; then ok "${f#"$OSLBOX_BUILDDIR"/} was built"
        else not_ok "${f#"$OSLBOX_BUILDDIR"/} was built (make builds it with tools/compgen)"; fi
done
if [ ! -x "$COMPGEN" ] || [ ! -s "$BASH_SCRIPT" ]; then
        done_testing
        exit
fi
install -m 644 "$BASH_SCRIPT" "$T/oslbox.bash"
mkdir -p "$T/zsh"
install -m 644 "$ZSH_SCRIPT" "$T/zsh/_oslbox"

options=$("$MANGEN" names cli)
commands=$("$COMPGEN" commands)
[ "$(printf '%s\n' "$options" | grep -c .)" -gt 10 ] && ok "the option table has rows" ||
        not_ok "the option table has rows: '$options'"

# complete WORD...: what the bash completion offers for the command line
# WORD..., the last word being completed, one a line. Run in $T/files.
mkdir -p "$T/files/sub.d"
: > "$T/files/alpha.txt"
: > "$T/files/alpine.txt"
complete() {
        (cd "$T/files" && OSLBOX_POLICY_DIR="$OSLBOX_SRCDIR/policies" OSLBOX_COMPLETION_VAR=1 \
                bash --norc --noprofile -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
                        COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}; _oslbox
                        printf "%s\n" "${COMPREPLY[@]}"' complete "$T/oslbox.bash" "$@" 2>&1)
}
words() { printf '%s\n' "$@" | sorted | tr '\n' ' ' | sed 's/ $//'; }

# --- every row is there --------------------------------------------------------
got=$(complete oslbox run -- | grep '^--' | sed 's/^--//' | grep -vx help)
same "$options" "$got" "bash: oslbox run --<TAB> offers exactly the table's options"
got=$(complete oslbox explain --ne)
is "$got" "--net" "bash: oslbox explain --ne<TAB> gives --net"
got=$(complete oslbox '' | grep -v '^-')
same "$commands" "$got" "bash: oslbox <TAB> offers exactly the commands of src/cli/commands.h"
help_cmds=$("$OSLBOX" --help | awk '/^Commands:/ { on = 1; next } on && /^$/ { exit } on { print $1 }')
same "$commands" "$help_cmds" "oslbox --help lists the same commands"
got=$(complete oslbox help '')
same "$commands" "$got" "bash: oslbox help <TAB> offers the commands"
is "$(words $(complete oslbox ''  | grep '^-'))" "--help --version -V -h" "bash: oslbox -<TAB>: -h --help -V --version"

if command -v zsh >/dev/null; then
        if err=$(zsh -n "$T/zsh/_oslbox" 2>&1); then ok "zsh: the script parses (zsh -n)"
        else not_ok "zsh: the script parses (zsh -n)"; diag "$err"; fi
        # The function definitions, without the call that ends the file.
        sed '$d' "$T/zsh/_oslbox" > "$T/zsh/defs"
        got=$(zsh -fc '. "$1"; _oslbox_run_options; print -rl -- $reply' zsh "$T/zsh/defs" |
                sed -n "s/^[*]*--\([a-z0-9-]*\)[=[].*/\1/p" | grep -vx help)
        same "$options" "$got" "zsh: the _arguments specs of run are exactly the table's options"
        got=$(zsh -fc '. "$1"; _oslbox_commands; print -rl -- $reply' zsh "$T/zsh/defs" | sed 's/:.*//')
        same "$commands" "$got" "zsh: the commands are exactly those of src/cli/commands.h"
else
        skip "zsh is not installed (apt-get install zsh): its script is not checked"
fi

# --- each option's value ---------------------------------------------------------
# compgen kinds: NAME KIND [WORD...] for each option that takes a value.
kinds=$("$COMPGEN" kinds)
same "$(printf '%s\n' "$options" | while read -r o; do
            "$OSLBOX" help run | grep -q -- "^  --$o [^ ]" && echo "$o"; done)" \
     "$(printf '%s\n' "$kinds" | cut -d' ' -f1)" "compgen has a kind for every option that takes a value"
accepts() { (cd "$T/files" && "$OSLBOX" explain --no-project-policy "--$1" "$2" >/dev/null 2>&1); }
export FOO_OSLBOX_COMPLETION=1
while read -r name kind rest; do
        case $kind in
        words)
                is "$(words $(complete oslbox run "--$name" ''))" "$(words $rest)" \
                        "--$name <TAB>: $rest"
                bad=""
                for w in $rest; do accepts "$name" "$w" || bad="$bad $w"; done
                is "$bad" "" "... each accepted by oslbox run --$name"
                ;;
        syscall)
                got=$(complete oslbox run "--$name" '')
                n=$(printf '%s\n' "$got" | grep -c .)
                [ "$n" -gt 300 ] && ok "--$name <TAB>: $n system calls" || not_ok "--$name <TAB>: $n system calls"
                is "$(complete oslbox run "--$name" ptra)" ptrace "--$name ptra<TAB>: ptrace"
                bad=""
                for w in $(printf '%s\n' "$got" | awk 'NR % 37 == 1'); do accepts "$name" "$w" || bad="$bad $w"; done
                is "$bad" "" "... every 37th of them accepted by oslbox run --$name"
                ;;
        duration)
                is "$(words $(complete oslbox run "--$name" 5))" "$(words 5ms 5s 5m 5h)" "--$name 5<TAB>: 5ms 5s 5m 5h"
                bad=""
                for w in 5ms 5s 5m 5h; do accepts "$name" "$w" || bad="$bad $w"; done
                is "$bad" "" "... each accepted by oslbox run --$name"
                is "$(complete oslbox run "--$name" x)" "" "--$name x<TAB>: nothing"
                ;;
        size)
                is "$(words $(complete oslbox run "--$name" 64))" "$(words 64K 64M 64G 64T)" \
                        "--$name 64<TAB>: 64K 64M 64G 64T"
                accepts "$name" 64M && ok "... 64M accepted by oslbox run --$name" ||
                        not_ok "... 64M accepted by oslbox run --$name"
                ;;
        path | file)
                is "$(words $(complete oslbox run "--$name" al))" "alpha.txt alpine.txt" "--$name al<TAB>: the files"
                is "$(complete oslbox run "--$name" su)" "sub.d" "--$name su<TAB>: a directory too"
                ;;
        dir)
                is "$(complete oslbox run "--$name" '')" "sub.d" "--$name <TAB>: directories only"
                ;;
        policy)
                shipped=$(cd "$OSLBOX_SRCDIR/policies" && ls -- *.policy | sed 's/\.policy$//')
                got=$(complete oslbox run "--$name" '' | grep -v -e '\.txt$' -e '^sub\.d$')
                same "$shipped" "$got" "--$name <TAB>: the shipped policies (of \$OSLBOX_POLICY_DIR) and files"
                bad=""
                for w in $shipped; do
                        OSLBOX_POLICY_DIR="$OSLBOX_SRCDIR/policies" accepts "$name" "$w" || bad="$bad $w"
                done
                is "$bad" "" "... each accepted by oslbox run --$name"
                is "$(words $(complete oslbox run "--$name" al))" "alpha.txt alpine.txt" "--$name al<TAB>: files"
                ;;
        env-name)
                is "$(complete oslbox run "--$name" FOO_OSLBOX_C)" FOO_OSLBOX_COMPLETION \
                        "--$name FOO_OSLBOX_C<TAB>: the variable"
                ;;
        env-assign)
                is "$(complete oslbox run "--$name" FOO_OSLBOX_C)" FOO_OSLBOX_COMPLETION= \
                        "--$name FOO_OSLBOX_C<TAB>: the variable and ="
                is "$(complete oslbox run "--$name" FOO_OSLBOX_COMPLETION=x)" "" "... nothing after the ="
                ;;
        rlimit)
                is "$(words $(complete oslbox run "--$name" ''))" "$(words $(printf '%s=\n' $rest))" \
                        "--$name <TAB>: each limit's NAME="
                bad=""
                for w in $rest; do accepts "$name" "$w=1024" || bad="$bad $w"; done
                is "$bad" "" "... each NAME=1024 accepted by oslbox run --$name"
                ;;
        none)
                is "$(complete oslbox run "--$name" '')" "" "--$name <TAB>: nothing (free text)"
                ;;
        *)
                not_ok "--$name: kind '$kind' has no check in tests/integ/completion.sh"
                ;;
        esac
done <<< "$kinds"

# --- the command line's shape ------------------------------------------------------
is "$(words $(complete oslbox run --net = ''))" "host none" "--net=<TAB> (bash splits at =): the modes"
is "$(words $(complete oslbox run --ne = h))" "host" "--ne=h<TAB>: an abbreviated option's value"
is "$(words $(complete oslbox run --ti 5))" "$(words 5ms 5s 5m 5h)" "--ti 5<TAB>: abbreviations, as getopt takes them"
is "$(words $(complete oslbox run --net host printen))" "printenv" "run --net host printen<TAB>: the command"
is "$(words $(complete oslbox run -- printen))" "printenv" "run -- printen<TAB>: the command"
is "$(words $(complete oslbox run -- ls al))" "alpha.txt alpine.txt" "run -- ls al<TAB>: the command's arguments"
is "$(complete oslbox run ls --ne)" "" "run ls --ne<TAB>: no oslbox option after the command"
is "$(complete oslbox run --timeout 5s --ne)" "--net" "an option after an option and its value"
is "$(words $(complete oslbox doctor -))" "$(words --json --help -h)" "doctor -<TAB>: --json --help -h"
# learn's own flags with a value: -o a file, -n a number; then the command.
is "$(words $(complete oslbox learn -o al))" "alpha.txt alpine.txt" "learn -o al<TAB>: the files"
is "$(complete oslbox learn -n '')" "" "learn -n <TAB>: nothing (a number)"
is "$(words $(complete oslbox learn -o p.policy -n 2 printen))" "printenv" "learn -o FILE -n N printen<TAB>: the command"
is "$(complete oslbox learn -o p.policy --ne)" "--net" "learn -o FILE --ne<TAB>: run's options still"
got=$(complete oslbox learn - | grep -x -e -o -e -n | sort | tr '\n' ' ')
is "$got" "-n -o " "learn -<TAB>: -o and -n among the options"
is "$(words $(complete oslbox trust al))" "alpha.txt alpine.txt" "trust al<TAB>: files"
# The named sandboxes' commands: their flags, and the caller's sandboxes
# (of `oslbox ps --quiet`, run as the word being completed is).
is "$(words $(complete oslbox exec -))" "$(words --pty --cwd --env --timeout --help -h)" "exec -<TAB>: its own flags"
export XDG_RUNTIME_DIR="$T/xdg"
mkdir -m 700 "$XDG_RUNTIME_DIR"
"$OSLBOX" run --name comp-a -- true && "$OSLBOX" run --name comp-b -- true
is "$(words $(complete "$OSLBOX" attach ''))" "comp-a comp-b" "attach <TAB>: the caller's named sandboxes"
is "$(words $(complete "$OSLBOX" exec comp-))" "comp-a comp-b" "exec comp-<TAB>: the same"
is "$(words $(complete "$OSLBOX" stop -))" "$(words --kill-after --help -h)" "stop -<TAB>: --kill-after --help -h"
unset XDG_RUNTIME_DIR

# --- installed where the shells look ---------------------------------------------
bdir=$(sed -n 's/^bashcompletiondir = //p' "$OSLBOX_BUILDDIR/Makefile")
zdir=$(sed -n 's/^zshcompletiondir = //p' "$OSLBOX_BUILDDIR/Makefile")
inst="$T/inst"
# This may run inside make check: the outer make's jobserver is not ours.
if out=$(env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$OSLBOX_BUILDDIR" DESTDIR="$inst" \
         install-nodist_bashcompletionDATA install-nodist_zshcompletionDATA 2>&1); then
        ok "make install of the completions"
else
        not_ok "make install of the completions"
        diag "$out"
fi
prefix=$(sed -n 's/^prefix = //p' "$OSLBOX_BUILDDIR/Makefile")
datadir=$(sed -n 's/^datarootdir = //p' "$OSLBOX_BUILDDIR/Makefile" | sed "s|\${prefix}|$prefix|")
bdir=${bdir//\$\{datadir\}/$datadir}
zdir=${zdir//\$\{datadir\}/$datadir}
want_b=$(pkg-config --variable=completionsdir bash-completion 2>/dev/null || echo "$datadir/bash-completion/completions")
is "$bdir" "$want_b" "bash completions go to bash-completion's completionsdir ($want_b)"
cmp -s "$inst$bdir/oslbox" "$BASH_SCRIPT" && ok "... installed as $bdir/oslbox" ||
        not_ok "... installed as $bdir/oslbox"
if [ "$prefix" = /usr ]; then want_z=/usr/share/zsh/vendor-completions
else want_z=$datadir/zsh/site-functions; fi
is "$zdir" "$want_z" "zsh completions go to $want_z"
cmp -s "$inst$zdir/_oslbox" "$ZSH_SCRIPT" && ok "... installed as $zdir/_oslbox" ||
        not_ok "... installed as $zdir/_oslbox"
if command -v zsh >/dev/null; then
        # zsh's own fpath, without the user's startup files, holds the directory.
        fp=$(zsh -fc 'print -l $fpath')
        zd=$want_z
        [ "$prefix" = /usr ] || zd=/usr/local/share/zsh/site-functions
        if printf '%s\n' "$fp" | grep -qx "$zd"; then ok "... which is on zsh's default fpath ($zd)"
        else not_ok "... which is on zsh's default fpath ($zd)"; diag "$fp"; fi
fi

# --- in a terminal: bash and zsh complete --ne to --net -----------------------------
# tmux_type WHO SHELL SETUP KEYS: starts SHELL as WHO on a tmux terminal, types
# SETUP and Enter, then KEYS with a Tab; prints the screen.
tmux_type() {
        local who=$1 shell=$2 setup=$3 keys=$4 sock i screen
        as "$who" true     # makes the working directory, the test user's own
        sock="$(workdir "$who")/tmux-${shell%% *}"
        as "$who" tmux -S "$sock" -f /dev/null new-session -d -x 160 -y 20 \
                "env -i PATH=$T/bin:/usr/bin:/bin TERM=xterm HOME=$T/zsh LANG=C.UTF-8 $shell" || return 1
        as "$who" tmux -S "$sock" send-keys "$setup" Enter
        as "$who" tmux -S "$sock" send-keys "$keys" Tab
        for i in $(seq 50); do
                screen=$(as "$who" tmux -S "$sock" capture-pane -p)
                case $screen in *"oslbox run --net"*) break;; esac
                sleep 0.1
        done
        as "$who" tmux -S "$sock" kill-server 2>/dev/null
        printf '%s\n' "$screen"
}
chmod 755 "$T/zsh"
chmod 644 "$T/zsh/_oslbox"
if ! command -v tmux >/dev/null; then
        skip "tmux is not installed (apt-get install tmux): no terminal test"
else
        for who in $USERS; do
                screen=$(tmux_type "$who" "bash --norc --noprofile" ". $T/oslbox.bash" "oslbox run --ne")
                if printf '%s\n' "$screen" | grep -q 'oslbox run --net *$'; then
                        ok "bash --norc, the script sourced: oslbox run --ne<TAB> types --net (as $who)"
                else
                        not_ok "bash --norc, the script sourced: oslbox run --ne<TAB> types --net (as $who)"
                        diag "$screen"
                fi
                if command -v zsh >/dev/null; then
                        screen=$(tmux_type "$who" "zsh -f" \
                                "fpath=($T/zsh \$fpath); autoload -Uz compinit; compinit -u -D" "oslbox run --ne")
                        if printf '%s\n' "$screen" | grep -q 'oslbox run --net='; then
                                ok "zsh -f, compinit with the script on fpath: oslbox run --ne<TAB> types --net= (as $who)"
                        else
                                not_ok "zsh -f, compinit with the script on fpath: oslbox run --ne<TAB> types --net= (as $who)"
                                diag "$screen"
                        fi
                fi
        done
fi

done_testing
