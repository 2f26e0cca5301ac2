#!/usr/bin/env bash
# Build benchmark: builds one lock of the talk's set (pandas, pyarrow,
# pyspark; Python 3.11, manylinux_2_28_x86_64) into an archive with
# clusterpack (pex, zip, tar.gz), with pex from PyPI, and with
# `uv venv` + `uv pip install` + `venv-pack`, all from the same wheelhouse,
# cold (the tool's cache empty) and warm (the same command again, cache
# kept), in one run, against the limit: reading every wheel once and
# writing that many bytes (`cat wheelhouse/*.whl > out`; and the same with
# the sha256 of the output, which clusterpack computes for its manifest:
# bench/build/rawcopy). It prints seconds,
# peak RSS, archive sizes and the ratios pex/clusterpack and
# clusterpack/limit, and checks that every archive imports pandas, pyarrow
# and pyspark.
#
#   bash bench/build.sh                          # the whole benchmark
#   RUNS=1 TOOLS="limit cp-pex" bash bench/build.sh   # a quick look
#
# It is a benchmark, not a test: run it when asked, on a quiet machine. One
# run takes 10-14 minutes on 2 busy cores (pex is half of it), and needs
# about 10 GB in TMPDIR.
#
# What it installs by itself: pex, uv and venv-pack, pinned, into a venv
# made by a CPython 3.11 (pyenv or PATH) under
# ${CLUSTERPACK_DEV_CACHE:-~/.cache/clusterpack-dev}/bench-build-venv; it
# builds clusterpack from this checkout with `go build`.
#
# The inputs, prepared before anything is timed, with a clusterpack cache
# kept between runs in ${CLUSTERPACK_DEV_CACHE}/bench-build-prep (the first
# run downloads ~1 GB and builds pyspark from its sdist, ~1-2 min):
#   1. lock the set from the index (pip's configuration) and build it once;
#   2. copy the exact files that build used into WORK/wheelhouse: the
#      wheels from the artifact cache, and the wheel clusterpack built from
#      pyspark's sdist (bench/build/wheelhouse.py);
#   3. lock again with --no-index --find-links WORK/wheelhouse: the timed
#      lock (pylock.toml, file:// URLs) and its --format requirements
#      export (reqs.txt, with hashes) for pex and uv. The pins must equal
#      those of step 1.
# Every tool then installs the same 7 wheels, builds nothing, and reaches
# no index. The PIP_* variables are unset for the timed runs.
#
# Cold and warm, per tool (each has its own cache in WORK/cache/TOOL; the
# output is deleted before every run, so nothing is reused from it):
#   cp-*   cold: CLUSTERPACK_CACHE_DIR empty, so every wheel is copied from
#          its file:// URL into the artifact cache and its sha256 checked;
#          warm: the artifact cache kept.
#          "existing archive": the warm command again with the output
#          directory kept: clusterpack finds the archive of the same content
#          hash and does not build.
#   pex    cold: --pex-root empty (pex's whole cache: its pip venv, the
#          interpreter identity, the installed wheels); warm: kept.
#   uv     cold: UV_CACHE_DIR empty; the venv is made anew in every run
#          (it is the output); venv-pack has no cache.
#   limit, limit-sha  no cache: cold and warm are the same command.
# The files themselves are in the OS page cache in every run (the machine
# is shared: dropping the page cache is not an option).
#
#   RUNS            runs per (tool, warm), and per (tool, cold) for the fast
#                   tools (limit, limit-sha, cp-pex, cp-zip), default 3
#   SLOW_COLD_RUNS  cold runs of pex, uv and cp-targz (30-100 s each), default
#                   1, to keep one run under ~14 minutes
#   TOOLS           subset of "limit limit-sha cp-pex cp-zip cp-targz pex uv" (default: all)
#   KEEP_WORK       1 keeps the temporary directory (outputs, logs, caches)
#   TMPDIR          where the temporary directory goes (default /tmp)
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$(pwd)"

PEX_VERSION=2.105.2
UV_VERSION=0.13.8
VENV_PACK_VERSION=0.2.0
PIP_VERSION=25.3
PYTHON_TARGET=3.11
PLATFORM=manylinux_2_28_x86_64
REQS=(pandas pyarrow pyspark)
CHECK='import pandas, pyarrow, pyspark; print(pandas.__version__, pyarrow.__version__, pyspark.__version__)'

RUNS="${RUNS:-3}"
SLOW_COLD_RUNS="${SLOW_COLD_RUNS:-1}"
TOOLS="${TOOLS:-limit limit-sha cp-pex cp-zip cp-targz pex uv}"
for t in $TOOLS; do
	case "$t" in limit | limit-sha | cp-pex | cp-zip | cp-targz | pex | uv) ;; *) echo "build.sh: unknown tool $t" >&2; exit 2 ;; esac
