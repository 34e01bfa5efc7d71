"""Fault injection: set in one place, obeyed by every process that shares the database."""

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.errors import ProviderUnavailable
from infra.settings import Settings
from services.container import Services, build_services
from services.faults import FaultInjector
from services.messages import Fault


async def test_no_fault_means_the_call_goes_ahead(services: Services) -> None:
    assert await services.faults.before_call("sms") is None


async def test_down_fault_makes_calls_raise_provider_unavailable(services: Services) -> None:
    await services.faults.set("payments", Fault(mode="down"))

    with pytest.raises(ProviderUnavailable, match="payments"):
        await services.faults.before_call("payments")
    with pytest.raises(ProviderUnavailable):
        await services.faults.before_call("payments")
    assert await services.faults.before_call("email") is None


async def test_counted_fault_counts_down_and_clears_itself(services: Services) -> None:
    await services.faults.set("kitchen", Fault(mode="down", remaining=2))

    with pytest.raises(ProviderUnavailable):
        await services.faults.before_call("kitchen")
    assert (await services.faults.active())["kitchen"].remaining == 1
    with pytest.raises(ProviderUnavailable):
        await services.faults.before_call("kitchen")

    assert await services.faults.active() == {}
    assert await services.faults.before_call("kitchen") is None


async def test_slow_fault_waits_its_delay_then_lets_the_call_through(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    waited: list[float] = []

    async def record_sleep(seconds: float) -> None:
        waited.append(seconds)

    # Only this module's sleep: patching asyncio.sleep would stall every task on the loop.
    monkeypatch.setattr("services.faults.sleep", record_sleep)
    await services.faults.set("email", Fault(mode="slow", delay_seconds=2.5))

    fault = await services.faults.before_call("email")

    assert fault is not None and fault.mode == "slow"
    assert waited == [2.5]


async def test_decline_fault_is_handed_back_to_the_caller(services: Services) -> None:
    await services.faults.set("payments", Fault(mode="decline", remaining=1))

    fault = await services.faults.before_call("payments")

    assert fault == Fault(mode="decline", remaining=1)
    assert await services.faults.before_call("payments") is None


async def test_setting_a_fault_replaces_the_previous_one(services: Services) -> None:
    await services.faults.set("sms", Fault(mode="down"))
    await services.faults.set("sms", Fault(mode="slow", delay_seconds=0.0))

    assert await services.faults.active() == {"sms": Fault(mode="slow")}


async def test_clear_lets_the_provider_behave_again(services: Services) -> None:
    await services.faults.set("inventory", Fault(mode="down"))
    await services.faults.clear("inventory")

    assert await services.faults.before_call("inventory") is None


async def test_a_fault_set_by_one_process_is_obeyed_by_another(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    api, worker = FaultInjector(sessions), FaultInjector(sessions)
    await api.set("sms", Fault(mode="down"))

    with pytest.raises(ProviderUnavailable):
        await worker.before_call("sms")


async def test_unknown_provider_is_refused(services: Services) -> None:
    with pytest.raises(ValueError, match="unknown provider 'fax'"):
        await services.faults.set("fax", Fault(mode="down"))
    with pytest.raises(ValueError):
        await services.faults.before_call("fax")


async def test_a_disabled_injector_never_reads_the_fault_table(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await FaultInjector(sessions).set("payments", Fault(mode="down"))
    statements: list[str] = []
    engine = sessions.kw["bind"].sync_engine
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        assert await FaultInjector(sessions, enabled=False).before_call("payments") is None
    finally:
        event.remove(engine, "before_cursor_execute", listener)

    assert statements == []


async def test_a_disabled_injector_refuses_to_set_a_fault(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    with pytest.raises(ValueError, match="disabled"):
        await FaultInjector(sessions, enabled=False).set("sms", Fault(mode="down"))


def test_production_services_have_fault_injection_off(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    production = Settings(_env_file=None, env="production")  # type: ignore[call-arg]

    assert not build_services(production, sessions).faults.enabled
    assert build_services(Settings(_env_file=None, env="test"), sessions).faults.enabled  # type: ignore[call-arg]
