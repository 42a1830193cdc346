"""Type stubs of plexlink's native module (checked against it by ``mypy.stubtest``)."""

import asyncio
import datetime
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Sequence
from types import TracebackType
from typing import Any, Literal, NoReturn, TypeVar, final

from typing_extensions import disjoint_base

_T = TypeVar("_T")

__all__ = [
    "__version__",
    "Client",
    "_AsyncCore",
    "Cancel",
    "Pin",
    "WaitProgress",
    "Account",
    "Subscription",
    "HomeUser",
    "Resource",
    "Connection",
    "Connected",
    "CandidateReport",
    "SkippedConnection",
    "RaceOutcome",
    "KeptServer",
    "KeptEvent",
    "ResourcesSnapshot",
    "ServerList",
    "Identity",
    "DeviceKey",
    "PlexJwt",
    "JwtClaims",
    "JwtSession",
    "_refresh_then_retry",
    "Emulator",
    "PlexlinkError",
    "Unauthorized",
    "TwoFactorRequired",
    "InvalidVerificationCode",
    "IpLockedOut",
    "PinExpired",
    "HomePinRequired",
    "RateLimited",
    "TokenExpired",
    "DeviceRemoved",
    "InvalidJwt",
    "HttpError",
    "ServerRefused",
    "ProtocolError",
    "InvalidArgument",
    "InsecureTransport",
    "NetworkError",
    "Timeout",
    "Cancelled",
    "NoConnection",
]

__version__: str

# --- The client -----------------------------------------------------------------------------

