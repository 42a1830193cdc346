"""The kept connection (issue 12) against the emulator, whose connections change while it runs:
cold and warm start, failover (many reports, one race), moving up when the LAN comes back,
call() reporting by itself, network changes, the driver ending with its handle, events as an
iterator and as a callback, asyncio; and the servers from a snapshot while plex.tv is down.

Mirrors crates/plexlink/tests/kept.rs. Waits are bounded generously and the assertions are on
what happened, never on how fast, nor on which loser of a race finished first.
"""

from __future__ import annotations

import asyncio
import copy
import gc
import pickle
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any, Literal

import pytest

import plexlink
import plexlink.aio
from plexlink.testing import Emulator

from conftest import new_client

SERVER = "Living Room"
# A loaded machine is slow, never this slow.
EVENT_WAIT = 15.0


def keep_options() -> dict[str, Any]:
    """Short rechecks and retries, so that a test sees them within seconds."""
    return {"probe_timeout": 2, "recheck_interval": 0.3, "recheck_max": 0.6, "retry_max": 2}


def on_the_lan(emu: Emulator) -> dict[str, Any]:
    """Starts a kept connection with a warm probe of the LAN connection alone. A test that counts
    races by the relay's probes starts this way: a cold start's race also probes the relay, and
    that probe, abandoned when the LAN answers, may still reach the emulator after keep() has
    returned (on a loaded machine, it once did), counted as if a later race had made it."""
    return {"last_good": uri(emu, "local"), "warm_window": 5.0}


def uri(emu: Emulator, connection: str, server: str = SERVER) -> str:
    found = emu.server_uri(server, connection)
    assert found is not None
    return found


def server_named(client: plexlink.Client, token: str, name: str = SERVER) -> plexlink.Resource:
    return next(s for s in client.servers(token) if s.name == name)


def next_change(events: Iterator[plexlink.KeptEvent]) -> plexlink.KeptEvent:
    """The next ``changed`` event (a ``lost`` one on the way is passed over)."""
    for event in events:
        if event.kind == "changed":
            return event
    raise AssertionError("no change came")


def identity_probes(emu: Emulator, connection: str, server: str = SERVER) -> int:
    counts = emu.counters()["pms"][server][connection]["requests"]
    return int(counts.get("GET /identity", 0))


def tcp_connections(emu: Emulator, connection: str, server: str = SERVER) -> int:
    return int(emu.counters()["pms"][server][connection]["tcp_connections"])


def until(condition: Any, seconds: float = EVENT_WAIT) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "never came true"
        time.sleep(0.02)


@pytest.fixture
def living(client: plexlink.Client, alice: str) -> plexlink.Resource:
    return server_named(client, alice)


def test_a_cold_start_races_and_a_warm_start_takes_the_last_connection_then_moves_up(
    emu: Emulator, client: plexlink.Client, living: plexlink.Resource
) -> None:
    seen: list[plexlink.KeptEvent] = []
    with client.keep(living, on_event=seen.append, **keep_options()) as cold:
        assert cold.uri == uri(emu, "local")
        current = cold.current
        assert current is not None and current.uri == cold.uri and current.tier == "local"
        assert current.resource is living and cold.server is living
        assert cold.last_outcome is not None and cold.last_outcome.winner is not None
        assert cold.last_outcome.winner.uri == cold.uri
        # The first decision's event came before keep() returned.
        assert [(e.kind, e.why, e.old) for e in seen] == [("changed", "started", None)]
        assert seen[0].new is not None and seen[0].new.uri == cold.uri
    saved = cold.uri

    # The app saved the relay last time: taken at once, then the LAN found by a recheck at once.
    # Unless the relay missed the warm window (a loaded machine): then a race chose the LAN.
    seen.clear()
    relay = uri(emu, "relay")
    with client.keep(living, last_good=relay, on_event=seen.append, **keep_options()) as warm:
        events = warm.events(timeout=EVENT_WAIT)
        first = warm.uri
        assert first in (relay, saved)
        if first == relay:
            change = next_change(events)
            assert (change.why, change.new and change.new.uri) == ("moved_up", saved)
            assert change.old is not None and change.old.uri == relay and change.old.tier == "relay"
            # The old connection comes with the race that chose it: the warm probe, alone.
            assert [c.uri for c in change.old.candidates] == [relay]
        assert warm.uri == saved
        # The callback runs on the driver's thread, maybe after the iterator had the event (and
        # the move up may have come before the iterator was made).
        until(lambda: len(seen) == (2 if seen[0].why == "warm_start" else 1))
    kinds = [(e.why, e.new.uri if e.new else None) for e in seen]
    assert kinds in ([("warm_start", relay), ("moved_up", saved)], [("started", saved)])


