"""The file sandbox: pure path checks, then read_file / write_file / list_directory / search_files / file://."""

from __future__ import annotations

import base64
import os
import random
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from fastmcp import Client
from mcp.shared.exceptions import MCPError
from mcp.types import BlobResourceContents, TextResourceContents

from tests.support.fixtures_sandbox import Sandbox, call, error_text
from tfo_mcp.sandbox.errors import SandboxError
from tfo_mcp.sandbox.paths import check_not_git_internal, is_inside, resolve_path, sandbox_roots, verify_opened
from tfo_mcp.tools.files import (
    MAX_REGEX_CHARS,
    MAX_REGEX_LINE_CHARS,
    guess_mime_type,
    is_text_mime,
    name_matches,
    split_lines,
)

PNG_BYTES = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde"


# --------------------------------------------------------------------------- pure path checks


def test_relative_paths_resolve_against_the_first_root(sandbox: Sandbox) -> None:
    roots = sandbox_roots()
    assert roots == (sandbox.root,)
    assert resolve_path("docs/new.md", roots) == sandbox.root / "docs" / "new.md"
    assert resolve_path(".", roots) == sandbox.root
    assert resolve_path(str(sandbox.root / "a.txt"), roots) == sandbox.root / "a.txt"


def test_absolute_paths_inside_any_root_are_accepted(sandbox: Sandbox) -> None:
    second = sandbox.outside / "second"
    second.mkdir()
    roots = (sandbox.root, second)
    assert resolve_path(str(second / "x.txt"), roots) == second / "x.txt"
    assert resolve_path("x.txt", roots) == sandbox.root / "x.txt"  # relative: first root


@pytest.mark.parametrize(
    "hostile",
    ["../outside/secret.txt", "sub/../../outside/secret.txt", "..", "/etc/passwd", "/", "../allowed_evil/secret.txt"],
)
def test_paths_leaving_the_root_are_refused(sandbox: Sandbox, hostile: str) -> None:
    with pytest.raises(SandboxError, match="outside the allowed roots"):
        resolve_path(hostile, sandbox_roots())


def test_a_sibling_sharing_the_root_prefix_is_not_inside(sandbox: Sandbox) -> None:
    assert str(sandbox.evil_sibling).startswith(str(sandbox.root))  # the CVE-2025-53110 shape
    assert not is_inside(sandbox.evil_sibling / "secret.txt", (sandbox.root,))
    with pytest.raises(SandboxError, match="outside the allowed roots"):
        resolve_path(str(sandbox.evil_sibling / "secret.txt"), sandbox_roots())


def test_symlink_leaving_the_root_is_refused(sandbox: Sandbox) -> None:
    (sandbox.root / "link").symlink_to(sandbox.outside / "secret.txt")
    with pytest.raises(SandboxError, match="symbolic link"):
        resolve_path("link", sandbox_roots())


def test_dangling_symlink_pointing_out_is_refused(sandbox: Sandbox) -> None:
    (sandbox.root / "dangling").symlink_to(sandbox.outside / "not-yet.txt")
    with pytest.raises(SandboxError, match="symbolic link"):
        resolve_path("dangling", sandbox_roots())


def test_new_file_under_a_symlinked_folder_is_checked_through_its_parent(sandbox: Sandbox) -> None:
    (sandbox.root / "linked_dir").symlink_to(sandbox.outside, target_is_directory=True)
    with pytest.raises(SandboxError, match="symbolic link"):
        resolve_path("linked_dir/new.txt", sandbox_roots())


def test_symlink_staying_inside_the_root_is_followed(sandbox: Sandbox) -> None:
    (sandbox.root / "real.txt").write_text("x")
    (sandbox.root / "alias.txt").symlink_to(sandbox.root / "real.txt")
    assert resolve_path("alias.txt", sandbox_roots()) == sandbox.root / "real.txt"


def test_roots_are_real_paths_even_when_configured_through_a_symlink(sandbox: Sandbox) -> None:
    link = sandbox.outside / "root-link"
    link.symlink_to(sandbox.root, target_is_directory=True)
    sandbox.configure(allowed_roots=[str(link)])
    assert sandbox_roots() == (sandbox.root,)
    assert resolve_path(str(link / "a.txt"), sandbox_roots()) == sandbox.root / "a.txt"


