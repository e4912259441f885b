"""A card printer speaking the Evolis-style command set over a serial link (codec: `devices.codecs.evolis`).

On every (re)connect the printer is put in software error mode (`Pem;2`). A print reads the status and the error,
sends the sequence (`Ss`, one `Db` per panel, `Se`) and polls the status until the card is out, which the
printed-cards counter (`Rco;p`, kept by the printer across restarts) must confirm against the job's ticket. Queries
are retried; the sequence is not. A job whose answer was lost is never sent again by this driver: the lane settles
it against the counter (`CardPrinter.settle`) from the ticket it committed before sending.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from devices.base import CardPrinter, Health, PrintJob, PrintTicket, Timebase
from devices.codecs import evolis
from devices.errors import DeviceError, DeviceFault, DeviceTimeout, ProtocolError
from devices.transport import LinkSettings, LinkWorker, exchange, open_serial


class EvolisPrinter(CardPrinter):
    def __init__(
        self,
        name: str,
        timebase: Timebase,
        settings: LinkSettings,
        panels: str = "ymck",
        print_timeout: float = 120.0,
        poll: float = 1.0,
    ) -> None:
        super().__init__(name, timebase)
        if not panels or set(panels) - set(evolis.PANELS):
            raise ValueError(f"panels must be letters of {''.join(evolis.PANELS)}, got {panels!r}")
        self.settings = settings
        self.panels = panels
        self.print_timeout = print_timeout
        self.poll = poll
        self.link: LinkWorker[Any] = LinkWorker(
            name, settings, lambda: open_serial(settings), lambda port: port.close(), self._link_health, self._setup
        )

    async def start(self) -> None:
        self.link.start()
        try:
            await self.query("Rfv")
        except DeviceError as err:
            self.set_health(Health.DOWN, str(err))

    async def stop(self) -> None:
        await self.link.stop()

    def _link_health(self, health: Health, why: str) -> None:
        self.set_health(health, why)

    # -- one command, one answer ------------------------------------------------------------------------------

    def _exchange(self, port: Any, command: evolis.Command) -> str:
        raw = evolis.encode(command)
        if len(raw) > 4096:  # a panel: give the line the time it needs
            port.write_timeout = self.settings.wire_seconds(len(raw)) * 1.5 + 2.0
        answer = exchange(port, raw, evolis.ReplyDecoder(), _reply_text, self._answer_time(len(raw)), self.name)
        return answer

    def _answer_time(self, sent: int) -> float:
        return self.settings.timeout + (self.settings.wire_seconds(sent) if sent > 4096 else 0.0)

    def _setup(self, port: Any) -> None:
        """Runs in the worker each time the port is (re)opened."""
        reply = self._exchange(port, evolis.Command("Pem", ("2",)))
        if reply != "OK":
            raise ProtocolError(self.name, f"Pem;2 answered {reply!r}", "bad_answer")

    async def query(self, name: str, *params: str) -> str:
        """A query (idempotent, retried): the reply text. The command set has no checksum, so a reply that does
        not fit the query (a flipped bit that left printable text) counts as a bad answer and is asked again."""
        command = evolis.Command(name, params)
        check = _FITS.get(name, _anything)

        def job(port: Any) -> str:
            text = self._exchange(port, command)
            if not check(text):
                raise ProtocolError(self.name, f"{command.text} answered {text!r}", "bad_answer")
            return text

        return await self.link.run(job, idempotent=True)

    async def command(self, name: str, *params: str, data: bytes = b"") -> None:
        """An action (not retried): DeviceFault with the cause when the printer answers ERR."""
        command = evolis.Command(name, params, data)
        reply = await self.link.run(lambda port: self._exchange(port, command))
        if reply != "OK":
            raise self._error(reply)

    def _error(self, text: str) -> DeviceError:
        cause = evolis.cause_of(text)
        if cause is None:
            return ProtocolError(self.name, f"unexpected answer {text!r}", "bad_answer")
        return DeviceFault(self.name, self.CAUSES[cause], cause)

    async def counter(self) -> int:
        return int(await self.query("Rco", "p"))

    async def check(self) -> str:
        """The status word (READY, BUSY, WARNING); DeviceFault when the printer is in error."""
        status = await self.query("Rst")
        state = status.split(" ", 1)[0]
        if state == "ERROR":
            detail = await self.query("Rer")
            raise self._error(detail if evolis.cause_of(detail) else status)
        if state == "WARNING":
            self.set_health(Health.DEGRADED, status)
        return state

    # -- the CardPrinter hooks --------------------------------------------------------------------------------

    async def _fault_now(self) -> str | None:
        await self.check()  # DeviceFault with the printer's own cause when it is in error
        return None

    async def _counter(self) -> int | None:
        return await self.counter()

    async def _counter_when_idle(self) -> int | None:
        await self._until_idle()
        return await self.counter()

    async def _print(self, job: PrintJob, ticket: PrintTicket) -> None:
        if await self.check() == "BUSY":  # a card from before is still on its way: let it finish first
            await self._until_idle()
        panels = evolis.card_panels(job.card, self.panels, job.photo)
        await self.command("Ss")
        for panel in panels:
            await self.command(panel.name, *panel.params, data=panel.data)
        try:
            await self.command("Se")
        except DeviceFault:  # refused before feeding a card (feeder empty, cover open)
            raise
        except DeviceError as err:
            raise DeviceTimeout(self.name, f"no clear answer to the print command: {err.message}", "no_answer") from err
        await self._until_idle()
        if ticket.counter is None or await self.counter() > ticket.counter:
            return  # out (the last card of the stock leaves the printer in error: that is for the next job)
        await self.check()  # the card did not come out: the printer's own error says why (a jam), else:
        raise ProtocolError(self.name, "printer ready again but the card counter did not move", "bad_answer")

    async def _until_idle(self) -> None:
        """Poll the status until the printer is no longer printing a card."""
        deadline = self.timebase.monotonic() + self.print_timeout
        while (await self.query("Rst")).split(" ", 1)[0] == "BUSY":
            if self.timebase.monotonic() >= deadline:
                raise DeviceTimeout(self.name, f"card not out after {self.print_timeout:g} s", "no_answer")
            await self.timebase.sleep(self.poll)

    async def _clear(self) -> None:
        """Clear mechanical errors; a card left inside is rejected to the reject box."""
        await self.command("Pcl")
        if await self.query("Rse", "i") == "CARD":
            await self.command("Ser")


_FITS: dict[str, Callable[[str], bool]] = {
    "Rst": lambda text: text.split(" ", 1)[0] in evolis.STATES,
    "Rer": lambda text: text == "NONE" or evolis.cause_of(text) is not None,
    "Rco": str.isdigit,
    "Rse": lambda text: text in ("CARD", "NO CARD"),
}


def _anything(text: str) -> bool:
    return True


def _reply_text(event: evolis.Reply | evolis.Garbage) -> str | None:
    return event.text if isinstance(event, evolis.Reply) else None
