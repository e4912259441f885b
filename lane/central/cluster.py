"""A local PostgreSQL cluster in a folder of its own, started with Debian's initdb and pg_ctl
(/usr/lib/postgresql/*/bin): `make central` (under var/central), the tests (a temporary folder) and
`lane demo --central`. It listens on a loopback port and on a unix socket in the folder.

initdb and postgres refuse to run as root: as root the cluster's folder is given to the `postgres` user (Debian's
package makes it) and the binaries run as that user through runuser. Trust authentication on loopback only: the
roles and row-level security of `lane.central.schema` are what the tests and the demo exercise, not passwords.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

SUPERUSER = "central"  # the cluster's superuser, who owns the schema


class ClusterError(Exception):
    """The cluster cannot be made or started: `str()` says why."""


def bin_dir() -> Path | None:
    """The newest installed PostgreSQL's bin folder, or None when the postgres binaries are absent."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parent.parent.name))
    return Path(found[-1]).parent if found else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True)
class Cluster:
    folder: Path
    port: int

    @property
    def data(self) -> Path:
        return self.folder / "data"

    @property
    def socket_dir(self) -> Path:
        return self.folder / "run"

    def dsn(self, user: str = SUPERUSER, dbname: str = "central") -> str:
        return f"host=127.0.0.1 port={self.port} user={user} dbname={dbname}"

    def _run(self, *argv: str) -> subprocess.CompletedProcess[str]:
        tools = bin_dir()
        if tools is None:
            raise ClusterError("no PostgreSQL binaries under /usr/lib/postgresql/*/bin (apt-get install postgresql)")
        cmd = [str(tools / argv[0]), *argv[1:]]
        if os.geteuid() == 0:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        done = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if done.returncode:
            raise ClusterError(f"{argv[0]} failed: {(done.stderr or done.stdout).strip().splitlines()[-1:]}")
        return done

    def _own(self) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres", "postgres")
            for path in self.folder.rglob("*"):
                shutil.chown(path, "postgres", "postgres")

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    def start(self) -> None:
        """initdb when the folder has no cluster, then pg_ctl start (waiting until it takes connections)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        self.socket_dir.mkdir(exist_ok=True)
        self._own()
        if not (self.data / "PG_VERSION").exists():
            self._run("initdb", "-D", str(self.data), "-U", SUPERUSER, "--auth=trust", "-E", "UTF8", "--locale=C")
            with (self.data / "postgresql.conf").open("a") as conf:
                conf.write(
                    "\n# lane.central.cluster\nlisten_addresses = '127.0.0.1'\nshared_buffers = 256MB\n"
                    "max_wal_size = 2GB\nsynchronous_commit = on\n"
                )
        if self.running():
            return
        log = self.folder / "postgres.log"
        self._run(
            "pg_ctl", "-D", str(self.data), "-l", str(log), "-w", "-t", "60", "-o",
            f"-p {self.port} -k {self.socket_dir}", "start",
        )  # fmt: skip
        self._createdb()

    def _createdb(self) -> None:
        import psycopg

        with psycopg.connect(self.dsn(dbname="postgres"), autocommit=True) as con:
            if con.execute("SELECT 1 FROM pg_database WHERE datname = 'central'").fetchone() is None:
                con.execute("CREATE DATABASE central")

    def stop(self, mode: str = "fast") -> None:
        if self.running():
            self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")


def main(argv: list[str]) -> int:
    """`python -m lane.central.cluster start|stop FOLDER PORT` (make central, make central-stop): start applies the
    migrations too and prints the connection string."""
    if len(argv) != 3 or argv[0] not in ("start", "stop") or not argv[2].isdigit():
        print("usage: python -m lane.central.cluster start|stop FOLDER PORT", file=sys.stderr)
        return 2
    cluster = Cluster(Path(argv[1]).resolve(), int(argv[2]))
    try:
        if argv[0] == "stop":
            cluster.stop()
            print(f"central: stopped ({cluster.folder})")
            return 0
        cluster.start()
        import psycopg

        from lane.central.schema import migrate

        with psycopg.connect(cluster.dsn(), autocommit=True) as con:
            applied = migrate(con)
    except (ClusterError, OSError) as err:
        print(f"central: {err}", file=sys.stderr)
        return 1
    print(f"central: running in {cluster.folder}, migrations applied: {', '.join(applied) or 'none new'}")
    print(f'central: dsn "{cluster.dsn()}" (lane central --dsn ...)')
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
