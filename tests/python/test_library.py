# SPDX-License-Identifier: LGPL-2.1-or-later
"""How the module finds and checks the library: a missing or too old one
is an ImportError naming what is needed; the ctypes structures have the C
layout; the SONAME is the one the module loads."""
import ctypes
import os
import subprocess
import sys


import oslbox
from oslbox import _lib

INCLUDE = os.environ.get("OSLBOX_TEST_INCLUDE")


def import_with(library, cwd):
    env = dict(os.environ, OSLBOX_LIBRARY=library)
    return subprocess.run([sys.executable, "-c", "import oslbox"], env=env, cwd=cwd,
                          capture_output=True, text=True)


def test_missing_library(workdir):
    """No library: ImportError naming liboslbox.so.0 and the version needed."""
    r = import_with(os.path.join(workdir, "nothing.so"), workdir)
    assert r.returncode == 1
    last = r.stderr.strip().splitlines()[-1]
    assert last.startswith("ImportError: oslbox needs liboslbox.so.0 (liboslbox 0.1.0 or later)"), last
    assert "nothing.so" in last


def stub(workdir, body):
    src = os.path.join(workdir, "stub.c")
    so = os.path.join(workdir, "stub.so")
    with open(src, "w") as f:
        f.write(body)
    subprocess.run(["cc", "-shared", "-fPIC", "-o", so, src], check=True)
    return so


def test_old_library(workdir):
    """A library older than the module needs: ImportError saying which
    version it is and what it lacks."""
    so = stub(workdir, 'const char *oslbox_version(void) { return "0.0.9"; }\n')
    r = import_with(so, workdir)
    last = r.stderr.strip().splitlines()[-1]
    assert last.startswith("ImportError: oslbox needs liboslbox.so.0 (liboslbox 0.1.0 or later): "
                           + so + " is version 0.0.9, without oslbox_policy_new"), last
    so = stub(workdir, "int not_oslbox(void) { return 0; }\n")
    last = import_with(so, workdir).stderr.strip().splitlines()[-1]
    assert last.endswith(so + " is not liboslbox"), last


def test_soname():
    """The library's SONAME is the name the module loads by."""
    out = subprocess.run(["readelf", "-d", oslbox.library_path], capture_output=True, text=True,
                         check=True).stdout
    sonames = [line.split("[")[1].rstrip("]") for line in out.splitlines() if "(SONAME)" in line]
    assert sonames == [_lib.SONAME]


LAYOUT = r"""
#include <stddef.h>
#include <stdio.h>
#include <oslbox.h>
#define F(s, f) printf("%s %s %zu %zu\n", #s, #f, offsetof(struct s, f), sizeof(((struct s *) 0)->f));
#define S(s) printf("%s - 0 %zu\n", #s, sizeof(struct s));
int main(void)
{
        S(oslbox_result) F(oslbox_result, size) F(oslbox_result, exit_code) F(oslbox_result, signal)
        F(oslbox_result, timed_out) F(oslbox_result, wall_ms) F(oslbox_result, cpu_ms)
        F(oslbox_result, max_rss_kb) F(oslbox_result, memory_limit_kb) F(oslbox_result, memory_peak_kb)
        F(oslbox_result, pids_peak) F(oslbox_result, oom_killed)
        S(oslbox_spawn_attr) F(oslbox_spawn_attr, size) F(oslbox_spawn_attr, cwd) F(oslbox_spawn_attr, envp)
        F(oslbox_spawn_attr, stdio) F(oslbox_spawn_attr, pty_rows) F(oslbox_spawn_attr, pty_cols)
        F(oslbox_spawn_attr, env_extra) F(oslbox_spawn_attr, timeout_ms)
        S(oslbox_stdio) F(oslbox_stdio, kind) F(oslbox_stdio, fd)
        S(oslbox_option) F(oslbox_option, name) F(oslbox_option, metavar) F(oslbox_option, layer)
        F(oslbox_option, help) F(oslbox_option, flags)
        printf("enum OSLBOX_STDIO_PTY %d %d\n", OSLBOX_STDIO_PTY, OSLBOX_STDIO_NULL);
        printf("enum OSLBOX_KILL_NOW %d %d\n", OSLBOX_KILL_NOW, OSLBOX_OPTION_WIDENS);
        return 0;
}
"""


def test_struct_layout(workdir):
    """Every mirrored structure has oslbox.h's offsets and sizes."""
    src = os.path.join(workdir, "layout.c")
    exe = os.path.join(workdir, "layout")
    with open(src, "w") as f:
        f.write(LAYOUT)
    subprocess.run(["cc", "-I", INCLUDE, "-o", exe, src], check=True)
    out = subprocess.run([exe], capture_output=True, text=True, check=True).stdout
    classes = {"oslbox_result": _lib.Result, "oslbox_spawn_attr": _lib.SpawnAttr,
               "oslbox_stdio": _lib.Stdio, "oslbox_option": _lib.Option}
    for line in out.splitlines():
        struct, field, a, b = line.split()
        if struct == "enum":
            if field == "OSLBOX_STDIO_PTY":
                assert (int(a), int(b)) == (_lib.STDIO_PTY, _lib.STDIO_NULL)
            else:
                assert (int(a), int(b)) == (_lib.KILL_NOW, _lib.OPTION_WIDENS)
            continue
        cls = classes[struct]
        if field == "-":
            assert ctypes.sizeof(cls) == int(b), struct
        else:
            desc = getattr(cls, field)
            assert (desc.offset, desc.size) == (int(a), int(b)), (struct, field)


def test_result_size_honoured():
    """Report fields the library did not fill are None (an older library's
    smaller struct oslbox_result)."""
    from oslbox._popen import Report
    res = _lib.Result(size=_lib.Result.oom_killed.offset)
    rep = Report._from(res)
    assert rep.oom_killed is None and rep.pids_peak == 0
