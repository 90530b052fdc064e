"""Kernel confinement of child processes: a small ctypes binding of Linux Landlock, and the command policy.

Nothing here knows about MCP. ``execute_command`` asks :func:`current` which confinement is active and builds a
:class:`Ruleset` from :func:`command_policy` in the server process (opening the granted paths there, as file
descriptors); :mod:`tfo_mcp.sandbox.runner` starts the child one of two ways:

- :meth:`Ruleset.run_confined` (the default): a fresh, short-lived thread sets ``no_new_privs`` and calls
  ``landlock_restrict_self`` on itself (both are per thread), then starts the child, which inherits the
  domain; CPython can then spawn with ``vfork``, so confinement costs no more than an unconfined spawn. The
  thread ends right after: no other code of the server ever runs confined.
- :meth:`Ruleset.preexec`, for a program that needs a file of its own ``/proc/self`` (df): the child grants it
  to itself between ``fork`` and ``exec`` (in the server, ``/proc/self`` is the server), then enforces.

Either way a failure to enforce raises before the program is executed (fail closed).

Landlock (https://docs.kernel.org/userspace-api/landlock.html) is deny-by-default for every access right a
ruleset *handles*. This module handles every right the running ABI knows:

- ABI 1: filesystem execute, read/write file, read dir, remove dir/file, make char/dir/reg/sock/fifo/block/sym;
- ABI 2: ``REFER`` (link or rename across folders); ABI 3: ``TRUNCATE``;
- ABI 4: TCP ``BIND`` and ``CONNECT`` (no port is granted, so no TCP at all; UDP is not covered by Landlock);
- ABI 5: ``IOCTL_DEV`` (ioctl on devices the child opens; never granted);
- ABI 6: scopes ``ABSTRACT_UNIX_SOCKET`` and ``SIGNAL`` (no connecting to abstract sockets of, nor signalling,
  processes outside the domain);
- ABI 7 only adds audit-log flags, nothing to handle.

``/proc`` is never granted: Landlock's ptrace scoping refuses a confined child ``ptrace``, ``/proc/<pid>/mem``,
``fd/``, ``root`` of processes outside its domain, but on Linux 6.18 it still lets the child read
``/proc/<pid>/environ`` and ``maps`` of its parent once ``/proc`` is readable. So a root that contains ``/proc``
(``/``, say), ``/sys``, ``/dev`` or any other pseudo file system mount is granted entry by entry around them
(:func:`split_root`), and a root inside one of them is not granted at all.

``TFO_MCP_CONFINEMENT`` chooses the mode, read on every call: ``auto`` (default: Landlock when the kernel has
it, else argv rules only), ``landlock`` (required: commands are refused when it is unavailable) or ``argv``
(argv rules only, e.g. to test that mode on a Landlock kernel).
"""

from __future__ import annotations

import ctypes
import errno
import functools
import os
import re
import stat
import struct
import sys
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, TypeVar

T = TypeVar("T")

MODE_ENV = "TFO_MCP_CONFINEMENT"

# --------------------------------------------------------------------------- the UAPI (include/uapi/linux/landlock.h)

SYS_LANDLOCK_CREATE_RULESET = 444  # the same numbers on every architecture (added after the syscall table merge)
SYS_LANDLOCK_ADD_RULE = 445
SYS_LANDLOCK_RESTRICT_SELF = 446
PR_SET_NO_NEW_PRIVS = 38
LANDLOCK_CREATE_RULESET_VERSION = 1 << 0
LANDLOCK_RULE_PATH_BENEATH = 1
LANDLOCK_RULE_NET_PORT = 2

FS_EXECUTE = 1 << 0
FS_WRITE_FILE = 1 << 1
FS_READ_FILE = 1 << 2
FS_READ_DIR = 1 << 3
FS_REMOVE_DIR = 1 << 4
FS_REMOVE_FILE = 1 << 5
FS_MAKE_CHAR = 1 << 6
FS_MAKE_DIR = 1 << 7
FS_MAKE_REG = 1 << 8
FS_MAKE_SOCK = 1 << 9
FS_MAKE_FIFO = 1 << 10
FS_MAKE_BLOCK = 1 << 11
FS_MAKE_SYM = 1 << 12
FS_REFER = 1 << 13  # ABI 2
FS_TRUNCATE = 1 << 14  # ABI 3
FS_IOCTL_DEV = 1 << 15  # ABI 5
NET_BIND_TCP = 1 << 0  # ABI 4
NET_CONNECT_TCP = 1 << 1  # ABI 4
SCOPE_ABSTRACT_UNIX_SOCKET = 1 << 0  # ABI 6
SCOPE_SIGNAL = 1 << 1  # ABI 6