@final
class Client:
    """Signs people in to Plex and finds their servers; safe to share between threads."""

    def __new__(
        cls,
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
    ) -> Client: ...
    @property
    def product(self) -> str:
        """The application's name (``X-Plex-Product``)."""
    @property
    def client_identifier(self) -> str:
        """This installation's lasting identifier (``X-Plex-Client-Identifier``)."""
    @property
    def plex_url(self) -> str:
        """The plex.tv base URL this client talks to."""
    @property
    def link_url(self) -> str:
        """The page where a person types a short PIN code."""
    def create_pin(self, strong: bool = False, *, jwt_key: DeviceKey | None = None) -> Pin:
        """Creates a PIN: a 4-character code, or a long one with ``strong=True``; a JWT PIN with ``jwt_key``."""
    def check_pin(self, pin: Pin | int) -> Pin:
        """Checks a PIN once; ``token`` is set once the person approved it."""
    def resume_pin(self, id: int, code: str, *, jwt_key: DeviceKey | None = None) -> Pin:
        """A PIN known by its id and code (``jwt_key`` for a JWT PIN). Sends nothing."""
    def auth_url(self, pin: Pin, forward_url: str | None = None) -> str:
        """The app.plex.tv page that approves ``pin``."""
    def wait_for_token(
        self,
        pin: Pin,
        *,
        timeout: float | None = None,
        interval: float | None = None,
        on_progress: Callable[[WaitProgress], object] | None = None,
        cancel: Cancel | None = None,
    ) -> str:
        """Waits until the person approves ``pin`` and returns the token (a JWT PIN's: its Plex JWT)."""
    def wait_for_jwt(
        self,
        pin: Pin,
        key: DeviceKey | None = None,
        *,
        timeout: float | None = None,
        interval: float | None = None,
        on_progress: Callable[[WaitProgress], object] | None = None,
        cancel: Cancel | None = None,
    ) -> PlexJwt:
        """Waits until the person approves the JWT PIN ``pin`` and returns the Plex JWT, verified."""
    def upgrade_to_jwt(self, token: str, key: DeviceKey) -> PlexJwt:
        """Upgrades a legacy token to a Plex JWT for ``key``; ends that token for this client identifier."""
    def refresh_jwt(self, key: DeviceKey) -> PlexJwt:
        """A new Plex JWT for the registered ``key``."""
    def verify_jwt(self, token: str, key: DeviceKey) -> JwtClaims:
        """Verifies a Plex JWT issued to ``key`` and returns its claims."""
    def jwt_token(self, session: JwtSession) -> str:
        """The session's Plex JWT, refreshed first when less than a day is left."""
    def refresh_session(self, session: JwtSession) -> str:
        """Refreshes the session's Plex JWT now and returns the new token."""
    def with_jwt(self, session: JwtSession, call: Callable[[str], _T]) -> _T:
        """Runs ``call(token)`` with the session's Plex JWT; after ``TokenExpired``, refreshes and runs it once more."""
    def link_pin(self, token: str, code: str) -> None:
        """Approves another device's 4-character code with this account's token."""
    def sign_in(self, login: str, password: str, verification_code: str | None = None) -> Account:
        """Signs in with a login and password (and two-factor code)."""
    def user(self, token: str) -> Account:
        """The account ``token`` belongs to."""
    def sign_out(self, token: str) -> None:
        """Revokes ``token``."""
    def ping(self, token: str) -> None:
        """Keeps ``token`` alive."""
    def home_users(self, token: str) -> list[HomeUser]:
        """The members of the account's Plex Home."""
    def switch_home_user(self, token: str, user: HomeUser | str, pin: str | None = None) -> Account:
        """Switches to a Home user; the answer's ``token`` is theirs."""
    def claim_token(self, token: str) -> str:
        """A claim token for setting up a new server."""
    def resources(self, token: str) -> list[Resource]:
        """Every device of the account with all its connections."""
    def servers(self, token: str) -> list[Resource]:
        """The account's Plex Media Servers."""
    def connect(
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
        """Chooses the best working connection of a server."""
    def connect_all(
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
        """Chooses a connection for every server at once: one ``Connected`` or error per resource."""
    def identity(self, server_uri: str) -> Identity:
        """What the server at ``server_uri`` says about itself."""
    def transient_token(self, server_uri: str, token: str) -> str:
        """A transient token from a server, asked with an admin token."""
    def source_connection_info(self, server_uri: str, token: str, source: str) -> list[Resource]:
        """How to reach ``source``, as the server at ``server_uri`` knows it."""
    def servers_or_snapshot(self, token: str, snapshot: ResourcesSnapshot | None = None) -> ServerList:
        """The account's servers, from ``snapshot`` while plex.tv cannot be reached."""
    def keep(
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
    ) -> KeptServer:
        """Keeps ``server``'s connection right in the background; ``on_event`` runs on the driver's thread."""

# The keyword arguments ``plexlink.aio`` hands to ``_AsyncCore`` as one tuple each, in the order
# ``Client`` declares them.
_WaitOptions = tuple[float | None, float | None, Callable[[WaitProgress], object] | None, Cancel | None]
_RaceOptions = tuple[float | None, float | None, bool, bool, Literal["never", "private", "anywhere"], bool]
_KeepTiming = tuple[float | None, float | None, float | None, float | None]

@final
class _AsyncCore:
    """The native half of ``plexlink.aio.AsyncClient``: a ``Client``'s network calls as futures
    of the running event loop (private: use ``plexlink.aio``)."""

    def __new__(cls, client: Client) -> _AsyncCore: ...
    def create_pin(self, strong: bool = False, *, jwt_key: DeviceKey | None = None) -> asyncio.Future[Pin]: ...
    def check_pin(self, pin: Pin | int) -> asyncio.Future[Pin]: ...
    def wait_for_token(self, pin: Pin, wait: _WaitOptions) -> asyncio.Future[str]: ...
    def wait_for_jwt(self, pin: Pin, key: DeviceKey | None, wait: _WaitOptions) -> asyncio.Future[PlexJwt]: ...
    def upgrade_to_jwt(self, token: str, key: DeviceKey) -> asyncio.Future[PlexJwt]: ...
    def refresh_jwt(self, key: DeviceKey) -> asyncio.Future[PlexJwt]: ...
    def verify_jwt(self, token: str, key: DeviceKey) -> asyncio.Future[JwtClaims]: ...
    def jwt_token(self, session: JwtSession) -> asyncio.Future[str]: ...
    def refresh_session(self, session: JwtSession) -> asyncio.Future[str]: ...
    def link_pin(self, token: str, code: str) -> asyncio.Future[None]: ...
    def sign_in(self, login: str, password: str, verification_code: str | None = None) -> asyncio.Future[Account]: ...
    def user(self, token: str) -> asyncio.Future[Account]: ...
    def sign_out(self, token: str) -> asyncio.Future[None]: ...
    def ping(self, token: str) -> asyncio.Future[None]: ...
    def home_users(self, token: str) -> asyncio.Future[list[HomeUser]]: ...
    def switch_home_user(self, token: str, user: HomeUser | str, pin: str | None = None) -> asyncio.Future[Account]: ...
    def claim_token(self, token: str) -> asyncio.Future[str]: ...
    def resources(self, token: str) -> asyncio.Future[list[Resource]]: ...
    def servers(self, token: str) -> asyncio.Future[list[Resource]]: ...
    def connect(self, resource: Resource, race: _RaceOptions) -> asyncio.Future[Connected]: ...
    def connect_all(
        self, resources: Iterable[Resource], race: _RaceOptions
    ) -> asyncio.Future[list[Connected | PlexlinkError]]: ...
    def identity(self, server_uri: str) -> asyncio.Future[Identity]: ...
    def transient_token(self, server_uri: str, token: str) -> asyncio.Future[str]: ...
    def source_connection_info(self, server_uri: str, token: str, source: str) -> asyncio.Future[list[Resource]]: ...
    def servers_or_snapshot(
        self, token: str, snapshot: ResourcesSnapshot | None = None
    ) -> asyncio.Future[ServerList]: ...
    def keep(
        self,
        server: Resource,
        last_good: str | None,
        timing: _KeepTiming,
        race: _RaceOptions,
        on_event: Callable[[KeptEvent], object] | None,
    ) -> asyncio.Future[KeptServer]: ...

@final
class Cancel:
    """Cancels a wait from any thread."""

    def __new__(cls) -> Cancel: ...
    def cancel(self) -> None:
        """Cancels every wait that uses this handle or one of its children."""
    def child(self) -> Cancel:
        """A new handle, cancelled whenever this one is; cancelling it leaves this one alone."""
    @property
    def cancelled(self) -> bool:
        """Whether this handle (or one it is a child of) was cancelled."""

# --- PIN login ------------------------------------------------------------------------------

@final
class Pin:
    """A PIN: the code a person enters at ``link_url`` (or approves at ``auth_url()``)."""

    @property
    def id(self) -> int:
        """The PIN's id."""
    @property
    def code(self) -> str:
        """The code to show the person."""
    @property
    def strong(self) -> bool:
        """Whether this is a strong (long) code."""
    @property
    def client_identifier(self) -> str:
        """The client identifier the PIN belongs to."""
    @property
    def expires_at(self) -> datetime.datetime | None:
        """When the PIN expires (aware, UTC)."""
    @property
    def created_at(self) -> datetime.datetime | None:
        """When plex.tv created the PIN (aware, UTC)."""
    @property
    def expires_in(self) -> int | None:
        """How long the PIN lives, in seconds."""
    @property
    def token(self) -> str | None:
        """The token, once the person approved the PIN."""
    @property
    def authorized(self) -> bool:
        """Whether the person approved the PIN."""
    @property
    def new_registration(self) -> bool | None:
        """Whether approving it created a new Plex account."""
    @property
    def jwt_key(self) -> DeviceKey | None:
        """The device key a JWT PIN was made with."""
    @property
    def link_url(self) -> str:
        """The page where the person types a short code."""
    def auth_url(self, forward_url: str | None = None) -> str:
        """The app.plex.tv page that approves this PIN."""

@final
class WaitProgress:
    """What a wait for a PIN's approval has seen so far."""

    @property
    def remaining(self) -> float | None:
        """Seconds until the PIN expires, when known."""
    @property
    def checks(self) -> int:
        """Checks answered so far."""

# --- Plex JWT sign-in -----------------------------------------------------------------------

@final
class DeviceKey:
    """A device's Ed25519 key: its identity at plex.tv for Plex JWT sign-in. Not picklable."""

    @staticmethod
    def generate() -> DeviceKey:
        """A new key from the operating system's random generator."""
    @staticmethod
    def from_seed(seed: bytes | bytearray) -> DeviceKey:
        """The key whose private part is ``seed`` (exactly 32 bytes)."""
    @staticmethod
    def from_private_key(private_key: str) -> DeviceKey:
        """The key kept earlier as ``private_key`` text."""
    @property
    def private_key(self) -> str:
        """The private key as text: a secret, to store as a password is."""
    @property
    def seed(self) -> bytes:
        """The 32-byte seed: a secret."""
    @property
    def kid(self) -> str:
        """The key's id (RFC 7638 thumbprint); not a secret."""
    @property
    def public_key(self) -> bytes:
        """The 32-byte public key."""
    @property
    def public_jwk(self) -> dict[str, str]:
        """The public key as the JWK plex.tv registers."""
    def __eq__(self, value: object, /) -> bool: ...
    def __hash__(self) -> int: ...
    def __reduce__(self) -> NoReturn: ...
    def __copy__(self) -> DeviceKey: ...
    def __deepcopy__(self, _memo: Any) -> DeviceKey: ...

@final
class JwtClaims:
    """The claims of a verified Plex JWT."""

    @property
    def issuer(self) -> str:
        """``iss``: who issued it."""
    @property
    def audience(self) -> list[str]:
        """``aud``: whom it is for."""
    @property
    def exp(self) -> int:
        """When it expires, in Unix seconds."""
    @property
    def iat(self) -> int:
        """When it was issued, in Unix seconds."""
    @property
    def expires_at(self) -> datetime.datetime:
        """When it expires (aware, UTC)."""
    @property
    def issued_at(self) -> datetime.datetime:
        """When it was issued (aware, UTC)."""
    @property
    def thumbprint(self) -> str | None:
        """The key id of the device it was issued to."""
    @property
    def scope(self) -> str | None:
        """The scopes it was asked with."""
    @property
    def user_id(self) -> int | None:
        """The account's numeric id."""
    @property
    def uuid(self) -> str:
        """The account's uuid."""
    @property
    def username(self) -> str:
        """The account's user name."""
    @property
    def email(self) -> str:
        """The account's e-mail address."""
    @property
    def friendly_name(self) -> str:
        """The name shown for the account."""
    @property
    def restricted(self) -> bool:
        """Whether the account is a managed (restricted) Home user."""
    def seconds_left(self, now: float | None = None) -> int:
        """Seconds left before it expires, at ``now`` (Unix seconds; default: now)."""
    def __eq__(self, value: object, /) -> bool: ...
    def __hash__(self) -> int: ...

@final
class PlexJwt:
    """A Plex JWT, verified, and its claims. Not picklable."""

    def __new__(cls, token: str, claims: JwtClaims) -> PlexJwt: ...
    @property
    def token(self) -> str:
        """The JWT itself: a secret, for plex.tv only."""
    @property
    def claims(self) -> JwtClaims:
        """What it says, as verified."""
    def __reduce__(self) -> NoReturn: ...

@final
class JwtSession:
    """A device key and its current Plex JWT, which the client refreshes."""

    def __new__(cls, key: DeviceKey, jwt: PlexJwt) -> JwtSession: ...
    @property
    def key(self) -> DeviceKey:
        """The device key."""
    @property
    def jwt(self) -> PlexJwt:
        """The Plex JWT as it is now."""
    def __reduce__(self) -> NoReturn: ...

def _refresh_then_retry(error: BaseException) -> bool:
    """Whether plexlink's rule is to refresh a session's JWT and call once more after ``error``."""

# --- Accounts -------------------------------------------------------------------------------

@final
class Subscription:
    """A Plex Pass subscription."""

    @property
    def active(self) -> bool:
        """Whether it is active."""
    @property
    def status(self) -> str:
        """``Active``, ``Inactive``, ..."""
    @property
    def plan(self) -> str:
        """``monthly``, ``yearly``, ``lifetime``, ..."""

@final
class Account:
    """A Plex account."""

    @property
    def id(self) -> int | None:
        """The numeric id."""
    @property
    def uuid(self) -> str:
        """The account's UUID."""
    @property
    def username(self) -> str:
        """The user name."""
    @property
    def email(self) -> str:
        """The e-mail address."""
    @property
    def friendly_name(self) -> str:
        """The name to show."""
    @property
    def title(self) -> str:
        """The title."""
    @property
    def thumb(self) -> str:
        """The avatar's URL."""
    @property
    def token(self) -> str | None:
        """The account's token, when the call hands one out."""
    @property
    def two_factor_enabled(self) -> bool:
        """Whether two-factor authentication is on."""
    @property
    def home(self) -> bool:
        """Whether the account belongs to a Plex Home."""
    @property
    def home_admin(self) -> bool:
        """Whether it is the Home's administrator."""
    @property
    def subscription(self) -> Subscription | None:
        """The Plex Pass subscription."""

@final
class HomeUser:
    """A member of a Plex Home."""

    @property
    def id(self) -> int | None:
        """The numeric id."""
    @property
    def uuid(self) -> str:
        """The UUID."""
    @property
    def title(self) -> str:
        """The name to show."""
    @property
    def username(self) -> str:
        """The user name (empty for managed users)."""
    @property
    def admin(self) -> bool:
        """Whether this user is the Home's administrator."""
    @property
    def restricted(self) -> bool:
        """Whether this is a managed user with restrictions."""
    @property
    def protected(self) -> bool:
        """Whether switching to this user needs their Home PIN."""
    @property
    def guest(self) -> bool:
        """Whether this is the guest user."""
    @property
    def thumb(self) -> str:
        """The avatar's URL."""

# --- Servers --------------------------------------------------------------------------------

@disjoint_base
class Connection:
    """One way to reach a server."""

    @property
    def uri(self) -> str:
        """The URI to use."""
    @property
    def protocol(self) -> str:
        """``https`` or ``http``."""
    @property
    def address(self) -> str:
        """The IP address."""
    @property
    def port(self) -> int:
        """The port."""
    @property
    def local(self) -> bool:
        """A private address."""
    @property
    def relay(self) -> bool:
        """A Plex relay."""
    @property
    def ipv6(self) -> bool:
        """An IPv6 address."""
    def __eq__(self, value: object, /) -> bool: ...
    def __hash__(self) -> int: ...

@final
class Connected(Connection):
    """The chosen connection, with the server and every candidate's outcome."""

    @property
    def resource(self) -> Resource:
        """The server."""
    @property
    def advertised(self) -> Connection:
        """The winning connection as plex.tv listed it."""
    @property
    def candidates(self) -> list[CandidateReport]:
        """Every candidate in rank order."""
    @property
    def skipped(self) -> list[SkippedConnection]:
        """The connections that were not tried, and why."""
    @property
    def elapsed(self) -> float:
        """Seconds choosing took."""
    @property
    def tier(self) -> str:
        """``local``, ``remote`` or ``relay``, as the race judged the chosen connection."""
    @property
    def access_token(self) -> str | None:
        """The token to use with this server."""

@final
class CandidateReport:
    """One candidate of a connection race and what became of it."""

    @property
    def uri(self) -> str:
        """What was probed."""
    @property
    def connection(self) -> Connection:
        """The connection as plex.tv listed it."""
    @property
    def tier(self) -> str:
        """``local``, ``remote`` or ``relay``."""
    @property
    def secure(self) -> bool:
        """Whether it is https."""
    @property
    def ipv6(self) -> bool:
        """Whether it is IPv6."""
    @property
    def http_twin(self) -> bool:
        """Whether it is the plain-http twin of an https connection."""
    @property
    def result(self) -> str:
        """``won``, ``answered``, ``wrong_server``, ``unauthorized``, ``failed``, ``timed_out``, ``abandoned`` or ``not_sent``."""
    @property
    def detail(self) -> str | None:
        """The error, or the other machine identifier."""
    @property
    def latency(self) -> float | None:
        """Seconds from sending the probe to its answer."""
    @property
    def won(self) -> bool:
        """Whether this candidate was chosen."""

@final
class SkippedConnection:
    """A connection that was not a candidate, and why."""

    @property
    def connection(self) -> Connection:
        """The connection as plex.tv listed it."""
    @property
    def reason(self) -> str:
        """Why, as a short code."""
    @property
    def message(self) -> str:
        """Why, in words."""

@final
class RaceOutcome:
    """How one race ended."""

    @property
    def winner(self) -> CandidateReport | None:
        """The candidate chosen, or None."""
    @property
    def candidates(self) -> list[CandidateReport]:
        """Every candidate in rank order."""
    @property
    def skipped(self) -> list[SkippedConnection]:
        """The connections not tried, and why."""
    @property
    def elapsed(self) -> float:
        """Seconds from the race's start to its decision."""

# --- The kept connection, servers while plex.tv is down --------------------------------------

@final
class KeptServer:
    """A server whose connection plexlink keeps right in the background."""

    @property
    def uri(self) -> str | None:
        """The URI to use now; None while no connection works."""
    @property
    def current(self) -> Connected | None:
        """The connection to use now, with the race that chose it."""
    @property
    def server(self) -> Resource:
        """The server."""
    @property
    def last_outcome(self) -> RaceOutcome | None:
        """The last race that changed something."""
    @property
    def is_running(self) -> bool:
        """True while the driver keeps the connection right."""
    def report_failure(self) -> None:
        """A request to the current connection failed: race again."""
    def network_changed(self) -> None:
        """The network changed: race every connection now."""
    def call(self, function: Callable[[str], _T], /, *, transport_errors: type[BaseException] | tuple[type[BaseException], ...] | None = None) -> _T:
        """Calls ``function(uri)``; a transport-level exception reports the failure, then propagates."""
    def events(self, timeout: float | None = None) -> Iterator[KeptEvent]:
        """The events from now on; ends at stop, or after ``timeout`` seconds without one."""
    def stop(self) -> None:
        """Stops the driver; every events iterator ends."""
    def __enter__(self) -> KeptServer: ...
    def __exit__(
        self,
        _exc_type: type[BaseException] | None = None,
        _exc: BaseException | None = None,
        _traceback: TracebackType | None = None,
    ) -> bool: ...
    def _async_events(self, timeout: float | None = None) -> AsyncIterator[KeptEvent]: ...
    def _call_uri(self) -> str: ...
    def _report_if_transport(
        self, error: BaseException, transport_errors: type[BaseException] | tuple[type[BaseException], ...] | None = None
    ) -> bool: ...

@final
class KeptEvent:
    """A change of a kept server's connection."""

    @property
    def kind(self) -> Literal["changed", "lost"]:
        """``changed`` or ``lost``."""
    @property
    def old(self) -> Connected | None:
        """The connection before, or None."""
    @property
    def new(self) -> Connected | None:
        """The connection to use from now on (None for ``lost``)."""
    @property
    def why(self) -> Literal["started", "warm_start", "failover", "moved_up", "network_changed", "recovered"]:
        """Why, as the core names it."""
    @property
    def outcome(self) -> RaceOutcome:
        """The race behind this event."""

@final
class ResourcesSnapshot:
    """plex.tv's answer of the account's devices, kept by the app (it holds tokens)."""

    @staticmethod
    def from_json(text: str) -> ResourcesSnapshot:
        """Reads a snapshot stored with ``to_json``."""
    def to_json(self) -> str:
        """The snapshot as text to store (a secret)."""
    @property
    def taken_at(self) -> datetime.datetime:
        """When plex.tv gave this answer."""
    def age(self, now: float | None = None) -> float:
        """How old it is, in seconds."""
    @property
    def servers(self) -> list[Resource]:
        """The servers of the answer."""
    @property
    def resources(self) -> list[Resource]:
        """Every device of the answer."""
    def __eq__(self, value: object, /) -> bool: ...
    def __reduce__(self) -> NoReturn: ...
    def __copy__(self) -> ResourcesSnapshot: ...
    def __deepcopy__(self, _memo: Any) -> ResourcesSnapshot: ...

@final
class ServerList:
    """The account's servers, and the snapshot to store."""

    @property
    def servers(self) -> list[Resource]:
        """The servers."""
    @property
    def snapshot(self) -> ResourcesSnapshot:
        """plex.tv's answer, new or the one given: store it."""
    @property
    def offline(self) -> PlexlinkError | None:
        """Why the servers come from the snapshot; None when plex.tv answered now."""

@final
class Resource:
    """A device of the account: a Plex Media Server, a player..."""

    @property
    def name(self) -> str:
        """The name the owner gave it."""
    @property
    def product(self) -> str:
        """The product."""
    @property
    def product_version(self) -> str:
        """The product's version."""
    @property
    def platform(self) -> str:
        """The platform."""
    @property
    def platform_version(self) -> str:
        """The platform's version."""
    @property
    def device(self) -> str:
        """The hardware."""
    @property
    def client_identifier(self) -> str:
        """The device's identifier."""
    @property
    def provides(self) -> list[str]:
        """What it provides (``server``, ``player``, ...)."""
    @property
    def owner_id(self) -> int | None:
        """The owner's account id, for a shared device."""
    @property
    def source_title(self) -> str | None:
        """The owner's name, for a shared device."""
    @property
    def public_address(self) -> str | None:
        """The public address plex.tv last saw it at."""
    @property
    def access_token(self) -> str | None:
        """The token for this device."""
    @property
    def owned(self) -> bool:
        """Whether this account owns it."""
    @property
    def home(self) -> bool:
        """Whether it belongs to the account's Plex Home."""
    @property
    def synced(self) -> bool:
        """Whether it is a synced device."""
    @property
    def relay(self) -> bool:
        """Whether it can be reached through a Plex relay."""
    @property
    def presence(self) -> bool:
        """Whether it is online, as far as plex.tv knows."""
    @property
    def https_required(self) -> bool:
        """Whether it refuses plain HTTP."""
    @property
    def public_address_matches(self) -> bool:
        """Whether the caller is on the device's network."""
    @property
    def dns_rebinding_protection(self) -> bool:
        """Whether its network blocks plex.direct names."""
    @property
    def nat_loopback_supported(self) -> bool:
        """Whether its router loops back connections."""
    @property
    def connections(self) -> list[Connection]:
        """The ways to reach it."""
    @property
    def is_server(self) -> bool:
        """Whether it is a Plex Media Server."""
    @property
    def created_at(self) -> datetime.datetime | None:
        """When it was registered."""
    @property
    def last_seen_at(self) -> datetime.datetime | None:
        """When plex.tv last heard of it."""

@final
class Identity:
    """What a server's ``/identity`` says."""

    @property
    def machine_identifier(self) -> str:
        """The server's machine identifier."""
    @property
    def claimed(self) -> bool:
        """Whether the server is claimed."""
    @property
    def version(self) -> str:
        """The server's version."""

# --- The emulator (plexlink.testing) --------------------------------------------------------

@final
class Emulator:
    """A local stand-in for plex.tv and Plex Media Servers on 127.0.0.1, for tests."""

    def __new__(
        cls,
        *,
        scenario: dict[str, Any] | str | None = None,
        pin_lifetime: int | None = None,
        strong_pin_lifetime: int | None = None,
        lockout_after_failures: int | None = None,
        dual_stack: bool = False,
    ) -> Emulator: ...
    @property
    def url(self) -> str:
        """The plex.tv base URL, ``http://127.0.0.1:PORT/``."""
    @property
    def running(self) -> bool:
        """Whether it is still running."""
    def scenario(self) -> dict[str, Any]:
        """The scenario it plays."""
    def approve(self, pin: Pin | int, account: str = "alice") -> None:
        """Approves ``pin`` for ``account``."""
    def approve_code(self, code: str, account: str = "alice") -> int:
        """Approves the live short PIN with this code; returns its id."""
    def expire(self, pin: Pin | int) -> None:
        """Expires ``pin`` now."""
    def pins(self) -> list[dict[str, Any]]:
        """Every PIN created so far."""
    def add_fault(
        self,
        path_prefix: str,
        *,
        method: str | None = None,
        status: int | None = None,
        retry_after: int | None = None,
        body: str | None = None,
        malformed_json: bool = False,
        oversized: int | None = None,
        delay: float | None = None,
        close: bool = False,
        times: int | None = None,
    ) -> None:
        """Makes matching requests fail."""
    def clear_faults(self) -> None:
        """Removes every fault."""
    def counters(self) -> dict[str, Any]:
        """Request and TCP connection counts so far."""
    def reset_counters(self) -> None:
        """Zeros every count."""
    def token_for(self, account: str) -> str | None:
        """The account token of ``account``."""
    def server_uri(self, server: str, connection: str) -> str | None:
        """The URI of one connection of a server."""
    def requests(self) -> list[dict[str, Any]]:
        """Every request seen so far, with the kind of token it carried."""
    def set_behaviour(
        self,
        server: str,
        connection: str,
        behaviour: Literal["good", "slow", "dead", "blackhole", "wrong_id", "unauthorized"],
        ms: int | None = None,
    ) -> None:
        """Changes how a connection behaves, at once (``ms`` for ``slow``)."""
    def set_plex_tv_down(self, down: bool, mode: Literal["refuse", "503"] = "refuse") -> None:
        """Takes plex.tv down or brings it back."""
    @staticmethod
    def ipv6_available() -> bool:
        """Whether this machine has an IPv6 loopback."""
    def rotate_jwt_key(self) -> str:
        """Makes the other signing key sign Plex JWTs; returns its kid."""
    def remove_jwt_device(self, client_identifier: str) -> None:
        """Removes a device from its account."""
    def jwt_devices(self) -> list[dict[str, Any]]:
        """The device keys registered now."""
    def set_jwt_settings(
        self,
        *,
        jwt_lifetime: int | None = None,
        nonce_lifetime: int | None = None,
        nonce_rate_limit_per_minute: int | None = None,
    ) -> dict[str, int]:
        """Changes the JWT and nonce lifetimes and the nonce limit from now on."""
    def jwt_settings(self) -> dict[str, int]:
        """The JWT settings in force."""
    @property
    def ca_pem(self) -> str:
        """The PEM certificate of the authority that signs the https listeners."""
    def stop(self) -> None:
        """Stops it and closes every port."""
    def __enter__(self) -> Emulator: ...
    def __exit__(
        self,
        _exc_type: type[BaseException] | None = None,
        _exc: BaseException | None = None,
        _traceback: TracebackType | None = None,
    ) -> bool: ...

# --- Errors ---------------------------------------------------------------------------------

class PlexlinkError(Exception):
    """Base class of every error plexlink raises."""

    message: str
    status: int | None
    code: int | None

class Unauthorized(PlexlinkError):
    """The credentials or the token were refused."""

class TwoFactorRequired(PlexlinkError):
    """The account needs a two-factor verification code."""

class InvalidVerificationCode(PlexlinkError):
    """The two-factor verification code was wrong."""

class IpLockedOut(PlexlinkError):
    """This address is locked out after repeated failed sign-ins."""

class PinExpired(PlexlinkError):
    """The PIN expired or is unknown."""

class HomePinRequired(PlexlinkError):
    """Switching to this Home user needs their Home PIN."""

class RateLimited(PlexlinkError):
    """Too many requests."""

    retry_after: float | None

class TokenExpired(PlexlinkError):
    """The Plex JWT has expired."""

class DeviceRemoved(Unauthorized):
    """This device was removed from the account: sign in again under a new identity."""

class InvalidJwt(PlexlinkError):
    """A Plex JWT failed verification."""

class HttpError(PlexlinkError):
    """An error status the other errors do not name."""

class ServerRefused(PlexlinkError):
    """A Plex Media Server refused the token or this call for it; the account's token may be fine."""

class ProtocolError(PlexlinkError):
    """The answer could not be used."""

class InvalidArgument(PlexlinkError):
    """An argument was unusable."""

class InsecureTransport(PlexlinkError):
    """A token would have gone over plain HTTP to a public address."""

class NetworkError(PlexlinkError):
    """The request got no answer."""

    kind: str

class Timeout(PlexlinkError):
    """The overall time given to a wait ran out."""

class Cancelled(PlexlinkError):
    """The wait was cancelled."""

class NoConnection(PlexlinkError):
    """No connection of the server answered as that server."""

    candidates: Sequence[CandidateReport]
    skipped: Sequence[SkippedConnection]
