"""docker-compose.yml, read as data: no Docker engine runs here, so what can be
checked without one is checked here (see docs/running-on-several-machines.md
for what cannot)."""

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import jsonschema  # type: ignore[import-untyped]
import pytest
import typer
import yaml

from api.auth.principal import ROLES
from workflows.names import SEARCH_ATTRIBUTES

REPO = Path(__file__).resolve().parents[2]
COMPOSE_SCHEMA = REPO / ".." / "shared" / "compose-spec.json"
APP_ROOT_IN_IMAGE = "/app/"
NATS_SERVER = Path(sys.executable).parent / "nats-server"
SECRET_KEY = re.compile(r"PASSWORD|PWD|TOKENS|SECRET")
# ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?message}, ${VAR?message}, ${VAR:+alt}
INTERPOLATION = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*(?:(?::?[-?+])[^}]*)?\}")
REQUIRED_VARIABLE = re.compile(r"^\$\{[A-Za-z_][A-Za-z0-9_]*:\?[^}]+\}$")
URL_PASSWORD = re.compile(r"://[^:/@]+:([^@]+)@")


def load_compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    return loaded


COMPOSE = load_compose()
REALM: dict[str, Any] = json.loads((REPO / "deploy/keycloak/realm/pizzeria-realm.json").read_text())
SERVICES: dict[str, dict[str, Any]] = COMPOSE["services"]


def one_shot_services() -> set[str]:
    """Jobs others wait for to finish: named by a service_completed_successfully dependency."""
    return {
        name
        for service in SERVICES.values()
        for name, rule in service.get("depends_on", {}).items()
        if rule["condition"] == "service_completed_successfully"
    }


def long_running_services() -> set[str]:
    return set(SERVICES) - one_shot_services()


def strings_in(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for item in value.values() for s in strings_in(item)]
    if isinstance(value, list):
        return [s for item in value for s in strings_in(item)]
    return []


def app_commands(service: dict[str, Any]) -> list[str]:
    return list(service.get("command", [])) if "build" in service else []


def registered_pizzeria_commands() -> set[str]:
    from cli.main import app

    command = typer.main.get_command(app)
    assert isinstance(command, typer.core.TyperGroup), "pizzeria has a single command"
    return set(command.commands)


def test_validates_against_the_compose_specification_schema() -> None:
    if not COMPOSE_SCHEMA.is_file():
        pytest.skip(f"{COMPOSE_SCHEMA} is absent (CI keeps shared/ beside the clone)")
    schema = json.loads(COMPOSE_SCHEMA.read_text())
    jsonschema.Draft7Validator(schema).validate(COMPOSE)


def test_runs_every_piece_of_the_multi_machine_topology() -> None:
    expected = {"postgres", "temporal", "temporal-ui", "nats", "api", "worker"}
    expected |= {"relay", "consumers", "migrate", "temporal-schema", "temporal-setup"}
    expected |= {"keycloak", "keycloak-db"}
    assert expected <= set(SERVICES)
    assert SERVICES["api"]["deploy"]["replicas"] == 2
    assert SERVICES["worker"]["deploy"]["replicas"] == 2


def test_every_service_has_a_pinned_image_or_a_build() -> None:
    for name, service in SERVICES.items():
        if "build" in service:
            continue
        image = service.get("image", "")
        repository, _, tag = image.rpartition(":")
        assert repository and "/" not in tag, f"{name}: image {image!r} has no tag"
        assert tag != "latest", f"{name}: image {image!r} is not pinned"
        # PostgreSQL's exact versions have two parts (16.10); the others have three,
        # Prometheus's with a leading v (v3.4.1).
        assert re.match(r"v?\d+\.\d+", tag), f"{name}: {image!r} is not an exact version"


def test_every_long_running_service_has_a_healthcheck() -> None:
    for name in long_running_services():
        healthcheck = SERVICES[name].get("healthcheck", {})
        assert healthcheck.get("test"), f"{name} runs for good but has no healthcheck"
        assert not healthcheck.get("disable"), f"{name} disables its healthcheck"


