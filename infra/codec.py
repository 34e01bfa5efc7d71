"""Temporal payloads encrypted with AES-256-GCM: what the server stores, nobody reads in clear.

Every payload (workflow and activity inputs and results, signals, updates,
queries, memos, failure details) leaves the process as a new payload whose data
is ``nonce || ciphertext`` of the original, serialized payload, with the key id
in its metadata. The key id is also the ciphertext's associated data, so a
payload relabelled with another key id is refused like an altered one.
Payloads without this codec's encoding (histories from before it) decode
unchanged.
"""

import os
from collections.abc import Sequence

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from temporalio.api.common.v1 import Payload
from temporalio.converter import PayloadCodec

from infra.codec_keys import KeyRing

ENCODING = b"binary/encrypted"
KEY_ID = "encryption-key-id"
NONCE_BYTES = 12


class UnknownCodecKey(ValueError):
    """The payload was encrypted with a key this process does not have."""


class PayloadTampered(ValueError):
    """The ciphertext, nonce or key id was altered: the payload is refused."""


class EncryptionCodec(PayloadCodec):
    """Encrypts with the ring's first key; decrypts with whichever key a payload names."""

    def __init__(self, ring: KeyRing) -> None:
        super().__init__()
        self._key_id, _ = ring.current
        self._ciphers = {key_id: AESGCM(key) for key_id, key in ring.keys}

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        """Encrypt each payload with the current key."""
        return [self.encrypt(payload) for payload in payloads]

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        """Decrypt our payloads; pass any other payload through unchanged."""
        return [self.decrypt(p) if is_encrypted(p) else p for p in payloads]

    def encrypt(self, payload: Payload) -> Payload:
        """One payload, encrypted."""
        key_id = self._key_id.encode()
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._ciphers[self._key_id].encrypt(nonce, payload.SerializeToString(), key_id)
        return Payload(metadata={"encoding": ENCODING, KEY_ID: key_id}, data=nonce + sealed)

    def decrypt(self, payload: Payload) -> Payload:
        """One of our payloads, decrypted; ``UnknownCodecKey`` or ``PayloadTampered`` if not."""
        key_id = payload.metadata.get(KEY_ID, b"").decode(errors="replace")
        cipher = self._ciphers.get(key_id)
        if cipher is None:
            raise UnknownCodecKey(
                f"payload was encrypted with key id '{key_id}', which is not configured "
                f"(known: {', '.join(self._ciphers)}); add it to PIZZERIA_CODEC_KEYS"
            )
        nonce, sealed = payload.data[:NONCE_BYTES], payload.data[NONCE_BYTES:]
        try:
            plain = cipher.decrypt(nonce, sealed, key_id.encode())
        except InvalidTag:
            raise PayloadTampered(
                f"payload encrypted with key '{key_id}' failed authentication: it was altered"
            ) from None
        return Payload.FromString(plain)


def is_encrypted(payload: Payload) -> bool:
    """Whether ``payload`` carries this codec's encoding."""
    return payload.metadata.get("encoding") == ENCODING
