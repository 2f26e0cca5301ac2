#!/usr/bin/env bash
# Prepares the reference implementations the differential tests compare
# against and prints the environment that points the tests at them:
#
#   eval "$(scripts/devenv.sh)" && go test ./pypa/pep440/
#
# Everything goes to a cache outside the repo (CLUSTERPACK_DEV_CACHE,
# default ~/.cache/clusterpack-dev); a second run reuses it. Progress goes to
# standard error, the exports to standard output.
set -euo pipefail
cd "$(dirname "$0")/.."
exec 3>&1 1>&2
cache="${CLUSTERPACK_DEV_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/clusterpack-dev}"
mkdir -p "$cache"
# One devenv.sh at a time fills the cache: two at once (two worktrees, two
# test runs) would each delete the other's half-made venv.
exec 9>"$cache/.devenv.lock"
flock 9
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_ROOT_USER_ACTION=ignore

# Pinned reference versions: bump deliberately, the differential tests follow.
PACKAGING_VERSION=26.3

# find_python VERSION prints a CPython X.Y from pyenv or PATH, or nothing.
find_python() {
	local v="$1" p
	for p in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/"$v".*/bin/python"$v"; do
		[ -x "$p" ] && { echo "$p"; return; }
	done
	command -v "python$v" 2>/dev/null || true
}

base_python="$(find_python 3.11)"
[ -n "$base_python" ] || base_python="$(command -v python3)"
UV_VERSION=0.13.8
venv="$cache/venv-packaging-$PACKAGING_VERSION-uv-$UV_VERSION"
# The venv is made in place (a venv's scripts name its path) and marked
# complete at the end, so an interrupted run is redone, not half-used.
if [ ! -f "$venv/.complete" ]; then
	echo "devenv.sh: creating reference venv $venv" >&2
	rm -rf "$venv"
	"$base_python" -m venv "$venv"
	"$venv/bin/python" -m pip install -q "packaging==$PACKAGING_VERSION" "uv==$UV_VERSION"
	touch "$venv/.complete"
fi
export CLUSTERPACK_TEST_PYTHON="$venv/bin/python"
export CLUSTERPACK_TEST_UV="$venv/bin/uv"

# Every CPython 3.7+ on the machine, each with the newest packaging it can import.
interpreters=""
for v in 3.7 3.8 3.9 3.10 3.11 3.12 3.13; do
	py="$(find_python "$v")"
	[ -n "$py" ] || continue
	dir="$cache/packaging-for-$v"
	if [ ! -f "$dir/.complete" ]; then
		rm -rf "$dir"
		"$py" -m pip install -q --target "$dir" packaging
		touch "$dir/.complete"
	fi
	interpreters="$interpreters${interpreters:+:}$py=$dir"
done
export CLUSTERPACK_TEST_INTERPRETERS="$interpreters"
# The heavy parts (the S3 server, the HDFS minicluster, pyspark,
# apache-flink, hadoop-aws), each with a progress line, before any timed
# test runs. CLUSTERPACK_DEVENV_HEAVY=0 skips them (the tests that need
# them then install them themselves, inside their timeouts).
if [ "${CLUSTERPACK_DEVENV_HEAVY:-1}" != "0" ]; then
	CLUSTERPACK_DEV_CACHE="$cache" go run ./internal/testing/devinstall
fi
echo "export CLUSTERPACK_TEST_PYTHON='$CLUSTERPACK_TEST_PYTHON'" >&3
echo "export CLUSTERPACK_TEST_UV='$CLUSTERPACK_TEST_UV'" >&3
echo "export CLUSTERPACK_TEST_INTERPRETERS='$CLUSTERPACK_TEST_INTERPRETERS'" >&3
echo "export CLUSTERPACK_DEV_CACHE='$cache'" >&3