def test_one_shot_jobs_are_not_restarted() -> None:
    assert one_shot_services() == {"migrate", "temporal-schema", "temporal-setup", "keycloak-db"}
    for name in one_shot_services():
        assert SERVICES[name].get("restart") == "no", f"{name} would rerun forever"


def test_dependencies_name_existing_services_and_wait_for_health_or_completion() -> None:
    one_shots = one_shot_services()
    finished, healthy = "service_completed_successfully", "service_healthy"
    for name, service in SERVICES.items():
        depends_on = service.get("depends_on", {})
        assert isinstance(depends_on, dict), f"{name}: depends_on needs conditions"
        for target, rule in depends_on.items():
            assert target in SERVICES, f"{name} depends on unknown service {target}"
            expected = finished if target in one_shots else healthy
            assert rule["condition"] == expected, f"{name} -> {target}"


def test_the_app_waits_for_its_migrations_and_temporal_setup() -> None:
    for name in ("api", "worker"):
        assert {"migrate", "temporal-setup"} <= set(SERVICES[name]["depends_on"])
    for name in ("relay", "consumers"):
        assert {"migrate", "nats"} <= set(SERVICES[name]["depends_on"])


def test_variables_are_well_formed() -> None:
    for text in strings_in(COMPOSE):
        leftover = INTERPOLATION.sub("", text.replace("$$", ""))
        assert "$" not in leftover, f"malformed interpolation in {text!r}"


def test_secrets_come_from_required_variables() -> None:
    for name, service in SERVICES.items():
        for key, value in (service.get("environment") or {}).items():
            text = str(value)
            if SECRET_KEY.search(key):
                assert REQUIRED_VARIABLE.match(text), f"{name}.{key} must be ${{VAR:?message}}"
            for password in URL_PASSWORD.findall(text):
                assert REQUIRED_VARIABLE.match(password), f"{name}.{key} embeds a password"


def test_the_api_is_a_resource_server_of_keycloak_with_no_dev_shortcuts() -> None:
    environment = SERVICES["api"]["environment"]
    assert environment["PIZZERIA_ENV"] == "production"
    assert not {"PIZZERIA_DEV_TOKENS", "PIZZERIA_FAULTS_ENABLED"} & set(environment)
    jwks = urlparse(environment["PIZZERIA_AUTH_JWKS_URL"])
    assert jwks.hostname == "keycloak" and jwks.hostname in SERVICES
    assert jwks.path == f"/realms/{REALM['realm']}/protocol/openid-connect/certs"
    assert environment["PIZZERIA_AUTH_AUDIENCE"] == "pizzeria"
    assert SERVICES["api"]["depends_on"]["keycloak"]["condition"] == "service_healthy"


def test_tokens_name_the_issuer_the_api_expects() -> None:
    hostname = SERVICES["keycloak"]["environment"]["KC_HOSTNAME"]
    issuer = SERVICES["api"]["environment"]["PIZZERIA_AUTH_ISSUER"]
    assert issuer == f"{hostname}/realms/{REALM['realm']}"


def test_the_realm_has_the_four_roles_and_puts_role_and_audience_in_tokens() -> None:
    assert {role["name"] for role in REALM["roles"]["realm"]} == set(ROLES)
    mappers = {
        mapper["protocolMapper"]: mapper["config"]
        for client in REALM["clients"]
        for mapper in client.get("protocolMappers", [])
    }
    audience = mappers["oidc-audience-mapper"]
    assert audience["included.custom.audience"] == "pizzeria"
    assert audience["access.token.claim"] == "true"
    role = mappers["oidc-usermodel-realm-role-mapper"]
    assert role["claim.name"] == "role" and role["access.token.claim"] == "true"


