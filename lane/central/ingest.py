"""One batch of a site's rows into the central database, with the daily aggregates, in one transaction.

`Row` is one row of a site table as the sync worker read it (already masked as the site's policy says). `write`
copies the batch into temporary staging tables (COPY), then, set-based: the aggregate contributions of the cycles'
versions already held are taken off (`cycle_facts` of the old rows, with sign -1), the cycles upserted (a row is
replaced only by a version of a higher outbox seq), the new versions' contributions added (sign +1), and every
other row upserted, a device fault counted only when its row is new. Sending a batch again changes nothing; a
cycle sent open, then ended, counts once, as ended. The site's `last_seq` moves in the same transaction, so a
worker that lost its acknowledgement learns where central stands. Runs as the site's role: row-level security
lets it write its own site's rows only.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import psycopg

_ENCODE = json.JSONEncoder(default=str, ensure_ascii=False, separators=(",", ":")).encode


@dataclass(frozen=True)
class Row:
    table: str
    id: int
    seq: int
    data: dict[str, Any]


_SETUP = """
CREATE TEMP TABLE IF NOT EXISTS stage_cycles (site text, id bigint, lane text, started_at timestamptz, seq bigint,
    data jsonb) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS stage_rows (site text, tbl text, id bigint, lane text, at timestamptz,
    cycle_id bigint, seq bigint, data jsonb) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS delta ON COMMIT DELETE ROWS AS SELECT *, 0 AS sign FROM cycle_facts WITH NO DATA;
"""

DONE = "outcome = 'completed'"
#: The columns of `daily` after its key, and what each sums over the delta of the cycles' facts.
_DAILY = [
    ("completed", f"sum(sign) FILTER (WHERE {DONE})"),
    ("rejected", "sum(sign) FILTER (WHERE outcome = 'rejected')"),
    ("aborted", "sum(sign) FILTER (WHERE outcome = 'aborted')"),
    ("abandoned", "sum(sign) FILTER (WHERE outcome = 'abandoned')"),
    ("open", "sum(sign) FILTER (WHERE outcome NOT IN ('completed', 'rejected', 'aborted', 'abandoned'))"),
    ("goal_met", f"sum(sign) FILTER (WHERE {DONE} AND total < goal_s)"),
    ("sum_total", f"sum(sign * total) FILTER (WHERE {DONE})"),
    ("sum_service", f"sum(sign * service) FILTER (WHERE {DONE})"),
    ("sum_wait", f"sum(sign * wait) FILTER (WHERE {DONE} AND wait IS NOT NULL)"),
    ("n_wait", f"sum(sign) FILTER (WHERE {DONE} AND wait IS NOT NULL)"),
]

_CYCLES = [
    "INSERT INTO delta SELECT f.*, -1 FROM cycle_facts f JOIN stage_cycles s USING (site, id)",
    "INSERT INTO cycles AS c (site, id, lane, started_at, seq, data) SELECT site, id, lane, started_at, seq, data "
    "FROM stage_cycles ON CONFLICT (site, id) DO UPDATE SET lane = excluded.lane, started_at = excluded.started_at, "
    "seq = excluded.seq, data = excluded.data, received_at = now() WHERE c.seq < excluded.seq",
    "INSERT INTO delta SELECT f.*, 1 FROM cycle_facts f JOIN stage_cycles s USING (site, id)",
    f"INSERT INTO daily AS d SELECT site, lane, day, daypart, {', '.join(f'coalesce({e}, 0)' for _, e in _DAILY)} "
    "FROM delta GROUP BY 1, 2, 3, 4 ON CONFLICT (site, day, lane, daypart) DO UPDATE SET "
    + ", ".join(f"{c} = d.{c} + excluded.{c}" for c, _ in _DAILY),
    """INSERT INTO hist_day AS h SELECT site, day, least(floor(total / 5), 1440)::smallint, sum(sign) FROM delta
    WHERE outcome = 'completed' GROUP BY 1, 2, 3 HAVING sum(sign) <> 0
    ON CONFLICT (site, day, bin) DO UPDATE SET n = h.n + excluded.n""",
    """INSERT INTO hist_month AS h SELECT site, date_trunc('month', day)::date, least(floor(total / 5), 1440)::smallint,
    sum(sign) FROM delta WHERE outcome = 'completed' GROUP BY 1, 2, 3 HAVING sum(sign) <> 0
    ON CONFLICT (site, month, bin) DO UPDATE SET n = h.n + excluded.n""",
    """INSERT INTO daily_reasons AS r SELECT site, lane, day, outcome, reason, sum(sign) FROM delta
    WHERE outcome IN ('rejected', 'aborted', 'abandoned') GROUP BY 1, 2, 3, 4, 5 HAVING sum(sign) <> 0
    ON CONFLICT (site, day, lane, outcome, reason) DO UPDATE SET n = r.n + excluded.n""",
]

# Rows other than cycles: upserted; a device event counts as a fault (as `lane report` counts them) only the
# first time its row arrives.
_ROWS = """
INSERT INTO site_rows AS r (site, tbl, id, lane, at, cycle_id, seq, data)
SELECT site, tbl, id, lane, at, cycle_id, seq, data FROM stage_rows WHERE tbl <> 'device_events'
ON CONFLICT (site, tbl, id) DO UPDATE SET lane = excluded.lane, at = excluded.at, cycle_id = excluded.cycle_id,
    seq = excluded.seq, data = excluded.data, received_at = now() WHERE r.seq < excluded.seq
