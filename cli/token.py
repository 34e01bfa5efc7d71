"""``pizzeria token ROLE``: a JWT signed by the dev key, for trying the API by hand.

The API in dev and test verifies tokens against the key under
``<data-dir>/auth/``, so a token printed here works against any API sharing the
data directory. Production trusts its identity provider only.
"""

import re
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from infra.settings import DEV_SUBJECTS, Settings

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
DURATION = re.compile(r"^(\d+)([smhd]?)$")


class TokenRole(StrEnum):
    """The roles a token can carry."""

    customer = "customer"
    kitchen = "kitchen"
    driver = "driver"
    admin = "admin"


def seconds(duration: str) -> int:
    """``"8h"``, ``"30m"``, ``"90s"``, ``"2d"`` or bare seconds, as seconds."""
    match = DURATION.match(duration.strip())
    if match is None or int(match.group(1)) == 0:
        raise typer.BadParameter(f"'{duration}' is not a duration such as 8h, 30m or 90s")
    return int(match.group(1)) * UNITS[match.group(2) or "s"]


def dev_token(settings: Settings, data_dir: Path, role: str, subject: str, ttl: int) -> str:
    """A token for ``subject`` as ``role``, signed by the dev key in ``data_dir``."""
    from api.auth import dev_key  # the API's package, loaded only when a token is asked for

    return dev_key.sign(
        dev_key.load_or_create(data_dir),
        {"sub": subject, "role": role},
        issuer=settings.auth_issuer,
        audience=settings.auth_audience,
        ttl_seconds=ttl,
    )


def token(
    role: Annotated[TokenRole, typer.Argument(help="customer, kitchen, driver or admin")],
    subject: Annotated[
        str | None, typer.Option(help="Who the token is for [default: the role's dev subject]")
    ] = None,
    ttl: Annotated[str, typer.Option(help="How long it is valid: 8h, 30m, 90s, 2d")] = "8h",
    data_dir: Annotated[
        Path | None, typer.Option(help="State directory [default: PIZZERIA_DATA_DIR or .data]")
    ] = None,
) -> None:
    """Print a JWT signed by the dev key; the last line is the bare token."""
    settings = Settings()
    if not settings.uses_dev_key():
        typer.echo(
            "pizzeria token: PIZZERIA_AUTH_JWKS_URL is set, so the API trusts that provider "
            "only; get a token from it instead",
            err=True,
        )
        raise typer.Exit(2)
    who = subject or DEV_SUBJECTS[role.value]
    lifetime = seconds(ttl)
    typer.echo(f"{role.value} token for '{who}', valid {ttl}:", err=True)
    typer.echo(dev_token(settings, data_dir or settings.data_dir, role.value, who, lifetime))


def dev_token_lines(settings: Settings, data_dir: Path) -> list[str]:
    """One line per role for ``pizzeria up``: the dev alias and a fresh 8-hour JWT."""
    if not settings.uses_dev_key():
        return []
    lines = []
    for role, subject in DEV_SUBJECTS.items():
        jwt = dev_token(settings, data_dir, role, subject, UNITS["h"] * 8)
        alias = f"dev-{role}-token or " if settings.uses_dev_tokens() else ""
        lines.append(f"{role} token ({subject}): {alias}{jwt}")
    return lines