@pytest.mark.parametrize("bad", ["a\x00.txt", "\x00", "../\x00/etc/passwd"])
def test_nul_bytes_in_paths_are_refused(sandbox: Sandbox, bad: str) -> None:
    with pytest.raises(SandboxError, match="NUL byte"):
        resolve_path(bad, sandbox_roots())


def test_empty_path_and_empty_roots_are_refused(sandbox: Sandbox) -> None:
    with pytest.raises(SandboxError, match="empty"):
        resolve_path("  ", sandbox_roots())
    with pytest.raises(SandboxError, match="no allowed roots"):
        resolve_path("a.txt", ())


def test_an_opened_descriptor_outside_the_roots_is_caught(sandbox: Sandbox) -> None:
    """The re-check after open: what a swapped-in link would lead to is refused."""
    fd = os.open(sandbox.outside / "secret.txt", os.O_RDONLY)
    try:
        with pytest.raises(SandboxError, match="changed during the call"):
            verify_opened(fd, sandbox.root / "secret.txt", sandbox_roots())
    finally:
        os.close(fd)
    inside = os.open(sandbox.root, os.O_RDONLY)
    try:
        verify_opened(inside, sandbox.root, sandbox_roots())
    finally:
        os.close(inside)


def test_git_internals_are_never_written(sandbox: Sandbox) -> None:
    roots = sandbox_roots()
    for hostile in (".git/config", ".git/hooks/pre-commit", "sub/.git", "sub/.GIT/config"):
        with pytest.raises(SandboxError, match=r"inside \.git"):
            check_not_git_internal(sandbox.root / hostile, roots)
    check_not_git_internal(sandbox.root / ".gitignore", roots)
    check_not_git_internal(sandbox.root / "src" / "git.py", roots)


