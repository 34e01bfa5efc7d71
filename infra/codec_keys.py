"""The payload codec's key ring: keys from settings for rotation, or a dev key made once.

A key is written ``<key id>:<base64 of 32 random bytes>``. ``PIZZERIA_CODEC_KEYS``
lists one or more, comma-separated: the first encrypts new payloads, every one
listed decrypts, so a rotation puts the new key first and keeps the old ones
until no running order needs them. Without configured keys (dev, test) one key
is generated under ``<data-dir>/codec.key``, readable by its owner only.
"""

import base64
import binascii
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from infra.settings import Settings

KEY_BYTES = 32  # AES-256
DEV_KEY_FILE = "codec.key"


class CodecKeyError(ValueError):
    """A configured key cannot be used, or production has none."""


@dataclass(frozen=True)
class KeyRing:
    """Named AES-256 keys, the encrypting one first."""

    keys: tuple[tuple[str, bytes], ...]

    def __post_init__(self) -> None:
        if not self.keys:
            raise CodecKeyError("a key ring needs at least one key")

    @property
    def current(self) -> tuple[str, bytes]:
        """The key new payloads are encrypted with: its id and bytes."""
        return self.keys[0]

    @property
    def ids(self) -> list[str]:
        """Every key id, the encrypting one first."""
        return [key_id for key_id, _ in self.keys]


def parse_key(text: str) -> tuple[str, bytes]:
    """``<key id>:<base64>`` as (id, 32 bytes); ``CodecKeyError`` says what is wrong."""
    key_id, sep, encoded = text.strip().partition(":")
    if not sep or not key_id:
        raise CodecKeyError("a codec key is written '<key id>:<base64 of 32 bytes>'")
    try:
        key = base64.b64decode(encoded, validate=True)
    except binascii.Error:
        raise CodecKeyError(f"codec key '{key_id}' is not valid base64") from None
    if len(key) != KEY_BYTES:
        raise CodecKeyError(f"codec key '{key_id}' has {len(key)} bytes; AES-256 needs 32")
    return key_id, key


def new_key(key_id: str | None = None) -> str:
    """A fresh key in the settings' notation."""
    key_id = key_id or f"key-{secrets.token_hex(4)}"
    return f"{key_id}:{base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode()}"


def key_ring(settings: Settings) -> KeyRing:
    """The configured keys; in dev and test, the data directory's generated key without them."""
    if settings.codec_keys:
        return KeyRing(tuple(parse_key(text) for text in settings.codec_keys))
    if settings.env == "production":
        raise CodecKeyError(
            "refusing to start: PIZZERIA_ENV=production needs PIZZERIA_CODEC_KEYS "
            "(make one with `pizzeria codec-key`)"
        )
    return KeyRing((dev_key(settings.data_dir),))


def dev_key(data_dir: Path) -> tuple[str, bytes]:
    """The data directory's key, generated on first use (mode 0600)."""
    path = data_dir / DEV_KEY_FILE
    if not path.exists():
        _create_once(path, new_key(f"dev-{secrets.token_hex(4)}"))
    return parse_key(path.read_text())


def _create_once(path: Path, content: str) -> None:
    # Written aside, then linked into place: processes starting together (worker,
    # API) all end up with the one key that won, never with a half-written file.
    path.parent.mkdir(parents=True, exist_ok=True)
    draft = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w") as file:
            file.write(content + "\n")
        os.link(draft, path)
    except FileExistsError:
        pass  # another process made it first: use theirs
    finally:
        draft.unlink()
