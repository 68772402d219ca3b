# SPDX-License-Identifier: LGPL-2.1-or-later
"""liboslbox through ctypes: finding the library, its structures, its calls.

Nothing here changes after import: the loaded library and its prototypes
are shared by every thread, read only.
"""
import ctypes
import os

SONAME = "liboslbox.so.0"
#: The oldest library this module works with: the one whose calls and
#: structures it mirrors (oslbox_policy_get and oslbox_proc_fd came in it).
MIN_VERSION = (0, 1, 0)
VERSION = "0.1.0"


class Result(ctypes.Structure):
    """struct oslbox_result. `size` says how much of it the library filled:
    a newer library with a larger one copies only the fields known here,
    an older one with a smaller one leaves the rest unset."""
    _fields_ = [
        ("size", ctypes.c_size_t),
        ("exit_code", ctypes.c_int),
        ("signal", ctypes.c_int),
        ("timed_out", ctypes.c_bool),
        ("wall_ms", ctypes.c_uint64),
        ("cpu_ms", ctypes.c_uint64),
        ("max_rss_kb", ctypes.c_uint64),
        ("memory_limit_kb", ctypes.c_uint64),
        ("memory_peak_kb", ctypes.c_uint64),
        ("pids_peak", ctypes.c_uint64),
        ("oom_killed", ctypes.c_bool),
    ]


class Denial(ctypes.Structure):
    """struct oslbox_denial."""
    _fields_ = [
        ("layer", ctypes.c_char_p),
        ("what", ctypes.c_char_p),
        ("syscall", ctypes.c_char_p),
        ("address", ctypes.c_char_p),
        ("path", ctypes.c_char_p),
        ("process", ctypes.c_char_p),
        ("pid", ctypes.c_int),
        ("count", ctypes.c_uint64),
        ("reason", ctypes.c_char_p),
        ("allow", ctypes.c_char_p),
        ("line", ctypes.c_char_p),
    ]


class Stdio(ctypes.Structure):
    """struct oslbox_stdio."""
    _fields_ = [("kind", ctypes.c_int), ("fd", ctypes.c_int)]


STDIO_INHERIT, STDIO_FD, STDIO_NULL, STDIO_PTY = 0, 1, 2, 3


class SpawnAttr(ctypes.Structure):
    """struct oslbox_spawn_attr, with `size` set to this layout's size."""
    _fields_ = [
        ("size", ctypes.c_size_t),
        ("cwd", ctypes.c_char_p),
        ("envp", ctypes.POINTER(ctypes.c_char_p)),
        ("stdio", Stdio * 3),
        ("pty_rows", ctypes.c_ushort),
        ("pty_cols", ctypes.c_ushort),
        ("env_extra", ctypes.POINTER(ctypes.c_char_p)),
        ("timeout_ms", ctypes.c_uint64),
    ]


class Option(ctypes.Structure):
    """struct oslbox_option, a row of the option table."""
    _fields_ = [
        ("name", ctypes.c_char_p),
        ("metavar", ctypes.c_char_p),
        ("layer", ctypes.c_char_p),
        ("help", ctypes.c_char_p),
        ("flags", ctypes.c_uint),
    ]


OPTION_LIST, OPTION_CLI_ONLY, OPTION_WIDENS = 1, 2, 4
KILL_GRACEFUL, KILL_NOW = 0, 1
DOCTOR_JSON = 1

_p = ctypes.c_void_p
_pp = ctypes.POINTER(ctypes.c_void_p)
_str = ctypes.c_char_p
_int = ctypes.c_int
_ret_str = ctypes.POINTER(ctypes.c_void_p)     # char **: freed with free()