def test_the_sandbox_rules_import_no_mcp_and_no_tools() -> None:
    """The path rules, the argv policy, the confinement and the runner load without FastMCP, MCP or a tool."""
    probe = (
        "import sys\n"
        "import tfo_mcp.sandbox.paths, tfo_mcp.sandbox.argv, tfo_mcp.sandbox.confinement, tfo_mcp.sandbox.runner\n"
        "banned = ('fastmcp', 'mcp', 'tfo_mcp.tools', 'tfo_mcp.app', 'tfo_mcp.server', 'tfo_mcp.errors')\n"
        "print(sorted(m for m in sys.modules if m in banned or m.startswith(tuple(b + '.' for b in banned))))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_mime_guesses() -> None:
    assert guess_mime_type("a.md") == "text/markdown"
    assert guess_mime_type("a.json") == "application/json"
    assert guess_mime_type("a.yaml") == "application/yaml"
    assert guess_mime_type("a.png") == "image/png"
    assert guess_mime_type("logs.tar.gz") == "application/gzip"
    assert guess_mime_type("Makefile") is None
    assert is_text_mime("text/x-python") and is_text_mime("application/json") and is_text_mime(None)
    assert not is_text_mime("image/png") and not is_text_mime("application/gzip")


def test_split_lines_and_name_matching() -> None:
    assert split_lines("a\nb\r\nc") == ["a\n", "b\r\n", "c"]
    assert split_lines("a\n") == ["a\n"]
    assert split_lines("") == []
    assert name_matches("*.py", "src/pkg/mod.py")
    assert not name_matches("*.py", "src/pkg/mod.pyc")
    assert name_matches("src/*.py", "src/pkg/mod.py")
    assert not name_matches("tests/*.py", "src/pkg/mod.py")


# --------------------------------------------------------------------------- read_file


async def test_read_file_returns_text_and_windows(sandbox: Sandbox, sandbox_client: Client) -> None:
    (sandbox.root / "notes.txt").write_text("".join(f"line {n}\n" for n in range(10)))
    whole = await call(sandbox_client, "read_file", path="notes.txt")
    assert not whole.is_error
    assert whole.structured_content["content"].startswith("line 0\nline 1\n")
    assert whole.structured_content["total_lines"] == 10
    assert whole.structured_content["next_offset"] is None
    window = await call(sandbox_client, "read_file", path="notes.txt", offset=3, limit=2)
    assert window.structured_content["content"] == "line 3\nline 4\n"
    assert window.structured_content["returned"] == 2
    assert window.structured_content["next_offset"] == 5
    tail = await call(sandbox_client, "read_file", path=str(sandbox.root / "notes.txt"), offset=8, limit=5)
    assert tail.structured_content["content"] == "line 8\nline 9\n"
    assert tail.structured_content["next_offset"] is None


async def test_read_file_other_encodings(sandbox: Sandbox, sandbox_client: Client) -> None:
    (sandbox.root / "latin.txt").write_bytes("café\n".encode("latin-1"))
    result = await call(sandbox_client, "read_file", path="latin.txt", encoding="latin-1")
    assert result.structured_content["content"] == "café\n"
    assert "unknown encoding" in error_text(
        await call(sandbox_client, "read_file", path="latin.txt", encoding="klingon")
    )


@pytest.mark.parametrize(
    "hostile",
    ["../outside/secret.txt", "/etc/passwd", "../allowed_evil/secret.txt", "{evil}/secret.txt", "{outside}/secret.txt"],
)
async def test_read_file_refuses_paths_outside(sandbox: Sandbox, sandbox_client: Client, hostile: str) -> None:
    path = hostile.format(evil=sandbox.evil_sibling, outside=sandbox.outside)
    message = error_text(await call(sandbox_client, "read_file", path=path))
    assert "outside the allowed roots" in message
    assert "secret" not in message.split("is outside")[-1]


async def test_read_file_refuses_symlink_and_dangling_symlink_escapes(sandbox: Sandbox, sandbox_client: Client) -> None:
    (sandbox.root / "link.txt").symlink_to(sandbox.outside / "secret.txt")
    (sandbox.root / "dangling.txt").symlink_to(sandbox.outside / "gone.txt")
    for name in ("link.txt", "dangling.txt"):
        message = error_text(await call(sandbox_client, "read_file", path=name))
        assert "symbolic link" in message and "outside secret" not in message


async def test_read_file_refuses_nul_bytes(sandbox: Sandbox, sandbox_client: Client) -> None:
    assert "NUL byte" in error_text(await call(sandbox_client, "read_file", path="notes.txt\x00../../etc/passwd"))


async def test_read_file_binary_is_a_clear_error_or_base64(sandbox: Sandbox, sandbox_client: Client) -> None:
    (sandbox.root / "pixel.png").write_bytes(PNG_BYTES)
    message = error_text(await call(sandbox_client, "read_file", path="pixel.png"))
    assert "not valid utf-8" in message and "base64" in message
    raw = await call(sandbox_client, "read_file", path="pixel.png", encoding="base64")
    assert base64.b64decode(raw.structured_content["content"]) == PNG_BYTES
    part = await call(sandbox_client, "read_file", path="pixel.png", encoding="base64", offset=1, limit=3)
    assert base64.b64decode(part.structured_content["content"]) == b"PNG"
    assert part.structured_content["next_offset"] == 4


async def test_read_file_cap_names_the_setting(sandbox: Sandbox, sandbox_client: Client) -> None:
    sandbox.configure(max_read_bytes=1000)
    (sandbox.root / "big.log").write_text("".join(f"{n:08d}\n" for n in range(500)))  # 4500 bytes
    message = error_text(await call(sandbox_client, "read_file", path="big.log"))
    assert "security.max_read_bytes=1000" in message and "4500 bytes" in message
    window = await call(sandbox_client, "read_file", path="big.log", offset=100, limit=3)
    assert window.structured_content["content"] == "00000100\n00000101\n00000102\n"
    assert window.structured_content["next_offset"] == 103
    assert window.structured_content["total_lines"] is None
    too_many = error_text(await call(sandbox_client, "read_file", path="big.log", offset=0, limit=400))
    assert "security.max_read_bytes=1000" in too_many
    assert "max_read_bytes" in error_text(await call(sandbox_client, "read_file", path="big.log", encoding="base64"))


async def test_read_file_refuses_folders_fifos_and_missing_files(sandbox: Sandbox, sandbox_client: Client) -> None:
    (sandbox.root / "sub").mkdir()
    assert "is a directory" in error_text(await call(sandbox_client, "read_file", path="sub"))
    assert "does not exist" in error_text(await call(sandbox_client, "read_file", path="missing.txt"))
    os.mkfifo(sandbox.root / "pipe")  # a naive open() would block forever
    assert "not a regular file" in error_text(await call(sandbox_client, "read_file", path="pipe"))
    found = await call(sandbox_client, "search_files", path=".", pattern="*", content="x")
    assert found.structured_content["matches"] == [] and found.structured_content["files_skipped"] == 1


# --------------------------------------------------------------------------- write_file


async def test_write_file_creates_and_replaces_keeping_the_mode(sandbox: Sandbox, sandbox_client: Client) -> None:
    created = await call(sandbox_client, "write_file", path="out.txt", content="first\n")
    assert created.structured_content == {"path": str(sandbox.root / "out.txt"), "bytes_written": 6, "created": True}
    os.chmod(sandbox.root / "out.txt", 0o640)
    replaced = await call(sandbox_client, "write_file", path="out.txt", content="second ✓\n")
    assert replaced.structured_content["created"] is False
    assert (sandbox.root / "out.txt").read_text() == "second ✓\n"
    assert stat.S_IMODE((sandbox.root / "out.txt").stat().st_mode) == 0o640
    assert sorted(p.name for p in sandbox.root.iterdir()) == ["out.txt"]  # no temp file left behind


async def test_write_file_overwrite_false_keeps_the_existing_file(sandbox: Sandbox, sandbox_client: Client) -> None:
    (sandbox.root / "keep.txt").write_text("original")
    message = error_text(await call(sandbox_client, "write_file", path="keep.txt", content="new", overwrite=False))
    assert "already exists" in message
    assert (sandbox.root / "keep.txt").read_text() == "original"
    fresh = await call(sandbox_client, "write_file", path="fresh.txt", content="new", overwrite=False)
    assert fresh.structured_content["created"] is True
    assert sorted(p.name for p in sandbox.root.iterdir()) == ["fresh.txt", "keep.txt"]


async def test_write_file_parent_folders(sandbox: Sandbox, sandbox_client: Client) -> None:
    message = error_text(await call(sandbox_client, "write_file", path="a/b/c.txt", content="x"))
    assert "create_dirs" in message
    assert not (sandbox.root / "a").exists()
    await call(sandbox_client, "write_file", path="a/b/c.txt", content="x", create_dirs=True)
    assert (sandbox.root / "a" / "b" / "c.txt").read_text() == "x"


async def test_write_file_cap_names_the_setting(sandbox: Sandbox, sandbox_client: Client) -> None:
    sandbox.configure(max_write_bytes=100)
    message = error_text(await call(sandbox_client, "write_file", path="huge.txt", content="x" * 101))
    assert "security.max_write_bytes=100" in message and "101 bytes" in message
    assert not (sandbox.root / "huge.txt").exists()
    ok = await call(sandbox_client, "write_file", path="fits.txt", content="x" * 100)
    assert not ok.is_error


async def test_write_file_can_be_disabled(sandbox: Sandbox, sandbox_client: Client) -> None:
    sandbox.configure(enable_write=False)
    message = error_text(await call(sandbox_client, "write_file", path="x.txt", content="x"))
    assert "security.enable_write=false" in message
    assert not (sandbox.root / "x.txt").exists()


@pytest.mark.parametrize("hostile", ["../outside/new.txt", "../allowed_evil/new.txt", "{outside}/new.txt", "/new.txt"])
async def test_write_file_refuses_paths_outside(sandbox: Sandbox, sandbox_client: Client, hostile: str) -> None:
    path = hostile.format(outside=sandbox.outside)
    assert "outside the allowed roots" in error_text(await call(sandbox_client, "write_file", path=path, content="x"))
    assert not (sandbox.outside / "new.txt").exists() and not (sandbox.evil_sibling / "new.txt").exists()


async def test_write_file_refuses_a_symlinked_folder_escape(sandbox: Sandbox, sandbox_client: Client) -> None:
    (sandbox.root / "linked").symlink_to(sandbox.outside, target_is_directory=True)
    for args in ({"path": "linked/new.txt"}, {"path": "linked/deep/new.txt", "create_dirs": True}):
        message = error_text(await call(sandbox_client, "write_file", content="pwned", **args))
        assert "symbolic link" in message
    assert sorted(p.name for p in sandbox.outside.iterdir()) == ["secret.txt"]


async def test_write_file_refuses_leaf_symlinks_out(sandbox: Sandbox, sandbox_client: Client) -> None:
    (sandbox.root / "to-secret").symlink_to(sandbox.outside / "secret.txt")
    (sandbox.root / "dangling").symlink_to(sandbox.outside / "planted.txt")
    for name in ("to-secret", "dangling"):
        assert "symbolic link" in error_text(await call(sandbox_client, "write_file", path=name, content="pwned"))
    assert (sandbox.outside / "secret.txt").read_text() == "outside secret\n"
    assert not (sandbox.outside / "planted.txt").exists()


async def test_write_file_replaces_a_hard_link_instead_of_writing_through_it(
    sandbox: Sandbox, sandbox_client: Client
) -> None:
    os.link(sandbox.outside / "secret.txt", sandbox.root / "hardlink.txt")
    result = await call(sandbox_client, "write_file", path="hardlink.txt", content="replaced")
    assert not result.is_error
    assert (sandbox.root / "hardlink.txt").read_text() == "replaced"
    assert (sandbox.outside / "secret.txt").read_text() == "outside secret\n"


async def test_write_file_refuses_git_internals_nul_and_the_root(sandbox: Sandbox, sandbox_client: Client) -> None:
    (sandbox.root / ".git").mkdir()
    for path in (".git/config", ".git/hooks/post-checkout", ".git"):
        assert ".git" in error_text(await call(sandbox_client, "write_file", path=path, content="[core]\n"))
    assert not (sandbox.root / ".git" / "config").exists()
    assert "NUL byte" in error_text(await call(sandbox_client, "write_file", path="a\x00b", content="x"))
    assert "root folder" in error_text(await call(sandbox_client, "write_file", path=".", content="x"))
    (sandbox.root / "dir").mkdir()
    assert "is a directory" in error_text(await call(sandbox_client, "write_file", path="dir", content="x"))


# --------------------------------------------------------------------------- list_directory


def _tree(root: Path) -> None:
    for relative in ("src/app.py", "src/pkg/util.py", "node_modules/lib/index.js", ".git/HEAD", "README.md"):
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"# {relative}\nneedle in {relative}\n")


