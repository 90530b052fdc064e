"""The allowed roots and the path rules of the file tools and `execute_command`, and the safe open and
atomic write of a file inside them. Pure: no MCP here.

Every path is confined to ``security.allowed_roots``:

* Relative paths resolve against the first root; absolute paths must lie inside one of the roots.
* Containment is decided on real paths (``os.path.realpath``, symlinks and ``..`` resolved) with
  ``Path.is_relative_to``, which compares whole components: ``/allowed_evil`` is not inside ``/allowed``.
* A symlink (dangling or not, at the leaf or on a parent directory) whose target leaves the roots is refused;
  a file that does not exist yet is checked through its parent's real path (realpath resolves the existing
  prefix and keeps the missing tail).
* Files are opened with ``O_NOFOLLOW`` and, where ``/proc`` exists, the opened descriptor's path is checked
  again, so a link swapped in between the check and the open is refused.
* Writes go to a temporary file in the same directory (opened relative to a directory descriptor) and are
  moved into place with ``os.replace``: a reader never sees a half-written file, and a hard or symbolic link
  at the destination is replaced rather than written through.
* Nothing is ever written inside a ``.git`` directory (nor a ``.git`` file): git configuration and hooks run
  programs, and ``execute_command`` may run ``git``.
* Paths containing NUL bytes are refused.

Every refusal is a :class:`~tfo_mcp.sandbox.errors.SandboxError` whose message says why.

Windows: drive letters and UNC roots go through the same ``Path`` logic (``is_relative_to`` compares
case-insensitively there); this is not exercised by the test suite.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

from tfo_mcp.config import SecuritySettings, get_settings
from tfo_mcp.sandbox.errors import SandboxError

# --------------------------------------------------------------------------- roots and containment


@lru_cache(maxsize=32)
def _realpath_roots(roots: tuple[str, ...]) -> tuple[Path, ...]:
    return tuple(Path(os.path.realpath(os.path.expanduser(root))) for root in roots)


def sandbox_roots(security: SecuritySettings | None = None) -> tuple[Path, ...]:
    """The allowed roots as real paths (resolved once per distinct configuration)."""
    security = security or get_settings().security
    return _realpath_roots(tuple(str(root) for root in security.allowed_roots))


def check_no_nul(text: str, what: str = "path") -> None:
    """Refuse a value containing a NUL byte (it would truncate the path in C code)."""
    if "\x00" in text:
        raise SandboxError(f"{what} contains a NUL byte, which is never valid in a path")


def is_inside(path: Path, roots: Sequence[Path]) -> bool:
    """True when the (already real) path is one of the roots or below one, compared by whole components."""
    return any(path == root or path.is_relative_to(root) for root in roots)


def _roots_text(roots: Sequence[Path]) -> str:
    return ", ".join(str(root) for root in roots)


def resolve_path(path: str, roots: Sequence[Path]) -> Path:
    """The real path ``path`` names, or SandboxError when it is empty, has a NUL byte or leaves the roots.

    Relative paths resolve against the first root. The result has every symlink and ``..`` resolved; for a
    path that does not exist yet, the existing prefix is resolved and the missing tail kept, so a new file is
    checked through its parent's real path.
    """
    check_no_nul(path)
    if not roots:
        raise SandboxError("no allowed roots are configured (security.allowed_roots is empty)")
    if not path.strip():
        raise SandboxError("path is empty")
    candidate = Path(path)
    if not candidate.is_absolute():
        candidate = roots[0] / candidate
    real = Path(os.path.realpath(candidate))
    if is_inside(real, roots):
        return real
    if is_inside(Path(os.path.abspath(candidate)), roots):
        raise SandboxError(
            f"{path!r} resolves through a symbolic link to a place outside the allowed roots ({_roots_text(roots)})"
        )
    raise SandboxError(f"{path!r} is outside the allowed roots ({_roots_text(roots)})")


def check_not_git_internal(real: Path, roots: Sequence[Path]) -> None:
    """Refuse a write inside a ``.git`` directory or to a ``.git`` file (git config and hooks run programs)."""
    for root in roots:
        if real.is_relative_to(root):
            parts = real.relative_to(root).parts
            if any(part.casefold() == ".git" for part in parts):
                raise SandboxError(
                    f"writing {real} is refused: files inside .git (config, hooks) can make git run programs"
                )


def fd_path(fd: int) -> str | None:
    """The path an open descriptor refers to, where the OS can tell (Linux ``/proc``), else None."""
    try:
        return os.readlink(f"/proc/self/fd/{fd}")
    except OSError:
        return None


def verify_opened(fd: int, expected: Path, roots: Sequence[Path]) -> None:
    """Check that an opened descriptor is still inside the roots (guards check-then-open races)."""
    where = fd_path(fd)
    if where is not None:
        if not is_inside(Path(where.removesuffix(" (deleted)")), roots):
            raise SandboxError(f"{expected} changed during the call and now leaves the allowed roots")
        return
    opened, current = os.fstat(fd), os.stat(expected, follow_symlinks=False)
    if (opened.st_dev, opened.st_ino) != (current.st_dev, current.st_ino):
        raise SandboxError(f"{expected} changed during the call")


def open_regular_file(real: Path, shown: str, roots: Sequence[Path]) -> tuple[int, os.stat_result]:
    """Open a regular file for reading without following a symlink at the leaf; returns (fd, stat)."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(real, flags)
    except FileNotFoundError:
        raise SandboxError(f"{shown} does not exist") from None
    except PermissionError:
        raise SandboxError(f"{shown}: permission denied") from None
    except OSError as exc:
        raise SandboxError(f"{shown} cannot be opened ({exc.strerror})") from None
    try:
        verify_opened(fd, real, roots)
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise SandboxError(f"{shown} is a directory: use list_directory")
        if not stat.S_ISREG(info.st_mode):
            raise SandboxError(f"{shown} is not a regular file")
    except BaseException:
        os.close(fd)
        raise
    return fd, info


