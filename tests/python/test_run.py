# SPDX-License-Identifier: LGPL-2.1-or-later
"""oslbox.run() and oslbox.Popen: return codes, errors, pipes, signals, the
terminal, and the descriptors they leave behind (none)."""
import errno
import gc
import os
import signal
import stat
import time

import pytest

import oslbox
from conftest import open_fds


def test_run_capture():
    """run() returns a CompletedProcess with the command's status, its
    output and a report."""
    r = oslbox.run(["sh", "-c", "echo out; echo err >&2; exit 3"], capture_output=True)
    assert isinstance(r, oslbox.CompletedProcess)
    assert (r.args, r.returncode, r.stdout, r.stderr) == (["sh", "-c", "echo out; echo err >&2; exit 3"],
                                                          3, b"out\n", b"err\n")
    assert r.report.exit_code == 3 and r.report.signal == 0 and not r.report.timed_out
    assert r.report.wall_ms >= 0 and r.report.max_rss_kb > 0
    assert r.report.oom_killed is False
    assert "report=Report(" in repr(r)


def test_text_mode():
    """text= decodes and translates newlines; input may be str."""
    r = oslbox.run(["sh", "-c", "printf 'a\\r\\nb\\n'; cat"], input="é\n", capture_output=True, text=True)
    assert r.stdout == "a\nb\né\n"
    r = oslbox.run(["printf", "x"], capture_output=True, encoding="ascii")
    assert r.stdout == "x"


def test_signal_returncode():
    """A command killed by signal N gives returncode -N, as in subprocess."""
    r = oslbox.run(["sh", "-c", "kill -SEGV $$"])
    assert r.returncode == -signal.SIGSEGV
    assert r.report.signal == signal.SIGSEGV and r.report.exit_code == -1


def test_timeout():
    """run(timeout=) is the policy's timeout: returncode 124 and
    report.timed_out; check=True then raises."""
    t0 = time.monotonic()
    r = oslbox.run(["sleep", "60"], timeout=0.5)
    assert r.returncode == oslbox.TIMEOUT_RETURNCODE == 124
    assert r.report.timed_out
    assert time.monotonic() - t0 < 30
    with pytest.raises(oslbox.CalledProcessError) as e:
        oslbox.run(["sleep", "60"], options={"timeout": "300ms"}, check=True)
    assert e.value.returncode == 124 and e.value.report.timed_out
    assert "timed out" in str(e.value)
    with pytest.raises(ValueError):
        oslbox.run(["true"], timeout=0)


def test_check():
    """check=True raises CalledProcessError with the status and output."""
    with pytest.raises(oslbox.CalledProcessError) as e:
        oslbox.run(["sh", "-c", "echo o; echo e >&2; exit 5"], capture_output=True, check=True)
    assert (e.value.returncode, e.value.stdout, e.value.stderr) == (5, b"o\n", b"e\n")
    assert e.value.cmd[0] == "sh"
    assert e.value.report.exit_code == 5
    assert oslbox.run(["true"], check=True).returncode == 0


def test_missing_command():
    """A missing program raises FileNotFoundError, as subprocess does (the
    CLI's 127)."""
    with pytest.raises(FileNotFoundError) as e:
        oslbox.run(["no-such-command-xyz"])
    assert e.value.errno == errno.ENOENT
    assert e.value.filename == "no-such-command-xyz"
    assert "no-such-command-xyz" in e.value.strerror
    with pytest.raises(FileNotFoundError):
        oslbox.Popen(["/no/such/program"])


def test_not_executable(workdir):
    """A program that is not executable raises PermissionError (the CLI's 126)."""
    path = os.path.join(workdir, "notexec")
    with open(path, "w") as f:
        f.write("#!/bin/sh\necho hi\n")
    os.chmod(path, 0o644)
    with pytest.raises(PermissionError) as e:
        oslbox.run([path])
    assert e.value.errno == errno.EACCES
    os.chmod(path, 0o755)
    assert oslbox.run([path], capture_output=True).stdout == b"hi\n"


