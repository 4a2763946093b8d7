#!/usr/bin/env bash
# CI for the Python package: a fresh venv in a temporary directory, maturin, pytest and NumPy
# from the package registry, `pip install ./python` (a release build of the extension), then
# the tests. Fails when pytest fails or collects nothing.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
python="${PYTHON:-python3}"

if ! "$python" -c 'import sys, venv, ensurepip; sys.exit(sys.version_info < (3, 9))' 2>/dev/null; then
  echo "python: installing python3 and python3-venv"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends python3 python3-venv >/dev/null
  python=python3
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
"$python" -m venv "$tmp/venv"
# The venv first on PATH: pip runs the build backend's `maturin` command from there.
export PATH="$tmp/venv/bin:$PATH"
pip=("$tmp/venv/bin/python" -m pip --disable-pip-version-check --quiet)
"${pip[@]}" install maturin pytest numpy
# The maturin just installed builds the wheel (no second copy in an isolated build env).
"${pip[@]}" install --no-build-isolation "$repo/python"

# Run from the temporary directory, so `import tapegrad` is the installed package and not
# the source folder.
cd "$tmp"
status=0
"$tmp/venv/bin/pytest" -q -p no:cacheprovider -r s "$repo/python/tests" || status=$?
case "$status" in
  0) ;;
  5) echo "python: pytest collected no tests" >&2; exit 1 ;;
  *) echo "python: pytest failed (exit status $status)" >&2; exit 1 ;;
esac