def test_many_reports_make_one_race_and_a_returning_lan_server_is_moved_up_to(
    emu: Emulator, client: plexlink.Client, living: plexlink.Resource
) -> None:
    # The failover race lasts as long as the remote connection takes to answer (the relay, which
    # answers first, waits out the grace window for it): 1.5 s, so that the five reports surely
    # land in that one race, however slowly a loaded machine runs this thread.
    options = {**keep_options(), **on_the_lan(emu), "grace": 2.0, "probe_timeout": 3}
    with client.keep(living, **options) as kept:
        events = kept.events(timeout=EVENT_WAIT)
        assert kept.uri == uri(emu, "local")
        # The relay is probed once per race over every connection, and never by a recheck
        # while on the remote tier: its count is the count of races (none yet: a warm start).
        relay_probes = identity_probes(emu, "relay")
        assert relay_probes == 0

        emu.set_behaviour(SERVER, "remote-slow", "slow", ms=1500)
        emu.set_behaviour(SERVER, "local", "dead")
        for _ in range(5):
            kept.report_failure()
        change = next_change(events)
        assert change.why == "failover"
        assert change.new is not None and change.new.uri == uri(emu, "remote-slow"), "the best tier left"
        assert change.new.tier == "remote" and change.outcome.winner is not None
        assert change.old is not None and change.old.uri == uri(emu, "local")
        assert any(c.uri == uri(emu, "local") and not c.won for c in change.outcome.candidates)
        time.sleep(1.0)
        assert identity_probes(emu, "relay") == relay_probes + 1, "five reports, one race"

        emu.set_behaviour(SERVER, "local", "good")
        change = next_change(events)
        assert (change.why, change.new and change.new.uri) == ("moved_up", uri(emu, "local"))
        # On the best tier again: no more rechecks.
        time.sleep(0.3)
        settled = tcp_connections(emu, "local")
        time.sleep(1.5)
        assert tcp_connections(emu, "local") == settled


def test_a_call_that_fails_reports_by_itself_and_network_changes_race_at_once(
    emu: Emulator, client: plexlink.Client, living: plexlink.Resource
) -> None:
    with client.keep(living, **keep_options()) as kept:
        events = kept.events(timeout=EVENT_WAIT)
        assert kept.call(client.identity).machine_identifier == living.client_identifier
        emu.set_behaviour(SERVER, "local", "dead")
        with pytest.raises(plexlink.NetworkError):
            kept.call(client.identity)
        assert next_change(events).why == "failover"
        # Back, and the app says the network changed: raced now, not at the next recheck.
        emu.set_behaviour(SERVER, "local", "good")
        kept.network_changed()
        change = next_change(events)
        assert change.why in ("network_changed", "moved_up")
        assert change.new is not None and change.new.uri == uri(emu, "local")
        assert kept.call(client.identity).machine_identifier == living.client_identifier


