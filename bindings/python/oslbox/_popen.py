# SPDX-License-Identifier: LGPL-2.1-or-later
"""oslbox.Popen, run() and their asyncio forms, over struct oslbox_proc.

The library waits on events, never on a sleep: a sandbox's end and its
policy's deadlines make its event fd (oslbox_proc_fd) readable, and
oslbox_proc_wait(proc, 0, ...) then does what is due. Everything here waits
on that fd and on the pipes together, in a poll() loop or an asyncio loop.

oslbox.Sandbox (a sandbox kept alive for several commands) needs only
another way to start: Popen._start() is the one place that spawns, with
oslbox_proc_spawn() or, for a command of a Sandbox, oslbox_proc_spawn_in();
everything after it (stdio, waiting, signals, the report) is the same.
"""
import asyncio
import dataclasses
import errno
import io
import locale
import math
import os
import select
import signal
import subprocess
import termios
import threading
import time
import typing
import warnings
import ctypes

from . import _lib
from ._errors import CalledProcessError, TimeoutExpired, exec_error, sandbox_error
from ._lib import lib
from ._policy import policy_handle

PIPE = subprocess.PIPE
STDOUT = subprocess.STDOUT
DEVNULL = subprocess.DEVNULL

#: The return code of a run its policy's timeout ended (as oslbox(1) and
#: timeout(1) exit with).
TIMEOUT_RETURNCODE = 124

_READ_SIZE = 1 << 16
_WRITE_SIZE = 1 << 16


@dataclasses.dataclass(frozen=True)
class Denial:
    """One distinct thing the sandbox refused (the policy's log-denials
    directive; struct oslbox_denial, see DENIALS in oslbox(1)): its layer
    ("seccomp", "network", "ipc", "filesystem", "signal"), what, the
    system call, the address or path, the first process refused and its
    pid, how many times, why, and the directive that would allow it (None
    when none does); `line` is all of it as oslbox(1) prints it."""
    layer: str
    what: str
    syscall: typing.Optional[str]
    address: typing.Optional[str]
    path: typing.Optional[str]
    process: str
    pid: int
    count: int
    reason: str
    allow: typing.Optional[str]
    line: str

    @classmethod
    def _from(cls, d):
        def opt(b):
            return _lib.text(b) if b else None
        return cls(layer=_lib.text(d.layer), what=_lib.text(d.what), syscall=opt(d.syscall),
                   address=opt(d.address), path=opt(d.path), process=_lib.text(d.process), pid=d.pid,
                   count=d.count, reason=_lib.text(d.reason), allow=opt(d.allow), line=_lib.text(d.line))


def _denials(proc):
    """The denials of the ended PROC, and how many more were not examined."""
    v = ctypes.POINTER(_lib.Denial)()
    n = ctypes.c_size_t()
    unlisted = ctypes.c_uint64()
    if lib.oslbox_proc_denials(proc, ctypes.byref(v), ctypes.byref(n), ctypes.byref(unlisted)) < 0:
        return (), 0
    return tuple(Denial._from(v[i]) for i in range(n.value)), unlisted.value


@dataclasses.dataclass(frozen=True)
class Report:
    """What the library reports on a run that ended (struct oslbox_result).
    A field the library did not fill (an older library with a smaller
    struct) is None."""
    exit_code: int          #: the command's exit status, or -1 if a signal killed it
    signal: int             #: the signal that killed it, or 0
    timed_out: bool         #: the policy's timeout tore the sandbox down
    wall_ms: int            #: from spawn to end
    cpu_ms: int             #: user + system time of every sandboxed process
    max_rss_kb: int         #: largest resident set of any of them
    memory_limit_kb: int    #: the cgroup's memory limit, or 0 (no cgroup)
    memory_peak_kb: int     #: the cgroup's peak memory, or 0 if unknown
    pids_peak: int          #: the cgroup's peak process count, or 0 if unknown
    oom_killed: bool        #: the kernel killed a process for memory
    #: with log-denials: what the sandbox refused, most frequent first (Denial)
    denials: tuple = ()
    #: ... and how many more were not examined (past the 1000 kept)
    denials_unlisted: int = 0

    @classmethod
    def _from(cls, res, denials=(), unlisted=0):
        values = {"denials": denials, "denials_unlisted": unlisted}
        for f in dataclasses.fields(cls):
            if f.name in values:
                continue
            desc = getattr(_lib.Result, f.name)
            filled = desc.offset + desc.size <= res.size
            values[f.name] = getattr(res, f.name) if filled else None
        return cls(**values)


