"""All configuration in one place, read from the environment (prefix ``PIZZERIA_``)."""

from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AliasChoices, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEV_TOKENS: dict[str, str] = {
    "dev-customer-token": "customer",
    "dev-kitchen-token": "kitchen",
    "dev-driver-token": "driver",
    "dev-admin-token": "admin",
}
DEV_SUBJECTS: dict[str, str] = {
    "customer": "cust-42",
    "kitchen": "kitchen-1",
    "driver": "driver-7",
    "admin": "admin",
}
DEV_ISSUER = "urn:mariospizzeria:dev"


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
    nats_servers: Annotated[list[str], NoDecode] = Field(default_factory=list)
    """Every node of a NATS cluster, comma-separated; when set, clients use these, not nats_url."""
    stream_replicas: int = Field(default=1, ge=1, le=5)
    """Copies JetStream keeps of each stream and consumer (3 on a three-node cluster)."""
    worker_concurrency: int = Field(default=200, ge=1)
    """Workflow tasks and activities one worker process runs at once (each)."""
    consumer_concurrency: int = Field(default=64, ge=1)
    """Messages one choreography consumer fetches and handles at once."""
    api_host: str = "127.0.0.1"
    api_port: int = 8000
    public_url: str = "http://localhost:8000"
    # identity: tokens are JWTs; dev and test sign them with a key under data_dir/auth
    auth_jwks_url: str | None = None
    auth_issuer: str = DEV_ISSUER
    auth_audience: str = "pizzeria"
    auth_jwks_refresh_seconds: float = Field(default=30.0, ge=0)
    # the pages sign in by OIDC authorization code + PKCE when an issuer is set
    oidc_issuer_url: str | None = None
    oidc_client_id: str = "pizzeria-web"
    oidc_client_secret: str | None = None
    oidc_provider_name: str = "your identity provider"
    dev_tokens: bool | None = None
    faults_enabled: bool | None = None
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
    # Choreography: how consumers retry, how long a cancel waits for its undo, what streams keep.
    choreo_ack_wait_seconds: float = 30.0
    choreo_max_attempts: int = Field(default=5, ge=1)
    choreo_backoff_seconds: tuple[float, ...] = (0.2, 0.5, 1.0, 2.0, 5.0)
    choreo_cancel_wait_seconds: float = 20.0
    events_max_age_seconds: float = 7 * 24 * 3600
    events_max_bytes: int = 1 << 30
    deadletters_max_age_seconds: float = 30 * 24 * 3600
    codec_keys: Annotated[list[str], NoDecode] = Field(default_factory=list)
    """Temporal payload keys, ``<key id>:<base64 of 32 bytes>``, comma-separated; the first
    encrypts, all decrypt. Empty: a dev key generated once in ``data_dir``."""

    @model_validator(mode="after")
    def _database_beside_the_data(self) -> "Settings":
        # Unset, the SQLite file lives in data_dir, where `pizzeria up` puts it: every
        # command (audit, migrate, deadletters) given one PIZZERIA_DATA_DIR finds one database.
        if "database_url" not in self.model_fields_set:
            self.__dict__["database_url"] = sqlite_in(self.data_dir)
        return self

    @model_validator(mode="after")
    def _oidc_tokens_verify(self) -> "Settings":
        if self.oidc_issuer_url is not None and self.auth_jwks_url is None:
            # Its tokens would be checked against the dev key and never verify.
            raise ValueError("PIZZERIA_OIDC_ISSUER_URL needs PIZZERIA_AUTH_JWKS_URL (its keys)")
        return self

    @field_validator("codec_keys", "nats_servers", mode="before")
    @classmethod
    def _split_commas(cls, value: object) -> object:
        if isinstance(value, str):  # the environment's "a,b,c"
            return [key.strip() for key in value.split(",") if key.strip()]
        return value

    def nats_server_urls(self) -> list[str]:
        """The NATS nodes a client may connect to: the cluster's list, else the one URL."""
        return self.nats_servers or [self.nats_url]

    def uses_dev_tokens(self) -> bool:
        """Whether the four fixed dev tokens are accepted (default: outside production)."""
        return self.env != "production" if self.dev_tokens is None else self.dev_tokens

    def uses_dev_key(self) -> bool:
        """Whether tokens are checked against the dev key rather than a provider's JWKS."""
        return self.auth_jwks_url is None

    def uses_oidc(self) -> bool:
        """Whether the pages offer the provider's sign-in (authorization code with PKCE)."""
        return self.oidc_issuer_url is not None

    def faults_on(self) -> bool:
        """Whether the admin fault-injection endpoints exist (default: outside production)."""
        return self.env != "production" if self.faults_enabled is None else self.faults_enabled


@lru_cache
def sqlite_in(data_dir: Path) -> str:
    """The SQLite database of a stack whose state lives in ``data_dir``."""
    return f"sqlite+aiosqlite:///{data_dir}/pizzeria.db"


def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
