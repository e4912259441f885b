"""Start and stop the simulator processes of a set of lanes, and tell the controller where they are.

`SimProcesses(["L1", "L2"], speed=40).start()` runs one process per simulator kind and lane
(`devices.sim.run`), waits for each to print its URLs, and returns a `LaneSims` per lane whose
`backend_options()` are the keyword arguments of `devices.registry.build("serial", ...)`. `stop()` (or leaving
the `with` block) ends them; a simulator also ends by itself when the launching process dies.

`write_sims(path, sims, speed)` writes where running simulators are (JSON: the speed, and per lane its URLs,
control addresses and I/O map) and `read_sims(path)` reads it back, so a controller started later attaches to
simulators that outlive it (`lane demo --sims FILE`; the crash benchmark kills the controller, not the world).
`read_sims` also takes what `python -m devices.sim --json` prints.
"""

from __future__ import annotations

import json
import selectors
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from devices.codecs.iomap import QUEUE_WIRING, IOMap

KINDS = ("io", "printer", "sign", "cameras")


@dataclass
class LaneSims:
    lane: str
    urls: dict[str, str] = field(default_factory=dict)  # io, printer, sign, plate_camera, driver_camera
    control: dict[str, str] = field(default_factory=dict)  # io, printer, sign, cameras -> "127.0.0.1:PORT"
    io_map: dict[str, Any] = field(default_factory=dict)

    def backend_options(self) -> dict[str, Any]:
        """Keyword arguments for `registry.build("serial", lane, timebase, **options)`."""
        options: dict[str, Any] = {"sim_control": dict(self.control), "io_map": dict(self.io_map)}
        for key in ("io", "printer", "sign"):
            if key in self.urls:
                options[f"{key}_url"] = self.urls[key]
        for key in ("plate_camera", "driver_camera"):
            if key in self.urls:
                options[key] = self.urls[key]
        return options


def sims_json(sims: dict[str, LaneSims], speed: float) -> dict[str, Any]:
    """Where running simulators are, as JSON data: the lane clock's speed they run at, and each lane's addresses."""
    lanes = {lane: {"urls": s.urls, "control": s.control, "io_map": s.io_map} for lane, s in sims.items()}
    return {"speed": speed, "lanes": lanes}


