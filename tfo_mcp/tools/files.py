"""The file tools `read_file`, `write_file`, `list_directory`, `search_files` and the `file:///{path*}` resource.

Every path goes through the rules of :mod:`tfo_mcp.sandbox.paths`: inside ``security.allowed_roots`` by real
path, opened without following a link, written atomically and never inside ``.git``. A refusal reaches the
client as the tool's error message (the resource's, for ``file:///``).
"""

from __future__ import annotations

import base64
import codecs
import fnmatch
import io
import mimetypes
import os
import stat
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from fastmcp.exceptions import ResourceError
from fastmcp.resources import ResourceContent, ResourceResult
from fastmcp.server.providers import LocalProvider
from loguru import logger
from pydantic import BaseModel, Field

from tfo_mcp.config import Settings, get_settings
from tfo_mcp.sandbox.errors import SandboxError
from tfo_mcp.sandbox.paths import (
    atomic_write,
    check_no_nul,
    check_not_git_internal,
    is_inside,
    make_parent_dirs,
    open_regular_file,
    resolve_path,
    sandbox_roots,
)
from tfo_mcp.tools.annotations import OVERWRITE, READ_ONLY
from tfo_mcp.tools.refusals import sandbox_refusals

#: Directories search_files never enters and recursive list_directory lists but does not descend into.
NOISE_DIRS = frozenset(
    {".git", ".hg", ".svn", "node_modules", "__pycache__", ".venv", "venv", ".tox", ".nox",
     ".mypy_cache", ".pytest_cache", ".ruff_cache", ".cache", ".idea", ".gradle", ".terraform"}
)  # fmt: skip
#: Bytes read per step when streaming lines of a file larger than the read cap.
STREAM_CHUNK = 1024 * 1024
#: Longest matching line returned by search_files (characters).
MAX_MATCH_LINE = 500
#: Longest `content` pattern search_files accepts with regex=true (characters).
MAX_REGEX_CHARS = 1_000
#: Characters of each line a regex content search reads (the rest of a longer line is not searched).
MAX_REGEX_LINE_CHARS = 65_536
#: Lines between two looks at search_files' deadline (security.command_timeout).
DEADLINE_EVERY_LINES = 64
#: Extra MIME types the stdlib table lacks.
EXTRA_MIME_TYPES = {".yaml": "application/yaml", ".yml": "application/yaml", ".toml": "application/toml"}
COMPRESSION_MIME_TYPES = {
    "gzip": "application/gzip",
    "bzip2": "application/x-bzip2",
    "xz": "application/x-xz",
    "br": "application/x-brotli",
    "compress": "application/x-compress",
}
TEXT_APPLICATION_TYPES = frozenset(
    {"application/json", "application/xml", "application/yaml", "application/toml", "application/javascript",
     "application/x-sh", "application/sql", "application/x-python"}
)  # fmt: skip


# --------------------------------------------------------------------------- decoding and MIME types


def guess_mime_type(path: Path | str) -> str | None:
    """The MIME type for a file name (compressed files as their compression type), or None."""
    name = str(path)
    mime, encoding = mimetypes.guess_type(name, strict=False)
    if encoding:
        return COMPRESSION_MIME_TYPES.get(encoding, "application/octet-stream")
    return mime or EXTRA_MIME_TYPES.get(Path(name).suffix.lower())


def is_text_mime(mime: str | None) -> bool:
    """True for MIME types whose content is text (None means unknown: decide by decoding)."""
    if mime is None:
        return True
    return mime.startswith("text/") or mime in TEXT_APPLICATION_TYPES or mime.endswith(("+json", "+xml"))


def split_lines(text: str) -> list[str]:
    """Lines split on ``\\n`` only, each keeping its newline (the last may lack one)."""
    parts = text.split("\n")
    lines = [part + "\n" for part in parts[:-1]]
    if parts[-1]:
        lines.append(parts[-1])
    return lines


def _ascii_newlines(encoding: str) -> bool:
    return "\n".encode(encoding) == b"\n"


def _cap_error(what: str, size: int, cap: int, hint: str = "") -> SandboxError:
    return SandboxError(f"{what} is {size} bytes, over the cap security.max_read_bytes={cap}{hint}")


