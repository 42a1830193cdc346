"""Import time of plexlink against python-plexapi, each in fresh interpreters of this Python.

    python bindings/python/benches/import_time.py [--runs N]

Each module is imported in a new interpreter that times only the import statement
(``time.perf_counter`` around it), after one discarded warm-up run that fills the page cache;
the median of N runs is reported. ``plexapi.myplex`` is where python-plexapi's PIN login and
resource discovery live, so it is the like-for-like figure.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys

TIMED = "import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"


def import_seconds(module: str, runs: int) -> float:
    """The median time to import ``module`` in a fresh interpreter."""
    samples = []
    for run in range(runs + 1):
        done = subprocess.run(
            [sys.executable, "-c", TIMED.format(module=module)],
            check=True,
            capture_output=True,
            text=True,
        )
        if run:  # the first run only warms the caches
            samples.append(float(done.stdout))
    return statistics.median(samples)


def main() -> int:
    """Measures and prints the figures and their ratio."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    figures = {m: import_seconds(m, args.runs) for m in ("plexlink", "plexapi", "plexapi.myplex")}
    print(f"import time, median of {args.runs} fresh interpreters ({sys.version.split()[0]}):")
    for module, seconds in figures.items():
        print(f"  {module:<16} {seconds * 1000:8.1f} ms")
    ratio = figures["plexapi.myplex"] / figures["plexlink"]
    print(f"  plexlink imports {ratio:.0f}x faster than plexapi.myplex "
          f"({figures['plexapi'] / figures['plexlink']:.0f}x faster than plexapi)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
