"""LiteLLM, imported on first use only (it takes seconds) and quieted: no stdout output, no callbacks, no retries
of its own, no network fetch of its price map. Importing this module does not import LiteLLM."""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import threading
import time
from importlib.metadata import version
from typing import TYPE_CHECKING

from loguru import logger

if TYPE_CHECKING:
    from types import ModuleType

_litellm_module: ModuleType | None = None
_import_lock = threading.Lock()


def load() -> ModuleType:
    """Import and quiet LiteLLM on first use (seconds; call through :func:`load_async` on the loop)."""
    global _litellm_module
    if _litellm_module is not None:
        return _litellm_module
    with _import_lock:
        if _litellm_module is None:
            os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"  # no network fetch of the price map at import
            os.environ.setdefault("LITELLM_LOG", "ERROR")
            started = time.perf_counter()
            import litellm

            litellm.suppress_debug_info = True  # it prints to stdout on errors otherwise
            litellm.set_verbose = False
            litellm.turn_off_message_logging = True
            litellm.drop_params = True  # a parameter a model does not take is dropped, not an error
            litellm.disable_hf_tokenizer_download = True
            litellm.num_retries = 0  # retries are ours (config max_retries)
            for name in ("callbacks", "success_callback", "failure_callback", "input_callback", "service_callback"):
                if isinstance(getattr(litellm, name, None), list):
                    setattr(litellm, name, [])
            _quiet_litellm_loggers()
            _litellm_module = litellm
            logger.debug("LiteLLM {} imported in {:.2f}s", _litellm_version(), time.perf_counter() - started)
    return _litellm_module


async def load_async() -> ModuleType:
    """LiteLLM, imported off the event loop the first time so other requests keep being served."""
    if _litellm_module is not None:
        return _litellm_module
    return await asyncio.to_thread(load)


def loaded() -> ModuleType | None:
    """LiteLLM if it was imported through :func:`load`, else None (never imports it)."""
    return _litellm_module


def _litellm_version() -> str:
    try:
        return version("litellm")
    except Exception:
        return "?"


def _quiet_litellm_loggers() -> None:
    """Drop LiteLLM's own stream handler (it writes INFO/DEBUG to stdout) from its loggers."""
    for name in ("LiteLLM", "LiteLLM Router", "LiteLLM Proxy", "LiteLLM Proxy.stdout", "litellm"):
        lib = logging.getLogger(name)
        for handler in list(lib.handlers):
            if type(handler).__module__.startswith("litellm"):
                lib.removeHandler(handler)
        if not lib.handlers:
            lib.propagate = True
        if lib.level == logging.NOTSET or lib.level < logging.WARNING:
            lib.setLevel(logging.WARNING)


async def close_litellm_clients() -> None:
    """Close LiteLLM's cached async HTTP clients (only if LiteLLM was ever imported)."""
    if _litellm_module is None:
        return
    close = getattr(_litellm_module, "close_litellm_async_clients", None)
    if close is not None:
        await close()
    # LiteLLM keeps closed clients cached and would hand them out again: forget them so the next call
    # (in-memory test clients and HTTP sessions run the lifespan more than once per process) builds new ones.
    module_client = vars(_litellm_module).get("module_level_aclient")  # built lazily by LiteLLM; not in its cache
    if module_client is not None and hasattr(module_client, "close"):
        await module_client.close()
        vars(_litellm_module).pop("module_level_aclient", None)  # LiteLLM rebuilds it on next use
    cache = getattr(_litellm_module, "in_memory_llm_clients_cache", None)
    if cache is not None and hasattr(cache, "flush_cache"):
        cache.flush_cache()
    handler = getattr(_litellm_module, "base_llm_aiohttp_handler", None)
    session = getattr(handler, "client_session", None)
    if session is not None and getattr(session, "closed", False):
        handler.client_session = None
    logger.debug("LiteLLM async clients closed")


if "litellm" in sys.modules:  # imported by someone else before this module: quiet it now
    load()