async def test_list_directory_flat_and_recursive(sandbox: Sandbox, sandbox_client: Client) -> None:
    _tree(sandbox.root)
    (sandbox.root / "escape").symlink_to(sandbox.outside, target_is_directory=True)
    flat = await call(sandbox_client, "list_directory")
    entries = {e["path"]: e for e in flat.structured_content["entries"]}
    assert list(entries) == [".git", "README.md", "escape", "node_modules", "src"]
    assert entries["README.md"]["type"] == "file" and entries["README.md"]["size_bytes"] > 0
    assert entries["src"]["type"] == "directory" and entries["escape"]["type"] == "symlink"
    deep = await call(sandbox_client, "list_directory", path=".", recursive=True)
    paths = [e["path"] for e in deep.structured_content["entries"]]
    assert "src/pkg/util.py" in paths and "node_modules" in paths and ".git" in paths
    assert not any(p.startswith(("node_modules/", ".git/", "escape/")) for p in paths)
    assert deep.structured_content["truncated"] is False


async def test_list_directory_caps_entries(sandbox: Sandbox, sandbox_client: Client) -> None:
    for n in range(12):
        (sandbox.root / f"f{n:02d}").write_text("")
    result = await call(sandbox_client, "list_directory", max_entries=5)
    assert [e["path"] for e in result.structured_content["entries"]] == ["f00", "f01", "f02", "f03", "f04"]
    assert result.structured_content["truncated"] is True