FS_ABI_1 = (1 << 13) - 1  # EXECUTE .. MAKE_SYM
#: Rights that apply to a file (a rule on a non-directory may hold only these).
FS_FILE_RIGHTS = FS_EXECUTE | FS_WRITE_FILE | FS_READ_FILE | FS_TRUNCATE | FS_IOCTL_DEV

#: Granted on the roots, the system folders, the private HOME: read files and list folders.
READ = FS_READ_FILE | FS_READ_DIR
#: Granted on the roots when ``security.enable_write`` is true. Never MAKE_CHAR/MAKE_BLOCK (a root-owned child
#: could create a device node of a disk), MAKE_FIFO/MAKE_SOCK, EXECUTE or IOCTL_DEV.
WRITE = (
    READ | FS_WRITE_FILE | FS_REMOVE_DIR | FS_REMOVE_FILE | FS_MAKE_DIR | FS_MAKE_REG | FS_MAKE_SYM
    | FS_REFER | FS_TRUNCATE
)  # fmt: skip
#: Granted on the resolved executable and its ELF interpreter (the kernel opens both with exec intent).
RUN = FS_READ_FILE | FS_EXECUTE
#: Granted on /dev/null.
DEVICE = FS_READ_FILE | FS_WRITE_FILE | FS_TRUNCATE


def handled_fs(abi: int) -> int:
    """Every filesystem right the ABI knows."""
    rights = FS_ABI_1 if abi >= 1 else 0
    if abi >= 2:
        rights |= FS_REFER
    if abi >= 3:
        rights |= FS_TRUNCATE
    if abi >= 5:
        rights |= FS_IOCTL_DEV
    return rights


def handled_net(abi: int) -> int:
    return NET_BIND_TCP | NET_CONNECT_TCP if abi >= 4 else 0


def handled_scopes(abi: int) -> int:
    return SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL if abi >= 6 else 0


class _RulesetAttr(ctypes.Structure):
    _fields_ = [
        ("handled_access_fs", ctypes.c_uint64),
        ("handled_access_net", ctypes.c_uint64),
        ("scoped", ctypes.c_uint64),
    ]


class _PathBeneathAttr(ctypes.Structure):
    _pack_ = 1  # __attribute__((packed)) in the UAPI
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def ruleset_attr_size(abi: int) -> int:
    """The size of ``struct landlock_ruleset_attr`` the ABI knows (older kernels refuse a bigger struct)."""
    if abi >= 6:
        return 24
    return 16 if abi >= 4 else 8


@functools.cache
def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)


def _syscall() -> Callable[..., int]:
    function = _libc().syscall
    function.restype = ctypes.c_long
    return function  # type: ignore[no-any-return]


class ConfinementError(OSError):
    """Landlock could not be set up in the server process (the command is not run)."""


def _raise(what: str) -> None:
    code = ctypes.get_errno()
    raise ConfinementError(code, f"{what}: {os.strerror(code)}")


@functools.cache
def abi_version() -> int:
    """The Landlock ABI of the running kernel; 0 when it has none (not Linux, too old, disabled at boot)."""
    if not sys.platform.startswith("linux"):
        return 0
    try:
        version = _syscall()(
            ctypes.c_long(SYS_LANDLOCK_CREATE_RULESET), None, ctypes.c_size_t(0),
            ctypes.c_uint32(LANDLOCK_CREATE_RULESET_VERSION),
        )  # fmt: skip
    except (OSError, AttributeError):
        return 0
    return max(int(version), 0)


def unavailable_reason() -> str:
    """Why the kernel offers no Landlock (for status lines)."""
    if not sys.platform.startswith("linux"):
        return f"Landlock is Linux-only (this is {sys.platform})"
    return "the kernel has no Landlock (Linux >= 5.13 with landlock in the lsm= list is needed)"


# --------------------------------------------------------------------------- mode


@dataclass(frozen=True)
class Confinement:
    """The confinement active for commands now."""

    mode: Literal["landlock", "argv"]
    abi: int = 0
    reason: str = ""  # why argv rules only, or why commands are refused
    refused: bool = False  # TFO_MCP_CONFINEMENT=landlock on a kernel without it: every command is refused

    def describe(self) -> str:
        if self.mode == "landlock":
            return f"landlock ABI {self.abi}"
        if self.refused:
            return f"refused: {self.reason}"
        return f"argv rules only ({self.reason})"