"""
_DEVICE_ROWS = """
WITH put AS (
    INSERT INTO site_rows AS r (site, tbl, id, lane, at, cycle_id, seq, data)
    SELECT site, tbl, id, lane, at, cycle_id, seq, data FROM stage_rows WHERE tbl = 'device_events'
    ON CONFLICT (site, tbl, id) DO UPDATE SET lane = excluded.lane, at = excluded.at, cycle_id = excluded.cycle_id,
        seq = excluded.seq, data = excluded.data, received_at = now() WHERE r.seq < excluded.seq
    RETURNING site, lane, at, data, (xmax = 0) AS fresh
), faults AS (
    SELECT p.site, p.lane, (p.at AT TIME ZONE s.timezone)::date AS day, p.data->>'device' AS device,
           p.data->>'kind' AS kind, (p.data->>'detail')::jsonb AS detail
    FROM put p JOIN sites s USING (site)
    WHERE p.fresh AND p.data->>'kind' IN ('fault', 'health')
)
INSERT INTO daily_faults AS f
SELECT site, coalesce(lane, ''), day, coalesce(device, ''),
       CASE kind WHEN 'health' THEN coalesce(detail->>'health', '') ELSE 'fault' END,
       coalesce(CASE kind WHEN 'fault' THEN detail->>'cause' ELSE detail->>'why' END, ''), count(*)
FROM faults WHERE kind = 'fault' OR detail->>'health' IS DISTINCT FROM 'ok'
GROUP BY 1, 2, 3, 4, 5, 6
ON CONFLICT (site, day, lane, device, kind, cause) DO UPDATE SET n = f.n + excluded.n
"""


def _stage(cur: psycopg.Cursor[Any], site: str, rows: Sequence[Row]) -> tuple[int, int, int]:
    cycles = others = devices = 0
    with cur.copy("COPY stage_cycles (site, id, lane, started_at, seq, data) FROM STDIN") as copy:
        for r in rows:
            if r.table == "cycles":
                copy.write_row((site, r.id, r.data.get("lane") or "", r.data["started_at"], r.seq, _ENCODE(r.data)))
                cycles += 1
    with cur.copy("COPY stage_rows (site, tbl, id, lane, at, cycle_id, seq, data) FROM STDIN") as copy:
        for r in rows:
            if r.table != "cycles":
                d = r.data
                at = d.get("at") or d.get("printed_at")
                copy.write_row((site, r.table, r.id, d.get("lane"), at, d.get("cycle_id"), r.seq, _ENCODE(d)))
                others += 1
                devices += r.table == "device_events"
    return cycles, others - devices, devices


def write(con: psycopg.Connection[Any], site: str, rows: Sequence[Row], upto: int) -> None:
    """Write one batch (each (table, id) at most once: the newest version) and move the site's `last_seq` to
    `upto`, in one transaction. Raises psycopg.Error (nothing written) when it cannot."""
    with con.transaction(), con.cursor() as cur:
        cur.execute(_SETUP.encode())
        cycles, others, devices = _stage(cur, site, rows)
        if cycles:
            for statement in _CYCLES:
                cur.execute(statement.encode())
        if others:
            cur.execute(_ROWS.encode())
        if devices:
            cur.execute(_DEVICE_ROWS.encode())
        cur.execute(
            "UPDATE sites SET last_seq = greatest(last_seq, %s), last_push = now() WHERE site = %s", [upto, site]
        )
        if cur.rowcount != 1:
            raise psycopg.errors.InsufficientPrivilege(f"site {site} is not registered for this role")


def last_seq(con: psycopg.Connection[Any], site: str) -> int:
    """The highest outbox seq of `site` committed centrally (0: none)."""
    with con.transaction():
        found = con.execute("SELECT last_seq FROM sites WHERE site = %s", [site]).fetchone()
    return int(found[0]) if found else 0