def test_sandbox_error():
    """A sandbox that cannot be built raises SandboxError with the library's
    message, even when its errno is ENOENT; the command never runs."""
    with pytest.raises(oslbox.SandboxError) as e:
        oslbox.run(["sh", "-c", "echo ran"], options={"rw": "/does/not/exist"}, capture_output=True)
    assert not isinstance(e.value, OSError)
    assert e.value.errno == errno.ENOENT
    assert "/does/not/exist" in e.value.message
    with pytest.raises(oslbox.SandboxError) as e:
        oslbox.run(["true"], options={"timeout": "5x"})
    assert "invalid duration '5x'" in e.value.message
    with pytest.raises(oslbox.SandboxError) as e:
        oslbox.run(["true"], options={"no-such-option": "1"})
    assert "no-such-option" in e.value.message


def test_bad_arguments():
    """Arguments C cannot carry are refused, never cut."""
    with pytest.raises(ValueError):
        oslbox.run(["echo", "a\0b"])
    with pytest.raises(ValueError):
        oslbox.run(["true"], env={"A=B": "1"})
    with pytest.raises(ValueError):
        oslbox.run([])
    with pytest.raises(ValueError):
        oslbox.run(["cat"], input=b"x", stdin=oslbox.DEVNULL)
    with pytest.raises(ValueError):
        oslbox.run(["true"], capture_output=True, stdout=oslbox.PIPE)


def test_str_args_and_paths():
    """A single str is the program, as in subprocess; path-likes are fine."""
    import pathlib
    assert oslbox.run("true").returncode == 0
    assert oslbox.run([pathlib.Path("/bin/echo"), b"bytes"], capture_output=True).stdout == b"bytes\n"


def test_env_and_cwd(workdir, monkeypatch):
    """env= is the whole environment; without it the caller's is filtered
    (keep-env passes more); cwd= is where the command starts."""
    r = oslbox.run(["sh", "-c", "echo $FOO; env | grep -c ^OSLBOX_PYTEST_ || true"],
                   env={"FOO": "bar", "PATH": "/usr/bin:/bin"}, capture_output=True, text=True)
    assert r.stdout == "bar\n0\n"
    monkeypatch.setenv("OSLBOX_PYTEST_VAR", "from-caller")
    r = oslbox.run(["sh", "-c", "echo ${OSLBOX_PYTEST_VAR:-unset}"], capture_output=True, text=True)
    assert r.stdout == "unset\n"
    r = oslbox.run(["sh", "-c", "echo ${OSLBOX_PYTEST_VAR:-unset}"], options={"keep-env": "OSLBOX_PYTEST_*"},
                   capture_output=True, text=True)
    assert r.stdout == "from-caller\n"
    r = oslbox.run(["pwd"], cwd=workdir, capture_output=True, text=True)
    assert r.stdout == workdir + "\n"
    rel = os.path.relpath(workdir)
    assert oslbox.run(["pwd"], cwd=rel, capture_output=True, text=True).stdout == workdir + "\n"


def test_stdio_kinds(workdir):
    """stdin, stdout and stderr take PIPE, DEVNULL, STDOUT, an fd or a file."""
    r = oslbox.run(["sh", "-c", "echo o; echo e >&2"], stdout=oslbox.PIPE, stderr=oslbox.STDOUT)
    assert r.stdout == b"o\ne\n" and r.stderr is None
    r = oslbox.run(["sh", "-c", "cat; echo e >&2"], stdin=oslbox.DEVNULL, capture_output=True)
    assert r.stdout == b"" and r.stderr == b"e\n"
    src = os.path.join(workdir, "in.txt")
    with open(src, "w") as f:
        f.write("from a file\n")
    dst = os.path.join(workdir, "out.txt")
    with open(src) as fin, open(dst, "w") as fout:
        oslbox.run(["cat"], stdin=fin, stdout=fout.fileno())
    with open(dst) as f:
        assert f.read() == "from a file\n"
    r = oslbox.run(["sh", "-c", "echo hidden"], stdout=oslbox.DEVNULL, stderr=oslbox.PIPE)
    assert r.stdout is None and r.stderr == b""