def test_the_pages_sign_in_at_a_realm_client_with_pkce_and_the_public_callback() -> None:
    environment = SERVICES["api"]["environment"]
    issuer = urlparse(environment["PIZZERIA_OIDC_ISSUER_URL"])
    assert issuer.hostname == "keycloak" and issuer.path == f"/realms/{REALM['realm']}"
    client = next(
        c for c in REALM["clients"] if c["clientId"] == environment["PIZZERIA_OIDC_CLIENT_ID"]
    )
    public_url = environment["PIZZERIA_PUBLIC_URL"].split(":-", 1)[1].rstrip("}")
    assert client["standardFlowEnabled"] and not client.get("directAccessGrantsEnabled")
    assert client["redirectUris"] == [f"{public_url}/signin/callback"]
    assert client["attributes"]["pkce.code.challenge.method"] == "S256"
    assert client["protocolMappers"] == REALM["clients"][0]["protocolMappers"]  # aud and role


def test_keycloak_imports_the_realm_export_it_mounts() -> None:
    keycloak = SERVICES["keycloak"]
    assert "--import-realm" in keycloak["command"]
    assert "./deploy/keycloak/realm:/opt/keycloak/data/import:ro" in keycloak["volumes"]


def test_the_app_image_runs_as_a_non_root_user() -> None:
    users = re.findall(r"^USER\s+(\S+)", (REPO / "Dockerfile").read_text(), re.MULTILINE)
    assert users, "the Dockerfile never leaves root"
    assert users[-1].split(":")[0] not in {"root", "0"}


def test_pizzeria_commands_are_registered_in_the_cli() -> None:
    wanted = {
        command[1]
        for service in SERVICES.values()
        if (command := app_commands(service))[:1] == ["pizzeria"]
    }
    assert wanted == {"api", "migrate", "relay", "consumers"}
    assert wanted <= registered_pizzeria_commands()


def test_python_modules_and_scripts_it_runs_exist() -> None:
    assert app_commands(SERVICES["worker"]) == ["python", "-m", "worker"]
    assert "def main(" in (REPO / "worker.py").read_text()
    for service in SERVICES.values():
        for word in app_commands(service) + strings_in(service.get("healthcheck", {})):
            if word.startswith(APP_ROOT_IN_IMAGE):
                assert (REPO / word.removeprefix(APP_ROOT_IN_IMAGE)).is_file(), word


def test_mounted_files_and_entrypoint_scripts_exist() -> None:
    for name, service in SERVICES.items():
        mounts = {}
        for volume in service.get("volumes", []):
            source, target = volume.split(":")[:2]
            if source.startswith("./"):
                assert (REPO / source).exists(), f"{name} mounts missing {source}"
                mounts[target] = REPO / source
        for word in service.get("entrypoint", []):
            for target, source in mounts.items():
                if word.startswith(target + "/"):
                    assert (source / word.removeprefix(target + "/")).is_file(), word


def test_temporal_setup_registers_the_workflow_search_attributes() -> None:
    script = (REPO / "deploy/temporal/setup-namespace.sh").read_text()
    kinds = {"KEYWORD": "Keyword", "DOUBLE": "Double", "INT": "Int", "BOOL": "Bool"}
    for key in SEARCH_ATTRIBUTES:
        line = f"ensure_search_attribute {key.name} {kinds[key.indexed_value_type.name]}"
        assert line in script


def nats_configs() -> list[tuple[str, str]]:
    pattern = re.compile(r"/etc/nats/(\$\{NATS_TOPOLOGY:-single\}|[\w-]+)\.conf")
    found = []
    for name, service in SERVICES.items():
        for word in service.get("command", []):
            if match := pattern.fullmatch(word):
                stem = "single" if match.group(1).startswith("$") else match.group(1)
                found.append((name, stem))
    return found