# name: (restype, argtypes)
_PROTOTYPES = {
    "oslbox_version": (_str, []),
    "oslbox_policy_new": (_int, [_pp]),
    "oslbox_policy_copy": (_int, [_p, _pp]),
    "oslbox_policy_free": (None, [_p]),
    "oslbox_policy_set": (_int, [_p, _str, _str]),
    "oslbox_policy_get": (_int, [_p, _str, _ret_str]),
    "oslbox_policy_load": (_int, [_p, _str]),
    "oslbox_policy_load_project": (_int, [_p, _str, _ret_str]),
    "oslbox_policy_trust": (_int, [_p, _str]),
    "oslbox_policy_explain": (_int, [_p, _ret_str]),
    "oslbox_policy_error": (_str, [_p]),
    "oslbox_option_get": (ctypes.POINTER(Option), [ctypes.c_size_t]),
    "oslbox_proc_new": (_int, [_pp]),
    "oslbox_proc_spawn": (_int, [_p, _p, ctypes.POINTER(_str), ctypes.POINTER(SpawnAttr)]),
    "oslbox_proc_spawn_in": (_int, [_p, _p, ctypes.POINTER(_str), ctypes.POINTER(SpawnAttr)]),
    "oslbox_proc_exec_failed": (ctypes.c_bool, [_p]),
    "oslbox_proc_pid": (_int, [_p]),
    "oslbox_proc_pidfd": (_int, [_p]),
    "oslbox_proc_fd": (_int, [_p]),
    "oslbox_proc_pty": (_int, [_p]),
    "oslbox_proc_take_pty": (_int, [_p]),
    "oslbox_proc_wait": (_int, [_p, _int, ctypes.POINTER(Result)]),
    "oslbox_proc_signal": (_int, [_p, _int]),
    "oslbox_proc_kill": (_int, [_p, ctypes.c_uint]),
    "oslbox_proc_warning": (_str, [_p]),
    "oslbox_proc_denials": (_int, [_p, ctypes.POINTER(ctypes.POINTER(Denial)), ctypes.POINTER(ctypes.c_size_t),
                                   ctypes.POINTER(ctypes.c_uint64)]),
    "oslbox_proc_error": (_str, [_p]),
    "oslbox_proc_free": (None, [_p]),
    "oslbox_doctor": (_int, [ctypes.c_uint, _ret_str]),
}


def _candidates():
    """Where to look, in order: $OSLBOX_LIBRARY (a path), the library
    installed beside this module (its libdir, when configure wrote it),
    then the SONAME through the dynamic linker's search."""
    env = os.environ.get("OSLBOX_LIBRARY")
    if env:
        return [env]
    found = []
    try:
        from . import _config
        path = os.path.join(_config.LIBDIR, SONAME)
        if os.path.exists(path):
            found.append(path)
    except ImportError:
        pass
    found.append(SONAME)
    return found


def _parse_version(text):
    parts = []
    for p in text.split("."):
        digits = "".join(c for c in p if c.isdigit()) if p else ""
        if not digits:
            break
        parts.append(int(digits))
        if not p.isdigit():
            break
    return tuple(parts)


def _load():
    need = "%s (liboslbox %s or later)" % (SONAME, ".".join(map(str, MIN_VERSION)))
    errors = []
    for path in _candidates():
        try:
            lib = ctypes.CDLL(path, use_errno=True)
        except OSError as e:
            errors.append(str(e))
            continue
        missing = [name for name in _PROTOTYPES if not hasattr(lib, name)]
        if "oslbox_version" in missing:
            raise ImportError("oslbox needs %s: %s is not liboslbox" % (need, path))
        have = lib.oslbox_version
        have.restype = ctypes.c_char_p
        have = (have() or b"").decode("ascii", "replace")
        if _parse_version(have) < MIN_VERSION or missing:
            raise ImportError("oslbox needs %s: %s is version %s%s" % (
                need, path, have, ", without " + ", ".join(missing) if missing else ""))
        for name, (restype, argtypes) in _PROTOTYPES.items():
            fn = getattr(lib, name)
            fn.restype = restype
            fn.argtypes = argtypes
        libc = ctypes.CDLL(None, use_errno=True)
        libc.free.argtypes = [ctypes.c_void_p]
        libc.free.restype = None
        return lib, libc, path
    hint = "" if os.environ.get("OSLBOX_LIBRARY") else " (OSLBOX_LIBRARY may name the file)"
    raise ImportError("oslbox needs %s, which cannot be loaded: %s%s" % (need, "; ".join(errors), hint))


lib, libc, path = _load()


def take_string(ptr):
    """The C string a char ** out-parameter received, freed; None for NULL."""
    if not ptr.value:
        return None
    try:
        return ctypes.string_at(ptr.value).decode("utf-8", "surrogateescape")
    finally:
        libc.free(ptr.value)


def text(b):
    """A C string the library owns, as str ("" for NULL)."""
    return b.decode("utf-8", "surrogateescape") if b else ""


def c_arg(value, what):
    """VALUE (str, bytes or path-like) as bytes for a C string, refusing NUL
    bytes: C would cut the string there."""
    b = os.fsencode(value)
    if b"\0" in b:
        raise ValueError("embedded null byte in %s" % what)
    return b
