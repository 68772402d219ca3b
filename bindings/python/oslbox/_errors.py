# SPDX-License-Identifier: LGPL-2.1-or-later
"""The exceptions of oslbox. Those that have a subprocess counterpart
derive from it, so code that catches subprocess's keeps working."""
import os
import subprocess


class SandboxError(subprocess.SubprocessError):
    """The sandbox could not be built, or a policy was refused: the command
    did not run (the CLI exits 125 in this case).

    `message` is the library's one-line message, such as
    "--timeout 5x: invalid duration '5x'" or
    "proj/.oslbox.policy:3: error: unknown directive 'rwx'";
    `errno` is the error number the library returned."""

    def __init__(self, message, errno=None):
        super().__init__(message)
        self.message = message
        self.errno = errno

    def __str__(self):
        return self.message


class PolicyError(SandboxError):
    """A SandboxError raised by a Policy call: a bad directive or value, a
    policy file that does not parse, an untrusted project policy that
    widens access."""


class CalledProcessError(subprocess.CalledProcessError):
    """Raised by run(check=True) and CompletedProcess.check_returncode()
    when the return code is not 0; `report` is the run's Report."""

    def __init__(self, returncode, cmd, output=None, stderr=None, report=None):
        super().__init__(returncode, cmd, output, stderr)
        self.report = report

    def __str__(self):
        if self.report is not None and self.report.timed_out:
            return "Command '%s' timed out: the sandbox was torn down (returncode 124)." % (self.cmd,)
        return super().__str__()


class TimeoutExpired(subprocess.TimeoutExpired):
    """Raised by Popen.wait() and Popen.communicate() when their own timeout
    passes; the sandbox still runs, and the call may be made again. (The
    policy's timeout is another thing: it ends the sandbox, returncode 124.)"""


def exec_error(err, message, program):
    """The OSError subprocess raises when PROGRAM cannot be executed:
    FileNotFoundError for ENOENT, PermissionError for EACCES, and so on."""
    return OSError(err, message or os.strerror(err), program)


def sandbox_error(err, message, cls=SandboxError):
    return cls(message or os.strerror(err), err)


__all__ = ["SandboxError", "PolicyError", "CalledProcessError", "TimeoutExpired"]
