# SPDX-License-Identifier: LGPL-2.1-or-later
"""oslbox: run commands in sandboxes, with the API of subprocess.

The sandbox is liboslbox's (see liboslbox(3) and oslbox(1)): user, mount,
pid, IPC and UTS namespaces, Landlock, no capabilities, a seccomp filter, no
network by default; the system directories read-only, the working
directory writable, an empty /tmp and home directory. The module loads the
installed liboslbox.so.0 through ctypes ($OSLBOX_LIBRARY may name another
file); it has no compiled part and no other dependency.

    import oslbox
    r = oslbox.run(["python3", "-c", "print(6 * 7)"], capture_output=True, text=True)
    print(r.stdout, r.returncode, r.report.wall_ms)

A program moves over from subprocess by changing the import: run(),
Popen, CompletedProcess, PIPE, DEVNULL, STDOUT, CalledProcessError and
TimeoutExpired behave as theirs do, with these differences:

  - policy= and options= choose the sandbox (see Policy);
  - env=None gives the command the caller's environment filtered as
    oslbox(1) describes, not all of it;
  - run(timeout=) is the sandbox's timeout: it tears the sandbox down and
    gives returncode 124 (with report.timed_out), instead of raising;
  - SandboxError: the sandbox could not be built, the command did not run;
  - pty=True gives the command a terminal.

oslbox.Sandbox keeps one sandbox up for several commands, each run in it
(its run(), run_async() and Popen()), as an agent's session or a build's
steps need: they share its /tmp, home and processes, and every layer.
"""
from . import _lib
from ._errors import CalledProcessError, PolicyError, SandboxError, TimeoutExpired
from ._policy import Option, Policy, options
from ._popen import (DEVNULL, PIPE, STDOUT, TIMEOUT_RETURNCODE, CompletedProcess, Denial, Popen, Report, run,
                     run_async)
from ._sandbox import Sandbox

__version__ = _lib.VERSION

#: The version of the liboslbox the module runs with, e.g. "0.1.0".
library_version = _lib.text(_lib.lib.oslbox_version())
#: The path the library was loaded from.
library_path = _lib.path


def doctor(json=False):
    """What this host and user can confine with, as `oslbox doctor` says:
    aligned text, or with json=True the parsed JSON object (a dict). The
    text's last lines name what is missing."""
    import ctypes
    out = ctypes.c_void_p()
    r = _lib.lib.oslbox_doctor(_lib.DOCTOR_JSON if json else 0, ctypes.byref(out))
    if r < 0:
        raise OSError(-r, "cannot examine this host")
    text = _lib.take_string(out)
    if json:
        import json as _json
        return _json.loads(text)
    return text


__all__ = ["run", "run_async", "Popen", "Sandbox", "CompletedProcess", "Report", "Denial", "Policy", "Option", "options",
           "doctor", "SandboxError", "PolicyError", "CalledProcessError", "TimeoutExpired", "PIPE",
           "DEVNULL", "STDOUT", "TIMEOUT_RETURNCODE", "library_version", "library_path"]
