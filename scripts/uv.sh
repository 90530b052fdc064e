# Sourced by the scripts: puts uv (pinned) on PATH, installing it with the Python at hand when it is missing.
UV_VERSION="0.13.8"
if ! command -v uv >/dev/null 2>&1; then
  export PATH="$HOME/.local/bin:$PATH"
fi
if ! command -v uv >/dev/null 2>&1; then
  echo "installing uv $UV_VERSION" >&2
  python3 -m pip install --quiet "uv==$UV_VERSION" >&2 2>/dev/null \
    || python3 -m pip install --quiet --user "uv==$UV_VERSION" >&2 2>/dev/null \
    || { python3 -m venv "$HOME/.local/share/tfo-mcp/uv" >&2 \
         && "$HOME/.local/share/tfo-mcp/uv/bin/pip" install --quiet "uv==$UV_VERSION" >&2 \
         && export PATH="$HOME/.local/share/tfo-mcp/uv/bin:$PATH"; }
fi
command -v uv >/dev/null 2>&1 || { echo "could not install uv: install it (https://docs.astral.sh/uv/)" >&2; exit 1; }
