"""Plex JWT sign-in against the emulator, blocking and asyncio: the JWT PIN login (also one that
outlives its nonce), upgrading a legacy token, a session's refresh (before expiry, and after a
498), key rotation, a removed device, verification, no account JWT sent to a server, and the
values' shape (keys, reprs, bad input). Mirrors crates/plexlink/tests/jwt.rs."""

from __future__ import annotations

import asyncio
import base64
import copy
import datetime
import json
import pickle
import threading
import time
from collections.abc import Callable

import pytest

import plexlink
from plexlink.aio import AsyncClient
from plexlink.testing import Emulator

from conftest import INTERVAL, Later, new_client

DAY = 86_400
# RFC 8037, appendix A.1 and A.3: a private key, its public half and its thumbprint.
RFC8037_D = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"
RFC8037_X = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
RFC8037_KID = "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"


def count(emu: Emulator, request: str) -> int:
    """How many requests of ``request`` ("METHOD /path") plex.tv got."""
    requests: dict[str, int] = emu.counters()["plextv"]["requests"]
    return requests.get(request, 0)


def nonces(emu: Emulator) -> int:
    return count(emu, "GET /api/v2/auth/nonce")


def header_kid(token: str) -> str:
    """The ``kid`` of a JWT's header, read here without plexlink, as a test should."""
    header = token.split(".")[0]
    kid: str = json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))["kid"]
    return kid


def jwt_login(
    emu: Emulator,
    client: plexlink.Client,
    key: plexlink.DeviceKey,
    later: Callable[[float, Callable[[], object]], Later],
    after: float = 0.2,
) -> plexlink.PlexJwt:
    """A JWT PIN login on the blocking client, the PIN approved by alice after ``after`` s."""
    pin = client.create_pin(strong=True, jwt_key=key)
    later(after, lambda: emu.approve(pin, "alice"))
    return client.wait_for_jwt(pin, interval=INTERVAL, timeout=60)


def wait_until_expired(client: plexlink.Client, token: str) -> None:
    """Waits (at most 10 s) until plex.tv answers 498 to ``token``."""
    for _ in range(100):
        try:
            client.user(token)
        except plexlink.TokenExpired:
            return
        time.sleep(0.1)
    raise AssertionError("the JWT never expired")


# --- The JWT PIN login ---------------------------------------------------------------------


def test_a_jwt_pin_login_ends_with_a_verified_plex_jwt_that_plex_tv_accepts(
    emu: Emulator, client: plexlink.Client
) -> None:
    key = plexlink.DeviceKey.generate()
    pin = client.create_pin(strong=True, jwt_key=key)
    assert pin.jwt_key == key and pin.strong
    # A check says the PIN lives; only a wait, which proves the key, gets its token.
    emu.approve(pin, "alice")
    checked = client.check_pin(pin)
    assert checked.jwt_key == key and checked.token is None

    progress: list[plexlink.WaitProgress] = []
    jwt = client.wait_for_jwt(pin, interval=INTERVAL, on_progress=progress.append)
    claims = jwt.claims
    assert (claims.username, claims.email, claims.issuer) == ("alice", "alice@example.com", "plex.tv")
    assert claims.thumbprint == key.kid
    assert client.client_identifier in claims.audience and "plex.tv" in claims.audience
    assert claims.seconds_left() > 6 * DAY
    assert claims.seconds_left(now=claims.exp) == 0 and claims.seconds_left(claims.exp - 10.5) == 11
    assert claims.expires_at == datetime.datetime.fromtimestamp(claims.exp, datetime.timezone.utc)
    assert claims.issued_at.tzinfo is not None and claims.iat <= time.time() + 60
    assert claims.uuid and claims.user_id is not None and not claims.restricted
    # The token is a JWT, the PIN was made with the key, and plex.tv takes the JWT.
    assert len(jwt.token.split(".")) == 3
    assert [p["jwk"] for p in emu.pins()] == [True]
    assert client.user(jwt.token).username == "alice"
    # Verifying again uses the keys the login kept: no second fetch.
    fetched = count(emu, "GET /api/v2/auth/keys")
    assert client.verify_jwt(jwt.token, key) == claims
    assert count(emu, "GET /api/v2/auth/keys") == fetched