# --------------------------------------------------------------------------- writing


def make_parent_dirs(parent: Path, roots: Sequence[Path]) -> None:
    """Create missing directories of ``parent`` (already resolved inside the roots), then re-check them."""
    try:
        os.makedirs(parent, exist_ok=True)
    except FileExistsError:
        raise SandboxError(f"{parent} exists and is not a directory") from None
    except OSError as exc:
        raise SandboxError(f"cannot create {parent} ({exc.strerror})") from None
    if Path(os.path.realpath(parent)) != parent or not is_inside(parent, roots):
        raise SandboxError(f"{parent} changed during the call")


def _existing_leaf(name: str, dir_fd: int, shown: str) -> os.stat_result | None:
    try:
        info = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
    except FileNotFoundError:
        return None
    if stat.S_ISLNK(info.st_mode):
        raise SandboxError(f"{shown} became a symbolic link during the call")
    if stat.S_ISDIR(info.st_mode):
        raise SandboxError(f"{shown} is a directory")
    if not stat.S_ISREG(info.st_mode):
        raise SandboxError(f"{shown} is not a regular file")
    return info


def atomic_write(real: Path, data: bytes, *, overwrite: bool, roots: Sequence[Path], shown: str) -> bool:
    """Write ``data`` to ``real`` through a temp file in the same directory; True when the file is new.

    An existing file keeps its permission bits; a new one gets 0666 minus the umask.
    """
    dir_flags = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        dir_fd = os.open(real.parent, dir_flags)
    except OSError as exc:
        raise SandboxError(f"the folder of {shown} cannot be opened ({exc.strerror})") from None
    temp = f".{real.name}.{secrets.token_hex(6)}.tmp"
    try:
        verify_opened(dir_fd, real.parent, roots)
        existing = _existing_leaf(real.name, dir_fd, shown)
        if existing is not None and not overwrite:
            raise SandboxError(f"{shown} already exists (pass overwrite=true to replace it)")
        file_flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
        fd = os.open(temp, file_flags, 0o666, dir_fd=dir_fd)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                if existing is not None:
                    os.fchmod(fh.fileno(), stat.S_IMODE(existing.st_mode))
                os.fsync(fh.fileno())
            if overwrite:
                os.replace(temp, real.name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
            else:
                _link_no_clobber(temp, real.name, dir_fd, shown)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temp, dir_fd=dir_fd)
    except OSError as exc:
        raise SandboxError(f"cannot write {shown} ({exc.strerror})") from None
    finally:
        os.close(dir_fd)
    return existing is None


def _link_no_clobber(temp: str, name: str, dir_fd: int, shown: str) -> None:
    """Move temp into place only if ``name`` does not exist (atomic where hard links work)."""
    try:
        os.link(temp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd, follow_symlinks=False)
    except FileExistsError:
        raise SandboxError(f"{shown} already exists (pass overwrite=true to replace it)") from None
    except OSError:  # file systems without hard links: check, then rename
        if _existing_leaf(name, dir_fd, shown) is not None:
            raise SandboxError(f"{shown} already exists (pass overwrite=true to replace it)") from None
        os.replace(temp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
