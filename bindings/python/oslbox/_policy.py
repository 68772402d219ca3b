# SPDX-License-Identifier: LGPL-2.1-or-later
"""oslbox.Policy: a struct oslbox_policy, and the option table."""
import collections
import ctypes
import os
import threading

from . import _lib
from ._errors import PolicyError, sandbox_error
from ._lib import lib


def _check(r, handle, what=None):
    if r < 0:
        msg = _lib.text(lib.oslbox_policy_error(handle))
        if what and msg and not msg.startswith(what):
            msg = "%s: %s" % (what, msg)
        raise sandbox_error(-r, msg or what, PolicyError)
    return r


def _new_handle():
    h = ctypes.c_void_p()
    r = lib.oslbox_policy_new(ctypes.byref(h))
    if r < 0:
        if r == -12:
            raise MemoryError("oslbox_policy_new")
        raise sandbox_error(-r, "cannot create a policy: %s" % os.strerror(-r), PolicyError)
    return h


class Policy:
    """A sandbox's policy: what the command may see and do.

    ``Policy()`` holds the embedded default, the sandbox of ``oslbox run``
    without options (see oslbox(1), THE DEFAULT POLICY); directives change
    it as policy file lines or command-line options would::

        pol = oslbox.Policy().set("rw", "build").set("timeout", "5m")
        pol.load("python")                       # a shipped policy
        oslbox.run(["make"], policy=pol)

    Changing calls return the policy, so they chain, and raise
    PolicyError (a SandboxError) with the library's message when a
    directive, value or file is refused; the policy then holds what was
    applied before the failure (use copy() to try changes on a copy).

    A Policy may be used by many threads: its calls take a lock of its own,
    and a spawn works on a copy made under it, so changing a policy never
    affects a sandbox already started from it.
    """

    __slots__ = ("_handle", "_lock", "__weakref__")

    def __init__(self):
        self._lock = threading.Lock()
        self._handle = _new_handle()

    @classmethod
    def _adopt(cls, handle):
        self = cls.__new__(cls)
        self._lock = threading.Lock()
        self._handle = handle
        return self

    def __del__(self):
        h = getattr(self, "_handle", None)
        if h is not None and lib is not None:
            lib.oslbox_policy_free(h)
            self._handle = None

    def set(self, name, value=None):
        """Apply directive NAME ("rw", "timeout", "net", ...; without
        dashes) with VALUE (a str, path-like, int or float; None for a
        directive that takes none, such as "pty"). "policy" loads a file
        as load() does. Returns the policy."""
        bname = _lib.c_arg(name, "a directive name")
        bvalue = None if value is None else _lib.c_arg(_value_text(value), "the value of " + str(name))
        with self._lock:
            what = str(name) if value is None else "%s %s" % (name, _value_text(value))
            _check(lib.oslbox_policy_set(self._handle, bname, bvalue), self._handle,
                   None if name == "policy" else what)
        return self

    def update(self, options):
        """Apply a mapping of directives, in its order: each value is one
        value, a list or tuple of them (a list directive such as "rw" gets
        each), or True or None for a directive that takes none:
        ``{"rw": ["build", "out"], "timeout": "30s", "net": "host",
        "pty": True}``. Returns the policy."""
        if options is None:
            return self
        if not isinstance(options, collections.abc.Mapping):
            raise TypeError("options must be a mapping of directive names to values, not %s"
                            % type(options).__name__)
        for name, value in options.items():
            values = value if isinstance(value, (list, tuple)) else [value]
            for v in values:
                if v is False:
                    raise ValueError("options: %s=False: a directive that takes no value is given "
                                     "True or None; its opposite is a directive of its own "
                                     "(pty and no-pty)" % name)
                self.set(name, None if v is True else v)
        return self

    def get(self, name):
        """The effective value of single-valued directive NAME, as explain()
        prints it ("30s", "none"; "" for a flag that is set), or None when
        it is unset. PolicyError for a list directive or an unknown name."""
        out = ctypes.c_void_p()
        with self._lock:
            _check(lib.oslbox_policy_get(self._handle, _lib.c_arg(name, "a directive name"),
                                         ctypes.byref(out)), self._handle, "%s" % name)
        return _lib.take_string(out)

    def load(self, path):
        """Apply the policy file PATH (str or path-like), with its includes.
        A name without a slash and not ending in ".policy" is a shipped
        policy ("python", "node", ...). Returns the policy."""
        with self._lock:
            _check(lib.oslbox_policy_load(self._handle, _lib.c_arg(path, "a policy path")), self._handle)
        return self

    def load_project(self, dir="."):
        """Apply the project policy: the first .oslbox.policy in DIR or its
        parents (stopping at the root or at a directory holding .git). Until
        trust() records it, only its directives that take access away apply;
        one that widens access raises PolicyError (errno EPERM) naming it.
        Returns the path of the file applied, or None when there is none."""
        out = ctypes.c_void_p()
        with self._lock:
            r = _check(lib.oslbox_policy_load_project(self._handle, _lib.c_arg(dir, "a directory"),
                                                      ctypes.byref(out)), self._handle)
        path = _lib.take_string(out)
        return path if r == 1 else None

    def trust(self, path):
        """Record the policy file PATH as trusted, as it is now, in the
        user's trust store ($XDG_STATE_HOME/oslbox/, by default
        ~/.local/state/oslbox/), so that load_project() applies all of it.
        Any later change to the file untrusts it."""
        with self._lock:
            _check(lib.oslbox_policy_trust(self._handle, _lib.c_arg(path, "a policy path")), self._handle)

    def explain(self):
        """The effective policy as a policy file (str), each directive
        commented with where it came from; loaded back, it makes the same
        sandbox."""
        out = ctypes.c_void_p()
        with self._lock:
            _check(lib.oslbox_policy_explain(self._handle, ctypes.byref(out)), self._handle)
        return _lib.take_string(out)

    def copy(self):
        """An independent copy."""
        with self._lock:
            return Policy._adopt(self._copy_handle_locked())

    __copy__ = copy

    def __deepcopy__(self, memo):
        return self.copy()

    def _copy_handle_locked(self):
        h = ctypes.c_void_p()
        r = lib.oslbox_policy_copy(self._handle, ctypes.byref(h))
        if r < 0:
            raise MemoryError("oslbox_policy_copy") if r == -12 else sandbox_error(-r, None, PolicyError)
        return h

    def _copy_handle(self):
        with self._lock:
            return self._copy_handle_locked()

    def __repr__(self):
        return "<oslbox.Policy at %#x>" % id(self)