def test_wait_for_token_on_a_jwt_pin_gives_the_jwt(emu: Emulator, client: plexlink.Client, later) -> None:
    key = plexlink.DeviceKey.generate()
    pin = client.create_pin(jwt_key=key)
    assert len(pin.code) == 4 and not pin.strong
    later(0.2, lambda: emu.approve_code(pin.code, "alice"))
    token = client.wait_for_token(pin, interval=INTERVAL)
    assert client.verify_jwt(token, key).username == "alice"
    # The JWT ended the legacy token of this client identifier.
    with pytest.raises(plexlink.Unauthorized):
        client.user(emu.token_for("alice") or "")


def test_a_jwt_pin_resumed_by_id_and_code_takes_its_key(emu: Emulator, client: plexlink.Client) -> None:
    key = plexlink.DeviceKey.generate()
    pin = client.create_pin(jwt_key=key)
    same = plexlink.Client("plexlink-tests", client.client_identifier, plex_url=emu.url)
    # Resumed with the key (kept as its private key text across the restart)...
    kept = plexlink.DeviceKey.from_private_key(key.private_key)
    resumed = same.resume_pin(pin.id, pin.code, jwt_key=kept)
    emu.approve(pin, "carol")
    assert same.wait_for_jwt(resumed, interval=INTERVAL).claims.username == "carol"
    # ...or given the key when waiting; a legacy PIN has none to wait with.
    bare = same.resume_pin(pin.id, pin.code)
    assert bare.jwt_key is None
    assert same.wait_for_jwt(bare, kept, interval=INTERVAL).claims.username == "carol"
    with pytest.raises(ValueError, match="no device key"):
        same.wait_for_jwt(bare)
    with pytest.raises(ValueError, match="another device key"):
        same.wait_for_jwt(resumed, plexlink.DeviceKey.generate())


def test_a_login_outlives_its_nonce_by_signing_again(later) -> None:
    with Emulator() as emu:
        emu.set_jwt_settings(nonce_lifetime=2, nonce_rate_limit_per_minute=0)
        client = new_client(emu, jwt_nonce_lifetime=2)
        key = plexlink.DeviceKey.generate()
        # Approved after more than two nonce lives: every check carried a live nonce (the
        # emulator refuses an expired one with 422, which would end the wait), so the key
        # signed again.
        jwt = jwt_login(emu, client, key, later, after=5)
        assert jwt.claims.username == "alice"
        assert nonces(emu) >= 3, emu.counters()["plextv"]


# --- Upgrade, refresh, sessions ------------------------------------------------------------


def test_upgrading_a_legacy_token_ends_it_for_this_client_identifier_only(
    emu: Emulator, client: plexlink.Client, alice: str
) -> None:
    key = plexlink.DeviceKey.generate()
    jwt = client.upgrade_to_jwt(alice, key)
    assert jwt.claims.username == "alice" and jwt.claims.thumbprint == key.kid
    assert client.user(jwt.token).username == "alice"
    assert emu.jwt_devices() == [{"client_identifier": client.client_identifier, "account": "alice", "kid": key.kid}]
    # As the API warns: the legacy token no longer works for this client identifier...
    with pytest.raises(plexlink.Unauthorized) as refused:
        client.user(alice)
    assert type(refused.value) is plexlink.Unauthorized
    # ...while another client identifier keeps it.
    assert new_client(emu).user(alice).username == "alice"


