#!/usr/bin/env bash
# Lock benchmark: locks the same requirement sets with clusterpack,
# `uv pip compile` and pip-tools' `pip-compile`, cold (empty cache) and warm
# (the same command again, cache kept), in one run, and prints the times and
# the ratios clusterpack/uv and pip-compile/clusterpack. It then compares the
# name==version pins of the three outputs per set and prints any difference
# (a difference is information, not a failure).
#
#   bash bench/lock.sh                  # every set, 3 runs each
#   RUNS=1 bash bench/lock.sh web       # one set, one run (a quick look)
#
# It is a benchmark, not a test: run it when asked, on a quiet machine. One
# full run takes 10-12 minutes on 2 busy cores and downloads several GB (pyspark and
# apache-flink-libraries are ~330-460 MB each, downloaded by every tool on
# every cold run).
#
# It installs what it needs by itself: uv, pip-tools and pip, pinned, into a
# venv made by a CPython 3.11 (pyenv or PATH) under
# ${CLUSTERPACK_DEV_CACHE:-~/.cache/clusterpack-dev}/bench-venv, and builds
# clusterpack from this checkout with `go build`. Each tool gets its own cache
# inside a temporary directory, removed at the end (KEEP_WORK=1 keeps it).
#
#   RUNS        runs per (tool, set, cold/warm), default 3; median and min reported
#   TOOLS       subset of "clusterpack uv pip-compile" (default: all three)
#   KEEP_WORK   1 keeps the temporary directory (outputs, logs, caches)
#   TMPDIR      where the temporary directory goes (default /tmp)
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$(pwd)"

UV_VERSION=0.13.8
PIP_TOOLS_VERSION=7.6.2
PIP_VERSION=25.3 # pip-tools 7.6.2 needs pip>=22.2; pinned so pip-compile's speed is reproducible
PYTHON_TARGET=3.11
PLATFORM=manylinux_2_28_x86_64
UV_PLATFORM=x86_64-manylinux_2_28

RUNS="${RUNS:-3}"
TOOLS="${TOOLS:-clusterpack uv pip-compile}"
if [ "$#" -gt 0 ]; then sets="$*"; else sets="datascience pyspark flink web"; fi
for s in $sets; do
	[ -f "testdata/stacks/$s.txt" ] || { echo "lock.sh: no set testdata/stacks/$s.txt" >&2; exit 2; }
done

log() { echo "lock.sh: $*" >&2; }

# find_python VERSION prints a CPython X.Y from pyenv or PATH, or nothing.
find_python() {
	local v="$1" p
	for p in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/"$v".*/bin/python"$v"; do
		[ -x "$p" ] && { echo "$p"; return; }
	done
	command -v "python$v" 2>/dev/null || true
}

python311="$(find_python "$PYTHON_TARGET")"
[ -n "$python311" ] || { log "no CPython $PYTHON_TARGET (pyenv or PATH): pip-compile resolves for the interpreter running it"; exit 1; }

# The tools, in a venv outside the repo, made in place and marked complete
# (with the pins) at the end, so an interrupted or outdated one is redone.
cache="${CLUSTERPACK_DEV_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/clusterpack-dev}"
venv="$cache/bench-venv"
pins="python=$("$python311" -c 'import platform; print(platform.python_version())') pip==$PIP_VERSION uv==$UV_VERSION pip-tools==$PIP_TOOLS_VERSION"
if [ "$(cat "$venv/.complete" 2>/dev/null)" != "$pins" ]; then
	log "creating $venv ($pins)"
	rm -rf "$venv"
	mkdir -p "$cache"
	"$python311" -m venv "$venv"
	PIP_DISABLE_PIP_VERSION_CHECK=1 "$venv/bin/python" -m pip install -q "pip==$PIP_VERSION"
	PIP_DISABLE_PIP_VERSION_CHECK=1 "$venv/bin/python" -m pip install -q "uv==$UV_VERSION" "pip-tools==$PIP_TOOLS_VERSION"
	echo "$pins" >"$venv/.complete"
fi
uv="$venv/bin/uv"
pipcompile="$venv/bin/pip-compile"

