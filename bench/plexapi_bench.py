#!/usr/bin/env python3
"""python-plexapi's side of plexlink's benchmark, driven by `plexlink-bench` (scripts/bench.sh).

Each subcommand runs one case against an emulator that plexlink-bench started, with
python-plexapi as its users get it: default timeouts (30 s), ``MyPlexResource.connect()``,
``MyPlexPinLogin``. Only what must change does:

- plex.tv's URLs are class constants, pointed at the emulator (``MyPlexAccount.key``,
  ``MyPlexResource.key``, ``MyPlexPinLogin.PINS``);
- the emulator has no DNS, so a stand-in for ``socket.getaddrinfo`` answers ``*.plex.direct``
  names as Plex's DNS does (the address in the name), and refuses the addresses given with
  ``--block`` as a router with DNS-rebinding protection refuses private ones;
- ``REQUESTS_CA_BUNDLE`` (set by plexlink-bench) trusts the emulator's test authority.

Every connect round runs on a new ``requests.Session``, as a program that starts does. The
fleet case also reports the most threads the process ran during its rounds (sampled from
/proc/self/task) and its peak resident memory (``ru_maxrss``). Results are one JSON line on
stdout; the PIN case talks a line protocol with plexlink-bench, which
approves the PIN and times the token's arrival itself.
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
    parser.add_argument("case", choices=["connect", "fleet", "parse", "pin", "versions"])
    parser.add_argument("--url", help="the emulator's plex.tv URL, with a trailing slash")
    parser.add_argument("--token", help="the account token")
    parser.add_argument("--server", help="the server to connect to (connect)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--block", action="append", default=[], help="an address whose plex.direct names do not resolve")
    args = parser.parse_args()
    install_plex_direct_dns(set(args.block))
    {"connect": connect_case, "fleet": fleet_case, "parse": parse_case, "pin": pin_case, "versions": versions}[args.case](args)


if __name__ == "__main__":
    main()
