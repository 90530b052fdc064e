"""`tfo-mcp demo` after `initialize`: start the embedded PostgreSQL, migrate, and seed the estate when it is not
complete, in the background, while contexts answer "[SYSTEM] the demo estate is being prepared (n %)".

The progress is a :class:`tfo_mcp.health.Preparation` (shown in `status://health`); the context layer reads it
through :func:`tfo_mcp.health.pending_preparation`, so nothing below this package knows about the demo.
"""

from __future__ import annotations

import asyncio
import contextlib

from loguru import logger

from tfo_mcp import health
from tfo_mcp.config import LoadedSettings
from tfo_mcp.stores import embedded_postgres, postgres

NAME = "demo estate"
#: Share of the progress bar the start of PostgreSQL and the migrations take before the seed.
SETUP_SHARE = 5.0


class EstatePreparation:
    """The background task of one serving `tfo-mcp demo` process."""

    def __init__(self, loaded: LoadedSettings) -> None:
        self.loaded = loaded
        self.task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Schedule the preparation (returns at once, so `initialize` is answered without waiting)."""
        state = health.begin_preparation(NAME)
        self.task = asyncio.create_task(self._prepare(state), name="demo-estate")

    async def stop(self) -> None:
        """Cancel a preparation still running (the next start redoes an interrupted seed)."""
        if self.task is not None and not self.task.done():
            self.task.cancel()
            with contextlib.suppress(BaseException):
                await self.task

    async def _prepare(self, state: health.Preparation) -> None:
        try:
            state.advance(0.0, "starting the embedded PostgreSQL")
            if await asyncio.to_thread(embedded_postgres.start_for_demo, self.loaded) is not None:
                await postgres.start()  # the pools of the server's own tables, now that there is a URL
            from tfo_mcp.demo.seeding import is_seeded, migrate_platform, seed  # not before `initialize`

            state.advance(SETUP_SHARE / 2, "migrating the platform tables")
            await migrate_platform()
            state.advance(SETUP_SHARE, "checking the estate")
            if await is_seeded():
                logger.info("demo estate: complete, nothing to seed")
            else:
                logger.info("demo estate: seeding (2 organizations, 24 h); contexts answer once it is done")
                await seed(progress=lambda percent, step: state.advance(SETUP_SHARE + percent * 0.95, step))
        except asyncio.CancelledError:
            state.finish("stopped before the estate was complete; the next start seeds it again")
            raise
        except Exception as exc:
            logger.warning("demo estate: preparation failed: {}", exc)
            state.finish(f"{type(exc).__name__}: {exc}")
            return
        state.finish()
        logger.info("demo estate: ready after {:.1f} s", state.describe()["seconds"])
