# SPDX-License-Identifier: LGPL-2.1-or-later
"""oslbox.Sandbox: one sandbox kept alive for several commands.

The library's keep-alive directive makes a sandbox with no command whose
init stays until it is killed; oslbox_proc_spawn_in() has that init fork
each command, so every command is in every layer of the one sandbox (its
namespaces, view, Landlock domain, filter, cgroup, limits) and sees what
the others left in its /tmp and home. A command's Popen is the same class
as a new sandbox's: only its start differs (Popen._start).

The C library lets several threads call oslbox_proc_spawn_in() on one
sandbox at once, but not while it is freed: the Sandbox counts the spawns
in flight and close() waits for them.
"""
import ctypes
import errno
import os
import threading
import warnings

from . import _lib
from ._errors import sandbox_error
from ._lib import lib
from ._policy import policy_handle
from ._popen import Popen, _check_async_pty, _complete, _complete_async, _denials, _run_popen, Report


class Sandbox:
    """A sandbox that stays up for several commands, each run in it with
    run(), run_async() or Popen() (subprocess's arguments, less policy= and
    options=, which belong to the Sandbox).

        with oslbox.Sandbox(options={"rw": ["build"]}) as sb:
            sb.run(["sh", "-c", "echo hi > /tmp/x"])
            print(sb.run(["cat", "/tmp/x"], capture_output=True).stdout)

    ``policy`` and ``options`` make the sandbox as run() does; ``cwd`` is
    its working directory (the one the default policy makes writable), which
    is every command's unless its own cwd= says another path inside. The
    sandbox is built here (SandboxError if it cannot be, as run()); it
    holds a pid namespace whose init waits for commands.

    ``keep_alive`` must be True (the sandbox has no first command whose end
    would end it); it is there so that the call reads as what it does.

    A command's ``timeout=`` ends that command (returncode 124); the
    policy's timeout, if any, ends the whole sandbox. A command's kill()
    kills its process group, not the sandbox. close() (the with block's
    end) tears the sandbox down gracefully (SIGTERM to every process,
    SIGKILL after the policy's kill-after), waits for it and sets
    ``report``; kill() does it at once. Garbage collection of a Sandbox
    still up kills it, with a ResourceWarning.

    Attributes: ``pid`` (the host pid of the sandbox's init), ``report`` (a
    Report once it ended, else None), ``warning`` (what the policy let be
    weakened, or "")."""

    def __init__(self, policy=None, options=None, *, cwd=None, keep_alive=True):
        self._proc = None
        self._cond = threading.Condition()
        self._spawning = 0
        self._closing = False
        self.pid = None
        self.report = None
        self.warning = ""
        if keep_alive is not True:
            raise ValueError("Sandbox(keep_alive=False) would end at once: it has no first command "
                             "(use oslbox.run() for one command in its own sandbox)")
        merged = dict(options or {})
        merged["keep-alive"] = True
        attr = _lib.SpawnAttr(size=ctypes.sizeof(_lib.SpawnAttr))
        if cwd is not None:
            attr.cwd = os.path.abspath(_lib.c_arg(cwd, "cwd"))
        handle = policy_handle(policy, merged)
        try:
            proc = ctypes.c_void_p()
            r = lib.oslbox_proc_new(ctypes.byref(proc))
            if r < 0:
                raise MemoryError("oslbox_proc_new") if r == -errno.ENOMEM else sandbox_error(-r, None)
            r = lib.oslbox_proc_spawn(proc, handle, None, ctypes.byref(attr))
            if r < 0:
                msg = _lib.text(lib.oslbox_proc_error(proc))
                lib.oslbox_proc_free(proc)
                raise sandbox_error(-r, msg)
        finally:
            lib.oslbox_policy_free(handle)
        self._proc = proc
        self.pid = lib.oslbox_proc_pid(proc)
        self.warning = _lib.text(lib.oslbox_proc_warning(proc))

    # --- commands -------------------------------------------------------------------

    def _spawn_in(self, proc, c_argv, attr):
        """Popen._start()'s call for a command of this sandbox."""
        with self._cond:
            if self._proc is None or self._closing:
                raise sandbox_error(errno.ESRCH, "the sandbox has ended" if self._proc is None
                                    else "the sandbox is being closed")
            self._spawning += 1
        try:
            return lib.oslbox_proc_spawn_in(proc, self._proc, c_argv, ctypes.byref(attr))
        finally:
            with self._cond:
                self._spawning -= 1
                self._cond.notify_all()

    def Popen(self, args, *, cwd=None, env=None, stdin=None, stdout=None, stderr=None, text=False,
              encoding=None, errors=None, universal_newlines=None, bufsize=-1, pty=False,
              pty_size=None, timeout=None):
        """A command in this sandbox, as oslbox.Popen (see there) with the
        sandbox's policy. ``timeout``: seconds after which the command (its
        process group) is ended and its returncode is 124."""
        from ._popen import _timeout_ms
        return Popen(args, cwd=cwd, env=env, stdin=stdin, stdout=stdout, stderr=stderr, text=text,
                     encoding=encoding, errors=errors, universal_newlines=universal_newlines,
                     bufsize=bufsize, pty=pty, pty_size=pty_size, _sandbox=self,
                     _timeout_ms=_timeout_ms(timeout))

    def run(self, args, *, cwd=None, env=None, input=None, capture_output=False, stdin=None,
            stdout=None, stderr=None, text=False, encoding=None, errors=None,
            universal_newlines=None, timeout=None, check=False, pty=False, pty_size=None):
        """Run ARGS in this sandbox and wait for it, as oslbox.run() (see
        there); ``timeout`` ends this command only (returncode 124)."""
        kw = dict(cwd=cwd, env=env, text=text, encoding=encoding, errors=errors,
                  universal_newlines=universal_newlines, pty_size=pty_size)
        p, relay = _run_popen(args, input, capture_output, stdin, stdout, stderr, pty, timeout, None,
                              kw, sandbox=self)
        return _complete(p, relay, input, check)

    async def run_async(self, args, *, cwd=None, env=None, input=None, capture_output=False,
                        stdin=None, stdout=None, stderr=None, text=False, encoding=None, errors=None,
                        universal_newlines=None, timeout=None, check=False, pty=False, pty_size=None):
        """run() for asyncio, as oslbox.run_async()."""
        kw = dict(cwd=cwd, env=env, text=text, encoding=encoding, errors=errors,
                  universal_newlines=universal_newlines, pty_size=pty_size)
        _check_async_pty(pty, capture_output, stdout)
        p, _ = _run_popen(args, input, capture_output, stdin, stdout, stderr, pty, timeout, None, kw,
                          sandbox=self)
        return await _complete_async(p, input, check)

    # --- the end ----------------------------------------------------------------------

    @property
    def running(self):
        """True until the sandbox has ended (closed, killed, or its policy's
        timeout)."""
        with self._cond:
            if self._proc is None:
                return False
            res = _lib.Result(size=ctypes.sizeof(_lib.Result))
            r = lib.oslbox_proc_wait(self._proc, 0, ctypes.byref(res))
            if r == -errno.ETIMEDOUT:
                return True
            if r == 0:
                self.report = Report._from(res, *_denials(self._proc))
            return False

    def _end(self, flags):
        with self._cond:
            if self._proc is None:
                return self.report
            self._closing = True
            while self._spawning:
                self._cond.wait()
            proc = self._proc
        try:
            r = lib.oslbox_proc_kill(proc, flags)
            if r < 0 and r != -errno.ESRCH:
                raise OSError(-r, "cannot end the sandbox: %s" % os.strerror(-r))
            res = _lib.Result(size=ctypes.sizeof(_lib.Result))
            r = lib.oslbox_proc_wait(proc, -1, ctypes.byref(res))
            if r < 0:
                raise sandbox_error(-r, _lib.text(lib.oslbox_proc_error(proc)))
            report = Report._from(res, *_denials(proc))
        finally:
            with self._cond:
                if self._proc is not None:
                    lib.oslbox_proc_free(self._proc)
                    self._proc = None
        self.report = report
        return report

    def close(self):
        """Tear the sandbox down gracefully and wait for it: every process
        in it gets SIGTERM, then SIGKILL after the policy's kill-after.
        Returns the Report. Commands still running end with it."""
        return self._end(_lib.KILL_GRACEFUL)

    def kill(self):
        """End the sandbox at once (SIGKILL to every process) and wait for
        it. Returns the Report."""
        return self._end(_lib.KILL_NOW)

    def __enter__(self):
        return self

    def __exit__(self, exc_type, value, traceback):
        if exc_type is KeyboardInterrupt:
            self.kill()
        else:
            self.close()

    def __del__(self):
        if getattr(self, "_proc", None) is None or lib is None:
            return
        warnings.warn("oslbox: Sandbox %s was still up when it was collected: killed" % self.pid,
                      ResourceWarning, source=self)
        lib.oslbox_proc_free(self._proc)
        self._proc = None

    def __repr__(self):
        return "<oslbox.Sandbox: pid %s%s>" % (self.pid, "" if self._proc is not None else ", ended")