def test_a_session_refreshes_after_a_498_and_retries_once(emu: Emulator, client: plexlink.Client, alice: str) -> None:
    emu.set_jwt_settings(jwt_lifetime=1)
    key = plexlink.DeviceKey.generate()
    short = client.upgrade_to_jwt(alice, key)
    emu.set_jwt_settings(jwt_lifetime=8 * DAY)
    long = client.refresh_jwt(key)
    # The session believes the expired JWT has days left (a clock that is wrong, say): it is
    # given claims of another JWT, so only plex.tv's 498 can tell it.
    session = plexlink.JwtSession(key, plexlink.PlexJwt(short.token, long.claims))
    wait_until_expired(client, short.token)
    before = nonces(emu)
    tokens: list[str] = []

    def user(token: str) -> plexlink.Account:
        tokens.append(token)
        return client.user(token)

    assert client.with_jwt(session, user).username == "alice"
    assert tokens[0] == short.token and len(tokens) == 2 and tokens[1] != short.token
    assert nonces(emu) == before + 1
    assert session.jwt.token == tokens[1] and session.jwt.claims.seconds_left() > 7 * DAY
    # Fresh now: the next call takes it as it is, with no refresh.
    assert client.with_jwt(session, client.user).username == "alice"
    assert client.jwt_token(session) == tokens[1] and nonces(emu) == before + 1


def test_a_session_near_its_expiry_refreshes_before_the_call(
    emu: Emulator, client: plexlink.Client, alice: str
) -> None:
    emu.set_jwt_settings(jwt_lifetime=3600)
    key = plexlink.DeviceKey.generate()
    jwt = client.upgrade_to_jwt(alice, key)
    session = plexlink.JwtSession(key, jwt)
    before = nonces(emu)
    token = client.jwt_token(session)
    assert token != jwt.token and nonces(emu) == before + 1
    assert client.user(token).username == "alice"
    # A refresh on demand, however long is left.
    assert client.refresh_session(session) == session.jwt.token != token
    assert nonces(emu) == before + 2


def test_with_jwt_retries_once_and_passes_other_errors_on(emu: Emulator, client: plexlink.Client, alice: str) -> None:
    emu.set_jwt_settings(jwt_lifetime=8 * DAY)
    key = plexlink.DeviceKey.generate()
    session = plexlink.JwtSession(key, client.upgrade_to_jwt(alice, key))
    before = nonces(emu)
    # A second 498 stands: one refresh, one retry.
    emu.add_fault("/api/v2/user", status=498, times=2)
    calls: list[str] = []

    def user(token: str) -> plexlink.Account:
        calls.append(token)
        return client.user(token)

    with pytest.raises(plexlink.TokenExpired):
        client.with_jwt(session, user)
    assert len(calls) == 2 and nonces(emu) == before + 1

    # Anything else the call raises is its own business: no refresh, raised as it is.
    def broken(token: str) -> None:
        raise KeyError(token[:3])

    with pytest.raises(KeyError):
        client.with_jwt(session, broken)
    emu.add_fault("/api/v2/user", status=503, times=1)
    with pytest.raises(plexlink.HttpError):
        client.with_jwt(session, client.user)
    assert nonces(emu) == before + 1

    # A refresh that fails after a 498 raises its own error, chained to the expiry.
    emu.add_fault("/api/v2/user", status=498, times=1)
    emu.remove_jwt_device(client.client_identifier)
    with pytest.raises(plexlink.DeviceRemoved) as removed:
        client.with_jwt(session, client.user)
    assert isinstance(removed.value.__context__, plexlink.TokenExpired)


def test_a_rotated_key_is_fetched_and_a_removed_device_needs_a_new_identity(
    emu: Emulator, client: plexlink.Client, alice: str
) -> None:
    key = plexlink.DeviceKey.generate()
    client.upgrade_to_jwt(alice, key)
    fetched = count(emu, "GET /api/v2/auth/keys")
    signing = emu.rotate_jwt_key()
    # plex.tv publishes the next key before it signs with it: the kept keys verify the JWT of
    # the other key without a fetch.
    jwt = client.refresh_jwt(key)
    assert header_kid(jwt.token) == signing
    assert count(emu, "GET /api/v2/auth/keys") == fetched
    assert client.user(jwt.token).username == "alice"
    # A new client (of the same identifier: the JWT's audience) knows no keys: it fetches them.
    plexlink.Client("plexlink-tests", client.client_identifier, plex_url=emu.url).verify_jwt(jwt.token, key)
    assert count(emu, "GET /api/v2/auth/keys") == fetched + 1

    emu.remove_jwt_device(client.client_identifier)
    with pytest.raises(plexlink.DeviceRemoved) as refresh:
        client.refresh_jwt(key)
    with pytest.raises(plexlink.DeviceRemoved) as use:
        client.user(jwt.token)
    # An Unauthorized: code that forgets a refused token does the right thing.
    for removed in (refresh.value, use.value):
        assert isinstance(removed, plexlink.Unauthorized) and removed.message
    assert use.value.status == 401
    with pytest.raises(ValueError):
        emu.remove_jwt_device(client.client_identifier)


