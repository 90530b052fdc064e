"""The LLM layer: 12 providers and the model catalog through LiteLLM.

- :mod:`~tfo_mcp.llm.providers`: provider specs, the catalog, credentials, model resolution, the health check;
- :mod:`~tfo_mcp.llm.litellm_loader`: LiteLLM imported on first use only, quieted, its clients closed at shutdown;
- :mod:`~tfo_mcp.llm.completion`: :func:`~tfo_mcp.llm.completion.complete`, streamed, with retries, usage and cost;
- :mod:`~tfo_mcp.llm.conversations`: conversation history in memory or PostgreSQL.

The `claude_conversation` tool and the `llm://` resources are in :mod:`tfo_mcp.tools.llm`. Importing any of
these modules does not import LiteLLM.
"""