def test_popen_basics():
    """Popen has pid, pidfd, poll(), wait(); the pidfd is the init's."""
    with oslbox.Popen(["sh", "-c", "read x; exit 4"], stdin=oslbox.PIPE) as p:
        assert p.pid > 0
        fd = p.pidfd
        assert fd is not None and fd >= 0
        with open("/proc/self/fdinfo/%d" % fd) as f:
            assert "Pid:\t%d\n" % p.pid in f.read()
        assert p.poll() is None
        assert p.returncode is None
        with pytest.raises(oslbox.TimeoutExpired):
            p.wait(timeout=0.2)
        p.stdin.write(b"go\n")
        p.stdin.close()
        assert p.wait() == 4
        assert p.poll() == 4
        assert p.pidfd is None
        assert p.report.exit_code == 4
    assert p.returncode == 4
    assert "returncode: 4" in repr(p)


def test_communicate_timeout_and_resume():
    """communicate(timeout=) raises TimeoutExpired with what was read, and
    may be called again, which gives everything; the sandbox goes on
    meanwhile."""
    p = oslbox.Popen(["sh", "-c", "echo early; read x; echo late $x; sleep 60"], stdin=oslbox.PIPE,
                     stdout=oslbox.PIPE)
    with pytest.raises(oslbox.TimeoutExpired) as e:
        p.communicate(b"input\n", timeout=3)
    assert e.value.output == b"early\nlate input\n"
    assert p.poll() is None
    with pytest.raises(ValueError):
        p.communicate(b"more")          # the input was given once
    p.kill()
    out, err = p.communicate()
    assert out == b"early\nlate input\n" and err is None
    assert p.returncode == -signal.SIGKILL


def test_signals(workdir):
    """send_signal() reaches the command; terminate() is SIGTERM; kill()
    ends the whole sandbox, background processes too."""
    p = oslbox.Popen(["sh", "-c", "trap 'echo usr1; exit 7' USR1; echo ready; while :; do sleep 0.05; done"],
                     stdout=oslbox.PIPE)
    assert p.stdout.readline() == b"ready\n"
    p.send_signal(signal.SIGUSR1)
    assert p.communicate()[0] == b"usr1\n" and p.returncode == 7

    p = oslbox.Popen(["sleep", "60"])
    p.terminate()
    assert p.wait() == -signal.SIGTERM

    # A background process holds stdout: end-of-file comes only when it dies too.
    p = oslbox.Popen(["sh", "-c", "sleep 60 & echo started; wait"], stdout=oslbox.PIPE)
    assert p.stdout.readline() == b"started\n"
    p.kill()
    out, _ = p.communicate(timeout=30)
    assert out == b"" and p.returncode == -signal.SIGKILL
    p.kill()
    p.send_signal(signal.SIGTERM)       # nothing, once it ended


def test_popen_exit_kills_on_interrupt():
    """A KeyboardInterrupt in a with block kills the sandbox, then waits."""
    with pytest.raises(KeyboardInterrupt):
        with oslbox.Popen(["sleep", "60"]) as p:
            raise KeyboardInterrupt
    assert p.returncode == -signal.SIGKILL


def test_fds_closed_at_wait():
    """wait() closes the library's descriptors (pidfd, event fd, control
    socket); communicate() closes the pipes: none is left."""
    before = open_fds()
    p = oslbox.Popen(["sh", "-c", "read x"], stdin=oslbox.PIPE)
    assert len(open_fds()) > len(before)
    p.stdin.close()
    p.wait()
    assert open_fds() == before
    p = oslbox.Popen(["sh", "-c", "echo x; echo y >&2"], stdout=oslbox.PIPE, stderr=oslbox.PIPE)
    p.communicate()
    assert open_fds() == before