def test_tampered_and_foreign_jwts_are_refused(emu: Emulator, client: plexlink.Client, alice: str) -> None:
    key = plexlink.DeviceKey.generate()
    jwt = client.upgrade_to_jwt(alice, key)
    signed, signature = jwt.token.rsplit(".", 1)
    tampered = f"{signed}.{'B' if signature[0] == 'A' else 'A'}{signature[1:]}"
    with pytest.raises(plexlink.InvalidJwt) as bad:
        client.verify_jwt(tampered, key)
    assert bad.value.message and tampered not in str(bad.value)
    # Issued to this device, checked as another's: the thumbprint differs.
    with pytest.raises(plexlink.InvalidJwt, match="thumbprint") as foreign:
        client.verify_jwt(jwt.token, plexlink.DeviceKey.generate())
    assert jwt.token not in str(foreign.value) and jwt.token not in foreign.value.message
    with pytest.raises(plexlink.InvalidJwt):
        client.verify_jwt("not.a.jwt", key)
    with pytest.raises(plexlink.InvalidJwt):
        client.verify_jwt(alice, key)


def test_no_account_jwt_goes_to_a_server(emu: Emulator, client: plexlink.Client, alice: str) -> None:
    key = plexlink.DeviceKey.generate()
    jwt = client.upgrade_to_jwt(alice, key)
    living = next(s for s in client.servers(jwt.token) if s.name == "Living Room")
    connected = client.connect(living)
    # Server calls take the server's own token from resources.
    assert living.access_token is not None
    client.transient_token(connected.uri, living.access_token)
    to_servers = [r for r in emu.requests() if r["listener"] != "plex.tv"]
    assert to_servers and all(r["token_kind"] != "jwt" for r in to_servers), to_servers
    assert any(r["token_kind"] == "legacy" for r in to_servers)
    assert any(r["token_kind"] == "jwt" for r in emu.requests() if r["listener"] == "plex.tv")


# --- asyncio -------------------------------------------------------------------------------


def test_the_async_client_signs_in_refreshes_and_verifies(emu: Emulator) -> None:
    client = AsyncClient("plexlink-tests", "aio-jwt-test", plex_url=emu.url)
    # An hour's JWTs: a session of one refreshes before its first call.
    emu.set_jwt_settings(jwt_lifetime=3600)

    async def main() -> None:
        key = plexlink.DeviceKey.generate()
        pin = await client.create_pin(jwt_key=key)
        assert pin.jwt_key == key
        asyncio.get_running_loop().call_later(0.2, emu.approve, pin, "alice")
        seen: list[plexlink.WaitProgress] = []
        jwt = await client.wait_for_jwt(pin, interval=INTERVAL, on_progress=seen.append)
        assert jwt.claims.username == "alice" and jwt.claims.thumbprint == key.kid and seen
        assert await client.verify_jwt(jwt.token, key) == jwt.claims

        session = plexlink.JwtSession(key, jwt)
        before = nonces(emu)
        account = await client.with_jwt(session, client.user)
        assert account.username == "alice"
        assert nonces(emu) == before + 1, "refreshed before the call"
        assert session.jwt.token != jwt.token

        # After a 498: refresh, then the call once more, awaited in this task.
        emu.set_jwt_settings(jwt_lifetime=8 * DAY)
        assert await client.refresh_session(session) == await client.jwt_token(session)
        emu.add_fault("/api/v2/user", status=498, times=1)
        calls: list[str] = []

        async def user(token: str) -> plexlink.Account:
            calls.append(token)
            return await client.user(token)

        assert (await client.with_jwt(session, user)).username == "alice"
        assert len(calls) == 2 and calls[0] != calls[1] == session.jwt.token
        assert nonces(emu) == before + 3

        # The other JWT calls, as coroutines.
        again = await client.refresh_jwt(key)
        assert (await client.verify_jwt(again.token, key)).username == "alice"
        with pytest.raises(plexlink.InvalidJwt):
            await client.verify_jwt(again.token, plexlink.DeviceKey.generate())

    asyncio.run(main())


