# SPDX-License-Identifier: LGPL-2.1-or-later
"""oslbox.Policy, the option table, doctor(), versions, and the errors a
policy can give."""
import copy
import errno
import os
import subprocess

import pytest

import oslbox


def hostname(**kw):
    return oslbox.run(["hostname"], capture_output=True, text=True, **kw).stdout.strip()


def test_public_names():
    """Every public name is exported and documented."""
    for name in oslbox.__all__:
        obj = getattr(oslbox, name)
        if callable(obj) and not isinstance(obj, int):
            assert obj.__doc__, name
    for cls in (oslbox.Popen, oslbox.Policy):
        for name, member in vars(cls).items():
            if not name.startswith("_") and callable(member):
                assert member.__doc__, "%s.%s" % (cls.__name__, name)
    assert oslbox.__doc__


def test_versions():
    """The module's version is the library's (one tree), and the library
    loaded is the one the tests name."""
    assert oslbox.__version__ == oslbox.library_version
    assert oslbox.library_path == os.environ["OSLBOX_LIBRARY"]


def test_default_policy():
    """Policy() is the embedded default: no network, the default host name."""
    pol = oslbox.Policy()
    assert pol.get("net") == "none"
    assert pol.get("pty") is None
    assert hostname(policy=pol) == "oslbox"


def test_set_get_chain():
    """set() applies a directive and returns the policy; get() reads it back."""
    pol = oslbox.Policy()
    assert pol.set("hostname", "pybox").set("timeout", "30s").set("pty") is pol
    assert pol.get("hostname") == "pybox"
    assert pol.get("timeout") == "30s"
    assert pol.get("pty") == ""
    assert hostname(policy=pol.set("no-pty")) == "pybox"


def test_set_values():
    """Values may be str, int, float or path-like; bool is refused."""
    pol = oslbox.Policy().set("pids", 50).set("cpus", 0.5).set("timeout", 90)
    assert pol.get("pids") == "50"
    assert pol.get("timeout") == "1m30s" or pol.get("timeout") == "90s"
    with pytest.raises(TypeError):
        pol.set("pids", True)


def test_set_errors():
    """A bad value or directive raises PolicyError, a SandboxError, with the
    library's message; the policy keeps what it had."""
    pol = oslbox.Policy().set("timeout", "5s")
    with pytest.raises(oslbox.PolicyError) as e:
        pol.set("timeout", "5x")
    assert isinstance(e.value, oslbox.SandboxError)
    assert e.value.errno == errno.EINVAL
    assert str(e.value) == e.value.message
    assert e.value.message.startswith("timeout 5x: invalid duration '5x'")
    assert pol.get("timeout") == "5s"
    with pytest.raises(oslbox.PolicyError) as e:
        pol.set("no-such-directive", "1")
    assert "no-such-directive" in e.value.message
    with pytest.raises(oslbox.PolicyError):
        pol.set("net")              # a value is needed
    with pytest.raises(oslbox.PolicyError):
        pol.get("rw")               # a list directive
    with pytest.raises(ValueError):
        pol.set("hostname", "a\0b")


def test_load_file(workdir):
    """load() applies a policy file; a bad one raises PolicyError with
    FILE:LINE: error: ...."""
    good = os.path.join(workdir, "good.policy")
    with open(good, "w") as f:
        f.write("# a comment\nhostname fromfile\n")
    assert hostname(policy=oslbox.Policy().load(good)) == "fromfile"
    bad = os.path.join(workdir, "bad.policy")
    with open(bad, "w") as f:
        f.write("hostname ok\nrwx /\n")
    with pytest.raises(oslbox.PolicyError) as e:
        oslbox.Policy().load(bad)
    assert e.value.message.startswith(bad + ":2: error: ")
    with pytest.raises(oslbox.PolicyError) as e:
        oslbox.Policy().load(os.path.join(workdir, "missing.policy"))
    assert e.value.errno == errno.ENOENT


def test_load_shipped():
    """A name without a slash is a shipped policy ($OSLBOX_POLICY_DIR here)."""
    shipped = sorted(f[:-7] for f in os.listdir(os.environ["OSLBOX_POLICY_DIR"]) if f.endswith(".policy"))
    assert "python" in shipped
    for name in shipped:
        oslbox.Policy().load(name)
    with pytest.raises(oslbox.PolicyError) as e:
        oslbox.Policy().load("no-such-shipped-policy")
    assert "no-such-shipped-policy" in e.value.message


def test_policy_argument_forms(workdir):
    """policy= takes a Policy, a shipped name or a path (str or path-like),
    and options= applies on top without changing the Policy."""
    import pathlib
    path = os.path.join(workdir, "h.policy")
    with open(path, "w") as f:
        f.write("hostname frompath\n")
    assert hostname(policy=path) == "frompath"
    assert hostname(policy=pathlib.Path(path)) == "frompath"
    assert hostname(policy="python") == "oslbox"
    pol = oslbox.Policy().set("hostname", "mine")
    assert hostname(policy=pol, options={"hostname": "over"}) == "over"
    assert pol.get("hostname") == "mine"
    with pytest.raises(TypeError):
        oslbox.run(["true"], policy=42)


