#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Test helper: a real terminal for a command, driven by a script of steps.

    term.py [OPTIONS] [STEP...] -- COMMAND [ARG...]

COMMAND runs as the session leader of a new pseudo-terminal, with it as its
controlling terminal and on its fd 0, 1 and 2, as in a terminal emulator.
What COMMAND writes to the terminal is copied, byte for byte, to stdout.

Options:
  --size ROWSxCOLS   the window size at the start (default 24x80)
  --stty FILE        write `stty -g` of the terminal before COMMAND starts
                     and after it ended, one line each
  --state FILE       as --stty, each line `stty -g`, the window size
                     (ROWSxCOLS) and exclusive mode (excl=0 or 1)
  --pending FILE     after COMMAND ended, write the input waiting to be read
                     from the terminal (what TIOCSTI pushed, for instance)
  --deadline SECS    give up after SECS (default 10): kill COMMAND, exit 254

Steps, in order, while COMMAND runs:
  expect:TEXT        wait until TEXT appears in the output (after the text
                     the previous expect matched)
  send:TEXT          type TEXT; Python escapes work (send:\\x03 is Ctrl-C)
  resize:ROWSxCOLS   change the window size (the terminal's foreground
                     process group gets SIGWINCH)
  sleep:SECS         wait
  signal:NAME        send signal NAME (TERM, HUP, ...) to COMMAND
  hangup             close the terminal, as when its window is closed
                     (the output read so far is all there will be)