def test_what_call_reports(emu: Emulator, client: plexlink.Client, living: plexlink.Resource) -> None:
    class Refused(Exception):
        """Another HTTP library's "no answer"."""

    with client.keep(living, **keep_options(), **on_the_lan(emu)) as kept:
        def races() -> int:
            # The relay is probed once in each race over every connection.
            return identity_probes(emu, "relay")

        before = races()
        seen: list[str] = []

        def fails(error: BaseException) -> Any:
            def call(uri: str) -> None:
                seen.append(uri)
                raise error

            return call

        # Not a transport failure: nothing is reported, the error propagates as it is.
        with pytest.raises(ValueError):
            kept.call(fails(ValueError("bad answer")))
        with pytest.raises(Refused):
            kept.call(fails(Refused()))
        time.sleep(1.0)
        assert races() == before and seen == [uri(emu, "local")] * 2
        # Python's own, and the caller's classes: reported (one race each, as none overlap).
        transport: list[tuple[Exception, type[Exception] | tuple[type[Exception], ...] | None]] = [
            (ConnectionRefusedError(), None),
            (TimeoutError(), None),
            (Refused(), Refused),
            (Refused(), (KeyError, Refused)),
        ]
        for error, extra in transport:
            with pytest.raises(type(error)):
                kept.call(fails(error), transport_errors=extra)
            until(lambda: races() > before)
            before = races()
            time.sleep(0.8)  # the race ends (the grace window) before the next report
        assert kept.uri == uri(emu, "local"), "the LAN still answers: each race chose it again"


def test_nothing_answers_then_the_server_recovers(emu: Emulator, client: plexlink.Client, alice: str) -> None:
    friend = server_named(client, alice, "Friend's Server")
    for connection in ("local", "remote"):
        emu.set_behaviour("Friend's Server", connection, "dead")
    seen: list[plexlink.KeptEvent] = []
    with client.keep(friend, on_event=seen.append, **keep_options()) as kept:
        assert kept.uri is None and kept.current is None
        assert kept.last_outcome is not None and kept.last_outcome.winner is None
        assert [(e.kind, e.why, e.new) for e in seen] == [("lost", "started", None)]
        with pytest.raises(plexlink.NoConnection):
            kept.call(client.identity)
        events = kept.events(timeout=EVENT_WAIT)
        emu.set_behaviour("Friend's Server", "remote", "good")
        change = next_change(events)
        assert change.why == "recovered" and change.old is None
        assert kept.uri == uri(emu, "remote", "Friend's Server")


@pytest.fixture
def blackholed_lan() -> Iterator[Emulator]:
    """Living Room with only a black-holed LAN connection and a remote one: settled on the
    remote, a kept connection rechecks the LAN (a TCP connection each time) while it runs."""
    with Emulator() as plain:
        scenario = plain.scenario()
    living = next(s for s in scenario["servers"] if s["name"] == SERVER)
    living["connections"] = [c for c in living["connections"] if c["name"] in ("local-blackhole", "remote-slow")]
    with Emulator(scenario=scenario) as emulator:
        yield emulator


def assert_rechecks_stop(emu: Emulator) -> None:
    # A probe already out may still connect; then nothing more.
    time.sleep(0.3)
    stopped_at = tcp_connections(emu, "local-blackhole")
    time.sleep(2.0)
    assert tcp_connections(emu, "local-blackhole") == stopped_at


def test_stop_and_the_with_block_end_the_driver(blackholed_lan: Emulator) -> None:
    emu = blackholed_lan
    client = new_client(emu)
    living = server_named(client, emu.token_for("alice") or "")

    def rechecks() -> int:
        return tcp_connections(emu, "local-blackhole")

    with client.keep(living, **keep_options()) as kept:
        assert kept.uri == uri(emu, "remote-slow")
        assert kept.is_running
        events = kept.events()
        before = rechecks()
        time.sleep(2.5)
        assert rechecks() > before, "running: it keeps rechecking"
    assert_rechecks_stop(emu)
    # The driver ends within moments of the stop (bounded generously for a loaded machine).
    deadline = time.monotonic() + 15
    while kept.is_running and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not kept.is_running
    # Every iterator ended with the driver, at once, however long its timeout; later ones too.
    assert list(events) == [] and list(kept.events()) == []
    # A stopped driver leaves its last connection (a dead one would leave none).
    assert kept.uri == uri(emu, "remote-slow")
    assert kept.current is not None and kept.current.uri == kept.uri
    kept.stop()


