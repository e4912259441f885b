"""The central schema: the versioned SQL files of `migrations/` (NNNN_name.sql), applied in order by
`lane central migrate`, each in one transaction with its row in `schema_migrations`, so a second run applies only
the new ones; and the sites' roles (`add_site`). Run as the database's owner.
"""

from __future__ import annotations

import re
from importlib import resources

import psycopg
from psycopg import sql

_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


def migration_files() -> list[tuple[int, str, str]]:
    """(version, file name, SQL) of every migration shipped, in order."""
    folder = resources.files("lane.central") / "migrations"
    found = []
    for entry in folder.iterdir():
        match = _NAME.match(entry.name)
        if match:
            found.append((int(match.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    return sorted(found)


def migrate(con: psycopg.Connection[tuple[object, ...]]) -> list[str]:
    """Apply the migrations not yet applied; returns their file names."""
    with con.transaction():
        con.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version int PRIMARY KEY, name text NOT NULL, "
            "applied_at timestamptz NOT NULL DEFAULT now())"
        )
    applied = []
    for version, name, text in migration_files():
        with con.transaction():
            con.execute("LOCK TABLE schema_migrations")  # two migrates at once: one waits, then skips
            if con.execute("SELECT 1 FROM schema_migrations WHERE version = %s", [version]).fetchone():
                continue
            con.execute(text.encode())  # several statements: sent as one simple query
            con.execute("INSERT INTO schema_migrations (version, name) VALUES (%s, %s)", [version, name])
        applied.append(name)
    return applied


def role_of(site: str) -> str:
    """The database role of a site: `site_` and its office code in lower case, '-' as '_'."""
    return "site_" + re.sub(r"[^a-z0-9_]", "_", site.lower())


def add_site(
    con: psycopg.Connection[tuple[object, ...]],
    site: str,
    name: str = "",
    timezone: str = "Asia/Jakarta",
    goal_s: float = 600.0,
    password: str | None = None,
) -> str:
    """Register a site and make its login role (a member of central_site); again: its details are updated. Returns
    the role's name."""
    role = role_of(site)
    with con.transaction():
        exists = con.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role]).fetchone()
        if not exists:
            con.execute(sql.SQL("CREATE ROLE {} LOGIN IN ROLE central_site").format(sql.Identifier(role)))
        if password is not None:
            con.execute(sql.SQL("ALTER ROLE {} PASSWORD {}").format(sql.Identifier(role), sql.Literal(password)))
        con.execute(
            "INSERT INTO sites (site, role, name, timezone, goal_s) VALUES (%s, %s, %s, %s, %s) "
            "ON CONFLICT (site) DO UPDATE SET name = excluded.name, timezone = excluded.timezone, "
            "goal_s = excluded.goal_s",
            [site, role, name, timezone, goal_s],
        )
    return role


def forget_site(con: psycopg.Connection[tuple[object, ...]], site: str) -> None:
    """Remove everything central holds of a site and set its `last_seq` back to 0 (`lane demo --central`, whose
    simulated sites start anew each time)."""
    with con.transaction():
        for table in ("cycles", "site_rows", "daily", "hist_day", "hist_month", "daily_reasons", "daily_faults"):
            con.execute(sql.SQL("DELETE FROM {} WHERE site = %s").format(sql.Identifier(table)), [site])
        con.execute("UPDATE sites SET last_seq = 0, last_push = NULL WHERE site = %s", [site])
