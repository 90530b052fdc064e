"""The argv policy of `execute_command`: which programs, options and path arguments run, the executable, the
argv and the child's environment. Pure: no MCP and no process here.

Rules, checked in this order (each refusal is a SandboxError with a short reason):

1. ``command`` is one bare executable name (letters, digits, ``._+-``): never a shell string, never a path.
   Spaces or shell metacharacters get a message saying to pass arguments in ``args``. There is no shell:
   ``;``, ``|``, ``$(...)`` and friends inside ``args`` are plain text given to the program.
2. Shells, interpreters and program launchers (``bash``, ``python3``, ``env``, ``xargs``, ``sudo``, ``awk``,
   ``sed``, ``make``, ...) are refused whatever ``security.allowed_commands`` says.
3. The name must be in ``security.allowed_commands``.
4. Per-program argument rules refuse options that run programs or write files: ``find -exec/-delete/-fprint``,
   ``sort --compress-program/-o``, ``git`` outside a read-only subcommand set, ``git branch NAME``, ... and, for
   every program, options that make it open files its arguments do not name: names read from a file
   (``--files0-from``, ``--files-from``, ``file -f``, ``find -files0-from``, ``git --pathspec-from-file``...) or
   symbolic links followed (``-L``/``-H``/``--dereference*`` of ls, du, stat, file, cp, find, ``grep -R``,
   ``tree -l``). The kernel would refuse to open what they reach, but not to stat it. Long options are matched
   by prefix too, because GNU tools and git accept unambiguous abbreviations.
5. ``working_dir`` (default: the first root) must resolve inside the roots; arguments that look like paths
   (absolute, with a ``..`` part, or naming an existing entry of the working folder, including a symlink)
   must resolve inside the roots too.
6. The executable is looked up on the server's PATH minus any folder inside the roots; its real path must not
   be inside a root (the caller can write files there) and its real name must not be an interpreter
   (a ``ls`` that is a symlink to ``busybox`` is refused).

The child's environment is minimal: PATH, LANG, HOME set to an empty private folder so no dotfile the caller
wrote can configure the program, git's global and system config disabled, git's repository discovery stopped
at the roots.

Without Landlock (other systems, old kernels, ``TFO_MCP_CONFINEMENT=argv``) these rules also refuse programs
that write when writes are disabled (WRITING_PROGRAMS), git options that read outside a repository or run git
in submodules (ARGV_ONLY_RULES), and diff gets ``--no-dereference``.

git also gets, in both modes: pathspec magic (``:(top)``, ``:/``...) and ``REV:path`` reaching above the
repository refused; ``--ignore-submodules=all`` (a submodule's own config could run programs); forced safe
configuration (GIT_FORCED_CONFIG); and :func:`refused_git_keys` judges the repository configuration that the
probe of :mod:`tfo_mcp.sandbox.runner` lists.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from tfo_mcp.sandbox import confinement
from tfo_mcp.sandbox.errors import SandboxError
from tfo_mcp.sandbox.paths import check_no_nul, is_inside, resolve_path

#: Programs that run other programs or code. Refused whatever the configuration says (names are compared
#: after stripping a version suffix and ``.exe``: ``python3.11`` -> ``python``).
NEVER_ALLOWED = frozenset(
    {
        # shells
        "sh", "bash", "zsh", "dash", "ash", "ksh", "mksh", "pdksh", "csh", "tcsh", "fish", "rbash", "elvish",
        "nu", "xonsh", "pwsh", "powershell", "cmd", "busybox", "toybox",
        # interpreters and language runtimes
        "python", "pypy", "ipython", "perl", "ruby", "irb", "node", "nodejs", "deno", "bun", "php", "lua",
        "luajit", "tclsh", "wish", "expect", "guile", "racket", "julia", "r", "rscript", "java", "jshell",
        "groovy", "scala", "kotlin", "osascript", "awk", "gawk", "mawk", "nawk", "sed", "gsed", "bc", "dc",
        "jq", "vim", "vi", "nvim", "ex", "ed", "emacs", "nano", "less", "more", "man", "gdb", "lldb",
        # launchers and privilege changers
        "env", "xargs", "sudo", "su", "doas", "pkexec", "runuser", "chroot", "nohup", "timeout", "nice",
        "ionice", "setsid", "stdbuf", "strace", "ltrace", "time", "watch", "script", "unshare", "nsenter",
        "flock", "parallel", "systemd-run", "at", "batch", "crontab", "taskset", "chrt", "setpriv", "capsh",
        "ld.so", "ld-linux", "ld-linux-x86-64", "ld-linux-aarch64", "exec", "eval", "command", "builtin",
        # build tools, package managers and archivers that run hooks or commands
        "make", "gmake", "cmake", "ninja", "npm", "npx", "pnpm", "yarn", "pip", "pipx", "uv", "uvx", "poetry",
        "cargo", "go", "gradle", "mvn", "tar", "zip", "rsync", "ssh", "scp", "sftp", "docker", "podman",
    }
)  # fmt: skip
#: Characters that mean something to a shell (a command holding one was meant for a shell).
SHELL_METACHARACTERS = frozenset(";&|$`<>(){}[]*?!~'\"#=%^\\")
#: Characters allowed in a command name.
COMMAND_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]*$")
#: Most arguments and longest argument accepted.
MAX_ARGS = 1000
MAX_ARG_CHARS = 32_768

#: git subcommands that only read the repository.
GIT_READ_ONLY = frozenset(
    {"status", "log", "diff", "show", "branch", "rev-parse", "ls-files", "ls-tree", "blame", "describe",
     "shortlog", "grep"}
)  # fmt: skip
#: git long options that run programs, write files or redirect the repository (refused by prefix).
GIT_DENIED_LONG = (
    "--output", "--ext-diff", "--textconv", "--exec", "--upload-pack", "--receive-pack", "--open-files-in-pager",
    "--git-dir", "--work-tree", "--exec-path", "--config-env", "--show-signature", "--namespace",
    "--super-prefix", "--paginate",
)  # fmt: skip
#: git branch options that change branches (the rest only list).
GIT_BRANCH_DENIED_LONG = (
    "--delete", "--move", "--copy", "--force", "--set-upstream-to", "--unset-upstream", "--edit-description",
    "--create-reflog", "--track", "--no-track", "--recurse-submodules",
)  # fmt: skip
GIT_BRANCH_VALUE_OPTIONS = frozenset(
    {"--contains", "--no-contains", "--merged", "--no-merged", "--points-at", "--sort", "--format"}
)
#: Configuration forced on every git run (the command line beats the repository's config): no fsmonitor, hook,
#: pager, ssh, credential or signature programs, no transport at all, no implicit bare repositories.
GIT_FORCED_CONFIG = (
    "core.fsmonitor=false", "core.hooksPath=/dev/null", "core.pager=cat", "safe.bareRepository=explicit",
    "log.showSignature=false", "protocol.allow=never", "core.sshCommand=false", "credential.helper=",
    "protocol.file.allow=never", "protocol.ext.allow=never", "protocol.ssh.allow=never",
    "protocol.git.allow=never", "protocol.http.allow=never", "protocol.https.allow=never",
    "gpg.program=false", "gpg.openpgp.program=false", "gpg.x509.program=false", "gpg.ssh.program=false",
    "submodule.recurse=false",
)  # fmt: skip
#: Options injected after these git subcommands so no external diff or textconv program runs, and no git runs
#: inside a submodule (whose own configuration the probe does not see).
GIT_SAFE_SUBCOMMAND_FLAGS = {
    "diff": ("--no-ext-diff", "--no-textconv", "--ignore-submodules=all"),
    "log": ("--no-ext-diff", "--no-textconv", "--ignore-submodules=all"),
    "show": ("--no-ext-diff", "--no-textconv", "--ignore-submodules=all"),
    "status": ("--ignore-submodules=all",),
    "blame": ("--no-textconv",),
}
#: Repository configuration keys (lower case; ``*`` is a subsection) that make git run a program or leave the
#: roots and that the forced configuration cannot switch off: their presence refuses the command.
GIT_REFUSED_KEYS = (
    "diff.external", "diff.*.command", "diff.*.textconv", "filter.*.clean", "filter.*.smudge", "filter.*.process",
    "merge.*.driver", "core.worktree", "core.askpass", "core.alternaterefscommand", "hook.*.command",
)  # fmt: skip
#: Refused too under argv rules only (with Landlock the kernel denies the reads and connections they lead to).
GIT_REFUSED_KEYS_ARGV_ONLY = ("protocol.*", "extensions.partialclone", "remote.*.promisor")
#: Options of the listed git subcommands taking their value as the next argument (skipped by the path checks).
GIT_VALUE_OPTIONS = frozenset(
    {"-e", "-f", "-A", "-B", "-C", "-m", "-n", "-S", "-G", "-L", "--author", "--committer", "--grep", "--since",
     "--until", "--after", "--before", "--max-count", "--skip", "--date", "--format", "--pretty", "--encoding",
     "--sort", "--contains", "--no-contains", "--merged", "--no-merged", "--points-at", "--exclude",
     "--max-depth", "--threads", "--abbrev", "--glob"}
)  # fmt: skip
#: find predicates that run programs, delete, write files or follow links out of the roots.
FIND_DENIED = frozenset(
    {"-exec", "-execdir", "-ok", "-okdir", "-delete", "-fprint", "-fprint0", "-fprintf", "-fls", "-L", "-H",
     "-follow", "-files0-from"}
)  # fmt: skip


@dataclass(frozen=True)
class OptionRules:
    """Options of one program that run programs, write files or follow links out of the roots."""

    denied_short: str = ""
    value_short: str = ""  # short options taking a value: the rest of the bundle, or the next argument
    denied_long: tuple[str, ...] = ()


PROGRAM_RULES = {
    "sort": OptionRules("o", "kStT", ("--output", "--compress-program")),
    "tree": OptionRules("oRl", "LPIHT", ("--output",)),
    "date": OptionRules("s", "dfrI", ("--set",)),
    "file": OptionRules("CLfm", "mfFeP", ("--compile", "--magic-file")),
    "grep": OptionRules("R", "efmABCdD", ("--dereference-recursive",)),
    "uniq": OptionRules("", "fsw", ()),
    "ls": OptionRules("LH", "ITw", ()),
    "du": OptionRules("LDH", "BdtX", ()),
    "stat": OptionRules("L", "c", ()),
    "cp": OptionRules("LH", "St", ()),
}
#: Options of any program that make it open files its arguments do not name: lists of names read from a file,
#: symbolic links followed (refused by prefix, whatever the confinement: the kernel refuses to open what they
#: reach outside the roots, but not to stat it, so sizes, dates and names would still leak). Per program, from
#: each program's --help, PROGRAM_RULES holds the short forms: -L/-H/-D (ls, du, stat, file, cp), file -f (names
#: from a file) and -m (a colon list of magic files); find -files0-from/-L/-H/-follow are in FIND_DENIED.
LIST_AND_LINK_OPTIONS = (
    "--files0-from", "--files-from", "--fromfile", "--pathspec-from-file", "--dereference", "--dereference-args",
    "--dereference-recursive", "--dereference-command-line", "--dereference-command-line-symlink-to-dir",
)  # fmt: skip
#: Refused only under argv rules (without kernel confinement): git reading paths outside any repository
#: (--no-index) and git running in submodules (describe --dirty/--broken).
ARGV_ONLY_RULES = {"git": OptionRules("", "", ("--no-index", "--dirty", "--broken"))}
#: Programs that write files, refused under argv rules only when ``security.enable_write`` is false (with
#: Landlock the kernel refuses their writes instead).
WRITING_PROGRAMS = frozenset(
    {"cp", "mv", "rm", "rmdir", "mkdir", "touch", "ln", "tee", "dd", "install", "truncate", "shred", "chmod",
     "chown", "chgrp", "mktemp", "mkfifo", "mknod", "patch", "split", "csplit", "unlink", "link", "sqlite3"}
)  # fmt: skip


def program_family(name: str) -> str:
    """A program name reduced for comparison: basename, lower case, no ``.exe``, no version suffix."""
    base = re.split(r"[\\/]", name)[-1].lower().removesuffix(".exe")
    stripped = re.sub(r"[0-9][0-9.\-_]*$", "", base).rstrip(".-_")
    return stripped or base


def is_never_allowed(name: str) -> bool:
    """True for shells, interpreters and launchers (refused whatever the configuration says)."""
    return program_family(name) in NEVER_ALLOWED or name.lower() in NEVER_ALLOWED


def check_command_name(command: str) -> str:
    """The command name when it is one bare program name; SandboxError otherwise."""
    check_no_nul(command, "command")
    if not command.strip():
        raise SandboxError("command is empty")
    if any(char.isspace() or char in SHELL_METACHARACTERS for char in command):
        raise SandboxError(
            f"command {command!r} is not a single program name: there is no shell here, so pass the program "
            "name in `command` and each argument separately in `args` (shell operators such as ; | && $() are "
            "not interpreted)"
        )
    if "/" in command or "\\" in command:
        raise SandboxError(
            f"command {command!r} is a path: give a bare program name from security.allowed_commands "
            "(programs are looked up on the server's PATH, never in the allowed roots)"
        )
    if not COMMAND_NAME.match(command):
        raise SandboxError(f"command {command!r} is not a valid program name (letters, digits and ._+- only)")
    return command


def check_allowed(command: str, allowed: Sequence[str]) -> None:
    """Refuse interpreters always, and any program not in the allow-list."""
    if is_never_allowed(command):
        raise SandboxError(
            f"{command!r} is a shell, interpreter or program launcher and is never allowed, whatever "
            "security.allowed_commands says"
        )
    if command not in allowed:
        raise SandboxError(
            f"{command!r} is not in security.allowed_commands (allowed: {', '.join(sorted(allowed)) or 'none'})"
        )


def _long_name(arg: str) -> str:
    return arg.split("=", 1)[0]


def _denied_long(arg: str, denied: Sequence[str]) -> str | None:
    """The denied long option ``arg`` names exactly or abbreviates (GNU and git accept prefixes), or None."""
    name = _long_name(arg)
    if len(name) < 3:
        return None
    return next((option for option in denied if option.startswith(name)), None)


def _options(args: Sequence[str]) -> list[str]:
    """The arguments before a ``--`` end-of-options marker."""
    return list(args[: args.index("--")]) if "--" in args else list(args)


def check_git_args(args: Sequence[str]) -> None:
    """Allow only read-only git subcommands, without options that run programs, write files, reach above the
    repository (pathspec magic, ``REV:../path``) or look inside submodules (``--ignore-submodules``)."""
    if not args:
        raise SandboxError("git needs a subcommand; allowed: " + ", ".join(sorted(GIT_READ_ONLY)))
    sub = args[0]
    if sub.startswith("-"):
        raise SandboxError(
            f"git option {sub!r} before the subcommand is refused (-c, -C, --git-dir, --exec-path ... can run "
            "programs or leave the roots); start args with a subcommand"
        )
    if sub not in GIT_READ_ONLY:
        raise SandboxError(
            f"git {sub!r} is refused: only read-only subcommands are allowed ({', '.join(sorted(GIT_READ_ONLY))})"
        )
    rest = _options(args[1:])
    for arg in rest:
        if arg.startswith("--") and (option := _denied_long(arg, GIT_DENIED_LONG)):
            raise SandboxError(f"git option {arg!r} ({option}) is refused: it can run programs or write files")
        if arg.startswith("--") and _denied_long(arg, ("--ignore-submodules",)):
            raise SandboxError(
                f"git option {arg!r} is refused: submodules are always ignored (their own configuration could "
                "make git run programs)"
            )
    check_git_paths(sub, args[1:])
    if sub == "grep":
        for arg in rest:
            if arg.startswith("-") and not arg.startswith("--") and "O" in arg[1:]:
                raise SandboxError("git grep -O is refused: it opens files in a pager program")
    if sub == "branch":
        _check_git_branch(rest)


def _check_git_branch(args: Sequence[str]) -> None:
    listing = any(arg in ("--list", "-l") or _long_name(arg) == "--list" for arg in args)
    expects_value = False
    for arg in args:
        if expects_value:
            expects_value = False
            continue
        if arg.startswith("--"):
            if option := _denied_long(arg, GIT_BRANCH_DENIED_LONG):
                raise SandboxError(f"git branch {arg!r} ({option}) changes branches; only listing is allowed")
            expects_value = "=" not in arg and arg in GIT_BRANCH_VALUE_OPTIONS
        elif arg.startswith("-") and len(arg) > 1:
            if set(arg[1:]) & set("dDmMcCfut"):
                raise SandboxError(f"git branch {arg!r} changes branches; only listing is allowed")
        elif not listing:
            raise SandboxError(
                f"git branch {arg!r} would create a branch; only listing is allowed (use --list PATTERN)"
            )


def _pathspec_magic(arg: str) -> bool:
    """``:(top)x``, ``:(glob,icase)x``, ``:/x``: long magic or the top-of-repository short form."""
    return arg.startswith((":(", ":/"))


def _rev_path(arg: str) -> str | None:
    """The path of a ``REV:path``, ``:path`` or ``:N:path`` argument, or None when ``arg`` has no colon."""
    if ":" not in arg:
        return None
    if re.match(r"^:[0-3]:", arg):
        return arg[3:]
    return arg.split(":", 1)[1]


def check_git_paths(sub: str, args: Sequence[str]) -> None:
    """Refuse pathspec magic and ``REV:path`` whose path is absolute or has a ``..`` part (above the root)."""
    expects_value = False
    pattern_pending = sub == "grep" and not any(arg in ("-e", "-f") or arg.startswith(("-e", "-f")) for arg in args)
    after_dashdash = False
    for arg in args:
        if expects_value:
            expects_value = False
            continue
        if arg == "--" and not after_dashdash:
            after_dashdash = True
            continue
        if arg.startswith("-") and not after_dashdash:
            expects_value = arg in GIT_VALUE_OPTIONS
            continue
        if pattern_pending:  # git grep's first operand is the pattern, not a path
            pattern_pending = False
            continue
        if _pathspec_magic(arg):
            raise SandboxError(
                f"git argument {arg!r} is refused: pathspec magic (':(top)', ':/', ':(glob)'...) and ':/text' "
                "revisions are not allowed (use a plain path; ':!path' still excludes)"
            )
        path = _rev_path(arg)
        if path is not None and not after_dashdash:
            parts = PurePosixPath(path).parts
            if path.startswith("/") or ".." in parts:
                raise SandboxError(
                    f"git argument {arg!r} is refused: the path after ':' must stay inside the repository (no "
                    "leading '/', no '..')"
                )


def check_find_args(args: Sequence[str]) -> None:
    """Refuse find predicates that run programs, delete, write files, follow symlinks or read start points
    from a file."""
    for arg in args:
        if arg in FIND_DENIED:
            raise SandboxError(
                f"find {arg} is refused: it runs programs, deletes or writes files, reads names from a file or "
                "follows links out of the roots"
            )


def program_rules(command: str, argv_only: bool = False) -> OptionRules:
    """The option rules of ``command``: PROGRAM_RULES, plus ARGV_ONLY_RULES without kernel confinement."""
    base = PROGRAM_RULES.get(command, OptionRules())
    extra = ARGV_ONLY_RULES.get(command, OptionRules()) if argv_only else OptionRules()
    return OptionRules(
        base.denied_short + extra.denied_short,
        "".join(dict.fromkeys(base.value_short + extra.value_short)),
        base.denied_long + extra.denied_long,
    )


def check_program_args(command: str, args: Sequence[str], argv_only: bool = False) -> None:
    """Per-program argument rules (git, find, sort, tree, date, file, grep, uniq, ls, du, stat, cp), options
    that read names from a file or follow links (any program), and ARGV_ONLY_RULES without kernel confinement."""
    for arg in args:
        check_no_nul(arg, "argument")
        if len(arg) > MAX_ARG_CHARS:
            raise SandboxError(f"an argument is longer than {MAX_ARG_CHARS} characters")
    if len(args) > MAX_ARGS:
        raise SandboxError(f"too many arguments ({len(args)}; at most {MAX_ARGS})")
    if command == "git":
        check_git_args(args)
    elif command == "find":
        check_find_args(args)
    rules = program_rules(command, argv_only)
    if command == "uniq" and len(positionals(args, rules.value_short)) > 1:
        raise SandboxError("uniq with an OUTPUT file argument is refused: it writes a file")
    argv_only_long = ARGV_ONLY_RULES.get(command, OptionRules()).denied_long
    for arg in _options(args):
        if arg.startswith("--") and (option := _denied_long(arg, LIST_AND_LINK_OPTIONS)):
            raise SandboxError(_list_or_link_refusal(command, arg, option))
        if arg.startswith("--") and (option := _denied_long(arg, rules.denied_long)):
            if option in argv_only_long:
                raise SandboxError(_argv_only_refusal(command, arg, option))
            if option in ("--dereference-recursive", "--magic-file"):
                raise SandboxError(_list_or_link_refusal(command, arg, option))
            raise SandboxError(f"{command} {arg!r} ({option}) is refused: it runs programs or writes files")
        if _is_short(arg) and set(short_flags(arg, rules.value_short)) & set(rules.denied_short):
            raise SandboxError(
                f"{command} {arg!r} is refused: it runs programs, writes files, reads names from a file or "
                "follows symbolic links"
            )


def _list_or_link_refusal(command: str, arg: str, option: str) -> str:
    return (
        f"{command} {arg!r} ({option}) is refused: it makes the program open files its arguments do not name "
        "(names read from a file, or symbolic links followed); name the files as arguments instead"
    )


def _argv_only_refusal(command: str, arg: str, option: str) -> str:
    return (
        f"{command} {arg!r} ({option}) is refused: it reads files outside the repository or runs git in "
        "submodules, which only kernel confinement can keep inside the roots, and commands here run under argv "
        f"rules only ({confinement.current().reason or 'no Landlock'})"
    )


def _is_short(arg: str) -> bool:
    return arg.startswith("-") and not arg.startswith("--") and len(arg) > 1


def short_flags(arg: str, value_short: str) -> str:
    """The option letters of a short bundle (``-uo`` -> ``uo``), stopping at one that takes a value."""
    flags = ""
    for char in arg[1:]:
        flags += char
        if char in value_short:
            break
    return flags


def positionals(args: Sequence[str], value_short: str) -> list[str]:
    """Arguments that are neither options nor option values."""
    found: list[str] = []
    expects_value = False
    for index, arg in enumerate(args):
        if expects_value:
            expects_value = False
        elif arg == "--":
            return found + list(args[index + 1 :])
        elif _is_short(arg):
            flags = short_flags(arg, value_short)
            expects_value = flags[-1] in value_short and len(flags) == len(arg) - 1
        elif not arg.startswith("--"):
            found.append(arg)
    return found


def path_candidates(arg: str) -> list[str]:
    """The parts of an argument that may name a file: the value of ``--opt=VALUE``, ``-fVALUE``, or the arg."""
    if arg.startswith("--"):
        return [arg.split("=", 1)[1]] if "=" in arg else []
    if arg.startswith("-") and len(arg) > 2:
        return [arg[2:]]
    return [arg] if arg and arg != "-" else []


def check_path_args(args: Sequence[str], cwd: Path, roots: Sequence[Path]) -> None:
    """Refuse arguments that name a path outside the roots (absolute, with ``..``, or an entry that escapes)."""
    for arg in args:
        for candidate in path_candidates(arg):
            path = Path(candidate)
            suspicious = path.is_absolute() or ".." in path.parts
            if not suspicious and not os.path.lexists(cwd / path):
                continue
            real = Path(os.path.realpath(cwd / path))
            if not is_inside(real, roots):
                raise SandboxError(
                    f"argument {arg!r} names a path outside the allowed roots; commands may only touch files "
                    "inside them"
                )


def resolve_working_dir(working_dir: str | None, roots: Sequence[Path]) -> Path:
    """The real working folder (default: the first root), inside the roots and existing."""
    if not roots:
        raise SandboxError("no allowed roots are configured (security.allowed_roots is empty)")
    real = resolve_path(working_dir or str(roots[0]), roots)
    if not real.is_dir():
        raise SandboxError(f"working_dir {working_dir!r} is not an existing folder")
    return real


def search_path(env_path: str, roots: Sequence[Path]) -> list[str]:
    """PATH folders for program lookup: absolute ones only, and none inside the allowed roots."""
    folders = []
    for entry in env_path.split(os.pathsep):
        if not entry or not os.path.isabs(entry):
            continue
        if is_inside(Path(os.path.realpath(entry)), roots) or entry in folders:
            continue
        folders.append(entry)
    return folders


def resolve_executable(command: str, folders: Sequence[str], roots: Sequence[Path]) -> Path:
    """The executable for ``command`` on ``folders``; refused if it lives in a root or is really an interpreter."""
    found = shutil.which(command, path=os.pathsep.join(folders))
    if found is None:
        raise SandboxError(f"{command!r} was not found on the server's PATH")
    real = Path(os.path.realpath(found))
    if is_inside(real, roots):
        raise SandboxError(f"{command!r} resolves to {real}, inside the allowed roots, where files can be written")
    if is_never_allowed(real.name):
        raise SandboxError(f"{command!r} resolves to {real}, which is a shell or interpreter")
    return Path(found)


def git_prefix(executable: Path) -> list[str]:
    """git with the forced safe configuration, before the subcommand."""
    return [str(executable), "--no-pager", *(item for setting in GIT_FORCED_CONFIG for item in ("-c", setting))]


def build_argv(executable: Path, command: str, args: Sequence[str], argv_only: bool = False) -> list[str]:
    """The argv to run; git gets forced safe configuration and no external diff/textconv programs; under argv
    rules only, diff gets ``--no-dereference`` (``diff -r`` follows symbolic links otherwise)."""
    if command == "diff" and argv_only:
        return [str(executable), "--no-dereference", *args]
    if command != "git":
        return [str(executable), *args]
    sub, rest = args[0], list(args[1:])
    return [*git_prefix(executable), sub, *GIT_SAFE_SUBCOMMAND_FLAGS.get(sub, ()), *rest]


def git_ceiling(cwd: Path, roots: Sequence[Path]) -> str:
    """GIT_CEILING_DIRECTORIES: the parent of the outermost root holding ``cwd``, so repository discovery never
    goes above the roots ("" when that root is /)."""
    holding = [root for root in roots if is_inside(cwd, [root])]
    outer = min(holding, key=lambda root: len(root.parts)) if holding else cwd
    return "" if outer.parent == outer else str(outer.parent)


def child_environment(folders: Sequence[str], home: Path, ceiling: str = "") -> dict[str, str]:
    """A minimal environment: no secrets from the server's own environment reach the child."""
    return {
        "PATH": os.pathsep.join(folders),
        "LANG": "C.UTF-8",
        "HOME": str(home),
        "TERM": "dumb",
        "NO_COLOR": "1",
        "PAGER": "cat",
        "GIT_PAGER": "cat",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_ATTR_NOSYSTEM": "1",
        "GIT_CEILING_DIRECTORIES": ceiling,
        "GIT_TERMINAL_PROMPT": "0",
        "GIT_OPTIONAL_LOCKS": "0",
        "GIT_NO_LAZY_FETCH": "1",
    }