async def test_list_directory_refuses_outside_and_files(sandbox: Sandbox, sandbox_client: Client) -> None:
    (sandbox.root / "a.txt").write_text("")
    assert "outside" in error_text(await call(sandbox_client, "list_directory", path=".."))
    assert "outside" in error_text(await call(sandbox_client, "list_directory", path=str(sandbox.evil_sibling)))
    assert "not a folder" in error_text(await call(sandbox_client, "list_directory", path="a.txt"))


# --------------------------------------------------------------------------- search_files


async def test_search_files_by_name_skips_noise(sandbox: Sandbox, sandbox_client: Client) -> None:
    _tree(sandbox.root)
    for noise in ("__pycache__/app.cpython-311.py", ".venv/lib/site.py"):
        (sandbox.root / noise).parent.mkdir(parents=True, exist_ok=True)
        (sandbox.root / noise).write_text("needle")
    result = await call(sandbox_client, "search_files", path=".", pattern="*.py")
    assert [m["path"] for m in result.structured_content["matches"]] == ["src/app.py", "src/pkg/util.py"]
    assert (await call(sandbox_client, "search_files", path=".", pattern="*.js")).structured_content["matches"] == []
    dirs = await call(sandbox_client, "search_files", path=".", pattern="pkg")
    assert dirs.structured_content["matches"] == [{**dirs.structured_content["matches"][0], "type": "directory"}]