def test_dropping_the_handle_ends_the_driver(blackholed_lan: Emulator) -> None:
    emu = blackholed_lan
    client = new_client(emu)
    living = server_named(client, emu.token_for("alice") or "")
    kept = client.keep(living, **keep_options())
    events = kept.events(timeout=0.1)
    del kept
    # The iterator holds the handle: still running.
    before = tcp_connections(emu, "local-blackhole")
    time.sleep(2.5)
    assert tcp_connections(emu, "local-blackhole") > before
    del events
    assert_rechecks_stop(emu)


def test_a_callback_that_refers_to_its_handle_does_not_keep_it_forever(blackholed_lan: Emulator) -> None:
    emu = blackholed_lan
    client = new_client(emu)
    living = server_named(client, emu.token_for("alice") or "")

    class App:
        """Holds its kept server, whose callback is a method of the app: a cycle through the
        driver's callback, which only the garbage collector can see and break."""

        def __init__(self) -> None:
            self.kept = client.keep(living, on_event=self.on_event, **keep_options())

        def on_event(self, event: plexlink.KeptEvent) -> None:
            pass

    app = App()
    assert app.kept.uri == uri(emu, "remote-slow")
    del app
    gc.collect()
    assert_rechecks_stop(emu)


def test_an_exception_in_on_event_is_reported_and_the_driver_goes_on(
    emu: Emulator, client: plexlink.Client, living: plexlink.Resource, monkeypatch: pytest.MonkeyPatch
) -> None:
    reported: list[Any] = []
    monkeypatch.setattr(sys, "unraisablehook", reported.append)
    threads: list[int] = []

    def on_event(event: plexlink.KeptEvent) -> None:
        threads.append(threading.get_ident())
        raise RuntimeError(f"a bug in the app's callback ({event.why})")

    with client.keep(living, on_event=on_event, **keep_options()) as kept:
        events = kept.events(timeout=EVENT_WAIT)
        emu.set_behaviour(SERVER, "local", "dead")
        kept.report_failure()
        assert next_change(events).why == "failover"
        emu.set_behaviour(SERVER, "local", "good")
        assert next_change(events).why == "moved_up"
        until(lambda: len(reported) == 3)
    assert [str(r.exc_value) for r in reported] == [
        f"a bug in the app's callback ({why})" for why in ("started", "failover", "moved_up")
    ]
    assert all(r.object is on_event for r in reported)
    # On the driver's thread, not the caller's.
    assert len(set(threads)) == 1 and threads[0] != threading.get_ident()


def test_a_slow_callback_blocks_nothing_but_its_driver(
    emu: Emulator, client: plexlink.Client, living: plexlink.Resource
) -> None:
    # While the callback runs (on the driver's thread), the handle answers from any thread:
    # no lock is held while Python runs.
    inside = threading.Event()
    release = threading.Event()
    holder: list[plexlink.KeptServer] = []

    def on_event(event: plexlink.KeptEvent) -> None:
        if event.why == "failover":
            assert holder[0].uri == (event.new and event.new.uri)
            inside.set()
            release.wait(EVENT_WAIT)

    with client.keep(living, on_event=on_event, **keep_options()) as kept:
        holder.append(kept)
        events = kept.events(timeout=EVENT_WAIT)
        emu.set_behaviour(SERVER, "local", "dead")
        kept.report_failure()
        assert inside.wait(EVENT_WAIT)
        assert kept.uri == uri(emu, "remote-slow")
        assert kept.current is not None and kept.last_outcome is not None
        kept.report_failure()
        assert next_change(events).why == "failover"
        release.set()