work="$(mktemp -d "${TMPDIR:-/tmp}/clusterpack-bench-lock.XXXXXX")"
cleanup() {
	if [ "${KEEP_WORK:-0}" = 1 ]; then log "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
mkdir -p "$work/out" "$work/logs" "$work/cache"

log "building clusterpack"
go build -o "$work/clusterpack" ./cmd/clusterpack
cp="$work/clusterpack"

# index_probe prints what the index answers to a PEP 691 JSON request and
# which HTTP caching headers it sends: a mirror or proxy that answers HTML
# (no file sizes, no upload times) or drops Cache-Control/ETag changes what
# each tool must download, cold and warm, and so the figures.
index_probe() {
	"$venv/bin/python" - <<'PY' 2>&1 || true
import urllib.request
seen = []
for name in ("numpy", "pandas", "pyspark"):
    req = urllib.request.Request(f"https://pypi.org/simple/{name}/",
                                 headers={"Accept": "application/vnd.pypi.simple.v1+json"})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            h = r.headers
            cachehdrs = [k for k in ("Cache-Control", "ETag", "Last-Modified") if h.get(k)]
            seen.append(f"{name} {h.get_content_type()} [{' '.join(cachehdrs) or 'no caching headers'}]")
    except Exception as e:
        seen.append(f"{name} error {e}")
print("; ".join(seen))
PY
}

# The machine and the tools, for the record.
commit="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
if [ -n "$(git status --porcelain --untracked-files=no -- . ':!bench' 2>/dev/null)" ]; then commit="$commit+dirty"; fi
{
	echo "date:        $(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "machine:     $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')), $(free -g | awk '/^Mem:/{print $2}') GiB memory, $(uname -sm), $(ldd --version 2>&1 | head -1 | sed 's/^ldd //')"
	echo "load:        $(cut -d' ' -f1-3 /proc/loadavg) (1/5/15 min, at start)"
	echo "go:          $(go version)"
	echo "clusterpack: $("$cp" version 2>&1 | head -1), commit $commit"
	echo "uv:          $("$uv" --version)"
	echo "pip-compile: $("$pipcompile" --version 2>&1 | sed 's/.*version //'), pip $("$venv/bin/python" -m pip --version | cut -d' ' -f2), run by CPython $("$venv/bin/python" -c 'import platform; print(platform.python_version())')"
	echo "python:      $python311 (clusterpack's and uv's PEP 517 builds)"
	echo "sets:        $sets; $RUNS run(s) each, cold then warm"
	echo "target:      Python $PYTHON_TARGET on $PLATFORM"
	echo "index:       $(index_probe) (JSON asked for, at start)"
	env | grep -E '^(PIP_INDEX_URL|PIP_EXTRA_INDEX_URL|PIP_FIND_LINKS|PIP_NO_INDEX)=' | sed 's/^/pip config:  /; s|//[^/@]*@|//***@|' || true
} | tee "$work/machine.txt"

# run TOOL SET MODE REP: one timed lock; appends "set tool mode rep seconds"
# to times.tsv (seconds "fail" when the tool failed). Outputs are removed
# first: all three tools prefer the pins of an existing output file.
run() {
	local tool="$1" set="$2" mode="$3" rep="$4"
	local in="$repo/testdata/stacks/$set.txt" out="$work/out/$tool-$set.txt" lg="$work/logs/$tool-$set-$mode-$rep.log"
	local c="$work/cache/$tool" t0 t1 rc=0
	rm -f "$out"
	if [ "$mode" = cold ]; then rm -rf "$c"; fi
	mkdir -p "$c"
	t0="$(date +%s.%N)"
	case "$tool" in
	clusterpack)
		CLUSTERPACK_CACHE_DIR="$c" "$cp" lock -r "$in" --python "$PYTHON_TARGET" --platform "$PLATFORM" -o "$out" >"$lg" 2>&1 || rc=$?
		;;
	uv)
		UV_CACHE_DIR="$c" UV_NO_CONFIG=1 UV_PYTHON_DOWNLOADS=never UV_PYTHON="$python311" \
			"$uv" pip compile "$in" --python-version "$PYTHON_TARGET" --python-platform "$UV_PLATFORM" -q -o "$out" >"$lg" 2>&1 || rc=$?
		;;
	pip-compile)
		PIP_CACHE_DIR="$c" "$pipcompile" -q --no-strip-extras --cache-dir "$c" --output-file "$out" "$in" >"$lg" 2>&1 || rc=$?
		;;
	esac
	t1="$(date +%s.%N)"
	if [ "$rc" = 0 ]; then
		printf '%s\t%s\t%s\t%s\t%.3f\n' "$set" "$tool" "$mode" "$rep" "$(echo "$t1 - $t0" | bc)" >>"$work/times.tsv"
		printf '  %-12s %-12s %-5s run %s: %6.2f s\n' "$set" "$tool" "$mode" "$rep" "$(echo "$t1 - $t0" | bc)" >&2
	else
		printf '%s\t%s\t%s\t%s\tfail\n' "$set" "$tool" "$mode" "$rep" >>"$work/times.tsv"
		log "$tool $set $mode run $rep failed (exit $rc):"
		tail -5 "$lg" | sed 's/^/    /' >&2
	fi
}

# Runs interleave the tools (for each run: every tool cold then warm), so a
# slow minute of the network or a busy neighbour spreads over all of them.
: >"$work/times.tsv"
for set in $sets; do
	for rep in $(seq 1 "$RUNS"); do
		for tool in $TOOLS; do
			run "$tool" "$set" cold "$rep"
			run "$tool" "$set" warm "$rep"
		done
	done
	for tool in $TOOLS; do rm -rf "$work/cache/$tool"; done # a few GB otherwise
