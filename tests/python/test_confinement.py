# SPDX-License-Identifier: LGPL-2.1-or-later
"""The sandbox of oslbox.run() is the CLI's: a host secret unreadable, no
capabilities, no network; each with a twin that relaxes it (or looks from
outside) and sees the difference."""
import os
import socket
import subprocess
import threading

import oslbox

SECRET = os.environ["OSLBOX_TEST_SECRET"]


def test_secret_unreadable():
    """A file planted in the caller's ~/.ssh cannot be read inside; with
    ro= of it, it can."""
    with open(SECRET) as f:
        content = f.read()
    r = oslbox.run(["cat", SECRET], capture_output=True, text=True)
    assert r.returncode != 0
    assert content.strip() not in r.stdout + r.stderr
    r = oslbox.run(["cat", SECRET], options={"ro": SECRET}, capture_output=True, text=True)
    assert (r.returncode, r.stdout) == (0, content)


def caps(run):
    out = run(["sh", "-c", "grep -E '^Cap(Inh|Prm|Eff|Bnd|Amb):' /proc/self/status"])
    return dict(line.split(":\t") for line in out.splitlines())


def test_no_capabilities():
    """Every capability set is empty inside; outside, the bounding set
    (and root's effective set) is not."""
    inside = caps(lambda a: oslbox.run(a, capture_output=True, text=True, check=True).stdout)
    assert set(inside) == {"CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"}
    assert all(int(v, 16) == 0 for v in inside.values()), inside
    outside = caps(lambda a: subprocess.run(a, capture_output=True, text=True, check=True).stdout)
    assert int(outside["CapBnd"], 16) != 0
    if os.getuid() == 0:
        assert int(outside["CapEff"], 16) != 0


CONNECT = """
import socket, sys
try:
    s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
    s.sendall(b"hello from inside")
    s.close()
    print("connected")
except OSError as e:
    print("refused", e.errno)
"""


def test_no_network():
    """With the default net none, a TCP connection to a listener on the
    host's loopback fails and nothing reaches it; with net host it
    connects and the data arrives."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(4)
    srv.settimeout(0.5)
    port = srv.getsockname()[1]
    got = []

    def accept_all(stop):
        while not stop.is_set():
            try:
                c, _ = srv.accept()
            except socket.timeout:
                continue
            got.append(c.recv(100))
            c.close()

    stop = threading.Event()
    t = threading.Thread(target=accept_all, args=(stop,))
    t.start()
    try:
        r = oslbox.run(["python3", "-c", CONNECT, str(port)], capture_output=True, text=True)
        assert r.stdout.startswith("refused"), r
        assert got == []
        r = oslbox.run(["python3", "-c", CONNECT, str(port)], options={"net": "host"},
                       capture_output=True, text=True)
        assert r.stdout == "connected\n", r
    finally:
        stop.set()
        t.join()
        srv.close()
    assert got == [b"hello from inside"]


def test_identity_and_namespaces():
    """The command runs as the caller's uid, in its own pid namespace (it is
    not the host's pid 1 view) and with the sandbox's host name."""
    r = oslbox.run(["sh", "-c", "id -u; hostname; ls /proc | grep -c '^[0-9]'"], capture_output=True,
                   text=True)
    uid, host, nprocs = r.stdout.split()
    assert int(uid) == os.getuid()
    assert host == "oslbox"
    assert int(nprocs) < 10


def test_denials():
    """With log-denials the report lists what was refused, each with its
    layer and the directive that allows it: a seccomp refusal, a TCP
    destination, the secret's path; following the advice, the command
    runs; without the directive the list is empty."""
    script = ("unshare -U true; bash -c 'echo > /dev/tcp/192.0.2.1/80' 2>/dev/null; cat %s >/dev/null 2>&1; exit 0"
              % SECRET)
    r = oslbox.run(["sh", "-c", script], options={"log-denials": None})
    got = {(d.layer, d.syscall, d.address or d.path, d.allow) for d in r.report.denials}
    assert ("seccomp", "unshare", None, "allow-syscall unshare") in got
    assert ("network", "connect", "192.0.2.1:80", "net host") in got
    assert ("filesystem", "openat", SECRET, "ro " + SECRET) in got
    assert r.report.denials_unlisted == 0
    d = next(d for d in r.report.denials if d.layer == "network")
    assert d.line == "connect to 192.0.2.1:80 (TCP) by bash (pid %d): network none (allow with --net host)" % d.pid
    assert d.process == "bash" and d.count == 1 and d.pid > 0
    r = oslbox.run(["unshare", "-U", "true"], options={"log-denials": None, "allow-syscall": "unshare"})
    assert r.returncode == 0 and r.report.denials == ()
    r = oslbox.run(["unshare", "-U", "true"])
    assert r.returncode != 0 and r.report.denials == ()


def resident_kib():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024


def test_init_is_its_own_program():
    """A Python caller is too large to copy cheaply: the sandbox's init is
    oslbox-init, executed, not a fork of this interpreter (whose name the
    command would see as pid 1's); under log-denials, whose init answers
    from plans in the caller's memory, it is a fork. The tests above ran
    with the first."""
    assert resident_kib() >= 8 * 1024, "the interpreter is smaller than the library's threshold"
    r = oslbox.run(["cat", "/proc/1/comm"], capture_output=True, text=True, check=True)
    assert r.stdout == "oslbox-init\n"
    r = oslbox.run(["cat", "/proc/1/comm"], options={"log-denials": None}, capture_output=True, text=True,
                   check=True)
    assert r.stdout not in ("oslbox-init\n", "")
