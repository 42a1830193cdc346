"""plexlink for asyncio: the calls of :class:`plexlink.Client` as coroutines.

Each call is a future of plexlink's async Rust client, run on one small tokio runtime that
plexlink shares between every ``AsyncClient`` (two threads, and a few more to hand results to
Python), and awaited here: no thread per call, the GIL held only to convert arguments and
results, so the event loop keeps running and calls run concurrently. Cancelling the awaiting
task (or an ``asyncio.wait_for`` timeout) drops the Rust future, which ends its requests and
timers at once; a :class:`plexlink.Cancel` the caller passed is read, never cancelled.

>>> import asyncio, plexlink.aio
>>> async def main() -> None:
...     client = plexlink.aio.AsyncClient("My Player", "0b7e6f52-5c3a-4f0e-8d1c-2a9b8c7d6e5f")
...     pin = await client.create_pin()
...     print(f"Go to {pin.link_url} and enter {pin.code}")
...     token = await client.wait_for_token(pin)
...     servers = await client.servers(token)
...     for server, result in zip(servers, await client.connect_all(servers)):
...         print(server.name, result.uri if isinstance(result, plexlink.Connected) else result)

Plex JWT sign-in is here too: ``await client.create_pin(jwt_key=key)``, ``await
client.wait_for_jwt(pin)``, and ``await client.with_jwt(session, client.user)``, whose call
is awaited in the calling task.

The kept connection: ``await client.keep(server)`` is an :class:`AsyncKeptServer`, whose driver
is a task of plexlink's runtime (no thread of its own) and whose events are an asynchronous
iterator; ``on_event`` runs on the event loop's thread.

>>> async def follow(client: AsyncClient, server: plexlink.Resource) -> None:
...     async with await client.keep(server) as kept:
...         async for event in kept.events():
...             print(event.why, event.new.uri if event.new else "no connection")
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from concurrent.futures import Executor
from typing import Literal, TypeVar

from ._plexlink import (
    Account,
    Cancel,
    Client,
    Connected,
    DeviceKey,
    HomeUser,
    Identity,
    JwtClaims,
    JwtSession,
    KeptEvent,
    KeptServer,
    Pin,
    PlexJwt,
    PlexlinkError,
    RaceOutcome,
    Resource,
    ResourcesSnapshot,
    ServerList,
    WaitProgress,
    _AsyncCore,
    _refresh_then_retry,
)

__all__ = ["AsyncClient", "AsyncKeptServer"]

_T = TypeVar("_T")

#: What ``except`` takes: an exception class or a tuple of them.
_ExceptionClasses = type[BaseException] | tuple[type[BaseException], ...]


class AsyncClient:
    """The asyncio face of :class:`plexlink.Client`: the same methods, as coroutines.

    Takes the same arguments as :class:`plexlink.Client`, or wraps an existing one
    (``AsyncClient.wrap(client)``). ``executor`` is accepted for compatibility and unused: no
    call runs in a thread pool any more.
    """

    __slots__ = ("_client", "_core")

    # The keyword arguments of a call reach the native core (``_AsyncCore``) as tuples of their
    # values, in the order declared here, and are checked there as ``Client`` checks its own.

    def __init__(
        self,
        product: str,
        client_identifier: str,
        *,
        version: str | None = None,
        device_name: str | None = None,
        platform: str | None = None,
        platform_version: str | None = None,
        device: str | None = None,
        model: str | None = None,
        provides: str | None = None,
        plex_url: str | None = None,
        timeout: float | None = None,
        connect_timeout: float | None = None,
        max_response_bytes: int | None = None,
        allow_insecure_http: bool = False,
        root_certificates: Sequence[str | bytes] | None = None,
        resolve_plex_direct: bool = True,
        carrier_nat_is_private: bool = False,
        jwt_nonce_lifetime: float | None = None,
        executor: Executor | None = None,
    ) -> None:
        self._client = Client(
            product,
            client_identifier,
            version=version,
            device_name=device_name,
            platform=platform,
            platform_version=platform_version,
            device=device,
            model=model,
            provides=provides,
            plex_url=plex_url,
            timeout=timeout,
            connect_timeout=connect_timeout,
            max_response_bytes=max_response_bytes,
            allow_insecure_http=allow_insecure_http,
            root_certificates=root_certificates,
            resolve_plex_direct=resolve_plex_direct,
            carrier_nat_is_private=carrier_nat_is_private,
            jwt_nonce_lifetime=jwt_nonce_lifetime,
        )
        self._core = _AsyncCore(self._client)

    @classmethod
    def wrap(cls, client: Client, *, executor: Executor | None = None) -> AsyncClient:
        """An asyncio face for an existing blocking ``client``, with its settings (every face
        of one client shares one async connection pool). ``executor`` is unused."""
        self = cls.__new__(cls)
        self._client = client
        self._core = _AsyncCore(client)
        return self

    @property
    def client(self) -> Client:
        """The blocking client underneath."""
        return self._client

    @property
    def link_url(self) -> str:
        """The page where a person types a short PIN code."""
        return self._client.link_url

    def __repr__(self) -> str:
        return f"AsyncClient({self._client!r})"

    # --- PIN login ---------------------------------------------------------------------------

    async def create_pin(self, strong: bool = False, *, jwt_key: DeviceKey | None = None) -> Pin:
        """Creates a PIN, a JWT PIN with ``jwt_key`` (see :meth:`plexlink.Client.create_pin`)."""
        return await self._core.create_pin(strong, jwt_key=jwt_key)

    async def check_pin(self, pin: Pin | int) -> Pin:
        """Checks a PIN once (see :meth:`plexlink.Client.check_pin`)."""
        return await self._core.check_pin(pin)

    def resume_pin(self, id: int, code: str, *, jwt_key: DeviceKey | None = None) -> Pin:
        """A PIN known by its id and code (``jwt_key`` for a JWT PIN); sends nothing, so it is
        not a coroutine."""
        return self._client.resume_pin(id, code, jwt_key=jwt_key)

    def auth_url(self, pin: Pin, forward_url: str | None = None) -> str:
        """The app.plex.tv page that approves ``pin``; sends nothing, so it is not a coroutine."""
        return self._client.auth_url(pin, forward_url)

    async def wait_for_token(
        self,
        pin: Pin,
        *,
        timeout: float | None = None,
        interval: float | None = None,
        on_progress: Callable[[WaitProgress], object] | None = None,
        cancel: Cancel | None = None,
    ) -> str:
        """Waits until the person approves ``pin`` and returns the token.

        As :meth:`plexlink.Client.wait_for_token`; ``on_progress`` is called in the event
        loop's thread (``loop.call_soon_threadsafe``). Cancelling ``cancel`` or the awaiting task
        cancels the wait; the task's cancellation leaves ``cancel`` itself alone (it may guard
        other work).
        """
        return await self._core.wait_for_token(pin, (timeout, interval, on_progress, cancel))

    async def wait_for_jwt(
        self,
        pin: Pin,
        key: DeviceKey | None = None,
        *,
        timeout: float | None = None,
        interval: float | None = None,
        on_progress: Callable[[WaitProgress], object] | None = None,
        cancel: Cancel | None = None,
    ) -> PlexJwt:
        """Waits until the person approves the JWT PIN ``pin`` and returns the Plex JWT
        (see :meth:`plexlink.Client.wait_for_jwt`; waits as :meth:`wait_for_token` does)."""
        return await self._core.wait_for_jwt(pin, key, (timeout, interval, on_progress, cancel))

    # --- Plex JWT ----------------------------------------------------------------------------

    async def upgrade_to_jwt(self, token: str, key: DeviceKey) -> PlexJwt:
        """Upgrades a legacy token to a Plex JWT for ``key``. **Ends that token for this client
        identifier** (see :meth:`plexlink.Client.upgrade_to_jwt`)."""
        return await self._core.upgrade_to_jwt(token, key)

    async def refresh_jwt(self, key: DeviceKey) -> PlexJwt:
        """A new Plex JWT for the registered ``key`` (see :meth:`plexlink.Client.refresh_jwt`)."""
        return await self._core.refresh_jwt(key)

    async def verify_jwt(self, token: str, key: DeviceKey) -> JwtClaims:
        """Verifies a Plex JWT issued to ``key`` and returns its claims."""
        return await self._core.verify_jwt(token, key)

    async def jwt_token(self, session: JwtSession) -> str:
        """The session's Plex JWT, refreshed first when less than a day is left."""
        return await self._core.jwt_token(session)

    async def refresh_session(self, session: JwtSession) -> str:
        """Refreshes the session's Plex JWT now and returns the new token."""
        return await self._core.refresh_session(session)

    async def with_jwt(self, session: JwtSession, call: Callable[[str], Awaitable[_T]]) -> _T:
        """Awaits ``call(token)`` with the session's Plex JWT and returns its result; when it
        raises :class:`plexlink.TokenExpired`, refreshes the JWT and awaits it once more (see
        :meth:`plexlink.Client.with_jwt`).

        >>> account = await client.with_jwt(session, client.user)  # doctest: +SKIP
        """
        # plexlink::AsyncClient::with_jwt would await `call` on the Rust runtime, apart from the
        # caller's task (its context, its cancellation); so the steps are taken here, and the
        # decision to refresh is still the core's (_refresh_then_retry).
        token = await self._core.jwt_token(session)
        try:
            return await call(token)
        except PlexlinkError as error:
            if not _refresh_then_retry(error):
                raise
            # Inside the handler, so that a failed refresh is chained to the expiry.
            token = await self._core.refresh_session(session)
        return await call(token)

    # --- Account -----------------------------------------------------------------------------

    async def sign_in(self, login: str, password: str, verification_code: str | None = None) -> Account:
        """Signs in with a password (see :meth:`plexlink.Client.sign_in`)."""
        return await self._core.sign_in(login, password, verification_code)

    async def user(self, token: str) -> Account:
        """The account ``token`` belongs to."""
        return await self._core.user(token)

    async def sign_out(self, token: str) -> None:
        """Revokes ``token``."""
        await self._core.sign_out(token)

    async def ping(self, token: str) -> None:
        """Keeps ``token`` alive."""
        await self._core.ping(token)

    async def home_users(self, token: str) -> list[HomeUser]:
        """The members of the account's Plex Home."""
        return await self._core.home_users(token)

    async def switch_home_user(self, token: str, user: HomeUser | str, pin: str | None = None) -> Account:
        """Switches to a Home user (see :meth:`plexlink.Client.switch_home_user`)."""
        return await self._core.switch_home_user(token, user, pin)

    async def claim_token(self, token: str) -> str:
        """A claim token for setting up a new server."""
        return await self._core.claim_token(token)

    async def link_pin(self, token: str, code: str) -> None:
        """Approves another device's 4-character code with this account's token."""
        await self._core.link_pin(token, code)

    # --- Servers -----------------------------------------------------------------------------

    async def resources(self, token: str) -> list[Resource]:
        """Every device of the account with all its connections."""
        return await self._core.resources(token)

    async def servers(self, token: str) -> list[Resource]:
        """The account's Plex Media Servers."""
        return await self._core.servers(token)

    async def connect(
        self,
        resource: Resource,
        *,
        grace: float | None = None,
        probe_timeout: float | None = None,
        relay: bool = True,
        ipv6: bool = True,
        allow_http: Literal["never", "private", "anywhere"] = "private",
        http_twins: bool = False,
    ) -> Connected:
        """Chooses a server's best working connection (see :meth:`plexlink.Client.connect`)."""
        race = (grace, probe_timeout, relay, ipv6, allow_http, http_twins)
        return await self._core.connect(resource, race)

    async def connect_all(
        self,
        resources: Iterable[Resource],
        *,
        grace: float | None = None,
        probe_timeout: float | None = None,
        relay: bool = True,
        ipv6: bool = True,
        allow_http: Literal["never", "private", "anywhere"] = "private",
        http_twins: bool = False,
    ) -> list[Connected | PlexlinkError]:
        """Chooses a connection for every server at once (see :meth:`plexlink.Client.connect_all`):
        one ``Connected`` or ``PlexlinkError`` per resource, in the order given."""
        race = (grace, probe_timeout, relay, ipv6, allow_http, http_twins)
        return await self._core.connect_all(resources, race)

    async def identity(self, server_uri: str) -> Identity:
        """What a server's ``/identity`` says."""
        return await self._core.identity(server_uri)

    async def transient_token(self, server_uri: str, token: str) -> str:
        """A transient token from a server, asked with an admin token."""
        return await self._core.transient_token(server_uri, token)

    async def source_connection_info(self, server_uri: str, token: str, source: str) -> list[Resource]:
        """How to reach ``source``, as the server at ``server_uri`` knows it."""
        return await self._core.source_connection_info(server_uri, token, source)

    async def servers_or_snapshot(self, token: str, snapshot: ResourcesSnapshot | None = None) -> ServerList:
        """The account's servers, from ``snapshot`` while plex.tv cannot be reached (see
        :meth:`plexlink.Client.servers_or_snapshot`)."""
        return await self._core.servers_or_snapshot(token, snapshot)

    async def keep(
        self,
        server: Resource,
        *,
        last_good: str | None = None,
        warm_window: float | None = None,
        recheck_interval: float | None = None,
        recheck_max: float | None = None,
        retry_max: float | None = None,
        grace: float | None = None,
        probe_timeout: float | None = None,
        relay: bool = True,
        ipv6: bool = True,
        allow_http: Literal["never", "private", "anywhere"] = "private",
        http_twins: bool = False,
        on_event: Callable[[KeptEvent], object] | None = None,
    ) -> AsyncKeptServer:
        """Keeps ``server``'s connection right in the background (see
        :meth:`plexlink.Client.keep`), once the warm start or the first race has decided.

        The driver is a task of plexlink's runtime, not of this event loop: it goes on while the
        loop runs other work, and ends at :meth:`AsyncKeptServer.stop` (or ``async with``).
        ``on_event`` is called on this event loop's thread, in order; what it raises is reported
        through ``sys.unraisablehook``.
        """
        kept = await self._core.keep(
            server,
            last_good,
            (warm_window, recheck_interval, recheck_max, retry_max),
            (grace, probe_timeout, relay, ipv6, allow_http, http_twins),
            on_event,
        )
        return AsyncKeptServer(kept)