def _value_text(value):
    if isinstance(value, bool):
        raise TypeError("a directive's value is a str, path, int or float, not bool")
    if isinstance(value, (int, float)):
        return repr(value) if isinstance(value, float) else str(value)
    if isinstance(value, bytes):
        return os.fsdecode(value)
    return os.fspath(value) if hasattr(value, "__fspath__") else str(value)


def policy_handle(policy, options):
    """A new struct oslbox_policy for a spawn, owned by the caller: a copy
    of POLICY (a Policy, a shipped policy's name, a path, or None for the
    default) with OPTIONS applied. The caller frees it."""
    if isinstance(policy, Policy):
        pol = Policy._adopt(policy._copy_handle())
    else:
        pol = Policy()
        if policy is not None:
            if not isinstance(policy, (str, bytes)) and not hasattr(policy, "__fspath__"):
                raise TypeError("policy must be a Policy, a shipped policy's name or a path, not %s"
                                % type(policy).__name__)
            pol.load(policy)
    pol.update(options)
    h, pol._handle = pol._handle, None
    return h


Option = collections.namedtuple("Option", "name metavar layer help list cli_only widens")
Option.__doc__ = """A row of the option table: a directive of policy files and
an option of oslbox run. `metavar` is None for a directive that takes no
value; `list`: it may repeat and its values accumulate; `cli_only`: an
option of the command line, not a directive ("policy" is still accepted
by Policy.set()); `widens`: some value can give the command more access
than the default."""


def options():
    """The option table, as a list of Option."""
    rows = []
    i = 0
    while True:
        o = lib.oslbox_option_get(i)
        if not o:
            return rows
        o = o.contents
        rows.append(Option(_lib.text(o.name), _lib.text(o.metavar) or None, _lib.text(o.layer),
                           _lib.text(o.help), bool(o.flags & _lib.OPTION_LIST),
                           bool(o.flags & _lib.OPTION_CLI_ONLY), bool(o.flags & _lib.OPTION_WIDENS)))
        i += 1