def test_events_from_threads_and_the_iterator_protocol(
    emu: Emulator, client: plexlink.Client, living: plexlink.Resource
) -> None:
    with client.keep(living, **keep_options()) as kept:
        first, second = kept.events(timeout=EVENT_WAIT), kept.events(timeout=EVENT_WAIT)
        assert iter(first) is first
        got: list[str] = []
        reader = threading.Thread(target=lambda: got.append(next_change(second).why))
        reader.start()
        emu.set_behaviour(SERVER, "local", "dead")
        kept.report_failure()
        assert next_change(first).why == "failover"
        reader.join(EVENT_WAIT)
        assert got == ["failover"], "each iterator sees every event"
        # A quiet spell ends a bounded iteration.
        started = time.monotonic()
        assert list(kept.events(timeout=0.2)) == []
        assert time.monotonic() - started < 5


def test_keep_checks_its_arguments(client: plexlink.Client, living: plexlink.Resource) -> None:
    for bad in ({"recheck_interval": 0}, {"warm_window": 86_401}, {"retry_max": float("inf")}):
        with pytest.raises(plexlink.InvalidArgument):
            client.keep(living, **bad)
    with pytest.raises(ValueError):
        client.keep(living, recheck_max=-1)
    with pytest.raises(ValueError):
        client.keep(living, allow_http="sometimes")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        client.keep("Living Room")  # type: ignore[arg-type]


def test_asyncio_keep_with_async_for_and_on_event_on_the_loop(emu: Emulator, alice: str) -> None:
    client = plexlink.aio.AsyncClient("plexlink-tests", "kept-aio", plex_url=emu.url)

    async def main() -> None:
        living = next(s for s in await client.servers(alice) if s.name == SERVER)
        loop_thread = threading.get_ident()
        seen: list[tuple[str, int]] = []

        def on_event(event: plexlink.KeptEvent) -> None:
            seen.append((event.why, threading.get_ident()))

        async with await client.keep(living, on_event=on_event, **keep_options()) as kept:
            assert isinstance(kept, plexlink.aio.AsyncKeptServer)
            assert kept.uri == uri(emu, "local") and kept.current is not None
            assert kept.server is living and kept.last_outcome is not None
            events = kept.events(timeout=EVENT_WAIT)

            async def unreachable(uri: str) -> None:
                await asyncio.sleep(0)
                raise ConnectionResetError(uri)

            emu.set_behaviour(SERVER, "local", "dead")
            with pytest.raises(ConnectionResetError):
                await kept.call(unreachable)
            async for event in events:
                if event.kind == "changed":
                    assert event.why == "failover"
                    break
            assert kept.uri == uri(emu, "remote-slow")
            assert (await kept.call(client.identity)).machine_identifier == living.client_identifier
            emu.set_behaviour(SERVER, "local", "good")
            kept.network_changed()
            async for event in events:
                if event.kind == "changed":
                    assert event.why in ("network_changed", "moved_up")
                    break
        # Stopped at the end of the block: the iterator ends.
        assert [event async for event in events] == []
        await asyncio.sleep(0.1)  # the loop runs the callbacks handed to it
        assert [why for why, _ in seen][:2] == ["started", "failover"]
        assert {thread for _, thread in seen} == {loop_thread}

    asyncio.run(main())


def test_asyncio_keep_with_nothing_to_keep(emu: Emulator, alice: str) -> None:
    client = plexlink.aio.AsyncClient("plexlink-tests", "kept-aio-lost", plex_url=emu.url)

    async def main() -> None:
        friend = next(s for s in await client.servers(alice) if s.name == "Friend's Server")
        for connection in ("local", "remote"):
            emu.set_behaviour("Friend's Server", connection, "dead")
        kept = await client.keep(friend, **keep_options())
        try:
            assert kept.uri is None
            with pytest.raises(plexlink.NoConnection):
                await kept.call(client.identity)
        finally:
            kept.stop()
        with pytest.raises(plexlink.InvalidArgument):
            await client.keep(friend, recheck_max=0)

    asyncio.run(main())


