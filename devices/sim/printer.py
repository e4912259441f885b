"""A simulated Evolis-style card printer: it answers the command set of `devices.codecs.evolis`, keeps a card
stock, a ribbon count, a cover and a jam flag, takes `print_seconds` (lane seconds) per card, and writes each card
it prints as a PNG under `cards_dir`. Its delivered-cards counter is kept in `cards_dir/<lane>-counter.json`, as a
printer keeps it in non-volatile memory: it survives the controller's restarts and the simulator's own. Error
states are set through the control channel: `set` (stock, ribbon, cover_open, jammed, jam_next: the next card jams
inside, mute_next: the next command of that name is carried out but its answer is lost) and `refill`.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import cv2

from devices.codecs import evolis
from devices.sim.control import SimOptions, Simulator
from devices.sim.endpoint import Send

LOW = 5  # cards or prints left that make a WARNING


class _PrinterPeer:
    def __init__(self, sim: PrinterSim) -> None:
        self.sim = sim
        self.decoder = evolis.CommandDecoder()
        self.send: Send = lambda data: None

    async def open(self, send: Send) -> None:
        self.send = send

    async def feed(self, data: bytes) -> None:
        for event in self.decoder.feed(data):
            if isinstance(event, evolis.Command):
                reply = self.sim.execute(event)
                if self.sim.mute_next == event.name:  # done, but the answer is lost on the line
                    self.sim.mute_next = ""
                    continue
                self.send(evolis.encode_reply(reply))
            else:
                self.sim.garbage += 1
                if event.reason == "bad command":
                    self.send(evolis.encode_reply("ERR CDE"))

    async def close(self) -> None:
        """Nothing held per connection."""


class PrinterSim(Simulator):
    kind = "printer"

    def __init__(self, options: SimOptions) -> None:
        super().__init__(options)
        extra = options.extra
        self.stock = self.initial_stock = int(extra.get("stock", 100))
        self.ribbon = self.initial_ribbon = int(extra.get("ribbon", 250))
        self.print_seconds = self.seconds(float(extra.get("print_seconds", 25.0)))
        self.cards_dir = Path(extra.get("cards_dir", "var/cards"))
        self.cover_open = False
        self.jammed = False
        self.jam_next = False
        self.card_inside = False
        self.mute_next = ""  # the next command of this name is carried out but its answer is lost
        self.busy_until = 0.0
        self.counter_file = self.cards_dir / f"{options.lane}-counter.json"
        self.counter = self._saved_counter()  # cards printed and delivered, ever
        self.rejected = 0
        self.error_mode = 0
        self.garbage = 0
        self.commands = 0
        self.sequence: dict[str, bytes] | None = None
        self.cards: list[str] = []
        self.endpoint("line", lambda: _PrinterPeer(self))

    # -- the printer ------------------------------------------------------------------------------------------

    def error(self) -> str | None:
        if self.cover_open:
            return "COVER OPEN"
        if self.jammed:
            return "MECHANICAL"
        if self.stock <= 0:
            return "FEEDER EMPTY"
        if self.ribbon <= 0:
            return "RIBBON ENDED"
        return None

    @property
    def busy(self) -> bool:
        return time.monotonic() < self.busy_until

    def status(self) -> str:
        error = self.error()
        if self.busy:
            return "BUSY"
        if error:
            return f"ERROR {error}"
        if self.stock <= LOW or self.ribbon <= LOW:
            return "WARNING " + ("FEEDER NEAR EMPTY" if self.stock <= LOW else "RIBBON NEAR END")
        return "READY"

    def execute(self, cmd: evolis.Command) -> str:
        self.commands += 1
        name, params = cmd.name, cmd.params
        queries: dict[tuple[str, tuple[str, ...]], Callable[[], str]] = {
            ("Rfv", ()): lambda: "EVOSIM 1.0",
            ("Rst", ()): self.status,
            ("Rer", ()): lambda: self.error() or "NONE",
            ("Rse", ("f",)): lambda: "CARD" if self.stock > 0 else "NO CARD",
            ("Rse", ("i",)): lambda: "CARD" if self.card_inside else "NO CARD",
            ("Rrt", ("count",)): lambda: str(max(0, self.ribbon)),
            ("Rco", ("p",)): lambda: str(self.counter),
        }
        if (name, params) in queries:
            return queries[(name, params)]()
        if name == "Pem":
            if params not in (("0",), ("1",), ("2",)):
                return "ERR PARAM"
            self.error_mode = int(params[0])
            return "OK"
        if name == "Pcl":
            if self.cover_open:
                return "ERR COVER OPEN"
            self.jammed = False
            return "OK"
        if name == "Ser":
            if self.card_inside and not self.busy:
                self.card_inside = False
                self.rejected += 1
            return "OK"
        if name == "Seb":
            if not self.card_inside or self.busy or self.jammed:
                return "ERR NO CARD"
            self.card_inside = False
            return "OK"
        if name in ("Ss", "Db", "Se"):
            return self._sequence(cmd)
        return "ERR CDE"

    def _sequence(self, cmd: evolis.Command) -> str:
        if self.busy:
            return "ERR BUSY"
        error = self.error()
        if cmd.name == "Ss":
            if error:
                return f"ERR {error}"
            self.sequence = {}
            return "OK"
        if self.sequence is None:
            return "ERR SEQUENCE"
        if cmd.name == "Db":
            self.sequence[cmd.params[0]] = cmd.data
            return "OK"
        if error:
            return f"ERR {error}"
        if not self.sequence:
            return "ERR SEQUENCE"
        panels, self.sequence = self.sequence, None
        self.stock -= 1
        self.card_inside = True
        self.busy_until = time.monotonic() + self.print_seconds
        asyncio.get_running_loop().call_later(self.print_seconds, self._finish, panels)
        self.emit("printing", stock=self.stock)
        return "OK"

    def _finish(self, panels: dict[str, bytes]) -> None:
        self.ribbon -= 1
        if self.jam_next:
            self.jam_next = False
            self.jammed = True
            self.emit("jam")
            return
        self.card_inside = False
        self.counter += 1
        self.cards_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.counter_file.write_text(json.dumps({"counter": self.counter}))
        path = self.cards_dir / f"{self.options.lane}-{self.counter:06d}.png"
        cv2.imwrite(str(path), evolis.panels_image(panels))
        path.chmod(0o600)  # a licence card's face: the holder's name, NIK and photo
        self.cards = [*self.cards[-99:], str(path)]
        self.emit("card", counter=self.counter, file=str(path), stock=self.stock, ribbon=self.ribbon)

    def _saved_counter(self) -> int:
        try:
            return int(json.loads(self.counter_file.read_text())["counter"])
        except (OSError, ValueError, KeyError, TypeError):
            return 0

    # -- control operations -----------------------------------------------------------------------------------

    def state(self) -> dict[str, Any]:
        return {
            "status": self.status(),
            "stock": self.stock,
            "ribbon": self.ribbon,
            "cover_open": self.cover_open,
            "jammed": self.jammed,
            "jam_next": self.jam_next,
            "card_inside": self.card_inside,
            "counter": self.counter,
            "rejected": self.rejected,
            "error_mode": self.error_mode,
            "garbage": self.garbage,
            "commands": self.commands,
            "cards": self.cards[-20:],
        }

    async def op_set(self, **values: Any) -> dict[str, Any]:
        for key, value in values.items():
            if key in ("stock", "ribbon"):
                setattr(self, key, max(0, int(value)))
            elif key in ("cover_open", "jammed", "jam_next"):
                setattr(self, key, bool(value))
            elif key == "mute_next":
                self.mute_next = str(value)
            else:
                raise ValueError(f"cannot set {key!r}")
        self.emit("printer", **{k: getattr(self, k) for k in ("stock", "ribbon", "cover_open", "jammed")})
        return self.state()

    async def op_refill(self, cards: int = 100) -> int:
        self.stock += max(0, int(cards))
        self.emit("printer", stock=self.stock, ribbon=self.ribbon, cover_open=self.cover_open, jammed=self.jammed)
        return self.stock

    def clear_device_faults(self) -> None:
        self.cover_open = self.jammed = self.jam_next = False
        self.mute_next = ""

    def reset(self) -> None:
        self.stock, self.ribbon = self.initial_stock, self.initial_ribbon
        self.card_inside, self.busy_until, self.sequence = False, 0.0, None
        self.counter = self.rejected = 0
        self.counter_file.unlink(missing_ok=True)
        self.cards = []
