# tfo-mcp over streamable HTTP: a slim image, the locked dependencies, a non-root user.
#   docker build -t tfo-mcp .
#   docker run -p 8080:8080 -e TELEMETRYFLOW_MCP_SERVER__AUTH_TOKEN=... \
#     -e TELEMETRYFLOW_MCP_SERVER__ALLOWED_HOSTS=localhost:8080 tfo-mcp
# The stores are services of their own (compose.yaml): no embedded chDB or PostgreSQL in the image.

FROM python:3.11-slim-bookworm AS build
RUN pip install --no-cache-dir uv==0.13.8
WORKDIR /app
ENV UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy UV_PYTHON_DOWNLOADS=never
# Dependencies first (a layer that changes only with uv.lock), then the project itself.
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --extra otel --no-install-project
COPY tfo_mcp ./tfo_mcp
RUN uv sync --frozen --no-dev --extra otel --no-editable

FROM python:3.11-slim-bookworm
RUN useradd --system --uid 10001 --home-dir /data --create-home tfo
COPY --from=build /app/.venv /app/.venv
ENV PATH=/app/.venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    TELEMETRYFLOW_MCP_SERVER__TRANSPORT=http \
    TELEMETRYFLOW_MCP_SERVER__HOST=0.0.0.0 \
    TELEMETRYFLOW_MCP_SERVER__PORT=8080 \
    TELEMETRYFLOW_MCP_SECURITY__ALLOWED_ROOTS=/data
USER 10001
WORKDIR /data
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=4)"]
ENTRYPOINT ["tfo-mcp"]
CMD ["serve", "--transport", "http"]
