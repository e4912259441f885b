"""Open an HTML report in headless Chromium with no network, take a screenshot and check that the charts render.

    .venv/bin/python -m benchmarks.report_screenshot [--html FILE] [--png FILE]

Without --html it makes the report itself from a fresh `lane simulate --hours 8 --lanes 4` in a temporary
directory. No network: Chromium runs in a network namespace of its own that has only loopback (`unshare --net`,
when the system allows it; the script says which), and in any case with every host name resolving to nothing and
a proxy that does not exist; the page's own Content-Security-Policy forbids loading anything besides.
The check: each chart draws its data in its own fill colour (lane.report.svg.COLOURS); the screenshot must show
each of the required ones over at least MIN_PIXELS pixels. Exit 0 when they all show, 1 when one does not,
77 (skipped) when /usr/bin/chromium is absent. tests/lane/test_report_html.py runs the same check.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import cv2
import numpy as np

from lane.report.svg import COLOURS

ROOT = Path(__file__).resolve().parent.parent

CHROMIUM = Path("/usr/bin/chromium")
#: Drawn whenever there is a completed renewal: the histogram with its target line, the daily and weekly trends of
#: total time with the goal line, the lanes side by side (service), the stages, the hours, the share by day.
REQUIRED = ("histogram", "target", "trend_day", "trend_week", "goal", "lane_service", "stage", "hour_done", "share")
MIN_PIXELS = 100
SIZE = (1280, 3200)  # the charts come first on the page (after the rules and tiles); this height holds all seven


def isolated() -> bool:
    """Whether this system lets us run a program in a network namespace of its own (root, or unprivileged
    user namespaces)."""
    unshare = shutil.which("unshare")
    return unshare is not None and subprocess.run([unshare, "--net", "true"], capture_output=True).returncode == 0


def command(html: Path, png: Path, profile: Path, size: tuple[int, int] = SIZE) -> list[str]:
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--hide-scrollbars",
        "--no-first-run",
        "--no-default-browser-check",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-extensions",
        "--host-resolver-rules=MAP * ~NOTFOUND",
        "--proxy-server=socks5://127.0.0.1:9",
        f"--user-data-dir={profile}",
        f"--window-size={size[0]},{size[1]}",
        f"--screenshot={png}",
        html.resolve().as_uri(),
    ]
    return (["unshare", "--net"] if isolated() else []) + [str(CHROMIUM), *flags]


def screenshot(html: Path, png: Path, timeout: float = 60.0) -> list[str]:
    """Take the screenshot; returns the command used. Raises RuntimeError when no image comes out."""
    with tempfile.TemporaryDirectory(prefix="report-chromium-") as profile:
        cmd = command(html, png, Path(profile))
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if not png.is_file() or png.stat().st_size == 0:
        raise RuntimeError(f"chromium wrote no screenshot (exit {done.returncode}): {done.stderr[-2000:]}")
    return cmd


def chart_pixels(png: Path, tolerance: int = 2) -> dict[str, int]:
    """How many pixels of the screenshot show each chart colour (within `tolerance` per channel)."""
    image = cv2.imread(str(png), cv2.IMREAD_COLOR)
    if image is None:
        raise RuntimeError(f"{png}: not an image")
    pixels = image.astype(np.int16)
    out = {}
    for name, hex_colour in COLOURS.items():
        r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
        near = np.abs(pixels - np.array([b, g, r], dtype=np.int16)) <= tolerance
        out[name] = int(np.count_nonzero(near.all(axis=2)))
    return out


def _make_report(tmp: Path) -> Path:
    db, html = tmp / "sim.db", tmp / "report.html"
    lane = str(ROOT / ".venv" / "bin" / "lane")
    subprocess.run(
        [lane, "simulate", "--hours", "8", "--lanes", "4", "--db", str(db), "--fast-store"],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    subprocess.run(
        [sys.executable, "-m", "lane.report", "--db", str(db), "--html", str(html), "--quiet"], cwd=ROOT, check=True
    )
    return html


def main() -> int:
    ap = argparse.ArgumentParser(description="screenshot an HTML report in headless Chromium, no network")
    ap.add_argument("--html", type=Path, help="the report (default: make one from a simulated day)")
    ap.add_argument("--png", type=Path, default=ROOT / "var" / "report-screenshot.png")
    args = ap.parse_args()
    if not CHROMIUM.exists():
        print(f"skipped: {CHROMIUM} is absent (apt-get install chromium)")
        return 77
    with tempfile.TemporaryDirectory() as name:
        html = args.html or _make_report(Path(name))
        args.png.parent.mkdir(parents=True, exist_ok=True)
        args.png.unlink(missing_ok=True)
        cmd = screenshot(html, args.png)
        html_size = html.stat().st_size
    print(
        (
            "network namespace: own, loopback only\n"
            if cmd[0] == "unshare"
            else "network namespace: shared (unshare not allowed); hosts resolve to nothing, proxy refused\n"
        )
        + f"screenshot: {args.png} ({args.png.stat().st_size:,} bytes) of {html} ({html_size:,} bytes)"
    )
    counts = chart_pixels(args.png)
    missing = [name for name in REQUIRED if counts[name] < MIN_PIXELS]
    for name, count in counts.items():
        print(f"  {name:<11} {COLOURS[name]}  {count:>7} px" + ("  MISSING" if name in missing else ""))
    print("charts render" if not missing else f"charts missing: {', '.join(missing)}")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
