"""The cells of the report's figure and cycle rows, and their heads in the report's language: shared by the terminal
table (lane.report.render_text) and the HTML page (lane.report.render_html), which must not load rich. No I/O.
"""

from __future__ import annotations

from lane.report.model import Figures, SlowCycle, mmss, share, timeline
from lane.report.words import Words

KINDS = ("join", "balk", "renege", "assign", "miss", "double")  # queue event kinds with a translated name
FIGURE_HEADS = ("cars", "completed", "rejected", "aborted", "other", "total_median", "total_p90", "goal_met",
                "wait_median", "wait_p90", "service_median", "service_p90", "no_queue")  # fmt: skip


def figure_cells(f: Figures) -> list[str]:
    """The cells of a figures row after its key, in FIGURE_HEADS order (the HTML tables use them too)."""
    t, w = f.total_time, f.wait_time
    other = f.abandoned + f.open
    return [str(f.total), str(f.completed), str(f.rejected), str(f.aborted), str(other) if other else "",
            mmss(t.median_s), mmss(t.p90_s), share(t.under_target), mmss(w.median_s), mmss(w.p90_s),
            mmss(f.median_s), mmss(f.p90_s), str(f.unqueued) if f.unqueued else ""]  # fmt: skip


def figure_heads(w: Words, target_min: float) -> list[str]:
    return [w(h, target=f"{target_min:g}") if h == "goal_met" else w(h) for h in FIGURE_HEADS]


def cycle_heads(w: Words) -> list[str]:
    keys = ("cycle", "lane", "started", "wait", "service", "total", "outcome", "plate", "holder", "nik", "stages_col")
    return [w(k) for k in keys]


def cycle_cells(c: SlowCycle) -> list[str]:
    return [str(c.id), c.lane, c.started, mmss(c.wait_s), mmss(c.duration_s), mmss(c.total_s), c.outcome, c.plate,
            c.holder or "-", c.nik or "-", timeline(c)]  # fmt: skip