def current() -> Confinement:
    """The confinement chosen by ``TFO_MCP_CONFINEMENT`` (auto, landlock, argv) and the kernel."""
    wanted = os.environ.get(MODE_ENV, "auto").strip().lower() or "auto"
    if wanted not in ("auto", "landlock", "argv"):
        return Confinement("argv", refused=True, reason=f"{MODE_ENV}={wanted!r} is not one of auto, landlock, argv")
    if wanted == "argv":
        return Confinement("argv", reason=f"{MODE_ENV}=argv")
    abi = abi_version()
    if abi >= 1:
        return Confinement("landlock", abi=abi)
    if wanted == "landlock":
        return Confinement("argv", refused=True, reason=f"{MODE_ENV}=landlock but {unavailable_reason()}")
    return Confinement("argv", reason=unavailable_reason())


# --------------------------------------------------------------------------- policy

#: System folders a program needs to run: itself, its libraries, locales, zoneinfo, the magic database.
SYSTEM_FOLDERS = ("/usr", "/lib", "/lib32", "/lib64", "/libx32", "/bin", "/sbin")
#: The few files outside those folders the default programs open (found by running each of them under the
#: confinement with strace): the dynamic loader's cache and preload list, user and group names (ls -l, stat,
#: whoami, find -user), the time zone (date, ls -l), locale aliases (every program: on Debian
#: /usr/share/locale/locale.alias links there), the local magic files of `file`, the online CPUs (git grep,
#: sort: how many threads).
SYSTEM_FILES = (
    "/etc/ld.so.cache", "/etc/ld.so.preload", "/etc/nsswitch.conf", "/etc/passwd", "/etc/group",
    "/etc/localtime", "/etc/locale.alias", "/etc/magic", "/etc/magic.mime",
    "/sys/devices/system/cpu/online",
)  # fmt: skip
DEVICES = ("/dev/null",)
#: Files of the child's own ``/proc/self`` some programs need, granted by the child itself between fork and exec
#: (in the parent ``/proc/self`` is the server): df reads its mount table from ``/proc/self/mountinfo``.
PROC_SELF_NEEDS = {"df": ("mountinfo",)}
#: Never granted through a root: process information (the server's environment), kernel and device files.
EXCLUDED_FOLDERS = ("/proc", "/sys", "/dev")
PSEUDO_FILESYSTEMS = frozenset(
    {"proc", "sysfs", "devtmpfs", "devpts", "debugfs", "tracefs", "securityfs", "bpf", "configfs", "efivarfs",
     "pstore", "binfmt_misc", "fusectl", "cgroup", "cgroup2", "mqueue", "hugetlbfs", "nsfs", "rpc_pipefs"}
)  # fmt: skip


def excluded_mounts(mountinfo: str = "/proc/self/mountinfo") -> list[str]:
    """EXCLUDED_FOLDERS plus the mount points of every pseudo file system (proc, sysfs, devtmpfs...)."""
    found = list(EXCLUDED_FOLDERS)
    try:
        with open(mountinfo, encoding="utf-8", errors="replace") as file:
            lines = file.read().splitlines()
    except OSError:
        return found
    for line in lines:
        fields, _, tail = line.partition(" - ")
        parts = fields.split()
        if len(parts) >= 5 and tail.split(" ", 1)[0] in PSEUDO_FILESYSTEMS:
            point = re.sub(r"\\([0-7]{3})", lambda match: chr(int(match.group(1), 8)), parts[4])
            if point not in found:
                found.append(point)
    return found