def _returncode(report):
    if report.timed_out:
        return TIMEOUT_RETURNCODE
    if report.signal:
        return -report.signal
    return report.exit_code if report.exit_code is not None and report.exit_code >= 0 else 125


class CompletedProcess(subprocess.CompletedProcess):
    """What run() returns: `args`, `returncode`, `stdout`, `stderr` as
    subprocess.CompletedProcess has them, and `report`, the Report of the
    run. returncode follows subprocess: the exit status, or -N when signal N
    killed the command; and 124 when the policy's timeout ended it."""

    def __init__(self, args, returncode, stdout=None, stderr=None, report=None):
        super().__init__(args, returncode, stdout, stderr)
        self.report = report

    def __repr__(self):
        return super().__repr__()[:-1] + ", report=%r)" % (self.report,)

    def check_returncode(self):
        """Raise CalledProcessError if returncode is not 0."""
        if self.returncode:
            raise CalledProcessError(self.returncode, self.args, self.stdout, self.stderr, self.report)


def _argv(args):
    if isinstance(args, (str, bytes)) or hasattr(args, "__fspath__"):
        args = [args]
    argv = [_lib.c_arg(a, "args") for a in args]
    if not argv or not argv[0]:
        raise ValueError("args must name a command")
    return argv


def _envp(env):
    items = []
    for k, v in env.items():
        k = _lib.c_arg(k, "an environment variable name")
        v = _lib.c_arg(v, "an environment variable's value")
        if not k or b"=" in k:
            raise ValueError("illegal environment variable name %r" % (k,))
        items.append(k + b"=" + v)
    return items


def _with_timeout(options, timeout):
    """OPTIONS with the policy's timeout set to TIMEOUT seconds, if given."""
    if timeout is None:
        return options
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not timeout > 0:
        raise ValueError("timeout must be a number of seconds above 0, not %r" % (timeout,))
    merged = dict(options or {})
    merged["timeout"] = "%dms" % max(1, math.ceil(timeout * 1000))
    return merged


def _timeout_ms(timeout):
    """TIMEOUT seconds (or None) as struct oslbox_spawn_attr's timeout_ms."""
    if timeout is None:
        return 0
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not timeout > 0:
        raise ValueError("timeout must be a number of seconds above 0, not %r" % (timeout,))
    return max(1, math.ceil(timeout * 1000))


def _translate_newlines(data, encoding, errors):
    return data.decode(encoding, errors).replace("\r\n", "\n").replace("\r", "\n")


class _Exchange:
    """What communicate() still has to do: input to write, output read so
    far. Kept on the Popen between calls, so that one that timed out can be
    called again, as subprocess allows."""

    def __init__(self, popen, input, relay_fd=None):
        self.p = popen
        self.chunks = {}            # fd -> [bytes]: what was read
        self.open = set()           # fds not at end-of-file yet
        self.relay_fd = relay_fd    # the terminal's output goes there instead
        for fd in (popen._fd_out, popen._fd_err):
            if fd is not None:
                if not (relay_fd is not None and fd == popen.master_fd):
                    self.chunks[fd] = []
                self.open.add(fd)
        self.wfd = popen._fd_in
        self.input = memoryview(input or b"")
        self.offset = 0
        self.eof = b""              # for a terminal: the EOF character(s) after the input
        if self.wfd is not None and self.wfd == popen.master_fd:
            if input:
                veof = termios.tcgetattr(self.wfd)[6][termios.VEOF]
                veof = veof if isinstance(veof, bytes) else bytes([veof])
                # A partial last line is first flushed to the reader by one.
                self.eof = veof if input[-1:] == b"\n" else veof * 2
                self.input = memoryview(bytes(input) + self.eof)
            else:
                self.wfd = None     # nothing to type: the terminal stays open
        elif self.wfd is not None:
            os.set_blocking(self.wfd, False)

    @property
    def writing(self):
        return self.wfd is not None

    def done(self):
        return not self.open and self.wfd is None and self.p.returncode is not None

    def read(self, fd):
        try:
            data = os.read(fd, _READ_SIZE)
        except BlockingIOError:
            return
        except OSError as e:
            if e.errno != errno.EIO:    # EIO: the terminal's last slave is closed
                raise
            data = b""
        if not data:
            self.open.discard(fd)
        elif self.relay_fd is not None and fd == self.p.master_fd:
            _write_all(self.relay_fd, data)
        else:
            self.chunks[fd].append(data)

    def write(self):
        try:
            n = os.write(self.wfd, self.input[self.offset:self.offset + _WRITE_SIZE])
        except BlockingIOError:
            return
        except OSError as e:
            if e.errno not in (errno.EPIPE, errno.EIO):
                raise
            n = None                    # the command stopped reading
        if n is not None:
            self.offset += n
            if self.offset < len(self.input):
                return
        self.stop_writing()

    def stop_writing(self):
        if self.wfd is not None and self.wfd != self.p.master_fd:
            self.p._close_stdin()
        self.wfd = None

    def ended(self):
        """The sandbox has ended: no one reads the input any more."""
        self.stop_writing()

    def output(self, fd):
        return b"".join(self.chunks[fd]) if fd is not None and fd in self.chunks else None


