#!/usr/bin/env bash
# The Python suite, as CI runs it (scripts/test.sh calls every scripts/test-*.sh): a fresh
# virtual environment, the wheel built by maturin and installed into it, `import plexlink`,
# pytest against the emulator, `mypy --strict` on the examples and the package, stubtest of
# the native module, and the import time of plexlink against python-plexapi in the same run.
#
# Needs python3 (3.10 or later, with venv), cargo, and PyPI for the tools. PYTHON picks
# another interpreter.
set -euo pipefail
cd "$(dirname "$0")/.."

started=$SECONDS
venv=target/py-venv
wheels=target/py-wheels
python=${PYTHON:-python3}
step() { printf '\n--> %s\n' "$*"; }

step "fresh virtual environment in $venv"
rm -rf "$venv" "$wheels"
"$python" -m venv "$venv"
py="$(pwd)/$venv/bin/python"
pip_install() { "$py" -m pip install --quiet --disable-pip-version-check "$@"; }
# python-plexapi is installed only to compare import times with it.
pip_install 'maturin>=1.9,<2' 'pytest>=8' 'pytest-timeout>=2.3' 'mypy>=1.13' plexapi

step "build the wheel (maturin, abi3)"
"$venv/bin/maturin" build --release --locked --manifest-path bindings/python/Cargo.toml --out "$wheels"
pip_install --no-deps --force-reinstall "$wheels"/plexlink-*.whl

# Everything below runs outside the source tree's import paths, so it sees the installed wheel.
step "import plexlink"
(cd "$venv" && "$py" -c 'import plexlink; print("plexlink", plexlink.__version__, "from", plexlink.__file__)')

step "pytest (bindings/python/tests)"
"$venv/bin/pytest" bindings/python/tests -p no:cacheprovider

step "mypy --strict (examples/python and the installed package)"
"$venv/bin/mypy" --strict --cache-dir "$venv/mypy-cache" examples/python
"$venv/bin/mypy" --strict --cache-dir "$venv/mypy-cache" -p plexlink

step "stubtest: _plexlink.pyi against the native module"
(cd "$venv" && "$py" -m mypy.stubtest plexlink._plexlink)

step "import time: plexlink against python-plexapi (same run, same interpreter)"
"$py" bindings/python/benches/import_time.py

step "Python suite passed in $((SECONDS - started)) s"