def write_sims(path: Path, sims: dict[str, LaneSims], speed: float) -> None:
    """Write `sims_json` to `path` (replaced whole, never seen half-written)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_name(path.name + ".part")
    part.write_text(json.dumps(sims_json(sims, speed), indent=2))
    part.replace(path)


def read_sims(path: Path) -> tuple[dict[str, LaneSims], float | None]:
    """The simulators described in `path` (as `write_sims` or `python -m devices.sim --json` wrote it), and the
    speed they run at when the file says. Raises ValueError for a file that describes no simulators."""
    data = json.loads(path.read_text())
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a JSON object")
    lanes, speed = (data["lanes"], data.get("speed")) if "lanes" in data else (data, None)
    out: dict[str, LaneSims] = {}
    for lane, entry in lanes.items():
        if not isinstance(entry, dict) or not isinstance(entry.get("urls"), dict):
            raise ValueError(f"{path}: lane {lane!r} has no simulator URLs")
        io_map = entry.get("io_map") or IOMap.from_options(QUEUE_WIRING).options()
        out[str(lane)] = LaneSims(str(lane), dict(entry["urls"]), dict(entry.get("control", {})), dict(io_map))
    if not out:
        raise ValueError(f"{path}: no lanes")
    return out, float(speed) if speed is not None else None


class SimProcesses:
    def __init__(
        self,
        lanes: list[str],
        link: str = "tcp",
        speed: float = 1.0,
        run_dir: Path = Path("var/sim"),
        cards_dir: Path = Path("var/cards"),
        seed: int = 0,
        kinds: tuple[str, ...] = KINDS,
        extra: dict[str, dict[str, Any]] | None = None,
        pace_baud: int | None = None,
        io_map: IOMap | None = None,
    ) -> None:
        unknown = set(kinds) - set(KINDS)
        if unknown or not lanes:
            raise ValueError(f"need lanes and kinds from {KINDS}; unknown {sorted(unknown)}")
        self.lanes, self.link, self.speed = list(lanes), link, speed
        self.run_dir, self.cards_dir, self.seed = run_dir, cards_dir, seed
        self.kinds, self.pace_baud = kinds, pace_baud
        self.io_map = io_map or IOMap.from_options(QUEUE_WIRING)  # with a queue loop: each lane can host a queue
        self.extra = {k: dict(v) for k, v in (extra or {}).items()}
        self.procs: dict[tuple[str, str], subprocess.Popen[bytes]] = {}
        self.lane_sims: dict[str, LaneSims] = {}

    def _command(self, lane: str, kind: str, seed: int) -> list[str]:
        extra = dict(self.extra.get(kind, {}))
        if kind == "io":
            extra.setdefault("iomap", self.io_map.options())
        if kind == "printer":
            extra.setdefault("cards_dir", str(self.cards_dir))
        cmd = [
            sys.executable,
            "-m",
            "devices.sim.run",
            kind,
            "--lane",
            lane,
            "--link",
            self.link,
            "--run-dir",
            str(self.run_dir),
            "--speed",
            str(self.speed),
            "--seed",
            str(seed),
            "--extra",
            json.dumps(extra),
            "--parent-pipe",
        ]
        if self.pace_baud:
            cmd += ["--pace-baud", str(self.pace_baud)]
        return cmd

    def start(self, timeout: float = 60.0) -> dict[str, LaneSims]:
        self.run_dir.mkdir(parents=True, exist_ok=True)
        for i, lane in enumerate(self.lanes):
            self.lane_sims[lane] = LaneSims(lane, io_map=self.io_map.options())
            for j, kind in enumerate(self.kinds):
                with open(self.run_dir / f"{lane}-{kind}.log", "ab") as log:
                    self.procs[(lane, kind)] = subprocess.Popen(
                        self._command(lane, kind, self.seed + 10 * i + j),
                        stdin=subprocess.PIPE,
                        stdout=subprocess.PIPE,
                        stderr=log,
                    )
        try:
            self._collect(timeout)
        except BaseException:
            self.stop()
            raise
        return self.lane_sims

    def _collect(self, timeout: float) -> None:
        waiting = dict(self.procs)
        deadline = time.monotonic() + timeout
        with selectors.DefaultSelector() as sel:
            for key, proc in waiting.items():
                assert proc.stdout is not None
                sel.register(proc.stdout, selectors.EVENT_READ, key)
            while waiting:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise RuntimeError(f"simulators not ready in {timeout:g} s: {sorted(waiting)}")
                for sk, _ in sel.select(min(left, 0.5)):
                    lane, kind = sk.data
                    line = sk.fileobj.readline()  # type: ignore[union-attr]
                    sel.unregister(sk.fileobj)
                    del waiting[(lane, kind)]
                    if not line:
                        log = (self.run_dir / f"{lane}-{kind}.log").read_text(errors="replace")[-2000:]
                        raise RuntimeError(f"simulator {lane}-{kind} ended before it was ready:\n{log}")
                    self._ready(lane, kind, json.loads(line))

    def _ready(self, lane: str, kind: str, ready: dict[str, Any]) -> None:
        sims = self.lane_sims[lane]
        sims.control[kind] = ready["control"]
        urls = ready["urls"]
        if kind == "cameras":
            sims.urls["plate_camera"], sims.urls["driver_camera"] = urls["plate"], urls["driver"]
        else:
            sims.urls[kind] = urls["line"]

    def stop(self, timeout: float = 5.0) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.terminate()
        deadline = time.monotonic() + timeout
        for proc in self.procs.values():
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            for pipe in (proc.stdin, proc.stdout):
                if pipe is not None:
                    pipe.close()
        self.procs.clear()

    def __enter__(self) -> dict[str, LaneSims]:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
