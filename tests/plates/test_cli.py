"""`lane plates read`: plain and JSON output, files that are not images, images too large by their header, and
file names that carry escape codes."""

from __future__ import annotations

import argparse
import json
import struct
import zlib
from pathlib import Path

import cv2
import pytest

from devices import render
from lane import plates_cli


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    parser = argparse.ArgumentParser(prog="lane")
    plates_cli.add_parser(parser.add_subparsers(dest="command"))
    code = plates_cli.run(parser.parse_args(argv))
    return code, capsys.readouterr().out


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    good = tmp_path / "frame.png"
    cv2.imwrite(str(good), render.plate_frame("G 1234 AB", seed=1))
    corrupt = tmp_path / "corrupt.jpg"
    corrupt.write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    text = tmp_path / "notes.txt"
    text.write_text("G 1234 AB")
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    black = tmp_path / "black.png"
    cv2.imwrite(str(black), render.plate_frame(None) * 0)
    return {
        "good": good,
        "corrupt": corrupt,
        "text": text,
        "empty": empty,
        "black": black,
        "missing": tmp_path / "missing.png",
    }


def test_json_lines(files: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    order = ["good", "corrupt", "text", "empty", "black", "missing"]
    code, out = run(["plates", "read", "--json", *(str(files[k]) for k in order)], capsys)
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["file"] for r in rows] == [str(files[k]) for k in order]
    assert all({"file", "plate", "confidence", "ms", "reason"} <= set(r) for r in rows)
    assert rows[0]["plate"] == "G 1234 AB" and 0 < rows[0]["confidence"] <= 1 and rows[0]["reason"] == ""
    for r in rows[1:]:
        assert r["plate"] is None and r["confidence"] is None and r["reason"], r
    assert rows[4]["reason"] == "black image"
    assert code == 1, "some files were not images"


def test_plain_output(files: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(["plates", "read", str(files["good"])], capsys)
    assert code == 0
    assert "G 1234 AB" in out and "confidence" in out and " ms" in out


def test_crop_mode(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    crop = tmp_path / "crop.png"
    cv2.imwrite(str(crop), render.plate_image("AD 8821 XY", black=True))
    code, out = run(["plates", "read", "--crop", "--json", str(crop)], capsys)
    assert code == 0 and json.loads(out)["plate"] == "AD 8821 XY"


def test_says_when_it_reads_without_the_second_recogniser(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from plates import ppocr

    monkeypatch.setattr(ppocr, "model", lambda: None)
    monkeypatch.setattr(ppocr, "missing", "onnxruntime is not installed")
    parser = argparse.ArgumentParser(prog="lane")
    plates_cli.add_parser(parser.add_subparsers(dest="command"))
    code = plates_cli.run(parser.parse_args(["plates", "read", "--json", str(files["good"])]))
    out, err = capsys.readouterr()
    assert code == 0 and json.loads(out)["plate"] == "G 1234 AB"  # stdout stays one JSON object a line
    assert err == "note: reading without the second recogniser: onnxruntime is not installed\n"


def png_claiming(width: int, height: int) -> bytes:
    """A PNG whose header says width x height (8-bit grey) and whose pixels are a few zero rows: what a
    decompression bomb looks like to a header reader."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    rows = zlib.compress(b"\0" * (width + 1) * 4)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")


def test_an_image_too_large_by_its_header_is_refused_undecoded(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    bomb = tmp_path / "bomb.png"
    bomb.write_bytes(png_claiming(20000, 20000))
    wide = tmp_path / "wide.png"
    wide.write_bytes(png_claiming(60_000, 1000))  # 60 megapixels: under Pillow's own bomb limit, over ours
    decoded: list[object] = []
    monkeypatch.setattr(cv2, "imdecode", lambda *a: decoded.append(a))
    code, out = run(["plates", "read", "--json", str(bomb), str(wide)], capsys)
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 1 and decoded == []
    assert rows[0]["reason"] == "image too large (over 50 megapixels by its header), not decoded"
    assert rows[1]["reason"] == "image too large (60000 x 1000 pixels, at most 50 megapixels), not decoded"


def test_a_file_name_with_escape_codes_prints_none(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    name = tmp_path / "x\x1b]0;owned\x07\x1b[2J\x9b31m.png"
    name.write_bytes(b"not an image")
    code, out = run(["plates", "read", str(name)], capsys)
    assert code == 1 and "not an image file" in out
    assert not any(c in out for c in "\x1b\x07\x9b")
    code, out = run(["plates", "read", "--json", str(name)], capsys)
    assert not any(c in out for c in "\x1b\x07\x9b") and json.loads(out)["file"] == str(name)
