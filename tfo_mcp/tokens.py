"""Token counts as models see them: cl100k_base, read offline from the encoding file LiteLLM ships.

tiktoken would otherwise download the encoding on first use; LiteLLM's wheel carries the same file under
``litellm_core_utils/tokenizers``, so this module points tiktoken there without importing LiteLLM (which
takes seconds). When neither is available the count falls back to a conservative estimate (3 characters
per token, rounded up) rather than failing.
"""

from __future__ import annotations

import importlib.util
import math
import os
from functools import cache
from pathlib import Path
from typing import Any

__all__ = ["count_tokens"]

ENCODING = "cl100k_base"
#: characters per token assumed when the encoding cannot be loaded (JSON averages 3-4 in cl100k: this overcounts)
FALLBACK_CHARS_PER_TOKEN = 3


@cache
def _encoding() -> Any | None:
    spec = importlib.util.find_spec("litellm")
    if spec is not None and spec.submodule_search_locations:
        bundled = Path(next(iter(spec.submodule_search_locations))) / "litellm_core_utils" / "tokenizers"
        if bundled.is_dir():
            os.environ.setdefault("TIKTOKEN_CACHE_DIR", str(bundled))
    try:
        import tiktoken

        return tiktoken.get_encoding(ENCODING)
    except Exception:  # no tiktoken, or no encoding file and no network
        return None


def count_tokens(text: str) -> int:
    """Tokens of ``text`` in cl100k_base (special-token text counted as ordinary text)."""
    encoding = _encoding()
    if encoding is None:
        return math.ceil(len(text) / FALLBACK_CHARS_PER_TOKEN)
    return len(encoding.encode_ordinary(text))
