"""Running the site for real (`lane run`): its configured devices in real time, the command socket and the daily
retention task, until interrupted. Simulated people and the device simulators live in lane/simulate.py: this
module and what it imports never import them (an import-linter contract in pyproject.toml checks it)."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
from pathlib import Path

from lane.central.sync import start_sync
from lane.clock import Clock
from lane.config import SiteConfig
from lane.control import ControlServer, socket_path
from lane.holders import Registry
from lane.progress import Progress
from lane.queue import QueueKeeper
from lane.retention import daily
from lane.site import Site
from lane.store import Store


async def run_forever(clock: Clock, config: SiteConfig, db: Path, show: str) -> None:
    """The site in real time for real devices, until interrupted."""
    store = Store(db, config.store.durable)
    registry = Registry(config.documents.registry)
    site = Site(config, store, clock, var=db.parent, registry=registry)
    stop = asyncio.Event()
    with contextlib.suppress(ValueError, RuntimeError):  # only the main thread takes signals
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)  # a service manager's stop
    control = ControlServer(socket_path(db), site, config.control.group)
    progress = Progress(site.lanes, config.site.timezone, sys.stdout, show)
    keeper = QueueKeeper(site.lanes, store, clock, config.queues)  # the queue before the lanes (issue 17)
    retention: asyncio.Task[None] | None = None
    sync = start_sync(config, db)  # its own thread: a lane never waits for the network
    with progress:
        try:  # a Ctrl-C or SIGTERM while starting stops what had started (its device threads would hold the exit)
            await site.start()
            await keeper.start()
            await control.start()
            retention = asyncio.create_task(
                daily(clock, db, config.retention, db.parent, config.store.durable, trim_outbox=config.central is None)
            )
            await stop.wait()
        finally:
            if retention is not None:
                retention.cancel()
            if sync is not None:
                sync.stop()
            await control.stop()
            await keeper.stop()
            await site.stop()
            store.close()
            registry.close()
