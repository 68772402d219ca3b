# SPDX-License-Identifier: LGPL-2.1-or-later
"""Shared by the Python module's tests. tests/python/pytest.sh runs them as
root and as the test user, with the module and library copied where that
user can read them, and sets:

  OSLBOX_LIBRARY      the library to load (the build's)
  OSLBOX_POLICY_DIR   the shipped policies (the source tree's)
  OSLBOX_TEST_SECRET  a file in the user's home no sandbox may read
  OSLBOX_TEST_INCLUDE the directory of oslbox.h
  OSLBOX_TEST_TAP     where to write one TAP-like line per test

The working directory is the user's, writable inside the sandbox (the
host's /tmp is not visible there).
"""
import os
import uuid

import pytest


@pytest.fixture
def workdir():
    """A new directory under the working directory, which sandboxes see
    (read-write, at the same path) as the caller does."""
    path = os.path.join(os.getcwd(), "py-" + uuid.uuid4().hex[:12])
    os.mkdir(path)
    return path


def open_fds():
    """The fds this process has open, but the one listing them."""
    return sorted(int(fd) for fd in os.listdir("/proc/self/fd"))[:-1]


def rss_kb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    doc = getattr(item, "function", None) and item.function.__doc__
    report.oslbox_description = (doc or item.name).strip().splitlines()[0].strip()


def pytest_runtest_logreport(report):
    path = os.environ.get("OSLBOX_TEST_TAP")
    if not path:
        return
    if report.when == "call" or (report.when != "call" and (report.failed or report.skipped)):
        desc = "%s: %s" % (report.nodeid.split("::", 1)[-1], getattr(report, "oslbox_description", ""))
        if report.when != "call" and report.failed:
            desc += " (in %s)" % report.when
        if report.skipped:
            reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
            line = "skip\t%s: %s" % (desc, reason)
        else:
            line = ("ok\t" if report.passed else "not ok\t") + desc
        with open(path, "a") as f:
            f.write(line.replace("\n", " ") + "\n")
