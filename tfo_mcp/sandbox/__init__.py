"""The sandbox the file tools and `execute_command` stand on. Nothing here imports MCP or the tools.

- :mod:`tfo_mcp.sandbox.paths`: the allowed roots, the path rules (containment on real paths, no NUL byte,
  nothing written inside ``.git``) and the safe open and atomic write of a file inside the roots.
- :mod:`tfo_mcp.sandbox.argv`: the argv policy of a command: programs never allowed, the allow-list,
  per-program and git option rules, path arguments, the executable, the argv and the child's environment.
- :mod:`tfo_mcp.sandbox.confinement`: the Linux Landlock binding and the policy a child runs under.
- :mod:`tfo_mcp.sandbox.runner`: running a child under that policy (no shell, own process group, output caps,
  timeout) and the git configuration probe.
- :mod:`tfo_mcp.sandbox.errors`: :class:`~tfo_mcp.sandbox.errors.SandboxError`, raised by every rule.

The tools (:mod:`tfo_mcp.tools.files`, :mod:`tfo_mcp.tools.commands`) turn a refusal into the error the client
sees (:func:`tfo_mcp.errors.sandbox_refusals`).
"""