@pytest.mark.parametrize(("mode", "error"), [("refuse", plexlink.NetworkError), ("503", plexlink.HttpError)])
def test_with_plex_tv_down_the_servers_come_from_the_snapshot_and_still_connect(
    emu: Emulator,
    client: plexlink.Client,
    alice: str,
    mode: Literal["refuse", "503"],
    error: type[plexlink.PlexlinkError],
) -> None:
    live = client.servers_or_snapshot(alice)
    assert live.offline is None
    assert [s.name for s in live.servers] == [s.name for s in client.servers(alice)]
    stored = live.snapshot.to_json()

    emu.set_plex_tv_down(True, mode)
    # Without a snapshot, the error stands.
    with pytest.raises(error):
        client.servers_or_snapshot(alice)
    kept = plexlink.ResourcesSnapshot.from_json(stored)
    offline = client.servers_or_snapshot(alice, kept)
    assert isinstance(offline.offline, error)
    assert offline.snapshot == kept
    assert [s.name for s in offline.servers] == [s.name for s in live.servers]
    # The servers answer (and prove who they are) while plex.tv does not.
    living = next(s for s in offline.servers if s.name == SERVER)
    assert client.connect(living).uri == uri(emu, "local")
    with client.keep(living, **keep_options()) as kept_server:
        assert kept_server.uri == uri(emu, "local")
    emu.set_plex_tv_down(False)
    assert client.servers_or_snapshot(alice, kept).offline is None


def test_a_refused_token_is_never_answered_from_the_snapshot(emu: Emulator, client: plexlink.Client, alice: str) -> None:
    snapshot = client.servers_or_snapshot(alice).snapshot
    with pytest.raises(plexlink.Unauthorized):
        client.servers_or_snapshot("not-a-token", snapshot)

    async def main() -> None:
        aclient = plexlink.aio.AsyncClient.wrap(client)
        with pytest.raises(plexlink.Unauthorized):
            await aclient.servers_or_snapshot("not-a-token", snapshot)
        emu.set_plex_tv_down(True)
        offline = await aclient.servers_or_snapshot(alice, snapshot)
        assert isinstance(offline.offline, plexlink.NetworkError) and offline.snapshot == snapshot

    asyncio.run(main())


def test_a_snapshot_keeps_its_tokens_to_itself(emu: Emulator, client: plexlink.Client, alice: str) -> None:
    listed = client.servers_or_snapshot(alice)
    snapshot = listed.snapshot
    tokens = [s.access_token for s in snapshot.resources if s.access_token]
    secrets = [alice, *tokens]
    assert tokens
    # The stored text is the secret: it has them all, and reads back the same.
    text = snapshot.to_json()
    assert all(token in text for token in tokens)
    again = plexlink.ResourcesSnapshot.from_json(text)
    assert again == snapshot and again.servers[0].access_token == snapshot.servers[0].access_token
    assert [s.name for s in snapshot.servers] == [s.name for s in snapshot.resources if s.is_server]
    assert copy.copy(snapshot) is snapshot and copy.deepcopy(snapshot) is snapshot
    with pytest.raises(TypeError, match="to_json"):
        pickle.dumps(snapshot)
    taken = snapshot.taken_at
    assert taken.tzinfo is not None and abs(time.time() - taken.timestamp()) < 60
    assert snapshot.age(now=taken.timestamp() + 60) == 60 and snapshot.age(now=0) == 0
    assert 0 <= snapshot.age() < 60
    for junk in ("", "{}", text.replace('"version":1', '"version":2'), alice):
        with pytest.raises(plexlink.ProtocolError) as refused:
            plexlink.ResourcesSnapshot.from_json(junk)
        assert alice not in str(refused.value)

    living = next(s for s in listed.servers if s.name == SERVER)
    with client.keep(living, **keep_options()) as kept:
        events = kept.events(timeout=EVENT_WAIT)
        emu.set_behaviour(SERVER, "local", "dead")
        kept.report_failure()
        event = next_change(events)
        objects: list[object] = [listed, snapshot, kept, event, event.outcome, kept.current]
        objects.append(plexlink.aio.AsyncKeptServer(kept))
        for obj in objects:
            text = repr(obj) + str(obj)
            assert text.startswith(type(obj).__name__ + "("), text
            for secret in secrets:
                assert secret not in text, f"{type(obj).__name__} shows a secret: {text}"


