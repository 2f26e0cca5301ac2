#!/usr/bin/env bash
# Runner benchmark: str.upper called from a host program into CPython 3.11,
# PEMJA's `PythonInterpreter.invoke` (the runtime of Flink's Python UDFs)
# against clusterpack's embedded runner, in one run, alternating, on the
# same interpreter and the same strings (100 B and 1000 B):
#
#   - PEMJA: bench/runner/PemjaUpper.java, one invoke at a time on one
#     thread, N calls per size after a warm-up, one JVM per round;
#   - `clusterpack run ENV --call builtins:str.upper --input rows.jsonl`
#     with --raw (the row passed as a str) and without (JSON rows), N rows,
#     one worker, the records to a file, timed end to end as a process; and
#     the same less the start-up (the least of three one-row runs of the
#     same round, subtracted where the rows took longer than twice that);
#   - the Go API, one `Pool.Do` at a time (PEMJA's pattern: the caller
#     waits for each result), in the helper's own process.
#
# It prints calls/s, median (best) of the rounds, and clusterpack/PEMJA.
#
#   bash bench/runner.sh                  # 3 rounds of 200,000 calls
#   ROUNDS=1 N=50000 bash bench/runner.sh  # a quick look
#
# It is a benchmark, not a test: run it when asked, on a quiet machine. One
# round takes about 15 s.
#
# What it installs by itself, under
# ${CLUSTERPACK_DEV_CACHE:-~/.cache/clusterpack-dev}/bench-runner: a venv of
# the pyenv (or PATH) CPython 3.11 with pip `pemja` $PEMJA_WHEEL (PEMJA
# starts the interpreter named by that venv's python: the same libpython
# clusterpack loads), and the jar com.alibaba:pemja:$PEMJA_JAR from Maven
# Central (`mvn dependency:copy`; the 0.6.0 jar works with the 0.6.3 wheel,
# the newest of each on 2026-12-04). JAVA_HOME is the machine's JDK 17
# (/usr/lib/jvm/java-17-openjdk-*), or JAVA_HOME if set. clusterpack and the
# helper (bench/runner/runnerbench) are built from this checkout.
#
#   ROUNDS   rounds (default 3)
#   N        calls per measurement (default 200000)
#   DO_N     calls per Pool.Do measurement (default N)
#   TMPDIR   where the temporary directory goes (default /tmp)
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$(pwd)"

PEMJA_WHEEL=0.6.3
PEMJA_JAR=0.6.0
PYTHON_TARGET=3.11
ROUNDS="${ROUNDS:-3}"
N="${N:-200000}"
DO_N="${DO_N:-$N}"

log() { echo "runner.sh: $*" >&2; }

find_python() {
	local v="$1" p
	for p in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/"$v".*/bin/python"$v"; do
		[ -x "$p" ] && { echo "$p"; return; }
	done
	command -v "python$v" 2>/dev/null || true
}
python="$(find_python "$PYTHON_TARGET")"
[ -n "$python" ] || { log "no CPython $PYTHON_TARGET (pyenv or PATH)"; exit 1; }

if [ -z "${JAVA_HOME:-}" ]; then
	for j in /usr/lib/jvm/java-17-openjdk-*; do
		[ -x "$j/bin/javac" ] && { JAVA_HOME="$j"; break; }
	done
fi
[ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/javac" ] || { log "no JDK 17: set JAVA_HOME"; exit 1; }
export JAVA_HOME
command -v mvn >/dev/null || { log "no mvn on PATH (Maven fetches the pemja jar)"; exit 1; }

cache="${CLUSTERPACK_DEV_CACHE:-$HOME/.cache/clusterpack-dev}/bench-runner"
mkdir -p "$cache"
pins="python=$("$python" -c 'import platform; print(platform.python_version())') pemja==$PEMJA_WHEEL com.alibaba:pemja:$PEMJA_JAR"
if [ "$(cat "$cache/.complete" 2>/dev/null)" != "$pins" ]; then
	log "installing $pins into $cache"
	rm -rf "$cache/venv" "$cache/jars"
	"$python" -m venv "$cache/venv"
	PIP_DISABLE_PIP_VERSION_CHECK=1 "$cache/venv/bin/python" -m pip install -q "pemja==$PEMJA_WHEEL"
	mvn -q dependency:copy -Dartifact="com.alibaba:pemja:$PEMJA_JAR" -DoutputDirectory="$cache/jars"
	echo "$pins" >"$cache/.complete"
fi
jar="$cache/jars/pemja-$PEMJA_JAR.jar"
site="$("$cache/venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"

work="$(mktemp -d "${TMPDIR:-/tmp}/runner-bench.XXXXXX")"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/classes"
"$JAVA_HOME/bin/javac" -d "$work/classes" -cp "$jar" bench/runner/PemjaUpper.java
go build -o "$work/clusterpack" ./cmd/clusterpack
go build -o "$work/runnerbench" ./bench/runner/runnerbench

echo "machine:     $(nproc) cores, $(uname -sm), load $(cut -d' ' -f1-3 /proc/loadavg) at start"
echo "go:          $(go env GOVERSION)"
echo "clusterpack: commit $(git -C "$repo" rev-parse --short HEAD)$(git -C "$repo" diff --quiet HEAD -- . || echo ' (with changes)')"
echo "python:      $python ($(echo "$pins" | cut -d' ' -f1))"
echo "java:        $("$JAVA_HOME/bin/java" -version 2>&1 | head -1)"
echo "pemja:       wheel $PEMJA_WHEEL, jar $PEMJA_JAR"
echo
"$work/runnerbench" -clusterpack "$work/clusterpack" -python "$python" -pemja-python "$cache/venv/bin/python" \
	-java "$JAVA_HOME/bin/java" -pemja-cp "$jar:$work/classes" -pemja-site "$site" -work "$work" \
	-rounds "$ROUNDS" -n "$N" -do-n "$DO_N"
echo
echo "load $(cut -d' ' -f1-3 /proc/loadavg) at end"
