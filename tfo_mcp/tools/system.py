"""Built-in tools `echo` and `system_info`."""

from __future__ import annotations

import os
import platform
import shutil
import socket
import sys
import time

from fastmcp.server.providers import LocalProvider
from pydantic import BaseModel, Field

from tfo_mcp import __version__
from tfo_mcp.analytics.recorder import server_id
from tfo_mcp.config import Settings, get_settings
from tfo_mcp.health import STARTED_AT
from tfo_mcp.tools.annotations import READ_ONLY


class EchoResult(BaseModel):
    message: str = Field(description="The message, unchanged")


class DiskUsage(BaseModel):
    root: str
    total_bytes: int
    used_bytes: int
    free_bytes: int


class SystemInfo(BaseModel):
    platform: str
    release: str
    machine: str
    python_version: str
    hostname: str
    cpu_count: int | None
    memory_total_bytes: int | None
    memory_available_bytes: int | None
    disks: list[DiskUsage] = Field(description="Disk usage of each allowed root")
    uptime_seconds: float = Field(description="Seconds since this server process started")
    server_version: str
    server_id: str = Field(
        description="This server instance (clickhouse.server_id, else the host name): which replica answered"
    )


def echo(message: str = Field(description="Text to send back")) -> EchoResult:
    """Echo a message back unchanged (a connectivity check)."""
    return EchoResult(message=message)


def system_info() -> SystemInfo:
    """Describe the host the server runs on: OS, Python, CPU, memory, disk of the allowed roots, uptime.

    Environment variables are never included.
    """
    import psutil

    memory = psutil.virtual_memory()
    disks = []
    for root in get_settings().security.allowed_roots:
        try:
            usage = shutil.disk_usage(root)
        except OSError:
            continue
        disks.append(DiskUsage(root=str(root), total_bytes=usage.total, used_bytes=usage.used, free_bytes=usage.free))
    return SystemInfo(
        platform=platform.system(),
        release=platform.release(),
        machine=platform.machine(),
        python_version=sys.version.split()[0],
        hostname=socket.gethostname(),
        cpu_count=os.cpu_count(),
        memory_total_bytes=memory.total,
        memory_available_bytes=memory.available,
        disks=disks,
        uptime_seconds=round(time.time() - STARTED_AT, 3),
        server_version=__version__,
        server_id=server_id(),
    )


def provider(settings: Settings) -> LocalProvider:
    """The `echo` and `system_info` tools."""
    tools = LocalProvider()
    tools.tool(echo, annotations=READ_ONLY)
    tools.tool(system_info, annotations=READ_ONLY)
    return tools
