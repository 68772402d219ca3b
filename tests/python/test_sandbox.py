# SPDX-License-Identifier: LGPL-2.1-or-later
"""oslbox.Sandbox: one sandbox kept up for several commands. Each check
looks at the effect: what one command left is there for the next, not on
the host; the processes really are gone after close()."""
import asyncio
import os
import signal
import threading

import pytest

import oslbox
from conftest import open_fds

SECRET = os.environ["OSLBOX_TEST_SECRET"]


def descendants(pid):
    """Host pids of PID's descendants, from /proc/PID/task/*/children."""
    found, todo = set(), [pid]
    while todo:
        p = todo.pop()
        try:
            tasks = os.listdir("/proc/%d/task" % p)
        except FileNotFoundError:
            continue
        for t in tasks:
            try:
                with open("/proc/%d/task/%s/children" % (p, t)) as f:
                    kids = [int(k) for k in f.read().split()]
            except FileNotFoundError:
                continue
            for k in kids:
                if k not in found:
                    found.add(k)
                    todo.append(k)
    return found


def alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_shared_tmp_and_home(workdir):
    """A file one command writes in the sandbox's /tmp and $HOME is read by
    the next; a new sandbox (oslbox.run) does not see it, nor does the host."""
    tag = os.path.basename(workdir)
    with oslbox.Sandbox(cwd=workdir) as sb:
        sb.run(["sh", "-c", 'echo %s > /tmp/%s && echo %s > "$HOME/%s"' % (tag, tag, tag, tag)], check=True)
        r = sb.run(["sh", "-c", 'cat /tmp/%s "$HOME/%s"' % (tag, tag)], capture_output=True, text=True)
        assert (r.returncode, r.stdout) == (0, "%s\n%s\n" % (tag, tag))
        r = oslbox.run(["cat", "/tmp/" + tag], capture_output=True, text=True, cwd=workdir)
        assert r.returncode != 0
    assert not os.path.exists("/tmp/" + tag)
    assert sb.report is not None and sb.report.wall_ms >= 0


def test_hundred_commands_no_fd_leak(workdir):
    """100 commands in one sandbox: each its own status and output; the
    fds of the caller are as before once the sandbox is closed."""
    before = open_fds()
    with oslbox.Sandbox(cwd=workdir) as sb:
        for i in range(100):
            r = sb.run(["sh", "-c", "echo $0; exit $(($0 % 7))", str(i)], capture_output=True, text=True)
            assert (r.returncode, r.stdout) == (i % 7, "%d\n" % i)
    assert open_fds() == before


def test_confined_like_run(workdir):
    """A command of a Sandbox is confined as oslbox.run's: no capabilities,
    the seccomp filter and no_new_privs, the host secret unreadable."""
    with oslbox.Sandbox(cwd=workdir) as sb:
        r = sb.run(["sh", "-c", "grep -E '^(CapEff|CapBnd|NoNewPrivs|Seccomp):' /proc/self/status"],
                   capture_output=True, text=True, check=True)
        got = dict(line.split(":\t") for line in r.stdout.splitlines())
        assert int(got["CapEff"], 16) == 0 and int(got["CapBnd"], 16) == 0, got
        assert (got["NoNewPrivs"], got["Seccomp"]) == ("1", "2"), got
        with open(SECRET) as f:
            content = f.read()
        r = sb.run(["cat", SECRET], capture_output=True, text=True)
        assert r.returncode != 0 and content.strip() not in r.stdout + r.stderr


def test_commands_see_and_signal_each_other(workdir):
    """A background command's pid (as the sandbox numbers it) is visible
    to the next command, which can signal it; its Popen sees the signal."""
    with oslbox.Sandbox(cwd=workdir) as sb:
        bg = sb.Popen(["sh", "-c", "echo $$ > /tmp/bg.pid; exec sleep 60"])
        r = sb.run(["sh", "-c", "while [ ! -s /tmp/bg.pid ]; do sleep 0.01; done; "
                    "p=$(cat /tmp/bg.pid); [ -d /proc/$p ] && kill -TERM $p"], timeout=20)
        assert r.returncode == 0
        assert bg.wait(timeout=20) == -signal.SIGTERM


def test_command_timeout_and_kill_leave_the_sandbox(workdir):
    """timeout= ends that command (124) and kill() its process group; the
    sandbox runs the next command."""
    with oslbox.Sandbox(cwd=workdir) as sb:
        r = sb.run(["sleep", "30"], timeout=0.3)
        assert r.returncode == oslbox.TIMEOUT_RETURNCODE and r.report.timed_out
        p = sb.Popen(["sleep", "30"])
        p.kill()
        assert p.wait(timeout=20) == -signal.SIGKILL
        assert sb.running
        assert sb.run(["true"]).returncode == 0


def test_exec_errors_and_bad_arguments(workdir):
    """A missing program is FileNotFoundError and the sandbox goes on;
    policy= on a command, keep_alive=False and a bad directive are errors;
    a command after close() is a SandboxError."""
    with pytest.raises(oslbox.PolicyError):
        oslbox.Sandbox(options={"no-such-directive": "1"})
    with pytest.raises(ValueError):
        oslbox.Sandbox(keep_alive=False)
    sb = oslbox.Sandbox(cwd=workdir)
    with pytest.raises(FileNotFoundError):
        sb.run(["oslbox-no-such-command"])
    with pytest.raises(TypeError):
        sb.run(["true"], policy="python")
    assert sb.run(["true"]).returncode == 0
    sb.close()
    assert not sb.running
    with pytest.raises(oslbox.SandboxError):
        sb.run(["true"])


def test_close_ends_every_process(workdir):
    """close() ends every process of the sandbox, a setsid'd and
    double-forked one too: none of its host pids is alive afterwards."""
    sb = oslbox.Sandbox(cwd=workdir)
    bg = sb.Popen(["sh", "-c", "setsid sh -c 'sleep 300 & sleep 300 &' ; exec sleep 300"])
    sb.run(["sh", "-c", "n=0; while [ $(cat /proc/[0-9]*/comm 2>/dev/null | grep -cx sleep) -lt 3 ] && "
            "[ $n -lt 1000 ]; do sleep 0.01; n=$((n+1)); done"])
    pids = descendants(sb.pid)
    assert len(pids) >= 3, pids
    init = sb.pid
    sb.close()
    assert not alive(init)
    assert [p for p in pids if alive(p)] == []
    assert bg.wait(timeout=20) == -signal.SIGTERM


def test_threads_share_one_sandbox(workdir):
    """8 threads run 10 commands each in one sandbox at once."""
    errors = []

    def worker(n):
        try:
            for i in range(10):
                r = sb.run(["sh", "-c", "echo $0-$1", str(n), str(i)], capture_output=True, text=True)
                if (r.returncode, r.stdout) != (0, "%d-%d\n" % (n, i)):
                    errors.append((n, i, r.returncode, r.stdout))
        except Exception as e:          # noqa: BLE001 - reported below
            errors.append(e)

    with oslbox.Sandbox(cwd=workdir) as sb:
        threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert errors == []


def test_run_async_in_sandbox(workdir):
    """Sandbox.run_async: 10 commands awaited at once in one thread."""
    async def main(sb):
        rs = await asyncio.gather(*(sb.run_async(["sh", "-c", "sleep 0.1; echo $0", str(i)],
                                                 capture_output=True, text=True) for i in range(10)))
        return [(r.returncode, r.stdout) for r in rs]

    with oslbox.Sandbox(cwd=workdir) as sb:
        assert asyncio.run(main(sb)) == [(0, "%d\n" % i) for i in range(10)]
