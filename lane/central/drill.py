"""The drill-down of `lane central report --site X`: the same report as the site's own `lane report`, made by the
same code from the rows central holds. The site's rows of the period (its cycles, and the events, device events,
operator actions and queue events of those days) are copied into an in-memory store of the site's schema
(lane/store.py), and lane.report.query builds the report from it: every section, figure for figure, as the site
would print it (names and NIKs as the site's `[central] personal` policy sent them).
"""

from __future__ import annotations

from typing import Any

from lane.config import SiteConfig
from lane.report import query
from lane.report.model import Period, Report
from lane.store import Store

TABLES = ("events", "device_events", "operator_actions", "queue_events")


class UnknownSite(Exception):
    pass


def site_config(con: Any, config: SiteConfig, site: str) -> SiteConfig:
    """`config` with the site's name, time zone and goal as central knows them; UnknownSite when it knows none."""
    found = con.execute("SELECT name, timezone, goal_s FROM sites WHERE site = %s", [site]).fetchone()
    if found is None:
        raise UnknownSite(f"--site: no site {site!r} in the central database")
    name, zone, goal = found
    own = config.site.model_copy(update={"name": name or site, "office_code": site, "timezone": zone,
                                         "target_minutes": goal / 60})  # fmt: skip
    return config.model_copy(update={"site": own})


def report(con: Any, config: SiteConfig, site: str, first: Any, last: Any, slowest: int = 10) -> Report:
    """The site's `lane report` for [first, last], from central's rows."""
    store = Store(":memory:", durable=False)
    try:
        with con.transaction(), con.cursor() as cur:
            cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            mine = site_config(cur, config, site)
            period = Period(first, last, mine.site.timezone)
            start, end = period.utc_bounds()
            cur.execute(
                "SELECT data FROM cycles WHERE site = %s AND started_at >= %s AND started_at < %s ORDER BY id",
                [site, start, end],
            )
            _load(store, "cycles", [r[0] for r in cur.fetchall()])
            for table in TABLES:
                cur.execute(
                    "SELECT data FROM site_rows WHERE site = %s AND tbl = %s AND at >= %s AND at < %s ORDER BY id",
                    [site, table, start, end],
                )
                _load(store, table, [r[0] for r in cur.fetchall()])
        return query.build(store.db.conn, mine, period, personal=False, slowest=slowest)
    finally:
        store.close()


def _load(store: Store, table: str, rows: list[dict[str, Any]]) -> None:
    if rows:
        with store.transaction():
            store.db.table(table).insert_all(rows, alter=True)  # a column the site has and this program not: added