Exit status: COMMAND's, 128+N when signal N killed it, 254 when a step or
COMMAND did not finish in time (a line on stderr says which), 2 on usage
errors.
"""
import codecs
import errno
import fcntl
import os
import select
import signal
import struct
import subprocess
import sys
import termios
import time


def usage(msg):
    sys.stderr.write("term.py: %s\n" % msg)
    sys.exit(2)


def parse_size(text):
    try:
        rows, cols = text.lower().split("x")
        return int(rows), int(cols)
    except ValueError:
        usage("bad size '%s' (want ROWSxCOLS)" % text)


def set_size(fd, size):
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", size[0], size[1], 0, 0))


def stty_g(slave):
    out = subprocess.run(["stty", "-g"], stdin=slave, stdout=subprocess.PIPE, check=True)
    return out.stdout.decode().strip()


TIOCGEXCL = 0x80045440  # _IOR('T', 0x40, int), Linux >= 3.8


def state(slave):
    rows, cols, _, _ = struct.unpack("HHHH", fcntl.ioctl(slave, termios.TIOCGWINSZ, b"\0" * 8))
    excl = struct.unpack("i", fcntl.ioctl(slave, TIOCGEXCL, b"\0" * 4))[0]
    return "%s %dx%d excl=%d" % (stty_g(slave), rows, cols, 1 if excl else 0)


class Terminal:
    def __init__(self, master, pid, deadline):
        self.master = master
        self.pid = pid
        self.deadline = deadline
        self.output = bytearray()
        self.matched = 0         # expect looks after this offset
        self.status = None

    def give_up(self, what):
        sys.stderr.write("term.py: timed out %s\n" % what)
        os.kill(self.pid, signal.SIGKILL)
        os.waitpid(self.pid, 0)
        sys.stdout.buffer.write(self.output)
        sys.stdout.flush()
        sys.exit(254)

    def reap(self):
        if self.status is None:
            pid, st = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.status = 128 + os.WTERMSIG(st) if os.WIFSIGNALED(st) else os.WEXITSTATUS(st)
        return self.status is not None

    def hangup(self):
        os.close(self.master)
        self.master = None

    def pump(self, timeout):
        """Copies what is waiting on the master; False when nothing came."""
        if self.master is None:
            time.sleep(timeout)
            return False
        r, _, _ = select.select([self.master], [], [], timeout)
        if not r:
            return False
        try:
            data = os.read(self.master, 65536)
        except OSError as e:
            if e.errno == errno.EIO:
                return False
            raise
        self.output += data
        return bool(data)

    def expect(self, text):
        want = text.encode()
        while True:
            at = self.output.find(want, self.matched)
            if at >= 0:
                self.matched = at + len(want)
                return
            if time.monotonic() > self.deadline:
                self.give_up("waiting for %r" % text)
            if not self.pump(0.05) and self.reap():
                # Ended: whatever it wrote last may still be on its way.
                while self.pump(0.2):
                    pass
                if self.output.find(want, self.matched) < 0:
                    sys.stderr.write("term.py: the command ended before printing %r\n" % text)
                    sys.stdout.buffer.write(self.output)
                    sys.exit(254)

    def send(self, data):
        while data:
            k = os.write(self.master, data)
            data = data[k:]

    def sleep(self, secs):
        end = time.monotonic() + secs
        while time.monotonic() < end:
            self.pump(max(0.0, min(0.05, end - time.monotonic())))

    def wait(self):
        while not self.reap():
            if time.monotonic() > self.deadline:
                self.give_up("waiting for the command to end")
            self.pump(0.05)
        return self.status

    def drain(self):
        """Copies the rest: once no one else has the slave open, the master
        reads what is left, then fails with EIO."""
        while self.master is not None and self.pump(max(0.0, self.deadline - time.monotonic())):
            pass


def main(argv):
    size = (24, 80)
    stty_file = state_file = pending_file = None
    deadline = 10.0
    steps = []
    i = 0
    while i < len(argv) and argv[i] != "--":
        a = argv[i]
        if a in ("--size", "--stty", "--state", "--pending", "--deadline"):
            if i + 1 >= len(argv):
                usage("%s needs a value" % a)
            v = argv[i + 1]
            if a == "--size":
                size = parse_size(v)
            elif a == "--stty":
                stty_file = v
            elif a == "--state":
                state_file = v
            elif a == "--pending":
                pending_file = v
            else:
                deadline = float(v)
            i += 2
            continue
        kind, sep, arg = a.partition(":")
        if a == "hangup":
            kind, sep = "hangup", ":"
        if not sep or kind not in ("expect", "send", "resize", "sleep", "signal", "hangup"):
            usage("unknown step '%s'" % a)
        steps.append((kind, arg))
        i += 1
    command = argv[i + 1:]
    if not command:
        usage("no command (usage: term.py [OPTIONS] [STEP...] -- COMMAND [ARG...])")

    master, slave = os.openpty()
    set_size(slave, size)
    before = stty_g(slave) if stty_file else None
    state_before = state(slave) if state_file else None

    pid = os.fork()
    if pid == 0:
        try:
            os.setsid()
            fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
            for fd in (0, 1, 2):
                os.dup2(slave, fd)
            os.closerange(3, 1024)
            os.execvp(command[0], command)
        except OSError as e:
            os.write(2, ("term.py: %s: %s\n" % (command[0], e.strerror)).encode())
        os._exit(127)

    # The slave stays open here too: its settings and pending input are
    # read after the command ended, as a terminal emulator could.
    term = Terminal(master, pid, time.monotonic() + deadline)
    for kind, arg in steps:
        if kind == "expect":
            term.expect(arg)
        elif kind == "send":
            term.send(codecs.decode(arg, "unicode_escape").encode("latin-1"))
        elif kind == "resize":
            set_size(master, parse_size(arg))
        elif kind == "sleep":
            term.sleep(float(arg))
        elif kind == "signal":
            os.kill(pid, getattr(signal, "SIG" + arg))
        elif kind == "hangup":
            term.hangup()
    status = term.wait()

    if stty_file:
        with open(stty_file, "w") as f:
            f.write("%s\n%s\n" % (before, stty_g(slave)))
    if state_file:
        with open(state_file, "w") as f:
            f.write("%s\n%s\n" % (state_before, state(slave)))
    if pending_file:
        # Non-canonical with VMIN 0: a read returns what waits, line or not.
        attrs = termios.tcgetattr(slave)
        attrs[3] &= ~termios.ICANON
        attrs[6][termios.VMIN] = 0
        attrs[6][termios.VTIME] = 0
        termios.tcsetattr(slave, termios.TCSANOW, attrs)
        pending = b""
        while True:
            data = os.read(slave, 4096)
            if not data:
                break
            pending += data
        with open(pending_file, "wb") as f:
            f.write(pending)
    os.close(slave)
    term.drain()

    sys.stdout.buffer.write(term.output)
    sys.stdout.flush()
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