def _write_all(fd, data):
    view = memoryview(data)
    while view:
        try:
            view = view[os.write(fd, view):]
        except BlockingIOError:
            select.select([], [fd], [])


class Popen:
    """A command running in a new sandbox, as subprocess.Popen runs one in
    a process.

    ``args`` is a sequence of program arguments (str, bytes or path-like;
    a single str is the program); a program without a slash is searched in
    the sandbox's PATH. The sandbox is made from ``policy`` (a Policy, a
    shipped policy's name such as "python", or a path to a policy file;
    None: the embedded default) with ``options`` applied on top (a mapping
    of directives, see Policy.update()). ``policy`` itself is never changed.

    ``cwd``: the working directory, the one the default policy makes
    writable (default: the caller's). ``env``: the command's whole
    environment, plus the policy's env directives; with None (the default)
    it is the caller's environment filtered as oslbox(1) describes, which
    is not subprocess's behaviour.

    ``stdin``, ``stdout``, ``stderr``: None (the caller's own), PIPE,
    DEVNULL, an fd or a file object; ``stderr`` may also be STDOUT.
    ``text`` (or ``encoding``, ``errors``, ``universal_newlines``) makes the
    pipes and communicate()'s data str, as subprocess does. ``bufsize`` is
    that of the pipes' file objects.

    ``pty=True`` gives the command a new terminal as every one of its
    stdin, stdout and stderr left None; it is its controlling terminal, of
    ``pty_size`` (rows, columns; default 24x80), and ``master_fd`` is its
    master side (readable until the command's end, then EIO), which the
    Popen closes with itself.

    Errors: SandboxError when the sandbox cannot be built (the command did
    not run); an OSError from the program's execution, as subprocess
    raises, when it was built but the program cannot be run
    (FileNotFoundError: not found, where the CLI exits 127;
    PermissionError: not executable, 126).

    Attributes: ``args``, ``pid`` (the host pid of the sandbox's init;
    signals to it reach the command), ``pidfd`` (a pidfd for it, None once
    waited for), ``stdin``, ``stdout``, ``stderr``, ``master_fd``,
    ``returncode`` (None while it runs; then as CompletedProcess says),
    ``report`` (a Report, once it ended) and ``warning`` (what the policy
    let be weakened, or "").

    The policy's timeout and kill-after are carried out while poll(),
    wait(), communicate() or their asyncio forms run: a program that
    reads a pipe by itself without them enforces no deadline. Once the
    sandbox was waited for, the library's descriptors of it are closed;
    the pipes are closed by communicate(), the with block's end or garbage
    collection, which also kills a sandbox still running.

    One thread at a time drives a Popen's pipes; poll(), wait() and the
    signals may come from any thread.
    """

    def __init__(self, args, *, policy=None, options=None, cwd=None, env=None, stdin=None,
                 stdout=None, stderr=None, text=False, encoding=None, errors=None,
                 universal_newlines=None, bufsize=-1, pty=False, pty_size=None, _sandbox=None,
                 _timeout_ms=0):
        self._proc = None
        self._sandbox = _sandbox
        self._lock = threading.Lock()
        self._exchange = None
        self._child_fds = []
        self._fd_in = self._fd_out = self._fd_err = None
        self.args = args
        self.stdin = self.stdout = self.stderr = None
        self.pid = None
        self.master_fd = None
        self.returncode = None
        self.report = None
        self.warning = ""
        self.text_mode = bool(text or universal_newlines or encoding or errors)
        self._encoding = encoding
        self._errors = errors or "strict"

        argv = _argv(args)
        attr = _lib.SpawnAttr(size=ctypes.sizeof(_lib.SpawnAttr))
        if cwd is not None:
            attr.cwd = os.path.abspath(_lib.c_arg(cwd, "cwd"))
        envp = None
        if env is not None:
            items = _envp(env)
            envp = (ctypes.c_char_p * (len(items) + 1))(*items, None)
            attr.envp = ctypes.cast(envp, ctypes.POINTER(ctypes.c_char_p))
        if pty_size is not None:
            attr.pty_rows, attr.pty_cols = pty_size
        attr.timeout_ms = _timeout_ms
        c_argv = (ctypes.c_char_p * (len(argv) + 1))(*argv, None)

        if _sandbox is not None and (policy is not None or options):
            raise ValueError("a command of a Sandbox runs under the Sandbox's policy: "
                             "policy= and options= belong to Sandbox()")
        handle = policy_handle(policy, options) if _sandbox is None else None
        parent = {}         # our ends of the pipes, until _wrap() owns them
        try:
            self._stdio(attr, stdin, stdout, stderr, pty, parent)
            self._start(handle, c_argv, attr, argv[0])
        except BaseException:
            for fd in parent.values():
                os.close(fd)
            raise
        finally:
            for fd in self._child_fds:      # the sandbox has its own copies
                os.close(fd)
            self._child_fds = []
            if handle is not None:
                lib.oslbox_policy_free(handle)
        self._wrap(parent, bufsize)

    # --- starting -----------------------------------------------------------------

    def _stdio(self, attr, stdin, stdout, stderr, pty, parent):
        """Fills attr.stdio, and PARENT with our ends of the pipes it makes."""
        any_pty = False

        def slot(i, spec, name):
            nonlocal any_pty
            s = attr.stdio[i]
            if spec is None:
                if pty:
                    s.kind = _lib.STDIO_PTY
                    any_pty = True
                else:
                    s.kind = _lib.STDIO_INHERIT
            elif spec == PIPE:
                r, w = os.pipe2(os.O_CLOEXEC)
                child, mine = (r, w) if i == 0 else (w, r)
                self._child_fds.append(child)
                parent[name] = mine
                s.kind, s.fd = _lib.STDIO_FD, child
            elif spec == DEVNULL:
                s.kind = _lib.STDIO_NULL
            elif spec == STDOUT:
                raise ValueError("STDOUT is only for stderr")
            elif isinstance(spec, int):
                if spec < 0:
                    raise ValueError("bad file descriptor %d for %s" % (spec, name))
                s.kind, s.fd = _lib.STDIO_FD, spec
            elif hasattr(spec, "fileno"):
                s.kind, s.fd = _lib.STDIO_FD, spec.fileno()
            else:
                raise TypeError("%s must be None, PIPE, DEVNULL, an fd or a file object, not %r"
                                % (name, spec))

        slot(0, stdin, "stdin")
        slot(1, stdout, "stdout")
        if stderr == STDOUT:
            out = attr.stdio[1]
            err = attr.stdio[2]
            if out.kind == _lib.STDIO_INHERIT:
                err.kind, err.fd = _lib.STDIO_FD, 1
            else:
                err.kind, err.fd = out.kind, out.fd
        else:
            slot(2, stderr, "stderr")
        self._pty_slots = [attr.stdio[i].kind == _lib.STDIO_PTY for i in range(3)]
        self._any_pty = any_pty or any(self._pty_slots)

    def _start(self, handle, c_argv, attr, program):
        """Spawns: the one call a Sandbox would make differently."""
        proc = ctypes.c_void_p()
        r = lib.oslbox_proc_new(ctypes.byref(proc))
        if r < 0:
            raise MemoryError("oslbox_proc_new") if r == -errno.ENOMEM else sandbox_error(-r, None)
        if self._sandbox is None:
            r = lib.oslbox_proc_spawn(proc, handle, c_argv, ctypes.byref(attr))
        else:
            r = self._sandbox._spawn_in(proc, c_argv, attr)
        if r < 0:
            msg = _lib.text(lib.oslbox_proc_error(proc))
            failed_exec = lib.oslbox_proc_exec_failed(proc)
            lib.oslbox_proc_free(proc)
            if failed_exec:
                raise exec_error(-r, msg, os.fsdecode(program))
            raise sandbox_error(-r, msg)
        self._proc = proc
        self.pid = lib.oslbox_proc_pid(proc)
        self.warning = _lib.text(lib.oslbox_proc_warning(proc))
        if self._any_pty:
            fd = lib.oslbox_proc_take_pty(proc)
            if fd >= 0:
                self.master_fd = fd

    def _wrap(self, parent, bufsize):
        if "stdin" in parent:
            self._fd_in = parent["stdin"]
            self.stdin = io.open(self._fd_in, "wb", bufsize)
            if self.text_mode:
                self.stdin = io.TextIOWrapper(self.stdin, write_through=True, line_buffering=bufsize == 1,
                                              encoding=self._encoding, errors=self._errors)
        elif self._pty_slots[0]:
            self._fd_in = self.master_fd
        for name in ("stdout", "stderr"):
            if name in parent:
                fd = parent[name]
                f = io.open(fd, "rb", bufsize)
                if self.text_mode:
                    f = io.TextIOWrapper(f, encoding=self._encoding, errors=self._errors)
                setattr(self, name, f)
                setattr(self, "_fd_" + name[3:], fd)
        if self._fd_out is None and self._pty_slots[1]:
            self._fd_out = self.master_fd

    # --- the end ------------------------------------------------------------------------

    @property
    def pidfd(self):
        """A pidfd for the sandbox's init, owned by this Popen; None once the
        sandbox has been waited for (its descriptor is then closed)."""
        with self._lock:
            if self._proc is None:
                return None
            fd = lib.oslbox_proc_pidfd(self._proc)
            return fd if fd >= 0 else None

    def _event_fd(self):
        with self._lock:
            if self._proc is None:
                return None
            fd = lib.oslbox_proc_fd(self._proc)
            if fd < 0:
                raise sandbox_error(-fd, _lib.text(lib.oslbox_proc_error(self._proc)))
            return fd

    def _poll(self, release=True):
        with self._lock:
            if self.returncode is not None:
                if release:
                    self._release_locked()
                return self.returncode
            if self._proc is None:
                return None
            res = _lib.Result(size=ctypes.sizeof(_lib.Result))
            r = lib.oslbox_proc_wait(self._proc, 0, ctypes.byref(res))
            if r == -errno.ETIMEDOUT:
                return None
            if r < 0:
                raise sandbox_error(-r, _lib.text(lib.oslbox_proc_error(self._proc)))
            self.report = Report._from(res, *_denials(self._proc))
            self.returncode = _returncode(self.report)
            if release:
                self._release_locked()
            return self.returncode

    def _release_locked(self):
        if self._proc is not None:
            lib.oslbox_proc_free(self._proc)
            self._proc = None

    def poll(self):
        """The returncode if the sandbox has ended, else None. Carries out
        the policy's deadlines that have passed."""
        return self._poll()

    def wait(self, timeout=None):
        """Wait for the sandbox to end and return the returncode; after
        TIMEOUT seconds, raise TimeoutExpired (the sandbox goes on)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            rc = self._poll()
            if rc is not None:
                return rc
            fd = self._event_fd()
            if fd is None:
                continue
            ms = -1
            if deadline is not None:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutExpired(self.args, timeout)
                ms = math.ceil(left * 1000)
            p = select.poll()
            p.register(fd, select.POLLIN)
            p.poll(ms)

    def send_signal(self, sig):
        """Send signal SIG to the command's process group (not to the rest
        of the sandbox). SIGKILL and SIGSTOP act on the sandbox's init:
        SIGKILL ends the whole sandbox. Nothing once it has ended."""
        with self._lock:
            if self._proc is None or self.returncode is not None:
                return
            r = lib.oslbox_proc_signal(self._proc, int(sig))
        if r < 0 and r != -errno.ESRCH:
            raise OSError(-r, "cannot send signal %s to the sandbox: %s" % (sig, os.strerror(-r)))

    def terminate(self):
        """Send SIGTERM to the command."""
        self.send_signal(signal.SIGTERM)

    def kill(self):
        """End the whole sandbox at once: every process in it is killed
        (SIGKILL). returncode becomes -9. For a command of a Sandbox: its
        process group is killed, and the Sandbox goes on."""
        with self._lock:
            if self._proc is None or self.returncode is not None:
                return
            r = lib.oslbox_proc_kill(self._proc, _lib.KILL_NOW)
        if r < 0:
            raise OSError(-r, "cannot kill the sandbox: %s" % os.strerror(-r))

    # --- communicate ---------------------------------------------------------------------

    def _begin(self, input, relay_fd=None):
        if self._exchange is not None:
            if input:
                raise ValueError("Cannot send input after starting communication")
            return self._exchange
        if input is not None and self.text_mode and isinstance(input, str):
            input = input.encode(self._text_encoding(), self._errors)
        if input and self._fd_in is None:
            raise ValueError("input needs stdin=PIPE (or a terminal, pty=True)")
        if self.stdin is not None:
            try:
                self.stdin.flush()
            except BrokenPipeError:
                pass
        ex = _Exchange(self, input, relay_fd)
        if self._fd_in is not None and self._fd_in != self.master_fd and not input:
            ex.stop_writing()
        if self.master_fd is not None and input:
            # No one types: the terminal's echo would give the input back.
            attrs = termios.tcgetattr(self.master_fd)
            attrs[3] &= ~termios.ECHO
            termios.tcsetattr(self.master_fd, termios.TCSANOW, attrs)
        self._exchange = ex
        return ex

    def _text_encoding(self):
        for f in (self.stdin, self.stdout, self.stderr):
            if isinstance(f, io.TextIOWrapper):
                return f.encoding
        return self._encoding or locale.getpreferredencoding(False)

    def _results(self, ex):
        out, err = ex.output(self._fd_out), ex.output(self._fd_err)
        if self.text_mode:
            enc = self._text_encoding()
            out = None if out is None else _translate_newlines(out, enc, self._errors)
            err = None if err is None else _translate_newlines(err, enc, self._errors)
        return out, err

    def _finish_exchange(self):
        ex = self._exchange
        for f in (self.stdout, self.stderr):
            if f is not None:
                f.close()
        self._close_stdin()
        return self._results(ex)

    def communicate(self, input=None, timeout=None):
        """Write INPUT (bytes, or str in text mode) to stdin, then close it;
        read stdout and stderr until their end and wait for the sandbox to
        end. Returns (stdout, stderr), each None when it is not a pipe.
        With pty=True, the terminal's output is the stdout returned, and
        INPUT is typed into it, then end-of-file, with echo turned off.
        After TIMEOUT seconds, raises TimeoutExpired holding what was read;
        the sandbox goes on and communicate() may be called again."""
        return self._communicate(input, timeout)

    def _communicate(self, input, timeout, relay_fd=None):
        ex = self._begin(input, relay_fd)
        deadline = None if timeout is None else time.monotonic() + timeout
        while not ex.done():
            if self.returncode is None:
                evfd = self._event_fd()
            else:
                evfd = None
                ex.ended()
            p = select.poll()
            interest = {}
            for fd in ex.open:
                interest[fd] = select.POLLIN
            if ex.writing:
                interest[ex.wfd] = interest.get(ex.wfd, 0) | select.POLLOUT
            if evfd is not None:
                interest[evfd] = select.POLLIN
            for fd, ev in interest.items():
                p.register(fd, ev)
            ms = -1
            if deadline is not None:
                left = deadline - time.monotonic()
                if left <= 0:
                    out, err = self._results(ex)
                    raise TimeoutExpired(self.args, timeout, output=out, stderr=err)
                ms = math.ceil(left * 1000)
            for fd, ev in p.poll(ms):
                if fd == evfd:
                    continue        # the pipes first; the sandbox's end below
                if ev & select.POLLOUT and ex.writing and fd == ex.wfd:
                    ex.write()
                elif ev & select.POLLERR and ex.writing and fd == ex.wfd and fd not in ex.open:
                    ex.stop_writing()
                if ev & (select.POLLIN | select.POLLHUP | select.POLLERR) and fd in ex.open:
                    ex.read(fd)
            if evfd is not None:
                self._poll()
        self.wait()
        return self._finish_exchange()

    # --- asyncio ------------------------------------------------------------------------------

    async def wait_async(self):
        """wait() for asyncio: the event loop watches the sandbox's event fd;
        no thread is used. Returns the returncode."""
        loop = asyncio.get_running_loop()
        while True:
            rc = self._poll()
            if rc is not None:
                return rc
            fd = self._event_fd()
            if fd is None:
                continue
            ready = loop.create_future()
            loop.add_reader(fd, lambda: ready.done() or ready.set_result(None))
            try:
                await ready
            finally:
                loop.remove_reader(fd)

    async def communicate_async(self, input=None):
        """communicate() for asyncio, on the event loop's readers and
        writers (no thread). Cancelled, it leaves the sandbox running and
        may be awaited again; asyncio.wait_for() gives it a timeout."""
        loop = asyncio.get_running_loop()
        ex = self._begin(input)
        watched = []
        try:
            while not ex.done():
                if self.returncode is None:
                    evfd = self._event_fd()
                else:
                    evfd = None
                    ex.ended()
                wake = loop.create_future()

                def woke(fn=None, *args):
                    if wake.done():
                        return
                    try:
                        if fn is not None:
                            fn(*args)
                    except BaseException as e:     # to the awaiting task, not the loop's log
                        wake.set_exception(e)
                    else:
                        wake.set_result(None)

                for fd in list(ex.open):
                    loop.add_reader(fd, woke, ex.read, fd)
                    watched.append(("r", fd))
                if ex.writing:
                    loop.add_writer(ex.wfd, woke, ex.write)
                    watched.append(("w", ex.wfd))
                if evfd is not None:
                    loop.add_reader(evfd, woke)
                    watched.append(("r", evfd))
                try:
                    await wake
                finally:
                    for kind, fd in watched:
                        (loop.remove_reader if kind == "r" else loop.remove_writer)(fd)
                    watched.clear()
                if evfd is not None:
                    self._poll(release=False)
            await self.wait_async()
        finally:
            for kind, fd in watched:
                (loop.remove_reader if kind == "r" else loop.remove_writer)(fd)
        return self._finish_exchange()

    # --- closing ---------------------------------------------------------------------------------

    def _close_stdin(self):
        if self.stdin is not None:
            try:
                self.stdin.close()
            except BrokenPipeError:
                pass
        if self._fd_in != self.master_fd:
            self._fd_in = None

    def _close_fds(self):
        for fd in self._child_fds:
            os.close(fd)
        self._child_fds = []
        for f in (self.stdout, self.stderr):
            if f is not None:
                f.close()
        if self.stdin is not None:
            try:
                self.stdin.close()
            except OSError:
                pass
        if self.master_fd is not None:
            os.close(self.master_fd)
            self.master_fd = None

    def __enter__(self):
        return self

    def __exit__(self, exc_type, value, traceback):
        try:
            for f in (self.stdout, self.stderr):
                if f is not None:
                    f.close()
            self._close_stdin()
        finally:
            if exc_type is KeyboardInterrupt:
                self.kill()
            self.wait()
            self._close_fds()

    def __del__(self):
        if getattr(self, "_proc", None) is None or lib is None:
            if getattr(self, "master_fd", None) is not None:
                os.close(self.master_fd)
            return
        if self.returncode is None:
            warnings.warn("oslbox: sandbox %s was still running when its Popen was collected: "
                          "killed" % self.pid, ResourceWarning, source=self)
        lib.oslbox_proc_free(self._proc)
        self._proc = None
        if self.master_fd is not None:
            os.close(self.master_fd)
            self.master_fd = None

    def __repr__(self):
        return "<oslbox.Popen: returncode: %s args: %r>" % (self.returncode, self.args)


def _run_popen(args, input, capture_output, stdin, stdout, stderr, pty, timeout, options, kw, sandbox=None):
    if input is not None:
        if stdin is not None:
            raise ValueError("stdin and input arguments may not both be used.")
        if not pty:
            stdin = PIPE
    capture_terminal = False
    if capture_output:
        if stdout is not None or stderr is not None:
            raise ValueError("stdout and stderr arguments may not be used with capture_output.")
        if pty:
            capture_terminal = True     # the terminal's output is stdout
        else:
            stdout = stderr = PIPE
    if sandbox is None:
        p = Popen(args, stdin=stdin, stdout=stdout, stderr=stderr, pty=pty,
                  options=_with_timeout(options, timeout), **kw)
    else:
        p = Popen(args, stdin=stdin, stdout=stdout, stderr=stderr, pty=pty, _sandbox=sandbox,
                  _timeout_ms=_timeout_ms(timeout), **kw)
    relay = None
    if p.master_fd is not None and p._fd_out == p.master_fd and not capture_terminal:
        relay = 1       # the caller's stdout, as oslbox run --pty relays it
    return p, relay


def run(args, *, policy=None, options=None, cwd=None, env=None, input=None, capture_output=False,
        stdin=None, stdout=None, stderr=None, text=False, encoding=None, errors=None,
        universal_newlines=None, timeout=None, check=False, pty=False, pty_size=None):
    """Run ARGS in a new sandbox, wait for it and return a CompletedProcess,
    as subprocess.run() does. The arguments are Popen's, and:

    ``input``: data for stdin (bytes, or str in text mode).
    ``capture_output``: stdout and stderr on pipes, returned. With
    ``pty=True`` it captures the terminal instead: ``stdout`` is what the
    command wrote to it, and ``stderr`` is None; without it, the terminal's
    output goes to the caller's stdout.
    ``timeout``: seconds, the policy's timeout: the sandbox is torn down
    then (SIGTERM, SIGKILL after kill-after) and returncode is 124, with
    report.timed_out. subprocess raises TimeoutExpired instead.
    ``check``: raise CalledProcessError when returncode is not 0.

    Raises SandboxError when the sandbox cannot be built, and the OSError
    subprocess raises when the program cannot be executed
    (FileNotFoundError, PermissionError): see Popen."""
    kw = dict(policy=policy, cwd=cwd, env=env, text=text, encoding=encoding, errors=errors,
              universal_newlines=universal_newlines, pty_size=pty_size)
    p, relay = _run_popen(args, input, capture_output, stdin, stdout, stderr, pty, timeout, options, kw)
    return _complete(p, relay, input, check)


def _complete(p, relay, input, check):
    """run()'s end: the exchange, the wait, the CompletedProcess."""
    with p:
        try:
            out, err = p._communicate(input, None, relay)
        except BaseException:
            p.kill()
            raise
    cp = CompletedProcess(p.args, p.returncode, out, err, p.report)
    if check:
        cp.check_returncode()
    return cp