done
{
	echo "index:       $(index_probe) (at end)"
	echo "load:        $(cut -d' ' -f1-3 /proc/loadavg) (1/5/15 min, at end)"
} | tee -a "$work/machine.txt"
echo

# The table and the pin comparison, by the venv's CPython (tomllib reads pylock.toml).
"$venv/bin/python" - "$work" "$sets" "$TOOLS" <<'EOF'
import math, re, statistics, sys, tomllib
from pathlib import Path

work, sets, tools = Path(sys.argv[1]), sys.argv[2].split(), sys.argv[3].split()
times = {}
for line in (work / "times.tsv").read_text().splitlines():
    s, tool, mode, rep, sec = line.split("\t")
    times.setdefault((s, tool, mode), []).append(None if sec == "fail" else float(sec))

def med(s, tool, mode):
    v = [x for x in times.get((s, tool, mode), []) if x is not None]
    return statistics.median(v) if v else None

def cell(s, tool, mode):
    v = times.get((s, tool, mode), [])
    ok = [x for x in v if x is not None]
    if not ok:
        return "fail" if v else "-"
    c = f"{statistics.median(ok):.2f} ({min(ok):.2f})"
    if len(ok) < len(v):
        c += f" {len(v) - len(ok)} failed"
    return c

def ratio(a, b):
    return a / b if a and b else None

def fmt(r):
    return f"{r:.2f}x" if r else "-"

def gmean(rs):
    rs = [r for r in rs if r]
    return math.exp(sum(map(math.log, rs)) / len(rs)) if rs else None

for mode in ("cold", "warm"):
    print(f"### {mode}: seconds, median (min) of the runs; ratios of medians\n")
    print("| set | clusterpack | uv | pip-compile | clusterpack/uv | pip-compile/clusterpack |")
    print("|---|---:|---:|---:|---:|---:|")
    r1, r2 = [], []
    for s in sets:
        cp, uv, pc = (med(s, t, mode) for t in ("clusterpack", "uv", "pip-compile"))
        r1.append(ratio(cp, uv)); r2.append(ratio(pc, cp))
        print(f"| {s} | {cell(s, 'clusterpack', mode)} | {cell(s, 'uv', mode)} | {cell(s, 'pip-compile', mode)} | {fmt(r1[-1])} | {fmt(r2[-1])} |")
    if len(sets) > 1:
        print(f"| geometric mean | | | | {fmt(gmean(r1))} | {fmt(gmean(r2))} |")
    print()

aims = [("warm", "clusterpack/uv", 1.0, "<="), ("cold", "clusterpack/uv", 1.5, "<="),
        ("cold", "pip-compile/clusterpack", 10, ">="), ("warm", "pip-compile/clusterpack", 10, ">=")]
print("Aims (as fast as uv warm, within 1.5x of uv cold, 10x faster than pip-compile), per set:")
for mode, what, bound, op in aims:
    got = []
    for s in sets:
        cp, uv, pc = (med(s, t, mode) for t in ("clusterpack", "uv", "pip-compile"))
        r = ratio(cp, uv) if what == "clusterpack/uv" else ratio(pc, cp)
        met = r is not None and (r <= bound if op == "<=" else r >= bound)
        got.append(f"{s} {fmt(r)} {'met' if met else 'MISSED'}")
    print(f"  {mode} {what} {op} {bound}: " + ", ".join(got))
print()

# Pins: name==version per tool, names normalised (PEP 503), extras dropped.
def norm(n):
    return re.sub(r"[-_.]+", "-", n).lower()

def pins_txt(p):
    out = {}
    for line in p.read_text().splitlines():
        m = re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?==([^\s;\\]+)", line)
        if m:
            out[norm(m.group(1))] = m.group(3)
    return out

def pins_pylock(p):
    return {norm(pk["name"]): pk.get("version", "?") for pk in tomllib.loads(p.read_text()).get("packages", [])}

print("### pins: packages whose name==version differ between the tools\n")
for s in sets:
    got = {}
    for t in tools:
        p = work / "out" / f"{t}-{s}.txt"
        if p.exists():
            got[t] = pins_pylock(p) if t == "clusterpack" else pins_txt(p)
    names = sorted(set().union(*got.values())) if got else []
    diff = [n for n in names if len({g.get(n) for g in got.values()}) > 1]
    counts = ", ".join(f"{t} {len(g)}" for t, g in got.items())
    if not diff:
        print(f"- {s}: all agree ({counts} packages)")
        continue
    print(f"- {s}: {len(diff)} of {len(names)} differ ({counts} packages):")
    for n in diff:
        print("    " + n + ": " + ", ".join(f"{t} {got[t].get(n, '(absent)')}" for t in got))
EOF
