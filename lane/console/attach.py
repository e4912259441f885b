"""Starting the console: attached to a controller in another process (`lane console`), or in front of one that
runs in a thread of this process (`lane demo` and `lane run` on a terminal). Either way it reads the store and
sends commands through the controller's socket; it never shares the controller's event loop."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from lane import control
from lane.clock import Halt
from lane.config import SiteConfig
from lane.console.app import open_console


def site_clock(sock: Path) -> Callable[[], datetime | None]:
    """The controller's clock (a demo runs sped up), or None - the console then uses real time."""

    def now() -> datetime | None:
        try:
            answer = control.call(sock, {"op": "clock"}, timeout=0.5)
            return datetime.fromisoformat(str(answer["now"]))
        except (OSError, ValueError, KeyError):
            return None

    return now


def run_console(db: Path, config: SiteConfig, operator: str | None) -> int:
    """`lane console`: attach to the controller of `db` (the officer logs in); quitting leaves the lanes running."""
    if not db.exists():
        print(f"lane console: no site database at {db}: start the controller first (lane run)")
        return 1
    sock = control.socket_path(db)
    link = control.Client(sock)
    app = open_console(db, config, link, site_clock(sock), operator)
    app.run()
    app.reader.close()
    link.logout()
    return 0


def in_front_of(
    work: Callable[[], Any],
    db: Path,
    config: SiteConfig,
    operator: str | None,
    pin: str | None = None,
    halt: Halt | None = None,
) -> Any:
    """Run `work` (a controller) in a thread and the console in front of it until the work ends (the console
    closes itself) or the operator quits the console (the work goes on; this waits for it). Returns its result.
    With `pin` the console logs in as `operator` by itself (the demo's officer). With `halt` (the one `work` runs
    its loop with), Ctrl-C in the console or at the wait after it, and SIGTERM at any time, stop the work cleanly:
    its lanes stop, its store closes, and KeyboardInterrupt is raised here once it has ended, never before (a
    controller thread still running at exit would take the process down with it)."""
    result: dict[str, Any] = {}

    def target() -> None:
        try:
            result["value"] = work()
        except BaseException as err:  # handed to the main thread below
            result["error"] = err

    thread = threading.Thread(target=target, name="controller", daemon=True)
    thread.start()
    with _sigterm_halts(halt):
        deadline = time.monotonic() + 30
        while not _ready(db) and thread.is_alive() and time.monotonic() < deadline:
            time.sleep(0.05)
        if thread.is_alive():
            sock = control.socket_path(db)
            link = control.Client(sock)
            app = open_console(db, config, link, site_clock(sock), operator, pin)

            def close_when_done() -> None:
                thread.join()
                with contextlib.suppress(RuntimeError):  # the console has closed already
                    app.call_from_thread(app.exit)

            threading.Thread(target=close_when_done, daemon=True).start()
            app.run()
            app.reader.close()
            if thread.is_alive():
                link.logout()
                if app.interrupted and halt is not None:
                    _stopping(halt)
                else:
                    print("console closed; the controller goes on (Ctrl-C stops it, `lane console` shows it again)")
        _join(thread, halt)
    if "error" in result:
        if halt is not None and halt.requested and isinstance(result["error"], asyncio.CancelledError):
            raise KeyboardInterrupt
        raise result["error"]
    return result.get("value")


def _stopping(halt: Halt) -> None:
    if not halt.requested:
        print("stopping the lanes ...", flush=True)
    halt.set()


def _join(thread: threading.Thread, halt: Halt | None) -> None:
    """Wait for the controller thread; a Ctrl-C meanwhile asks it to stop (with `halt`) and waits on. It polls
    with sleeps: a KeyboardInterrupt inside Thread.join can leave the thread looking ended while it still runs."""
    while thread.is_alive():
        try:
            time.sleep(0.1)
        except KeyboardInterrupt:
            if halt is None:
                raise
            _stopping(halt)
    thread.join()


@contextlib.contextmanager
def _sigterm_halts(halt: Halt | None) -> Iterator[None]:
    """While in front of a controller: SIGTERM (a service manager's stop) halts it; the console closes when it
    has stopped. Without `halt`, or off the main thread, SIGTERM keeps its handler."""
    if halt is None or threading.current_thread() is not threading.main_thread():
        yield
        return
    before = signal.signal(signal.SIGTERM, lambda *_: halt.set())
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, before)


def _ready(db: Path) -> bool:
    return db.exists() and control.socket_path(db).exists()