async def test_search_files_content_substring_and_regex(sandbox: Sandbox, sandbox_client: Client) -> None:
    _tree(sandbox.root)
    (sandbox.root / "src" / "other.py").write_text("nothing here\n")
    found = await call(sandbox_client, "search_files", path="src", pattern="*.py", content="needle")
    matches = found.structured_content["matches"]
    assert [m["path"] for m in matches] == ["app.py", "pkg/util.py"]
    assert matches[0]["line_number"] == 2 and matches[0]["line"] == "needle in src/app.py"
    regex = await call(sandbox_client, "search_files", path=".", pattern="*", content=r"needle in \w+/pkg", regex=True)
    assert [m["path"] for m in regex.structured_content["matches"]] == ["src/pkg/util.py"]
    literal = await call(sandbox_client, "search_files", path=".", pattern="*", content="needle.in")
    assert literal.structured_content["matches"] == []  # '.' is literal without regex=true
    message = error_text(await call(sandbox_client, "search_files", path=".", pattern="*", content="(", regex=True))
    assert "invalid regular expression" in message


async def test_search_files_does_not_follow_links_out(sandbox: Sandbox, sandbox_client: Client) -> None:
    (sandbox.root / "dir-link").symlink_to(sandbox.outside, target_is_directory=True)
    (sandbox.root / "file-link.txt").symlink_to(sandbox.outside / "secret.txt")
    (sandbox.root / "inner.txt").write_text("inner secret\n")
    (sandbox.root / "inner-link.txt").symlink_to(sandbox.root / "inner.txt")
    by_name = await call(sandbox_client, "search_files", path=".", pattern="*")
    assert sorted(m["path"] for m in by_name.structured_content["matches"]) == ["inner-link.txt", "inner.txt"]
    by_content = await call(sandbox_client, "search_files", path=".", pattern="*", content="secret")
    assert sorted(m["path"] for m in by_content.structured_content["matches"]) == ["inner-link.txt", "inner.txt"]


async def test_search_files_caps_results_and_skips_binary_and_large(sandbox: Sandbox, sandbox_client: Client) -> None:
    sandbox.configure(max_read_bytes=1000)
    for n in range(8):
        (sandbox.root / f"hit{n}.txt").write_text("needle\n")
    (sandbox.root / "blob.txt").write_bytes(b"\x00\x01needle")
    (sandbox.root / "large.txt").write_text("needle\n" * 200)
    capped = await call(sandbox_client, "search_files", path=".", pattern="hit*", max_results=3)
    assert len(capped.structured_content["matches"]) == 3 and capped.structured_content["truncated"] is True
    content = await call(sandbox_client, "search_files", path=".", pattern="*.txt", content="needle")
    assert len(content.structured_content["matches"]) == 8
    assert content.structured_content["files_skipped"] == 2
    assert content.structured_content["truncated"] is False


async def test_search_files_refuses_outside(sandbox: Sandbox, sandbox_client: Client) -> None:
    message = error_text(await call(sandbox_client, "search_files", path="../allowed_evil", pattern="*"))
    assert "outside the allowed roots" in message