def test_options_mapping(workdir):
    """options= is a mapping; lists repeat a list directive, True is a flag."""
    a, b = os.path.join(workdir, "a"), os.path.join(workdir, "b")
    for p in (a, b):
        os.mkdir(p)
    out = oslbox.run(["sh", "-c", "echo $X $Y"],
                     options={"env": ["X=1", "Y=2"], "ro": [a, b], "timeout": "30s", "net": "host"},
                     capture_output=True, text=True)
    assert out.stdout == "1 2\n"
    with pytest.raises(ValueError):
        oslbox.run(["true"], options={"pty": False})
    with pytest.raises(TypeError):
        oslbox.run(["true"], options=["net", "host"])


def test_explain_and_copy():
    """explain() is the effective policy as a file; copy() is independent."""
    pol = oslbox.Policy().set("hostname", "explained")
    text = pol.explain()
    assert "hostname explained" in text
    c = pol.copy()
    c.set("hostname", "other")
    assert pol.get("hostname") == "explained"
    assert copy.copy(pol).get("hostname") == "explained"
    assert copy.deepcopy(pol).get("hostname") == "explained"
    assert "hostname other" in c.explain()


def project(workdir, text):
    proj = os.path.join(workdir, "proj")
    os.makedirs(os.path.join(proj, ".git"), exist_ok=True)
    path = os.path.join(proj, ".oslbox.policy")
    with open(path, "w") as f:
        f.write(text)
    return proj, path


def test_load_project(workdir, monkeypatch):
    """load_project() applies a project policy that narrows; one that
    widens raises PolicyError (EPERM) until trust() records it."""
    monkeypatch.setenv("XDG_STATE_HOME", os.path.join(workdir, "state"))
    assert oslbox.Policy().load_project(workdir) is None
    proj, path = project(workdir, "hostname project\n")
    pol = oslbox.Policy()
    assert pol.load_project(proj) == path
    assert pol.get("hostname") == "project"
    proj, path = project(workdir, "net host\n")
    with pytest.raises(oslbox.PolicyError) as e:
        oslbox.Policy().load_project(proj)
    assert e.value.errno == errno.EPERM
    assert path in e.value.message
    oslbox.Policy().trust(path)
    pol = oslbox.Policy()
    assert pol.load_project(proj) == path
    assert pol.get("net") == "host"


def test_option_table():
    """options() is the option table, as `oslbox help run` lists it."""
    rows = oslbox.options()
    by_name = {o.name: o for o in rows}
    assert {"rw", "ro", "timeout", "net", "policy", "pty"} <= set(by_name)
    assert by_name["rw"].metavar == "PATH" and by_name["rw"].list and by_name["rw"].widens
    assert by_name["timeout"].metavar == "DUR" and not by_name["timeout"].list
    assert by_name["pty"].metavar is None
    assert by_name["policy"].cli_only
    assert all(o.help and o.layer for o in rows)
    # Each row sets as a directive (but the command-line-only ones).
    samples = {"PATH": os.getcwd(), "DIR": os.getcwd(), "FILE": os.path.join(os.getcwd(), "r.json"),
               "DUR": "1s", "NAME": "x", "NAME=VALUE": "A=1", "SIZE": "64M", "N": "2",
               "NAME=SOFT[:HARD]": "nofile=64", "KEYS": "ctrl-p,ctrl-q"}
    by_option = {"allow-syscall": "getpid", "deny-syscall": "getpid", "net": "host", "resources": "strict",
                 "isolation": "landlock"}
    for o in rows:
        if o.cli_only:
            continue
        value = by_option[o.name] if o.name in by_option else samples[o.metavar] if o.metavar else None
        oslbox.Policy().set(o.name, value)


def test_doctor():
    """doctor() is oslbox doctor's report; json=True parses it."""
    text = oslbox.doctor()
    assert "landlock" in text
    report = oslbox.doctor(json=True)
    assert report["landlock"]["ok"] is True
    assert isinstance(report["landlock"]["abi"], int)
    # The library's init program, found beside the library (its copy here).
    lib_dir = os.path.dirname(os.path.realpath(os.environ["OSLBOX_LIBRARY"]))
    assert report["init_program"] == {"ok": True, "path": os.path.join(lib_dir, "oslbox-init"),
                                      "detail": report["init_program"]["detail"]}


def test_subprocess_compatible_exceptions():
    """CalledProcessError and TimeoutExpired are subprocess's subclasses;
    SandboxError is a subprocess.SubprocessError, not an OSError."""
    assert issubclass(oslbox.CalledProcessError, subprocess.CalledProcessError)
    assert issubclass(oslbox.TimeoutExpired, subprocess.TimeoutExpired)
    assert issubclass(oslbox.SandboxError, subprocess.SubprocessError)
    assert not issubclass(oslbox.SandboxError, OSError)
    assert oslbox.PIPE == subprocess.PIPE and oslbox.DEVNULL == subprocess.DEVNULL
    assert oslbox.STDOUT == subprocess.STDOUT