def test_the_async_client_upgrades_and_waits_for_a_jwt_pin_token(emu: Emulator, alice: str) -> None:
    client = AsyncClient("plexlink-tests", "aio-jwt-upgrade", plex_url=emu.url, jwt_nonce_lifetime=60)

    async def main() -> None:
        key = plexlink.DeviceKey.generate()
        jwt = await client.upgrade_to_jwt(alice, key)
        with pytest.raises(plexlink.Unauthorized):
            await client.user(alice)
        assert (await client.user(jwt.token)).username == "alice"

        other = AsyncClient("plexlink-tests", "aio-jwt-second", plex_url=emu.url)
        second = plexlink.DeviceKey.generate()
        pin = await other.create_pin(jwt_key=second)
        asyncio.get_running_loop().call_later(0.2, emu.approve, pin, "bob")
        token = await other.wait_for_token(pin, interval=INTERVAL)
        assert (await other.verify_jwt(token, second)).username == "bob"
        emu.remove_jwt_device("aio-jwt-second")
        with pytest.raises(plexlink.DeviceRemoved):
            await other.refresh_jwt(second)

    asyncio.run(main())


# --- The values ----------------------------------------------------------------------------


def test_a_device_key_from_a_seed_or_its_text_is_the_same_key() -> None:
    key = plexlink.DeviceKey.from_private_key(RFC8037_D)
    assert key.kid == RFC8037_KID
    assert key.public_jwk == {"kty": "OKP", "crv": "Ed25519", "x": RFC8037_X, "use": "sig", "alg": "EdDSA", "kid": RFC8037_KID}
    assert key.public_key == base64.urlsafe_b64decode(RFC8037_X + "=")
    assert key.private_key == RFC8037_D
    seed = base64.urlsafe_b64decode(RFC8037_D + "=")
    assert key.seed == seed and len(seed) == 32
    assert plexlink.DeviceKey.from_seed(seed) == key
    assert plexlink.DeviceKey.from_seed(bytearray(seed)) == key
    assert hash(plexlink.DeviceKey.from_seed(seed)) == hash(key)
    assert len({key, plexlink.DeviceKey.from_private_key(key.private_key)}) == 1
    generated = plexlink.DeviceKey.generate()
    assert generated != key and generated != plexlink.DeviceKey.generate() and generated != key.kid
    # Immutable: a copy is the key itself.
    assert copy.copy(key) is key and copy.deepcopy(key) is key


def test_bad_key_input_raises_clear_errors() -> None:
    for length in (0, 16, 31, 33, 64):
        with pytest.raises(ValueError, match=f"32 bytes, not {length}$"):
            plexlink.DeviceKey.from_seed(bytes(length))
    with pytest.raises(TypeError):
        plexlink.DeviceKey.from_seed("x" * 32)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        plexlink.DeviceKey.from_seed(list(range(32)))  # type: ignore[arg-type]
    short = base64.urlsafe_b64encode(bytes(31)).decode().rstrip("=")
    for text in ("", "not base64!", short, RFC8037_D + "AA"):
        with pytest.raises(plexlink.InvalidArgument, match="private key") as bad:
            plexlink.DeviceKey.from_private_key(text)
        assert not text or text not in str(bad.value)
    with pytest.raises(TypeError):
        plexlink.DeviceKey.from_private_key(RFC8037_D.encode())  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        plexlink.DeviceKey()  # type: ignore[call-arg]