#: Patterns that backtrack exponentially (or close) in Python's re on a long run of "a" not followed by a match.
CATASTROPHIC = [r"(a+)+$", r"(a|aa)*c", r"(a|a)*b", r"(a*)*b", r"(.*a){25}x", r"^(\w+\s?)*$", r"(x+x+)+y"]


@pytest.mark.parametrize("pattern", CATASTROPHIC)
async def test_search_files_regex_is_linear_on_catastrophic_patterns(
    sandbox: Sandbox, sandbox_client: Client, pattern: str
) -> None:
    """Python's re takes minutes to years on these (holding the GIL, so the whole server stops); RE2 is linear."""
    for n in range(5):
        (sandbox.root / f"hostile{n}.txt").write_text(("a" * 5_000 + "!\n") * 20 + "x" * 3_000 + "!\n")
    (sandbox.root / "match.txt").write_text("ok\naaaa\naab\naac\nxxy\naaaaaaaaaaaaaaaaaaaaaaaaax\nhello world\n")
    started = time.perf_counter()
    result = await call(sandbox_client, "search_files", path=".", pattern="*.txt", content=pattern, regex=True)
    assert time.perf_counter() - started < 10  # milliseconds here
    found = {m["path"]: m for m in result.structured_content["matches"]}
    assert set(found) == {"match.txt"}, pattern  # the hostile lines match none of them
    assert result.structured_content["timed_out"] is False


async def test_search_files_regex_matches_ordinary_patterns(sandbox: Sandbox, sandbox_client: Client) -> None:
    (sandbox.root / "code.py").write_text("import os\n\ndef main(argv):\n    return 0\nDEF = 1\n", encoding="utf-8")
    (sandbox.root / "notes.md").write_text("Déjà vu: ünïcode line\nTODO(bob): fix\n", encoding="utf-8")

    async def lines(content: str) -> dict[str, tuple[int, int]]:
        result = await call(sandbox_client, "search_files", path=".", pattern="*", content=content, regex=True)
        return {m["path"]: (m["line_number"], m["match_count"]) for m in result.structured_content["matches"]}

    assert await lines(r"^def \w+\(") == {"code.py": (3, 1)}
    assert await lines(r"(?i)^def\b") == {"code.py": (3, 2)}
    assert await lines(r"return \d+$") == {"code.py": (4, 1)}
    assert await lines(r"TODO\((?P<who>\w+)\)") == {"notes.md": (2, 1)}
    assert await lines(r"ünï\w+") == {"notes.md": (1, 1)}
    assert await lines(r"[ÀÉ]|é") == {"notes.md": (1, 1)}


@pytest.mark.parametrize("pattern", [r"(a)\1", r"(?<=a)b", r"(?=a)", r"(?!a)b", r"(?P<x>a)(?P=x)", r"a++"])
async def test_search_files_names_re2_for_unsupported_syntax(
    sandbox: Sandbox, sandbox_client: Client, pattern: str
) -> None:
    (sandbox.root / "a.txt").write_text("aab\n")
    result = await call(sandbox_client, "search_files", path=".", pattern="*", content=pattern, regex=True)
    message = error_text(result)
    assert "invalid regular expression" in message and "RE2 syntax" in message


async def test_search_files_caps_regex_length_and_line_length(sandbox: Sandbox, sandbox_client: Client) -> None:
    too_long = "a" * (MAX_REGEX_CHARS + 1)
    message = error_text(
        await call(sandbox_client, "search_files", path=".", pattern="*", content=too_long, regex=True)
    )
    assert "too long" in message and f"{MAX_REGEX_CHARS:,}" in message
    (sandbox.root / "wide.txt").write_text("x" * MAX_REGEX_LINE_CHARS + "NEEDLE\nshort NEEDLE\n")
    (sandbox.root / "far.txt").write_text("x" * MAX_REGEX_LINE_CHARS + "NEEDLE\n")
    by_regex = await call(sandbox_client, "search_files", path=".", pattern="*", content="NEE+DLE", regex=True)
    assert {m["path"]: m["line_number"] for m in by_regex.structured_content["matches"]} == {"wide.txt": 2}
    literal = await call(sandbox_client, "search_files", path=".", pattern="*", content="NEEDLE")
    assert {m["path"]: m["match_count"] for m in literal.structured_content["matches"]} == {"far.txt": 1, "wide.txt": 2}


