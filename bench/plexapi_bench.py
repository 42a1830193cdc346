#!/usr/bin/env python3
"""python-plexapi's side of plexlink's benchmark, driven by `plexlink-bench` (scripts/bench.sh).

Each subcommand runs one case against an emulator that plexlink-bench started, with
python-plexapi as its users get it: default timeouts (30 s), ``MyPlexResource.connect()``,
``MyPlexPinLogin``, ``MyPlexJWTLogin`` (with PyJWT). Only what must change does:

- plex.tv's URLs are class constants, pointed at the emulator (``MyPlexAccount.key``,
  ``MyPlexResource.key``, ``MyPlexPinLogin.PINS``, ``MyPlexJWTLogin.AUTH``);
- PyJWT gets a 1 s leeway in the JWT case (see ``jwt_case``);
- the emulator has no DNS, so a stand-in for ``socket.getaddrinfo`` answers ``*.plex.direct``
  names as Plex's DNS does (the address in the name), and refuses the addresses given with
  ``--block`` as a router with DNS-rebinding protection refuses private ones;
- ``REQUESTS_CA_BUNDLE`` (set by plexlink-bench) trusts the emulator's test authority.

Every connect round runs on a new ``requests.Session``, as a program that starts does. The
fleet case also reports the most threads the process ran during its rounds (sampled from
/proc/self/task) and its peak resident memory (``ru_maxrss``). Results are one JSON line on
stdout; the PIN case talks a line protocol with plexlink-bench, which
approves the PIN and times the token's arrival itself. The offline case runs while the emulator's
plex.tv is down: python-plexapi has no way to list servers then, so it times the failure.
"""

import argparse
import json
import os
import resource
import socket
import sys
import threading
import time


def install_plex_direct_dns(blocked):
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        name = host.decode() if isinstance(host, bytes) else host
        if isinstance(name, str) and name.lower().rstrip(".").endswith(".plex.direct"):
            parts = name.split(".", 1)[0].split("-")
            address = ".".join(parts)
            if len(parts) != 4 or address in blocked:
                raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
            return real(address, port, *args, **kwargs)
        return real(host, port, *args, **kwargs)

    socket.getaddrinfo = getaddrinfo


def emit(result):
    print(json.dumps(result), flush=True)


def account_for(args):
    from plexapi.myplex import MyPlexAccount, MyPlexResource

    MyPlexAccount.key = args.url + "api/v2/user"
    MyPlexResource.key = args.url + "api/v2/resources?includeHttps=1&includeRelay=1&includeIPv6=1"
    return MyPlexAccount(token=args.token)


def new_session(account):
    import requests

    account._session.close()
    account._session = requests.Session()


def connect_case(args):
    account = account_for(args)
    resource = next(r for r in account.resources() if r.name == args.server)
    times, chosen = [], None
    for _ in range(args.rounds):
        new_session(account)
        started = time.perf_counter()
        server = resource.connect()
        times.append(time.perf_counter() - started)
        chosen = server._baseurl
    emit({"times": times, "chosen": [chosen]})


class ThreadPeak:
    """The most threads this process runs (native ones included: /proc/self/task), sampled
    every 2 ms by a thread of its own, which is not counted."""

    def __init__(self):
        self.most = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()

    def _watch(self):
        while not self._stop.is_set():
            self.most = max(self.most, len(os.listdir("/proc/self/task")) - 1)
            self._stop.wait(0.002)

    def stop(self):
        self._stop.set()
        self._thread.join()
        return self.most


