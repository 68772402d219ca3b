# SPDX-License-Identifier: LGPL-2.1-or-later
"""The example of bindings/python/README.md runs and prints what the README
says it prints."""
import os
import re
import subprocess
import sys

README = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "README.md")


def test_readme_example(workdir):
    """The README's Python example prints the output shown after it."""
    with open(README) as f:
        text = f.read()
    m = re.search(r"## Example\n.*?```python\n(.*?)```\n\nprints\n\n```\n(.*?)```\n", text, re.S)
    assert m, "README.md has an Example section with a python block and its output"
    code, want = m.groups()
    path = os.path.join(workdir, "example.py")
    with open(path, "w") as f:
        f.write(code)
    r = subprocess.run([sys.executable, path], cwd=workdir, capture_output=True, text=True, timeout=120)
    assert (r.returncode, r.stderr) == (0, "")
    assert r.stdout == want