def test_ipv6_candidates_race_beside_ipv4_ones() -> None:
    if not Emulator.ipv6_available():
        pytest.skip("no IPv6 loopback here")
    with Emulator(dual_stack=True) as emu:
        # Its connections are https plex.direct names, signed by the emulator's own authority,
        # and dialled at the address their label encodes ([::1] for the IPv6 one).
        client = new_client(emu, root_certificates=[emu.ca_pem])
        dual = server_named(client, emu.token_for("alice") or "", "Dual Stack")
        assert any(c.ipv6 for c in dual.connections)
        v4, v6 = uri(emu, "local", "Dual Stack"), uri(emu, "local-v6", "Dual Stack")
        connected = client.connect(dual)
        # IPv4 ranks before IPv6 in the same tier; both are candidates. Which one wins depends
        # on which answers within the grace window, so only the ranking is asserted.
        assert [(c.uri, c.ipv6) for c in connected.candidates] == [(v4, False), (v6, True)]
        assert connected.uri in (v4, v6)
        # Kept on the IPv4 one (the IPv6 one down at first, so no timing decides), then the
        # IPv4 listener goes down and the IPv6 one is back: the kept connection fails over.
        emu.set_behaviour("Dual Stack", "local-v6", "dead")
        with client.keep(dual, **keep_options()) as kept:
            assert kept.uri == v4
            events = kept.events(timeout=EVENT_WAIT)
            emu.set_behaviour("Dual Stack", "local-v6", "good")
            emu.set_behaviour("Dual Stack", "local", "dead")
            kept.report_failure()
            change = next_change(events)
            assert change.why == "failover" and change.new is not None
            assert change.new.uri == v6 and change.new.ipv6
            assert client.identity(v6).machine_identifier == dual.client_identifier


def test_the_emulator_changes_while_running(emu: Emulator, client: plexlink.Client, alice: str) -> None:
    local = uri(emu, "local")
    emu.set_behaviour(SERVER, "local", "slow", ms=300)
    started = time.monotonic()
    client.identity(local)
    assert time.monotonic() - started >= 0.25
    emu.set_behaviour(SERVER, "local", "wrong_id")
    assert client.identity(local).machine_identifier != server_named(client, alice).client_identifier
    emu.set_behaviour(SERVER, "local", "unauthorized")
    with pytest.raises(plexlink.PlexlinkError):
        client.identity(local)
    emu.set_behaviour(SERVER, "local", "good")
    client.identity(local)
    with pytest.raises(ValueError):
        emu.set_behaviour(SERVER, "nope", "dead")
    with pytest.raises(ValueError):
        emu.set_behaviour(SERVER, "local", "asleep")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        emu.set_behaviour(SERVER, "local", "slow")
    with pytest.raises(ValueError):
        emu.set_behaviour(SERVER, "local", "good", ms=5)
    with pytest.raises(ValueError):
        emu.set_plex_tv_down(True, "sometimes")  # type: ignore[arg-type]
    emu.set_plex_tv_down(True)
    with pytest.raises(plexlink.NetworkError):
        client.user(alice)
    emu.set_plex_tv_down(False)
    assert client.user(alice).username == "alice"
    with pytest.raises(ValueError):
        Emulator(scenario={}, dual_stack=True)