def test_sessions_and_jwts_take_their_own_types(emu: Emulator, client: plexlink.Client, alice: str) -> None:
    key = plexlink.DeviceKey.generate()
    jwt = client.upgrade_to_jwt(alice, key)
    with pytest.raises(TypeError):
        plexlink.JwtSession(key, jwt.token)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        plexlink.JwtSession(key.private_key, jwt)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        plexlink.PlexJwt(jwt.token, {"exp": 0})  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        client.create_pin(jwt_key=key.private_key)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        client.create_pin(True, key)  # type: ignore[misc]
    with pytest.raises(TypeError):
        client.verify_jwt(jwt.token, key.kid)  # type: ignore[arg-type]
    # A JWT kept as its token comes back with its claims, verified again.
    restored = plexlink.PlexJwt(jwt.token, client.verify_jwt(jwt.token, key))
    assert restored.claims == jwt.claims and restored.token == jwt.token
    session = plexlink.JwtSession(key, restored)
    assert session.key == key and session.jwt.claims == jwt.claims
    with pytest.raises(AttributeError):
        jwt.token = "other"  # type: ignore[misc]


def test_no_repr_shows_a_secret_and_nothing_secret_pickles(emu: Emulator, client: plexlink.Client, alice: str) -> None:
    key = plexlink.DeviceKey.generate()
    pin = client.create_pin(jwt_key=key)
    emu.approve(pin)
    jwt = client.wait_for_jwt(pin, interval=INTERVAL)
    session = plexlink.JwtSession(key, jwt)
    secrets = [jwt.token, key.private_key, key.seed.hex(), pin.code, alice]
    secrets += [part for part in jwt.token.split(".")]
    objects: list[object] = [key, jwt, jwt.claims, session, pin, client.check_pin(pin)]
    for obj in objects:
        text = repr(obj) + str(obj)
        assert text.startswith(type(obj).__name__ + "("), text
        for secret in secrets:
            assert secret not in text, f"{type(obj).__name__} shows a secret: {text}"
    assert repr(key) == f"DeviceKey(kid={key.kid!r})"
    assert key.kid in repr(pin) and key.kid in repr(session)
    for secret_holder in (key, jwt, session):
        with pytest.raises(TypeError, match="not picklable"):
            pickle.dumps(secret_holder)
    with pytest.raises(TypeError):
        pickle.dumps(jwt.claims)


def test_emulator_jwt_settings(emu: Emulator) -> None:
    settings = emu.jwt_settings()
    assert set(settings) == {"jwt_lifetime", "nonce_lifetime", "nonce_rate_limit_per_minute"}
    changed = emu.set_jwt_settings(jwt_lifetime=60)
    assert changed == {**settings, "jwt_lifetime": 60} == emu.jwt_settings()
    with pytest.raises(TypeError):
        emu.set_jwt_settings(60)  # type: ignore[misc]
    with pytest.raises(OverflowError):
        emu.set_jwt_settings(nonce_lifetime=-1)


def test_threads_share_a_session(emu: Emulator, client: plexlink.Client, alice: str) -> None:
    # An hour's JWT: every thread finds it low and may refresh it, while the others use it.
    emu.set_jwt_settings(jwt_lifetime=3600)
    key = plexlink.DeviceKey.generate()
    session = plexlink.JwtSession(key, client.upgrade_to_jwt(alice, key))
    emu.set_jwt_settings(jwt_lifetime=8 * DAY)
    before = nonces(emu)
    names: list[str] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            names.append(client.with_jwt(session, client.user).username)
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors and names == ["alice"] * 8
    assert session.jwt.claims.seconds_left() > 7 * DAY
    # Refreshed by at least one thread, and fresh from then on.
    assert 1 <= nonces(emu) - before <= 8
    assert client.jwt_token(session) == session.jwt.token
