"""The file tools: `read_file`, `write_file`, `list_directory`, `search_files` and the `file:///` resource."""

from __future__ import annotations

from fastmcp.server.providers import LocalProvider

from tfo_mcp.config import Settings
from tfo_mcp.files import file_resource, list_directory, read_file, search_files, write_file
from tfo_mcp.tools.annotations import OVERWRITE, READ_ONLY

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