def _below(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def split_root(root: str, excluded: Sequence[str]) -> list[str]:
    """The folders to grant for ``root`` so that no excluded folder is reachable: ``root`` itself when none is
    at or below it, nothing when it is inside one, else its entries (recursively split), minus excluded ones.
    Symbolic links among the entries are skipped: a path through them is judged by where it leads."""
    if any(_below(root, folder) for folder in excluded):
        return []
    if not any(_below(folder, root) for folder in excluded):
        return [root]
    granted: list[str] = []
    try:
        entries = sorted(os.scandir(root), key=lambda entry: entry.name)
    except OSError:
        return []
    for entry in entries:
        if entry.is_symlink():
            continue
        granted += split_root(os.path.join(root, entry.name), excluded)
    return granted


@dataclass(frozen=True)
class Policy:
    """What a confined child may open: each entry is (path, rights); the rest is denied."""

    rules: tuple[tuple[str, int], ...] = field(default_factory=tuple)
    proc_self: tuple[str, ...] = ()  # names under the child's own /proc/self it may read (added in the child)

    def paths(self, rights: int) -> list[str]:
        """The paths granted all of ``rights`` (for tests and status)."""
        return [path for path, granted in self.rules if granted & rights == rights]


def elf_interpreter(path: str | os.PathLike[str]) -> str | None:
    """The PT_INTERP (dynamic loader) of an ELF executable, or None (static, script, unreadable)."""
    try:
        with open(path, "rb") as file:
            header = file.read(64)
            if len(header) < 52 or header[:4] != b"\x7fELF":
                return None
            order = "<" if header[5] == 1 else ">"
            # ELF64: e_phoff at 32, e_phentsize/e_phnum at 54; p_offset at 8, p_filesz at 32 (ELF32: 28, 42; 4, 16)
            word, phoff_at, phnum_at, offset_at, size_at = (
                ("Q", 32, 54, 8, 32) if header[4] == 2 else ("I", 28, 42, 4, 16)
            )
            (phoff,) = struct.unpack_from(order + word, header, phoff_at)
            phentsize, phnum = struct.unpack_from(order + "HH", header, phnum_at)
            file.seek(phoff)
            table = file.read(phentsize * min(phnum, 256))
            for start in range(0, len(table) - phentsize + 1, max(phentsize, 1)):
                if struct.unpack_from(order + "I", table, start)[0] == 3:  # PT_INTERP
                    (offset,) = struct.unpack_from(order + word, table, start + offset_at)
                    (size,) = struct.unpack_from(order + word, table, start + size_at)
                    file.seek(offset)
                    return file.read(min(size, 4096)).split(b"\0", 1)[0].decode() or None
    except (OSError, struct.error, UnicodeDecodeError):
        return None
    return None


def command_policy(
    roots: Sequence[Path | str],
    *,
    writable: bool,
    executable: Path | str,
    home: Path | str | None = None,
    program: str = "",
    extra_read: Iterable[Path | str] = (),
) -> Policy:
    """The policy for one command: read the roots (write them too when ``writable``) minus pseudo file systems,
    the system folders and files above, the private HOME and /dev/null; execute only ``executable`` and its
    ELF interpreter; the child's own /proc/self files ``program`` needs (PROC_SELF_NEEDS)."""
    rules: list[tuple[str, int]] = [(folder, READ) for folder in SYSTEM_FOLDERS]
    rules += [(path, READ) for path in SYSTEM_FILES]
    rules += [(path, DEVICE) for path in DEVICES]
    if home is not None:
        rules.append((str(home), READ))
    rules += [(str(path), READ) for path in extra_read]
    excluded = excluded_mounts()
    for root in roots:
        rules += [(folder, WRITE if writable else READ) for folder in split_root(str(root), excluded)]
    real = os.path.realpath(executable)
    rules.append((real, RUN))
    if (interpreter := elf_interpreter(real)) is not None:
        rules.append((os.path.realpath(interpreter), RUN))
    return Policy(tuple(rules), proc_self=PROC_SELF_NEEDS.get(program, ()))


# --------------------------------------------------------------------------- the ruleset


class Ruleset:
    """A Landlock ruleset built in the server process (one O_PATH fd per granted path, closed once added);
    :meth:`run_confined` or :meth:`preexec` enforces it on a child."""

    def __init__(self, policy: Policy, abi: int | None = None) -> None:
        self.abi = abi_version() if abi is None else abi
        if self.abi < 1:
            raise ConfinementError(errno.EOPNOTSUPP, unavailable_reason())
        self.handled_fs = handled_fs(self.abi)
        self.handled_net = handled_net(self.abi)
        self.scoped = handled_scopes(self.abi)
        syscall = _syscall()
        attr = _RulesetAttr(self.handled_fs, self.handled_net, self.scoped)
        size = ruleset_attr_size(self.abi)
        fd = syscall(ctypes.c_long(SYS_LANDLOCK_CREATE_RULESET), ctypes.byref(attr), ctypes.c_size_t(size),
                     ctypes.c_uint32(0))  # fmt: skip
        if fd < 0:
            _raise("landlock_create_ruleset")
        self.fd: int = int(fd)
        self.granted: list[tuple[str, int]] = []
        try:
            for path, rights in policy.rules:
                self._add(syscall, path, rights)
        except BaseException:
            self.close()
            raise
        self._prepare_child_calls(policy.proc_self)

    def _add(self, syscall: Callable[..., int], path: str, rights: int) -> None:
        try:
            target = os.open(path, os.O_PATH | os.O_CLOEXEC)
        except (FileNotFoundError, NotADirectoryError, PermissionError):
            return  # e.g. /lib32 or /etc/ld.so.preload on this system: not granted, so the child cannot open it
        try:
            is_dir = stat.S_ISDIR(os.fstat(target).st_mode)
            allowed = rights & self.handled_fs & (~0 if is_dir else FS_FILE_RIGHTS)
            if not allowed:
                return
            attr = _PathBeneathAttr(allowed, target)
            rule = ctypes.c_int(LANDLOCK_RULE_PATH_BENEATH)
            if syscall(ctypes.c_long(SYS_LANDLOCK_ADD_RULE), ctypes.c_int(self.fd), rule, ctypes.byref(attr), 0) != 0:
                _raise(f"landlock_add_rule({path})")
            self.granted.append((path, allowed))
        finally:
            os.close(target)

    def _prepare_child_calls(self, proc_self: Sequence[str]) -> None:
        # Everything the child calls is resolved and built now: between fork and exec it makes two calls (and,
        # for a program listed in PROC_SELF_NEEDS, an open, an add_rule and a close per file).
        libc = _libc()
        self._prctl = libc.prctl
        self._prctl.restype = ctypes.c_int
        self._syscall = _syscall()
        self._prctl_args = (ctypes.c_int(PR_SET_NO_NEW_PRIVS), ctypes.c_ulong(1), ctypes.c_ulong(0),
                            ctypes.c_ulong(0), ctypes.c_ulong(0))  # fmt: skip
        self._restrict_args = (ctypes.c_long(SYS_LANDLOCK_RESTRICT_SELF), ctypes.c_int(self.fd), ctypes.c_uint32(0))
        self._self_paths = tuple(f"/proc/self/{name}".encode() for name in proc_self)
        self._self_attr = _PathBeneathAttr(FS_READ_FILE & self.handled_fs, -1)
        self._self_args = (
            ctypes.c_long(SYS_LANDLOCK_ADD_RULE), ctypes.c_int(self.fd), ctypes.c_int(LANDLOCK_RULE_PATH_BENEATH),
            ctypes.byref(self._self_attr), ctypes.c_uint32(0),
        )  # fmt: skip

    @property
    def needs_child_setup(self) -> bool:
        """True when the child must grant itself files of its own /proc/self: start it with :meth:`preexec`."""
        return bool(self._self_paths)

    def restrict_this_thread(self) -> None:
        """no_new_privs, then restrict_self, on the calling thread. Only for a thread that ends right after
        starting the child (:meth:`run_confined`): the restriction can never be lifted."""
        if self._prctl(*self._prctl_args) != 0:
            _raise("prctl(PR_SET_NO_NEW_PRIVS)")
        if self._syscall(*self._restrict_args) != 0:
            _raise("landlock_restrict_self")

    def run_confined(self, start: Callable[[], T]) -> T:
        """Call ``start`` (e.g. ``subprocess.Popen``) on a new thread restricted by this ruleset and return its
        result; processes it starts inherit the restriction. Raises ConfinementError, without calling
        ``start``, when the restriction cannot be enforced."""
        outcome: list[tuple[bool, object]] = []

        def target() -> None:
            try:
                self.restrict_this_thread()
                outcome.append((True, start()))
            except BaseException as exc:
                outcome.append((False, exc))

        thread = threading.Thread(target=target, name="tfo-mcp-confined-spawn", daemon=True)
        thread.start()
        thread.join()
        ok, value = outcome[0]
        if not ok:
            raise value  # type: ignore[misc]
        return value  # type: ignore[return-value]

    def preexec(self) -> Callable[[], None]:
        """The function to run in the child before exec: its own /proc/self files if any, no_new_privs, then
        restrict_self. It raises on any failure, so the program is not executed."""
        prctl, prctl_args, syscall = self._prctl, self._prctl_args, self._syscall
        restrict_args, self_paths, self_attr, self_args = (
            self._restrict_args,
            self._self_paths,
            self._self_attr,
            self._self_args,
        )
        flags = os.O_PATH | os.O_CLOEXEC

        def enforce() -> None:
            for path in self_paths:  # /proc/self is the child now
                target = os.open(path, flags)
                self_attr.parent_fd = target
                added = syscall(*self_args)
                os.close(target)
                if added != 0:
                    raise OSError(ctypes.get_errno(), "landlock_add_rule(/proc/self)")
            if prctl(*prctl_args) != 0:
                raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS)")
            if syscall(*restrict_args) != 0:
                raise OSError(ctypes.get_errno(), "landlock_restrict_self")

        return enforce

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1

    def __enter__(self) -> Ruleset:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