def test_fds_closed_at_gc():
    """A Popen collected while its sandbox runs kills it (with a
    ResourceWarning) and closes every descriptor."""
    before = open_fds()
    p = oslbox.Popen(["sleep", "60"], stdout=oslbox.PIPE, stderr=oslbox.PIPE, stdin=oslbox.PIPE)
    pid = p.pid
    os.kill(pid, 0)
    with pytest.warns(ResourceWarning):
        del p
        gc.collect()
    assert open_fds() == before
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_pty_round_trip():
    """pty=True: the command has a terminal of pty_size as its stdin,
    stdout and stderr; what is typed on master_fd reaches it, and what it
    writes comes back."""
    before = open_fds()
    p = oslbox.Popen(["sh", "-c", 'test -t 0 && test -t 1 && test -t 2 && echo TTY; stty size; '
                      'read line; echo "got:$line"; echo err >&2'], pty=True, pty_size=(33, 101))
    fd = p.master_fd
    assert fd is not None and os.isatty(fd)

    def read_until(want):
        buf = b""
        deadline = time.monotonic() + 30
        while want not in buf:
            assert time.monotonic() < deadline, buf
            try:
                buf += os.read(fd, 4096)
            except OSError as e:
                assert e.errno == errno.EIO, e
                break
        return buf

    assert read_until(b"33 101\r\n") == b"TTY\r\n33 101\r\n"
    os.write(fd, b"ping\n")
    out = read_until(b"err\r\n")
    assert out == b"ping\r\ngot:ping\r\nerr\r\n"     # the terminal echoes what is typed
    assert p.wait() == 0
    p.__exit__(None, None, None)
    assert p.master_fd is None
    assert open_fds() == before


def test_pty_run():
    """run(pty=True, capture_output=True) types input into the terminal and
    captures what the command wrote to it."""
    r = oslbox.run(["sh", "-c", "tty; read a; read b; echo $a-$b; echo e >&2"], pty=True,
                   input="one\ntwo\n", capture_output=True, text=True)
    assert r.returncode == 0
    assert r.stdout.splitlines()[0].startswith("/dev/pts/")
    assert r.stdout.splitlines()[1:] == ["one-two", "e"]
    assert r.stderr is None
    r = oslbox.run(["cat"], pty=True, input=b"no newline", capture_output=True)
    assert r.stdout == b"no newline"


def test_pty_relayed(capfd):
    """run(pty=True) without capture_output copies the terminal's output to
    the caller's stdout, as oslbox run --pty does."""
    r = oslbox.run(["sh", "-c", "test -t 1 && echo relayed"], pty=True)
    assert (r.returncode, r.stdout, r.stderr) == (0, None, None)
    assert capfd.readouterr().out == "relayed\r\n"


def test_popen_input_needs_a_pipe():
    """communicate(input) without a pipe or terminal to write it to is an error."""
    with oslbox.Popen(["true"]) as p:
        with pytest.raises(ValueError):
            p.communicate(b"x")


def test_warning_attribute():
    """warning is "" when the policy weakened nothing."""
    with oslbox.Popen(["true"]) as p:
        assert p.warning == ""


def test_executable_bit_checked_inside(workdir):
    """The program is looked up in the sandbox's PATH."""
    tool = os.path.join(workdir, "mytool")
    with open(tool, "w") as f:
        f.write("#!/bin/sh\necho mytool ran\n")
    os.chmod(tool, stat.S_IRWXU | stat.S_IRGRP | stat.S_IXGRP | stat.S_IROTH | stat.S_IXOTH)
    r = oslbox.run(["mytool"], env={"PATH": workdir + ":/usr/bin:/bin"}, capture_output=True, text=True)
    assert r.stdout == "mytool ran\n"


def test_no_fd_left_by_failures(workdir):
    """A spawn that fails, whichever way, leaves no descriptor behind."""
    before = open_fds()
    for kw in ({"args": ["no-such-command-xyz"]},
               {"args": ["true"], "options": {"rw": "/does/not/exist"}},
               {"args": ["true"], "options": {"timeout": "5x"}},
               {"args": ["true"], "policy": "no-such-shipped-policy"}):
        with pytest.raises((OSError, oslbox.SandboxError)):
            oslbox.run(capture_output=True, input=b"x", **kw)
        with pytest.raises((OSError, oslbox.SandboxError)):
            oslbox.Popen(stdout=oslbox.PIPE, stderr=oslbox.PIPE, pty=True, **kw)
    assert open_fds() == before
