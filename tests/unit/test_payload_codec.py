"""The payload codec: AES-256-GCM with the key id in the metadata, keys from settings."""

import stat
from pathlib import Path

import pytest
from temporalio.api.common.v1 import Payload

from infra.codec import ENCODING, KEY_ID, EncryptionCodec, PayloadTampered, UnknownCodecKey
from infra.codec_keys import CodecKeyError, KeyRing, key_ring, parse_key
from infra.settings import Settings
from infra.temporal import data_converter
from services.messages import OrderContact
from tests.support import ROTATED_CODEC_KEY, TEST_CODEC_KEY

CONTACT = OrderContact(
    name="Ada Lovelace", phone="+39 055 123 4567", email="ada@example.com", delivery_address="X 1"
)


def ring(*keys: str) -> KeyRing:
    return KeyRing(tuple(parse_key(key) for key in keys))


def clear_payload() -> Payload:
    return Payload(metadata={"encoding": b"json/plain"}, data=b'{"phone": "+39 055 123 4567"}')


async def test_a_payload_round_trips_and_its_ciphertext_hides_the_data() -> None:
    codec = EncryptionCodec(ring(TEST_CODEC_KEY))
    [sealed] = await codec.encode([clear_payload()])
    assert b"+39 055" not in sealed.SerializeToString()
    assert await codec.decode([sealed]) == [clear_payload()]


async def test_the_key_id_and_encoding_travel_in_the_metadata() -> None:
    [sealed] = await EncryptionCodec(ring(TEST_CODEC_KEY)).encode([clear_payload()])
    assert sealed.metadata["encoding"] == ENCODING
    assert sealed.metadata[KEY_ID] == b"tests-a"


async def test_the_same_payload_encrypts_differently_each_time() -> None:
    codec = EncryptionCodec(ring(TEST_CODEC_KEY))
    first, second = await codec.encode([clear_payload(), clear_payload()])
    assert first.data != second.data


async def test_an_altered_ciphertext_is_refused() -> None:
    codec = EncryptionCodec(ring(TEST_CODEC_KEY))
    [sealed] = await codec.encode([clear_payload()])
    flipped = bytes([sealed.data[-1] ^ 1])
    tampered = Payload(metadata=sealed.metadata, data=sealed.data[:-1] + flipped)
    with pytest.raises(PayloadTampered, match="altered"):
        await codec.decode([tampered])


async def test_a_payload_relabelled_with_another_known_key_id_is_refused() -> None:
    codec = EncryptionCodec(ring(TEST_CODEC_KEY, ROTATED_CODEC_KEY))
    [sealed] = await codec.encode([clear_payload()])
    relabelled = Payload(metadata={**sealed.metadata, KEY_ID: b"tests-b"}, data=sealed.data)
    with pytest.raises(PayloadTampered):
        await codec.decode([relabelled])


async def test_an_unknown_key_id_is_refused_with_the_keys_that_are_known() -> None:
    [sealed] = await EncryptionCodec(ring(ROTATED_CODEC_KEY)).encode([clear_payload()])
    with pytest.raises(UnknownCodecKey, match=r"key id 'tests-b'.*known: tests-a.*CODEC_KEYS"):
        await EncryptionCodec(ring(TEST_CODEC_KEY)).decode([sealed])


async def test_payloads_without_the_codecs_encoding_pass_through_decode_unchanged() -> None:
    codec = EncryptionCodec(ring(TEST_CODEC_KEY))
    assert await codec.decode([clear_payload()]) == [clear_payload()]


async def test_after_rotation_the_first_key_encrypts_and_the_old_one_still_decrypts() -> None:
    [old] = await EncryptionCodec(ring(TEST_CODEC_KEY)).encode([clear_payload()])
    rotated = EncryptionCodec(ring(ROTATED_CODEC_KEY, TEST_CODEC_KEY))
    [new] = await rotated.encode([clear_payload()])
    assert new.metadata[KEY_ID] == b"tests-b"
    assert await rotated.decode([old, new]) == [clear_payload(), clear_payload()]


async def test_the_data_converter_encrypts_pydantic_models_end_to_end() -> None:
    converter = data_converter(Settings(_env_file=None, codec_keys=TEST_CODEC_KEY))
    [payload] = await converter.encode([CONTACT])
    assert b"ada@example.com" not in payload.SerializeToString()
    assert await converter.decode([payload], [OrderContact]) == [CONTACT]


def test_settings_read_a_comma_separated_key_list_first_key_first(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PIZZERIA_CODEC_KEYS", f"{ROTATED_CODEC_KEY}, {TEST_CODEC_KEY}")
    assert key_ring(Settings(_env_file=None)).ids == ["tests-b", "tests-a"]


@pytest.mark.parametrize(
    ("key", "complaint"),
    [
        ("no-separator", "is written"),
        ("k:not base64!", "not valid base64"),
        ("k:c2hvcnQ=", "has 5 bytes"),
    ],
)
def test_a_malformed_key_is_refused_with_what_is_wrong(key: str, complaint: str) -> None:
    with pytest.raises(CodecKeyError, match=complaint):
        key_ring(Settings(_env_file=None, codec_keys=[key]))


def test_dev_generates_one_key_in_the_data_dir_readable_by_its_owner_only(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, env="dev", data_dir=tmp_path)
    first, again = key_ring(settings), key_ring(settings)
    assert first == again
    mode = stat.S_IMODE((tmp_path / "codec.key").stat().st_mode)
    assert mode == 0o600
    assert [path.name for path in tmp_path.iterdir()] == ["codec.key"]


def test_production_without_configured_keys_refuses_to_start(tmp_path: Path) -> None:
    with pytest.raises(CodecKeyError, match="PIZZERIA_CODEC_KEYS"):
        key_ring(Settings(_env_file=None, env="production", data_dir=tmp_path))
    assert not (tmp_path / "codec.key").exists()