done

log() { echo "build.sh: $*" >&2; }

# find_python VERSION prints a CPython X.Y from pyenv or PATH, or nothing.
find_python() {
	local v="$1" p
	for p in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/"$v".*/bin/python"$v"; do
		[ -x "$p" ] && { echo "$p"; return; }
	done
	command -v "python$v" 2>/dev/null || true
}

python311="$(find_python "$PYTHON_TARGET")"
[ -n "$python311" ] || { log "no CPython $PYTHON_TARGET (pyenv or PATH): pyspark is built, and the archives run, with it"; exit 1; }
[ -x /usr/bin/time ] || { log "installing GNU time (peak RSS)"; apt-get install -y -q time >/dev/null; }

# The tools, in a venv outside the repo, marked complete (with the pins)
# at the end, so an interrupted or outdated one is redone.
cache="${CLUSTERPACK_DEV_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/clusterpack-dev}"
venv="$cache/bench-build-venv"
prep="$cache/bench-build-prep"
pins="python=$("$python311" -c 'import platform; print(platform.python_version())') pip==$PIP_VERSION pex==$PEX_VERSION uv==$UV_VERSION venv-pack==$VENV_PACK_VERSION"
if [ "$(cat "$venv/.complete" 2>/dev/null)" != "$pins" ]; then
	log "creating $venv ($pins)"
	rm -rf "$venv"
	mkdir -p "$cache"
	"$python311" -m venv "$venv"
	PIP_DISABLE_PIP_VERSION_CHECK=1 "$venv/bin/python" -m pip install -q "pip==$PIP_VERSION"
	PIP_DISABLE_PIP_VERSION_CHECK=1 "$venv/bin/python" -m pip install -q "pex==$PEX_VERSION" "uv==$UV_VERSION" "venv-pack==$VENV_PACK_VERSION"
	echo "$pins" >"$venv/.complete"
fi
pex="$venv/bin/pex"
uv="$venv/bin/uv"
venvpack="$venv/bin/venv-pack"
py="$venv/bin/python"