class AsyncKeptServer:
    """The asyncio face of :class:`plexlink.KeptServer` (``await AsyncClient.keep(...)``): the
    same handle, with events as an asynchronous iterator and a ``call`` that awaits.

    Nothing here waits on the network, so the properties and :meth:`report_failure`,
    :meth:`network_changed` and :meth:`stop` are plain methods. ``async with`` stops it at the
    end of the block.
    """

    __slots__ = ("_kept",)

    def __init__(self, kept: KeptServer) -> None:
        self._kept = kept

    @property
    def kept(self) -> KeptServer:
        """The handle underneath (its blocking ``events()`` and ``call`` are there too)."""
        return self._kept

    @property
    def uri(self) -> str | None:
        """The URI to use now; None while no connection works."""
        return self._kept.uri

    @property
    def current(self) -> Connected | None:
        """The connection to use now, with the race that chose it; None while none works."""
        return self._kept.current

    @property
    def server(self) -> Resource:
        """The server."""
        return self._kept.server

    @property
    def last_outcome(self) -> RaceOutcome | None:
        """The last race that changed something, or None."""
        return self._kept.last_outcome

    def report_failure(self) -> None:
        """A request to the current connection failed at the transport level: race again."""
        self._kept.report_failure()

    def network_changed(self) -> None:
        """The network changed: race every connection now."""
        self._kept.network_changed()

    def stop(self) -> None:
        """Stops the driver; every events iterator ends. Stopping twice is harmless."""
        self._kept.stop()

    def events(self, timeout: float | None = None) -> AsyncIterator[KeptEvent]:
        """The events from now on, as an asynchronous iterator (``async for event in
        kept.events():``). It ends when the kept server is stopped, or when no event came for
        ``timeout`` seconds; cancelling the awaiting task leaves the events not yet taken."""
        return self._kept._async_events(timeout)

    async def call(
        self,
        function: Callable[[str], Awaitable[_T]],
        /,
        *,
        transport_errors: _ExceptionClasses | None = None,
    ) -> _T:
        """Awaits ``function(uri)`` with the current URI and returns its result; a
        transport-level exception is reported before it propagates (see
        :meth:`plexlink.KeptServer.call`). Raises :class:`plexlink.NoConnection` when no
        connection works now."""
        # The call is awaited here, in the caller's task (its context, its cancellation); the
        # handle decides what is a transport failure, as its blocking call() does.
        uri = self._kept._call_uri()
        try:
            return await function(uri)
        except BaseException as error:
            self._kept._report_if_transport(error, transport_errors)
            raise

    async def __aenter__(self) -> AsyncKeptServer:
        """Returns itself: the driver already runs."""
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        """Stops the driver (:meth:`stop`) and lets any exception through."""
        self.stop()

    def __repr__(self) -> str:
        return f"Async{self._kept!r}"
