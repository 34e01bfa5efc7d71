"""Serving the API with uvicorn: ``python -m api`` and ``pizzeria api`` both come here."""

import sys

import uvicorn

from api.app import InsecureConfiguration, refuse_insecure
from infra.codec_keys import CodecKeyError, key_ring
from infra.settings import Settings
from infra.telemetry import setup_telemetry


def serve(host: str | None = None, port: int | None = None) -> int:
    """Serve until stopped; 2 (with the reason on stderr) when the settings are not safe to run."""
    settings = Settings()
    try:
        refuse_insecure(settings)
        if settings.mode == "orchestration":
            key_ring(settings)  # production without payload keys: refuse now, not per request
    except (InsecureConfiguration, CodecKeyError) as refusal:
        print(f"pizzeria api: {refusal}", file=sys.stderr)
        return 2
    setup_telemetry(settings, "pizzeria-api")
    uvicorn.run(
        "api.app:create_app",
        factory=True,
        host=host or settings.api_host,
        port=port or settings.api_port,
        log_level="warning",
        access_log=False,
        log_config=None,  # uvicorn's lines go through our one handler (JSON or console)
    )
    return 0