async def test_literal_search_stays_fast_on_large_files(sandbox: Sandbox, sandbox_client: Client) -> None:
    sandbox.configure(max_read_bytes=50 * 1024 * 1024)
    (sandbox.root / "big.log").write_text(("a" * 199 + "\n") * 100_000 + "the needle\n")  # 20 MB
    started = time.perf_counter()
    result = await call(sandbox_client, "search_files", path=".", pattern="*.log", content="needle")
    assert time.perf_counter() - started < 15  # well under a second here
    assert result.structured_content["matches"][0]["line_number"] == 100_001


async def test_search_files_stops_at_the_command_timeout(sandbox: Sandbox, sandbox_client: Client) -> None:
    """Even linear matching takes time on many large files: the search stops at security.command_timeout."""
    sandbox.configure(command_timeout=0.05)
    rng = random.Random(7)
    line = "".join(rng.choices("ab", k=999)) + "\n"
    for n in range(6):
        (sandbox.root / f"ab{n}.txt").write_text(line * 4_000)  # 24 MB in all: some 0.2 s here
    started = time.perf_counter()
    result = await call(sandbox_client, "search_files", path=".", pattern="*", content=r"(a|b)*a(a|b){20}c", regex=True)
    assert time.perf_counter() - started < 10
    assert result.structured_content["timed_out"] is True and result.structured_content["matches"] == []


# --------------------------------------------------------------------------- file:///{path*}


async def test_file_resource_text_with_mime_type(sandbox: Sandbox, sandbox_client: Client) -> None:
    (sandbox.root / "README.md").write_text("# Title\n")
    (sandbox.root / "data.json").write_text('{"a": 1}')
    (contents,) = await sandbox_client.read_resource(f"file://{sandbox.root}/README.md")
    assert isinstance(contents, TextResourceContents)
    assert contents.text == "# Title\n" and contents.mime_type == "text/markdown"
    (json_contents,) = await sandbox_client.read_resource(f"file://{sandbox.root}/data.json")
    assert json_contents.mime_type == "application/json"


async def test_file_resource_binary_as_blob(sandbox: Sandbox, sandbox_client: Client) -> None:
    (sandbox.root / "pixel.png").write_bytes(PNG_BYTES)
    (sandbox.root / "data.bin").write_bytes(b"\xff\xfe\x00raw")
    (png,) = await sandbox_client.read_resource(f"file://{sandbox.root}/pixel.png")
    assert isinstance(png, BlobResourceContents) and png.mime_type == "image/png"
    assert base64.b64decode(png.blob) == PNG_BYTES
    (raw,) = await sandbox_client.read_resource(f"file://{sandbox.root}/data.bin")
    assert isinstance(raw, BlobResourceContents) and raw.mime_type == "application/octet-stream"


async def test_file_resource_templates_are_listed(sandbox_client: Client) -> None:
    templates = await sandbox_client.list_resource_templates()
    assert "file:///{path*}" in {t.uri_template for t in templates}


async def test_file_resource_uses_the_sandbox(sandbox: Sandbox, sandbox_client: Client) -> None:
    (sandbox.root / "link.txt").symlink_to(sandbox.outside / "secret.txt")
    for uri in (
        f"file://{sandbox.outside}/secret.txt",
        f"file://{sandbox.evil_sibling}/secret.txt",
        f"file://{sandbox.root}/link.txt",
        f"file://{sandbox.root}/../outside/secret.txt",
        f"file://{sandbox.root}/%2e%2e/outside/secret.txt",
        f"file://{sandbox.root}/a%00b",
    ):
        with pytest.raises(MCPError) as caught:
            await sandbox_client.read_resource(uri)
        message = str(caught.value)
        assert any(why in message for why in ("outside the allowed roots", "symbolic link", "Unknown resource"))
        assert "outside secret" not in message and "evil sibling" not in message


async def test_file_resource_read_cap(sandbox: Sandbox, sandbox_client: Client) -> None:
    sandbox.configure(max_read_bytes=10)
    (sandbox.root / "big.txt").write_text("x" * 11)
    with pytest.raises(MCPError, match="max_read_bytes=10"):
        await sandbox_client.read_resource(f"file://{sandbox.root}/big.txt")
