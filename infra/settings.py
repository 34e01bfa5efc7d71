"""All configuration in one place, read from the environment (prefix ``PIZZERIA_``)."""

from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEV_TOKENS: dict[str, str] = {
    "dev-customer-token": "customer",
    "dev-kitchen-token": "kitchen",
    "dev-driver-token": "driver",
    "dev-admin-token": "admin",
}


class Settings(BaseSettings):
    """Every knob of the system; see the configuration table in the README."""

    model_config = SettingsConfigDict(env_prefix="PIZZERIA_", env_file=".env", extra="ignore")

    env: Literal["dev", "test", "production"] = "dev"
    mode: Literal["orchestration", "choreography"] = "orchestration"
    data_dir: Path = Path(".data")
    database_url: str = "sqlite+aiosqlite:///.data/pizzeria.db"
    temporal_address: str = Field(
        default="localhost:7233",
        validation_alias=AliasChoices("TEMPORAL_ADDRESS", "PIZZERIA_TEMPORAL_ADDRESS"),
    )
    temporal_namespace: str = "default"
    temporal_ui_url: str = "http://localhost:8233"
    nats_url: str = "nats://127.0.0.1:4222"
    api_host: str = "127.0.0.1"
    api_port: int = 8000
    public_url: str = "http://localhost:8000"
    tokens: dict[str, str] = Field(default_factory=lambda: dict(DEV_TOKENS))
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_sender: str = "orders@mariospizzeria.example"
    payment_limit: Decimal = Decimal("500.00")
    cooking_sla_seconds: float = 15 * 60
    ready_sla_seconds: float = 30 * 60
    delivery_sla_seconds: float = 45 * 60
    log_format: Literal["json", "console"] = "json"
    log_level: str = "INFO"
    metrics_port: int | None = None  # worker, relay, consumers; the API serves its own /metrics
    codec_keys: Annotated[list[str], NoDecode] = Field(default_factory=list)
    """Temporal payload keys, ``<key id>:<base64 of 32 bytes>``, comma-separated; the first
    encrypts, all decrypt. Empty: a dev key generated once in ``data_dir``."""

    @field_validator("codec_keys", mode="before")
    @classmethod
    def _split_codec_keys(cls, value: object) -> object:
        if isinstance(value, str):  # the environment's "id:key,id:key"
            return [key.strip() for key in value.split(",") if key.strip()]
        return value

    def uses_dev_tokens(self) -> bool:
        """Whether any well-known dev token is configured."""
        return any(token in DEV_TOKENS for token in self.tokens)


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