def refused_git_keys(listing: bytes, argv_only: bool = False) -> list[str]:
    """The keys of a ``git config --list --show-scope --name-only -z`` listing (pairs of scope and name, NUL
    separated) that GIT_REFUSED_KEYS (and under argv rules only GIT_REFUSED_KEYS_ARGV_ONLY) name; keys set on
    the command line (our forced configuration) are not the repository's."""
    patterns = GIT_REFUSED_KEYS + (GIT_REFUSED_KEYS_ARGV_ONLY if argv_only else ())
    fields = listing.decode("utf-8", errors="replace").split("\0")
    found: list[str] = []
    for scope, name in zip(fields[0::2], fields[1::2], strict=False):
        if scope == "command" or not name:
            continue
        if any(_key_matches(name, pattern) for pattern in patterns) and name not in found:
            found.append(name)
    return found


def _key_matches(name: str, pattern: str) -> bool:
    section, _, rest = name.partition(".")
    want_section, _, want_rest = pattern.partition(".")
    if section.lower() != want_section:
        return False
    if want_rest == "*":
        return True
    if "*." in want_rest:  # section.<subsection>.key: the subsection may hold dots, the key does not
        return "." in rest and rest.rsplit(".", 1)[1].lower() == want_rest.split(".", 1)[1]
    return rest.lower() == want_rest