def test_nats_runs_one_node_by_default_and_three_under_the_cluster_profile() -> None:
    default = [name for name, _ in nats_configs() if "profiles" not in SERVICES[name]]
    clustered = [n for n, _ in nats_configs() if "cluster" in SERVICES[n].get("profiles", [])]
    assert default == ["nats"]
    assert sorted(clustered) == ["nats-2", "nats-3"]
    cluster_config = (REPO / "deploy/nats-conf/cluster.conf").read_text()
    routes = re.findall(r"nats://([\w-]+):6222", cluster_config)
    assert sorted(routes) == ["nats", "nats-2", "nats-3"]


@pytest.mark.parametrize("stem", ["single", "cluster"])
def test_nats_configs_are_accepted_by_nats_server(stem: str) -> None:
    config = REPO / "deploy/nats-conf" / f"{stem}.conf"
    checked = subprocess.run(
        [str(NATS_SERVER), "--config", str(config), "-t"],
        env={"NATS_SERVER_NAME": "nats-test"},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert checked.returncode == 0, checked.stderr + checked.stdout


def test_the_app_is_configured_only_by_settings_the_cluster_topology_also_reads() -> None:
    from infra.settings import Settings

    known = {f"PIZZERIA_{name.upper()}" for name in Settings.model_fields} | {"TEMPORAL_ADDRESS"}
    configured = {
        name
        for service in ("api", "worker", "relay", "consumers")
        for name in SERVICES[service]["environment"]
        if name.startswith("PIZZERIA_") or name == "TEMPORAL_ADDRESS"
    }
    assert configured <= known, configured - known
    for name in ("NATS_SERVERS", "STREAM_REPLICAS", "WORKER_CONCURRENCY", "CONSUMER_CONCURRENCY"):
        assert f"PIZZERIA_{name}" in SERVICES["consumers"]["environment"]


def test_the_cluster_runs_two_of_every_app_piece() -> None:
    for name in ("api", "worker", "relay", "consumers"):
        assert SERVICES[name]["deploy"]["replicas"] == 2, name


APP_PROCESSES = {"api": 8000, "worker": 9464, "relay": 9464, "consumers": 9464}
"""Each app service and the port its Prometheus text is served on."""


def test_telemetry_runs_a_collector_jaeger_prometheus_and_grafana() -> None:
    assert {"otel-collector", "jaeger", "prometheus", "grafana"} <= set(SERVICES)
    environment = COMPOSE["x-app"]["environment"]
    assert "otel-collector:4318" in environment["OTEL_EXPORTER_OTLP_ENDPOINT"]
    assert environment["PIZZERIA_METRICS_PORT"] == "9464"
    collector = yaml.safe_load((REPO / "deploy/otel/collector.yaml").read_text())
    (pipeline,) = collector["service"]["pipelines"].values()
    (exporter,) = pipeline["exporters"]
    assert collector["exporters"][exporter]["endpoint"] == "jaeger:4317"


def test_prometheus_scrapes_every_app_process_where_it_serves_metrics() -> None:
    config = yaml.safe_load((REPO / "deploy/prometheus/prometheus.yml").read_text())
    scraped = {
        name: target["port"]
        for job in config["scrape_configs"]
        for target in job.get("dns_sd_configs", [])
        for name in target["names"]
    }
    assert scraped == APP_PROCESSES


def test_grafana_provisions_the_prometheus_source_and_the_dashboard() -> None:
    mounts = dict(volume.split(":")[:2] for volume in SERVICES["grafana"]["volumes"])
    assert mounts["./deploy/grafana/provisioning"] == "/etc/grafana/provisioning"
    provider = yaml.safe_load(
        (REPO / "deploy/grafana/provisioning/dashboards/pizzeria.yaml").read_text()
    )
    (dashboards,) = [p["options"]["path"] for p in provider["providers"]]
    assert mounts["./deploy/grafana/dashboards"] == dashboards
    dashboard = json.loads((REPO / "deploy/grafana/dashboards/pizzeria.json").read_text())
    assert all(target["expr"] for panel in dashboard["panels"] for target in panel["targets"])
