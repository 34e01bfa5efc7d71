"""``pizzeria codec-key``: a new key for encrypting Temporal payloads."""

from typing import Annotated

import typer


def codec_key(
    key_id: Annotated[
        str | None, typer.Argument(help="The key's id, e.g. 2026-12 [default: random]")
    ] = None,
) -> None:
    """Print a new key for PIZZERIA_CODEC_KEYS; to rotate, list it first and keep the old ones."""
    from infra.codec_keys import new_key

    typer.echo(new_key(key_id))