def peak_rss():
    """The most memory this process has had resident, in bytes (Linux: ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def fleet_case(args):
    account = account_for(args)
    resources = [r for r in account.resources() if "server" in r.provides]
    times, chosen = [], []
    peak = ThreadPeak()
    for _ in range(args.rounds):
        new_session(account)
        started = time.perf_counter()
        servers = [r.connect() for r in resources]
        times.append(time.perf_counter() - started)
        chosen = [s._baseurl for s in servers]
    threads = peak.stop()
    emit(
        {
            "times": times,
            "chosen": chosen,
            "names": [r.name for r in resources],
            "threads": threads,
            "rss": peak_rss(),
        }
    )


def parse_case(args):
    from plexapi import utils
    from plexapi.myplex import MyPlexResource

    account = account_for(args)
    raw = account._session.get(MyPlexResource.key, headers=account._headers(), timeout=60).content
    times, count = [], 0
    for _ in range(args.rounds):
        started = time.perf_counter()
        # What MyPlexAccount.resources() does with the answer, and the connections that
        # connect() reads (plexapi parses them on first use).
        data = utils.parseXMLString(raw.decode("utf-8"))
        resources = [MyPlexResource(account, elem) for elem in data]
        for resource in resources:
            resource.connections
        times.append(time.perf_counter() - started)
        count = len(resources)
    emit({"times": times, "bytes": len(raw), "devices": count})


def pin_case(args):
    from plexapi.myplex import MyPlexPinLogin

    MyPlexPinLogin.PINS = args.url + "api/v2/pins"
    for _ in range(args.rounds):
        print("ready", flush=True)
        if sys.stdin.readline().strip() != "go":
            return
        login = MyPlexPinLogin()
        login.run(callback=lambda token: print("token", flush=True), timeout=120)
        print(f"pin {login._id}", flush=True)
        if not login.waitForLogin():
            print("failed", flush=True)
            return
    print("done", flush=True)


def jwt_case(args):
    """``MyPlexJWTLogin`` as its docstring's second example uses it: a new key pair, the device
    registered with the account token, then ``refreshJWT()`` rounds. Also times signing one
    device JWT and ``decodePlexJWT()``, the two halves that plexlink-bench times on its own."""
    import jwt
    from plexapi.myplex import MyPlexJWTLogin

    MyPlexJWTLogin.AUTH = args.url + "api/v2/auth"
    # The emulator writes a Plex JWT's iat rounded up to the second (so that exp is at least the
    # lifetime away), a fraction of a second ahead of this clock, and PyJWT refuses an iat in the
    # future unless given a leeway, which plexapi does not give: refreshJWT() would fail nearly
    # every round. One second of leeway, as a clock a little behind plex.tv's needs anyway; it
    # changes no work PyJWT does.
    real_decode = jwt.decode

    def decode(*a, **kw):
        kw.setdefault("leeway", 1)
        return real_decode(*a, **kw)

    jwt.decode = decode

    login = MyPlexJWTLogin(token=args.token)
    login.generateKeypair()
    login.registerDevice()

    times = []
    for _ in range(args.rounds):
        started = time.perf_counter()
        login.refreshJWT()  # nonce, device JWT, exchange, then verifyJWT(): keys fetched, decode
        times.append(time.perf_counter() - started)

    # Signing alone: _encodeClientJWT()'s payload with plexlink-bench's fixed nonce (the nonce
    # fetch is timed in the refresh rounds), and only its jwt.encode() call timed, key argument
    # included: plexapi evaluates _privateJWK, a PyJWK built from the raw keys, on every call.
    now = int(time.time())
    payload = {
        "nonce": args.nonce,
        "scope": ",".join(login._scopes),
        "aud": "plex.tv",
        "iss": login._clientIdentifier,
        "iat": now,
        "exp": now + 300,
    }
    headers = {"kid": login._keyID}
    sign, sign_key_kept = [], []
    for _ in range(args.sign_rounds):
        started = time.perf_counter()
        jwt.encode(payload, key=login._privateJWK, algorithm="EdDSA", headers=headers)
        sign.append(time.perf_counter() - started)
    # The same with the PyJWK built once, for the notes: what PyJWT itself costs.
    private_jwk = login._privateJWK
    for _ in range(args.sign_rounds):
        started = time.perf_counter()
        jwt.encode(payload, key=private_jwk, algorithm="EdDSA", headers=headers)
        sign_key_kept.append(time.perf_counter() - started)

    # Verifying: decodePlexJWT() as it is, which fetches plex.tv's keys on every call and tries
    # them last first; then, for the notes, jwt.decode() alone with the signing key given.
    verify = []
    for _ in range(args.sign_rounds):
        started = time.perf_counter()
        login.decodePlexJWT()
        verify.append(time.perf_counter() - started)
    kid = jwt.get_unverified_header(login.jwtToken)["kid"]
    signing = jwt.PyJWK.from_dict(next(k for k in login._getPlexPublicJWK() if k["kid"] == kid))
    verify_key_kept = []
    for _ in range(args.sign_rounds):
        started = time.perf_counter()
        jwt.decode(
            login.jwtToken,
            key=signing,
            algorithms=["EdDSA"],
            audience=["plex.tv", login._clientIdentifier],
            issuer="plex.tv",
            options={"require": ["aud", "iss", "exp", "iat", "thumbprint"]},
        )
        verify_key_kept.append(time.perf_counter() - started)

    emit(
        {
            "times": times,
            "sign": sign,
            "sign_key_kept": sign_key_kept,
            "verify": verify,
            "verify_key_kept": verify_key_kept,
            "pyjwt": jwt.__version__,
        }
    )


def offline_case(args):
    """plex.tv is down (the emulator closes each request unanswered). ``MyPlexAccount(token)``
    asks plex.tv who the token is before anything else, and ``resources()`` would ask it for the
    servers; python-plexapi keeps no earlier answer to fall back on. Times each attempt until it
    raises, and reports what an app receives."""
    import plexapi.myplex  # noqa: F401 -- imported before the rounds, as account_for() imports it

    times, error, listed = [], None, False
    for _ in range(args.rounds):
        started = time.perf_counter()
        try:
            account_for(args).resources()
            listed = True
        except Exception as e:  # whatever reaches the app: that is the figure
            error = f"{type(e).__module__}.{type(e).__qualname__}: {e}"
        times.append(time.perf_counter() - started)
    emit({"times": times, "error": error, "listed": listed})


def versions(_args):
    import importlib
    import os
    import platform

    import plexapi

    def size(module):
        root = os.path.dirname(importlib.import_module(module).__file__)
        return sum(
            os.path.getsize(os.path.join(folder, name))
            for folder, _, names in os.walk(root)
            if "__pycache__" not in folder
            for name in names
        )

    # What an application ships to sign in with plexapi: the package and what it needs to run.
    footprint = sum(size(m) for m in ["plexapi", "requests", "urllib3", "idna", "charset_normalizer", "certifi"])
    emit({"plexapi": plexapi.VERSION, "python": platform.python_version(), "footprint": footprint})


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("case", choices=["connect", "fleet", "jwt", "offline", "parse", "pin", "versions"])
    parser.add_argument("--url", help="the emulator's plex.tv URL, with a trailing slash")
    parser.add_argument("--token", help="the account token")
    parser.add_argument("--server", help="the server to connect to (connect)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--sign-rounds", type=int, default=1000, help="rounds of signing and of verifying (jwt)")
    parser.add_argument("--nonce", default="bench-nonce", help="the nonce the signing rounds sign (jwt)")
    parser.add_argument("--block", action="append", default=[], help="an address whose plex.direct names do not resolve")
    args = parser.parse_args()
    install_plex_direct_dns(set(args.block))
    cases = {
        "connect": connect_case,
        "fleet": fleet_case,
        "jwt": jwt_case,
        "offline": offline_case,
        "parse": parse_case,
        "pin": pin_case,
        "versions": versions,
    }
    cases[args.case](args)


if __name__ == "__main__":
    main()