work="$(mktemp -d "${TMPDIR:-/tmp}/clusterpack-bench-build.XXXXXX")"
cleanup() {
	if [ "${KEEP_WORK:-0}" = 1 ]; then log "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
mkdir -p "$work/out" "$work/logs" "$work/cache" "$work/verify"

log "building clusterpack"
go build -o "$work/clusterpack" ./cmd/clusterpack
go build -o "$work/rawcopy" ./bench/build/rawcopy
cp="$work/clusterpack"

# The inputs (not timed).
log "locking ${REQS[*]} from the index and building it once (cache $prep)"
lockflags=(--python "$PYTHON_TARGET" --platform "$PLATFORM")
CLUSTERPACK_CACHE_DIR="$prep" "$cp" lock "${REQS[@]}" "${lockflags[@]}" -o "$work/index.pylock.toml" 2>"$work/logs/prep-lock.log" ||
	{ cat "$work/logs/prep-lock.log" >&2; exit 1; }
CLUSTERPACK_CACHE_DIR="$prep" "$cp" build --lock "$work/index.pylock.toml" --format zip -o "$work/prep-out" >"$work/logs/prep-build.log" 2>&1 ||
	{ cat "$work/logs/prep-build.log" >&2; exit 1; }
rm -rf "$work/prep-out"
log "collecting the wheels that build used into $work/wheelhouse"
"$py" bench/build/wheelhouse.py "$prep" "$work/index.pylock.toml" "$work/wheelhouse" >"$work/wheelhouse.txt"
unset PIP_INDEX_URL PIP_EXTRA_INDEX_URL PIP_FIND_LINKS PIP_NO_INDEX PIP_CONFIG_FILE
CLUSTERPACK_CACHE_DIR="$work/cache/prep" "$cp" lock "${REQS[@]}" "${lockflags[@]}" --no-index --find-links "$work/wheelhouse" -o "$work/pylock.toml" 2>>"$work/logs/prep-lock.log"
CLUSTERPACK_CACHE_DIR="$work/cache/prep" "$cp" lock "${REQS[@]}" "${lockflags[@]}" --no-index --find-links "$work/wheelhouse" --format requirements -o "$work/reqs.txt" 2>>"$work/logs/prep-lock.log"
rm -rf "$work/cache/prep"
"$py" - "$work/index.pylock.toml" "$work/pylock.toml" <<'PY'
import sys, tomllib
a, b = ({p["name"]: p["version"] for p in tomllib.load(open(f, "rb"))["packages"]} for f in sys.argv[1:])
if a != b:
    sys.exit(f"build.sh: the wheelhouse lock pins differ from the index lock: {a} vs {b}")
PY
whl_bytes="$(cat "$work"/wheelhouse/*.whl | wc -c)"

# The machine and the tools, for the record.
commit="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
if [ -n "$(git status --porcelain --untracked-files=no -- . ':!bench' 2>/dev/null)" ]; then commit="$commit+dirty"; fi
{
	echo "date:        $(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "machine:     $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')), $(free -g | awk '/^Mem:/{print $2}') GiB memory, $(uname -sm), $(ldd --version 2>&1 | head -1 | sed 's/^ldd //')"
	echo "disk:        $(df -hT "$work" | awk 'NR==2{print $2" on "$1}') (TMPDIR)"
	echo "load:        $(cut -d' ' -f1-3 /proc/loadavg) (1/5/15 min, at start)"
	echo "go:          $(go version)"
	echo "clusterpack: $("$cp" version 2>&1 | head -1), commit $commit"
	echo "pex:         $("$pex" --version), run by CPython $("$py" -c 'import platform; print(platform.python_version())')"
	echo "uv:          $("$uv" --version | cut -d' ' -f2), venv-pack $("$venvpack" --version | cut -d' ' -f2)"
	echo "python:      $python311 (the target interpreter of pex, uv and the checks)"
	echo "lock:        $(awk '{printf "%s%s==%s", (NR>1?", ":""), $1, $2}' "$work/wheelhouse.txt")"
	echo "wheelhouse:  $(ls "$work/wheelhouse" | wc -l) wheels, $whl_bytes bytes ($((whl_bytes / 1048576)) MiB)"
	echo "runs:        $RUNS warm; cold: $RUNS for limit, limit-sha, cp-pex, cp-zip, $SLOW_COLD_RUNS for cp-targz, pex, uv"
} | tee "$work/machine.txt"

# timed LOG CMD...: runs CMD, output to LOG, and appends its peak RSS (KiB)
# to WORK/rss (GNU time's %M: the largest process of its tree).
timed() {
	local lg="$1"
	shift
	/usr/bin/time -f '%M' -a -o "$work/rss" "$@" >>"$lg" 2>&1
}

now() { date +%s.%N; }

# run TOOL MODE REP: one timed build; appends "tool mode rep seconds peakKB
# bytes" to times.tsv (seconds "fail" when it failed).
run() {
	local tool="$1" mode="$2" rep="$3"
	local c="$work/cache/$tool" o="$work/out/$tool" lg="$work/logs/$tool-$mode-$rep.log" t0 t1 ta rc=0 f
	[ "$mode" = existing ] || rm -rf "$o"
	[ "$mode" = cold ] && rm -rf "$c"
	mkdir -p "$c" "$o"
	: >"$work/rss"
	t0="$(now)"
	case "$tool" in
	limit)
		timed "$lg" sh -c 'cat "$@" >"$0"' "$o/wheels.cat" "$work"/wheelhouse/*.whl || rc=$?
		;;
	limit-sha)
		timed "$lg" "$work/rawcopy" "$o/wheels.cat" "$work"/wheelhouse/*.whl || rc=$?
		;;
	cp-pex | cp-zip | cp-targz)
		f="${tool#cp-}"
		[ "$f" = targz ] && f=tar.gz
		CLUSTERPACK_CACHE_DIR="$c" timed "$lg" "$cp" build --lock "$work/pylock.toml" --format "$f" -o "$o" --json || rc=$?
		;;
	pex)
		PEX_ROOT="$c" timed "$lg" "$pex" -r "$work/reqs.txt" --python "$python311" --no-pypi --find-links "$work/wheelhouse" --no-build \
			--pex-root "$c" -o "$o/env.pex" || rc=$?
		;;
	uv)
		export UV_CACHE_DIR="$c" UV_NO_CONFIG=1 UV_PYTHON_DOWNLOADS=never
		ta="$(now)"
		timed "$lg" "$uv" venv -q --python "$python311" "$o/venv" || rc=$?
		step "$tool" "$mode" "$rep" venv "$ta"
		ta="$(now)"
		[ "$rc" != 0 ] || timed "$lg" "$uv" pip install -q --python "$o/venv/bin/python" --no-index --find-links "$work/wheelhouse" --no-build -r "$work/reqs.txt" || rc=$?
		step "$tool" "$mode" "$rep" install "$ta"
		ta="$(now)"
		[ "$rc" != 0 ] || timed "$lg" "$venvpack" -q -p "$o/venv" -o "$o/env.tar.gz" || rc=$?
		step "$tool" "$mode" "$rep" pack "$ta"
		unset UV_CACHE_DIR UV_NO_CONFIG UV_PYTHON_DOWNLOADS
		;;
	esac
	t1="$(now)"
	local sec peak bytes
	sec="$(echo "$t1 - $t0" | bc)"
	peak="$(grep -E '^[0-9]+$' "$work/rss" | sort -n | tail -1 || true)"
	bytes="$(find "$o" -maxdepth 1 -type f \( -name '*.pex' -o -name '*.zip' -o -name '*.tar.gz' -o -name '*.cat' \) -printf '%s\n' | sort -n | tail -1 || true)"
	if [ "$rc" = 0 ]; then
		printf '%s\t%s\t%s\t%.3f\t%s\t%s\n' "$tool" "$mode" "$rep" "$sec" "${peak:-}" "${bytes:-}" >>"$work/times.tsv"
		printf '  %-9s %-8s run %s: %7.2f s  %5s MB peak\n' "$tool" "$mode" "$rep" "$sec" "$(( ${peak:-0} / 1024 ))" >&2
	else
		printf '%s\t%s\t%s\tfail\t\t\n' "$tool" "$mode" "$rep" >>"$work/times.tsv"
		log "$tool $mode run $rep failed (exit $rc), log $lg:"
		tail -5 "$lg" >&2
	fi
}

# step TOOL MODE REP NAME T0: records one step of the uv pipeline.
step() {
	printf '%s\t%s\t%s\t%s\t%.3f\t\t\n' "$1" "$2" "$4" "$3" "$(echo "$(now) - $5" | bc)" >>"$work/steps.tsv"
}

cold_runs() {
	case "$1" in limit | limit-sha | cp-pex | cp-zip) echo "$RUNS" ;; *) echo "$SLOW_COLD_RUNS" ;; esac
}

start="$(date +%s)"
log "cold runs (tools interleaved)"
for rep in $(seq 1 "$RUNS"); do
	for t in $TOOLS; do
		if [ "$rep" -le "$(cold_runs "$t")" ]; then run "$t" cold "$rep"; fi
	done
done
log "warm runs"
for rep in $(seq 1 "$RUNS"); do
	for t in $TOOLS; do run "$t" warm "$rep"; done
done
log "clusterpack with the archive already built"
for rep in $(seq 1 "$RUNS"); do
	for t in $TOOLS; do
		case "$t" in cp-*) run "$t" existing "$rep" ;; esac
	done
done
log "timed runs took $(($(date +%s) - start)) s"

# The checks: every archive imports the set with CPython 3.11.
# verify TOOL: appends "tool ok|FAIL versions" to verify.tsv.
verify() {
	local tool="$1" o="$work/out/$1" d="$work/verify/$1" lg="$work/logs/verify-$1.log" res=FAIL out="" interp
	rm -rf "$d"
	mkdir -p "$d"
	case "$tool" in
	cp-pex | pex)
		out="$(PEX_ROOT="$d/pex-root" "$python311" "$(ls "$o"/*.pex)" -c "$CHECK" 2>>"$lg")" && res=ok
		;;
	cp-zip | cp-targz)
		interp="$("$py" -c 'import json, sys; print(json.load(sys.stdin)["interpreter"].split("/", 1)[1])' <"$(ls "$o"/*.json)")"
		if [ "$tool" = cp-zip ]; then unzip -q "$o"/*.zip -d "$d" >>"$lg" 2>&1; else tar -xzf "$o"/*.tar.gz -C "$d" >>"$lg" 2>&1; fi
		# bin/python runs the first python3.11 on PATH. A pyenv shim there
		# loses the venv (it execs the interpreter without the argv[0] the
		# launcher set): then try again as on a node with a real python3.11.
		if out="$("$d/$interp" -c "$CHECK" 2>>"$lg")"; then
			res=ok
		elif out="$(PATH="$(dirname "$python311"):$PATH" "$d/$interp" -c "$CHECK" 2>>"$lg")"; then
			res="ok only with $(dirname "$python311") first on PATH (FAIL with $(command -v "python$PYTHON_TARGET"))"
		fi
		;;
	uv)
		# venv-pack's documented use: unpack, then source bin/activate.
		tar -xzf "$o/env.tar.gz" -C "$d" >>"$lg" 2>&1 &&
			out="$(bash -c '. "$1/bin/activate" && python -c "$2"' sh "$d" "$CHECK" 2>>"$lg")" && res=ok
		;;
	esac
	printf '%s\t%s\t%s\n' "$tool" "$res" "$out" >>"$work/verify.tsv"
	log "check $tool: $res $out"
	rm -rf "$d"
}
for t in $TOOLS; do
	case "$t" in limit*) ;; *) verify "$t" ;; esac
done

echo
cat "$work/machine.txt"
echo "load:        $(cut -d' ' -f1-3 /proc/loadavg) (at end)"
echo
"$py" bench/build/report.py "$work" | tee "$work/report.md"