async def run_async(args, *, policy=None, options=None, cwd=None, env=None, input=None,
                    capture_output=False, stdin=None, stdout=None, stderr=None, text=False,
                    encoding=None, errors=None, universal_newlines=None, timeout=None, check=False,
                    pty=False, pty_size=None):
    """run() for asyncio: ``await oslbox.run_async([...], ...)``. The event
    loop waits on the sandbox's event fd and its pipes; no thread is used.
    (Starting the sandbox blocks the loop while the library builds it,
    about as long as a fork and exec.) Cancelled, it kills the sandbox."""
    kw = dict(policy=policy, cwd=cwd, env=env, text=text, encoding=encoding, errors=errors,
              universal_newlines=universal_newlines, pty_size=pty_size)
    _check_async_pty(pty, capture_output, stdout)
    p, _ = _run_popen(args, input, capture_output, stdin, stdout, stderr, pty, timeout, options, kw)
    return await _complete_async(p, input, check)


def _check_async_pty(pty, capture_output, stdout):
    if pty and capture_output is False and (stdout is None):
        raise ValueError("run_async(pty=True) needs capture_output=True or stdout: "
                         "it does not relay the terminal to the caller's stdout")


async def _complete_async(p, input, check):
    """run_async()'s end."""
    try:
        out, err = await p.communicate_async(input)
    except BaseException:
        p.kill()
        p.wait()
        p._close_fds()
        raise
    p._close_fds()
    cp = CompletedProcess(p.args, p.returncode, out, err, p.report)
    if check:
        cp.check_returncode()
    return cp