def _decode(data: bytes, encoding: str, shown: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise SandboxError(
            f"{shown} is not valid {encoding} text (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
            "it may be binary: read it with encoding='base64'"
        ) from None


def _check_encoding(encoding: str) -> str:
    if encoding.lower() == "base64":
        return "base64"
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        raise SandboxError(f"unknown encoding {encoding!r} (use e.g. 'utf-8', 'latin-1' or 'base64')") from None


# --------------------------------------------------------------------------- read_file


class ReadFileResult(BaseModel):
    path: str = Field(description="Real path of the file that was read")
    content: str = Field(description="The text read, or base64 of the bytes read when encoding is base64")
    encoding: str = Field(description="Encoding used to decode the file ('base64' for raw bytes)")
    size_bytes: int = Field(description="Size of the whole file in bytes")
    offset: int = Field(description="First line returned (0-based); a byte offset when encoding is base64")
    returned: int = Field(description="Lines returned (bytes when encoding is base64)")
    total_lines: int | None = Field(description="Lines in the whole file (null when the file was streamed)")
    next_offset: int | None = Field(description="offset to pass to read the rest, or null at end of file")


def _read_text_window(
    fh: io.BufferedReader, size: int, encoding: str, offset: int, limit: int | None, cap: int, shown: str
) -> tuple[str, int, int | None, int | None]:
    """(content, returned lines, total lines or None, next offset or None) for a text read."""
    if size <= cap:
        data = fh.read(cap + 1)
        if len(data) > cap:
            raise _cap_error(shown, len(data), cap)
        lines = split_lines(_decode(data, encoding, shown))
        end = len(lines) if limit is None else min(len(lines), offset + limit)
        window = lines[offset:end]
        return "".join(window), len(window), len(lines), end if end < len(lines) else None
    if offset == 0 and limit is None:
        raise _cap_error(shown, size, cap, "; read part of it with offset/limit (in lines)")
    if not _ascii_newlines(encoding):
        raise _cap_error(shown, size, cap, f"; windows of {encoding} files need the whole file")
    skipped = 0
    while skipped < offset:
        chunk = fh.readline(STREAM_CHUNK)
        if not chunk:
            break
        if chunk.endswith(b"\n"):
            skipped += 1
    out = bytearray()
    taken = 0
    while limit is None or taken < limit:
        line = fh.readline(cap - len(out) + 1)
        if not line:
            break
        out += line
        if len(out) > cap:
            raise SandboxError(
                f"the requested lines of {shown} exceed the cap security.max_read_bytes={cap}; ask for fewer lines"
            )
        taken += 1
    more = bool(fh.peek(1)) if limit is not None and taken == limit else False
    return _decode(bytes(out), encoding, shown), taken, None, offset + taken if more else None


def _read_bytes_window(
    fh: io.BufferedReader, size: int, offset: int, limit: int | None, cap: int, shown: str
) -> tuple[str, int]:
    if offset == 0 and limit is None and size > cap:
        raise _cap_error(shown, size, cap, "; read part of it with offset/limit (in bytes for base64)")
    wanted = max(0, size - offset) if limit is None else limit
    if wanted > cap:
        raise SandboxError(f"{wanted} bytes requested from {shown}, over the cap security.max_read_bytes={cap}")
    fh.seek(offset)
    data = fh.read(wanted)
    return base64.b64encode(data).decode("ascii"), len(data)


def read_file(
    path: str = Field(description="File to read: relative to the first allowed root, or absolute inside a root"),
    encoding: str = Field(
        "utf-8", description="Text encoding, or 'base64' to get the raw bytes base64-encoded (for binary files)"
    ),
    offset: int = Field(0, ge=0, description="Lines to skip (bytes to skip when encoding is 'base64')"),
    limit: int | None = Field(
        None, ge=1, description="Most lines to return (bytes when encoding is 'base64'); null for all"
    ),
) -> ReadFileResult:
    """Read a file inside the allowed roots, whole or a window of lines.

    Text that is not valid in the given encoding (a binary file) is an error that says to use
    encoding='base64', which returns the raw bytes. Reads over security.max_read_bytes are refused with an
    error naming the cap: read a window with offset/limit instead. next_offset says where the rest starts.
    """
    with sandbox_refusals():
        security = get_settings().security
        roots = sandbox_roots(security)
        codec = _check_encoding(encoding)
        real = resolve_path(path, roots)
        fd, info = open_regular_file(real, path, roots)
        with os.fdopen(fd, "rb") as fh:
            cap = security.max_read_bytes
            if codec == "base64":
                content, returned = _read_bytes_window(fh, info.st_size, offset, limit, cap, path)
                end = offset + returned
                return ReadFileResult(
                    path=str(real), content=content, encoding="base64", size_bytes=info.st_size, offset=offset,
                    returned=returned, total_lines=None, next_offset=end if end < info.st_size else None,
                )  # fmt: skip
            content, returned, total, next_offset = _read_text_window(fh, info.st_size, codec, offset, limit, cap, path)
        return ReadFileResult(
            path=str(real), content=content, encoding=codec, size_bytes=info.st_size, offset=offset,
            returned=returned, total_lines=total, next_offset=next_offset,
        )  # fmt: skip


# --------------------------------------------------------------------------- write_file


class WriteFileResult(BaseModel):
    path: str = Field(description="Real path of the file written")
    bytes_written: int
    created: bool = Field(description="True when the file did not exist before")


def write_file(
    path: str = Field(description="File to write: relative to the first allowed root, or absolute inside a root"),
    content: str = Field(description="Text to write (UTF-8)"),
    create_dirs: bool = Field(False, description="Create missing parent folders (inside the roots)"),
    overwrite: bool = Field(True, description="Replace the file if it exists (default true); false refuses"),
) -> WriteFileResult:
    """Write a UTF-8 text file inside the allowed roots, replacing it if it exists (overwrite defaults to true).

    The write is atomic (temp file + rename in the same folder): readers see the old or the new file, never a
    mix; an existing file keeps its permissions. Refused when writes are disabled (security.enable_write), when
    the content is over security.max_write_bytes, inside a .git folder, or outside the roots.
    """
    with sandbox_refusals():
        security = get_settings().security
        if not security.enable_write:
            raise SandboxError("write_file is disabled by configuration (security.enable_write=false)")
        data = content.encode("utf-8")
        if len(data) > security.max_write_bytes:
            raise SandboxError(
                f"content is {len(data)} bytes, over the cap security.max_write_bytes={security.max_write_bytes}"
            )
        roots = sandbox_roots(security)
        real = resolve_path(path, roots)
        check_not_git_internal(real, roots)
        if real in roots:
            raise SandboxError(f"{path!r} is an allowed root folder, not a file")
        if not os.path.isdir(real.parent):
            if not create_dirs:
                raise SandboxError(f"the folder {real.parent} does not exist (pass create_dirs=true to create it)")
            make_parent_dirs(real.parent, roots)
        created = atomic_write(real, data, overwrite=overwrite, roots=roots, shown=path)
        logger.info("write_file {} ({} bytes, {})", real, len(data), "created" if created else "replaced")
        return WriteFileResult(path=str(real), bytes_written=len(data), created=created)


# --------------------------------------------------------------------------- list_directory


EntryType = Literal["file", "directory", "symlink", "other"]


class DirectoryEntry(BaseModel):
    path: str = Field(description="Path relative to the listed folder ('/' separated)")
    type: EntryType
    size_bytes: int | None = Field(None, description="Size of a file (null for other entries)")
    modified: str | None = Field(None, description="Last modification time, ISO 8601 UTC")


class DirectoryListing(BaseModel):
    path: str = Field(description="Real path of the listed folder")
    entries: list[DirectoryEntry]
    truncated: bool = Field(description="True when more entries exist than max_entries")


def _entry_type(entry: os.DirEntry[str]) -> EntryType:
    if entry.is_symlink():
        return "symlink"
    if entry.is_dir(follow_symlinks=False):
        return "directory"
    if entry.is_file(follow_symlinks=False):
        return "file"
    return "other"


def _scan_sorted(folder: Path) -> list[os.DirEntry[str]]:
    try:
        with os.scandir(folder) as scan:
            return sorted(scan, key=lambda entry: entry.name)
    except OSError:
        return []


def iter_tree(top: Path, recursive: bool) -> Iterator[tuple[str, os.DirEntry[str]]]:
    """(relative path, entry) depth first in name order; never follows symlinks, never enters noise folders."""
    stack: list[tuple[str, Path]] = [("", top)]
    while stack:
        prefix, folder = stack.pop()
        children = []
        for entry in _scan_sorted(folder):
            relative = prefix + entry.name
            yield relative, entry
            if recursive and entry.is_dir(follow_symlinks=False) and entry.name not in NOISE_DIRS:
                children.append((relative + "/", Path(entry.path)))
        stack.extend(reversed(children))


def _dir_entry(relative: str, entry: os.DirEntry[str]) -> DirectoryEntry:
    kind = _entry_type(entry)
    try:
        info = entry.stat(follow_symlinks=False)
    except OSError:
        return DirectoryEntry(path=relative, type=kind)
    modified = datetime.fromtimestamp(info.st_mtime, tz=UTC).isoformat(timespec="seconds")
    return DirectoryEntry(
        path=relative, type=kind, size_bytes=info.st_size if kind == "file" else None, modified=modified
    )


def _resolve_folder(path: str, roots: Sequence[Path]) -> Path:
    real = resolve_path(path, roots)
    if not real.exists():
        raise SandboxError(f"{path!r} does not exist")
    if not real.is_dir():
        raise SandboxError(f"{path!r} is not a folder")
    return real


def list_directory(
    path: str = Field(".", description="Folder to list: relative to the first allowed root, or absolute"),
    recursive: bool = Field(False, description="Also list sub-folders (noise such as .git is not entered)"),
    max_entries: int = Field(1000, ge=1, le=100_000, description="Most entries to return"),
) -> DirectoryListing:
    """List a folder inside the allowed roots (name order, depth first when recursive).

    Symbolic links are listed as 'symlink' and never followed. Recursive listings do not descend into noise
    folders (.git, node_modules, __pycache__, .venv, ...), which still appear as entries. truncated=true means
    max_entries cut the listing.
    """
    with sandbox_refusals():
        roots = sandbox_roots()
        real = _resolve_folder(path, roots)
        entries: list[DirectoryEntry] = []
        truncated = False
        for relative, entry in iter_tree(real, recursive):
            if len(entries) >= max_entries:
                truncated = True
                break
            entries.append(_dir_entry(relative, entry))
        return DirectoryListing(path=str(real), entries=entries, truncated=truncated)


# --------------------------------------------------------------------------- search_files


class SearchMatch(BaseModel):
    path: str = Field(description="Path relative to the searched folder ('/' separated)")
    type: Literal["file", "directory"]
    size_bytes: int | None = None
    line_number: int | None = Field(None, description="First matching line (1-based) when content was given")
    line: str | None = Field(None, description="Text of the first matching line (cut to 500 characters)")
    match_count: int | None = Field(None, description="Number of matching lines when content was given")


class SearchResult(BaseModel):
    path: str = Field(description="Real path of the searched folder")
    matches: list[SearchMatch]
    truncated: bool = Field(description="True when more matches exist than max_results")
    files_skipped: int = Field(
        description="Files not searched for content: binary, unreadable, or over security.max_read_bytes"
    )
    timed_out: bool = Field(
        False, description="True when the search stopped at security.command_timeout seconds (matches are partial)"
    )


LineMatcher = Callable[[str], bool]


class _Deadline(Exception):
    """search_files ran out of time (security.command_timeout)."""


def compile_content_matcher(content: str, regex: bool) -> LineMatcher:
    """Whether a line contains `content`: a plain substring, or (regex=true) an RE2 regular expression.

    RE2 runs in time linear in the line, whatever the pattern (no catastrophic backtracking), and leaves the
    GIL to other threads while it matches; it has no backreferences or look-around. The pattern is capped
    at MAX_REGEX_CHARS characters and only the first MAX_REGEX_LINE_CHARS characters of a line are read.
    """
    if not regex:
        return lambda line: content in line
    if len(content) > MAX_REGEX_CHARS:
        raise SandboxError(f"regular expression too long: {len(content):,} characters (at most {MAX_REGEX_CHARS:,})")
    import re2  # google-re2: imported on the first regex search, not at start-up

    options = re2.Options()
    options.log_errors = False  # the error comes back to the caller instead of going to stderr
    try:
        pattern = re2.compile(content, options)
    except re2.error as exc:
        reason = exc.args[0].decode(errors="replace") if exc.args and isinstance(exc.args[0], bytes) else exc
        raise SandboxError(
            f"invalid regular expression {content!r}: {reason} (search_files uses RE2 syntax: "
            "https://github.com/google/re2/wiki/Syntax; no backreferences or look-around)"
        ) from None
    finally:
        re2.purge()  # the module's own cache would keep up to 128 compiled patterns (8 MiB each) alive
    search = pattern.search
    return lambda line: search(line[:MAX_REGEX_LINE_CHARS]) is not None


def name_matches(pattern: str, relative: str) -> bool:
    """Glob match on the name, or on the relative path when the pattern contains '/'."""
    target = relative if "/" in pattern else relative.rsplit("/", 1)[-1]
    return fnmatch.fnmatchcase(target, pattern)


def _match_content(
    real: Path, matcher: LineMatcher, cap: int, roots: Sequence[Path], deadline: float
) -> SearchMatch | None:
    """First matching line and match count, None when nothing matches; OSError/ValueError when skipped,
    _Deadline when time.monotonic() passed `deadline`."""
    fd, info = open_regular_file(real, str(real), roots)
    with os.fdopen(fd, "rb") as fh:
        if info.st_size > cap:
            raise ValueError("too large")
        data = fh.read(cap + 1)
    if b"\x00" in data[:8192]:
        raise ValueError("binary")
    first: tuple[int, str] | None = None
    count = 0
    lines = data.decode("utf-8", errors="replace").split("\n")
    if len(lines) > 1 and not lines[-1]:
        lines.pop()  # the end of the last line, not an empty line after it
    for number, line in enumerate(lines, start=1):
        if number % DEADLINE_EVERY_LINES == 0 and time.monotonic() > deadline:
            raise _Deadline
        if matcher(line):
            count += 1
            if first is None:
                first = (number, line.rstrip("\r")[:MAX_MATCH_LINE])
    if first is None:
        return None
    return SearchMatch(path="", type="file", line_number=first[0], line=first[1], match_count=count)


def _search_one(full: Path, roots: Sequence[Path], is_dir: bool) -> tuple[Path, os.stat_result] | None:
    """(real path, stat) of a walked entry, or None when it is a link leaving the roots."""
    real = Path(os.path.realpath(full))
    if not is_inside(real, roots):
        return None
    try:
        info = os.stat(real)
    except OSError:
        return None
    if is_dir and full.is_symlink():
        return None  # symlinked folders are neither entered nor reported
    return real, info


def search_files(
    path: str = Field(description="Folder to search: relative to the first allowed root, or absolute"),
    pattern: str = Field(description="Glob on names, e.g. '*.py'; with a '/' it matches the relative path"),
    content: str | None = Field(None, description="Only files whose text contains this (a substring by default)"),
    regex: bool = Field(
        False,
        description=(
            "Treat content as a regular expression in RE2 syntax (linear time; no backreferences or look-around; "
            f"at most {MAX_REGEX_CHARS} characters; the first {MAX_REGEX_LINE_CHARS} characters of a line are read)"
        ),
    ),
    max_results: int = Field(100, ge=1, le=10_000, description="Most matches to return"),
) -> SearchResult:
    """Find files (and folders) by name under a folder, optionally only files whose text matches `content`.

    Skips noise folders (.git, node_modules, __pycache__, .venv, ...), never follows symbolic links out of
    the roots and never enters symlinked folders. Content search skips binary files and files over
    security.max_read_bytes (counted in files_skipped). truncated=true means max_results cut the list;
    timed_out=true means the search stopped after security.command_timeout seconds.
    """
    with sandbox_refusals():
        security = get_settings().security
        roots = sandbox_roots(security)
        check_no_nul(pattern, "pattern")
        real_top = _resolve_folder(path, roots)
        matcher = compile_content_matcher(content, regex) if content is not None else None
        deadline = time.monotonic() + security.command_timeout
        matches: list[SearchMatch] = []
        skipped = 0
        truncated = timed_out = False
        for folder, dirnames, filenames in os.walk(real_top, followlinks=False):
            if time.monotonic() > deadline:
                timed_out = True
                break
            dirnames[:] = sorted(name for name in dirnames if name not in NOISE_DIRS)
            candidates = [(name, True) for name in dirnames] if matcher is None else []
            candidates += [(name, False) for name in sorted(filenames)]
            base = Path(folder)
            prefix = base.relative_to(real_top).as_posix()
            for name, is_dir in candidates:
                relative = name if prefix == "." else f"{prefix}/{name}"
                if not name_matches(pattern, relative):
                    continue
                found = _search_one(base / name, roots, is_dir)
                if found is None:
                    continue
                real, info = found
                if matcher is not None:
                    try:
                        hit = _match_content(real, matcher, security.max_read_bytes, roots, deadline)
                    except _Deadline:
                        timed_out = True
                        break
                    except (OSError, ValueError, SandboxError):
                        skipped += 1
                        continue
                    if hit is None:
                        continue
                    match = hit.model_copy(update={"path": relative, "size_bytes": info.st_size})
                elif stat.S_ISDIR(info.st_mode):
                    match = SearchMatch(path=relative, type="directory")
                else:
                    match = SearchMatch(path=relative, type="file", size_bytes=info.st_size)
                if len(matches) >= max_results:
                    truncated = True
                    break
                matches.append(match)
            if truncated or timed_out:
                break
        return SearchResult(
            path=str(real_top), matches=matches, truncated=truncated, files_skipped=skipped, timed_out=timed_out
        )


# --------------------------------------------------------------------------- file:///{path*}


def read_resource_file(path: str) -> ResourceResult:
    """Contents of an absolute file path for the file:// template: text with a MIME type, or a blob."""
    security = get_settings().security
    roots = sandbox_roots(security)
    real = resolve_path(path, roots)
    fd, info = open_regular_file(real, path, roots)
    with os.fdopen(fd, "rb") as fh:
        if info.st_size > security.max_read_bytes:
            raise _cap_error(path, info.st_size, security.max_read_bytes)
        data = fh.read(security.max_read_bytes + 1)
    if len(data) > security.max_read_bytes:
        raise _cap_error(path, len(data), security.max_read_bytes)
    mime = guess_mime_type(real)
    if is_text_mime(mime):
        try:
            return ResourceResult([ResourceContent(data.decode("utf-8"), mime_type=mime or "text/plain")])
        except UnicodeDecodeError:
            pass
    return ResourceResult([ResourceContent(data, mime_type=mime if mime and not is_text_mime(mime) else None)])


def file_resource(path: str) -> ResourceResult:
    """Read a file inside the allowed roots through the file:// URI template."""
    try:
        return read_resource_file("/" + path)
    except SandboxError as exc:
        raise ResourceError(str(exc)) from None


# --------------------------------------------------------------------------- the provider

FILE_RESOURCE_DESCRIPTION = (
    "A file inside the allowed roots, by absolute path (file:///home/me/project/README.md). Text comes back "
    "as text with a guessed MIME type, binary files as a base64 blob; same sandbox and size cap as read_file."
)


def provider(settings: Settings) -> LocalProvider:
    """The file tools and the `file:///{path*}` resource template."""
    components = LocalProvider()
    components.tool(read_file, annotations=READ_ONLY)
    # write_file replaces a file the caller named, never follows links and never leaves the roots.
    components.tool(write_file, annotations=OVERWRITE)
    components.tool(list_directory, annotations=READ_ONLY)
    components.tool(search_files, annotations=READ_ONLY)
    components.resource("file:///{path*}", name="file", description=FILE_RESOURCE_DESCRIPTION)(file_resource)
    return components
