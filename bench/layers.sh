#!/usr/bin/env bash
# Layered vs monolithic environments: what a one-package change costs.
#
# In one run, against a local S3 server (versitygw) behind a counting TCP
# proxy, for CPython 3.11 with pandas, pyarrow and scikit-learn beside
# six 1.16.0 (environment A), then the same with six 1.17.0 (B):
#
#  1. upload A then B with `clusterpack upload --lock`, monolithic and with
#     --layers, each mode under a store prefix of its own that starts empty,
#     timed end to end (process start, build and upload), with the bytes
#     sent counted by the proxy and the S3 operations read from the
#     server's access log;
#  2. the job start on an executor, which unpacks what Spark ships before a
#     Python worker can start: B's archives fetched from the store and
#     unpacked with unzip(1) into an empty directory (the monolith; the
#     base and every layer), then `environment/bin/python -c "import
#     pandas, pyarrow, sklearn"` timed from that directory; and the same on
#     a node that has A's layers unpacked already (YARN's public cache: only
#     the changed archives are fetched and unpacked).
#
#   bash bench/layers.sh            # 3 rounds
#   RUNS=1 bash bench/layers.sh     # a quick look
#
# It is a benchmark, not a test: run it when asked. Locks come from PyPI
# with --exclude-newer (the same files on any day); the wheels (~120 MB)
# download once into the run's cache, and each round builds again (the
# cache's builds/ is emptied), so upload times include the build. Versions
# of the server and of Python as in bench/upload.sh; it installs what it
# needs itself under ${CLUSTERPACK_DEV_CACHE:-~/.cache/clusterpack-dev}.
#
#   RUNS       rounds (default 3): each prints its figures, then medians
#   KEEP_WORK  1 keeps the temporary directory
#   TMPDIR     where the temporary directory goes (default /tmp)
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$(pwd)"

PYTHON_VERSION=3.11
EXCLUDE_NEWER=2026-11-15
VERSITYGW_MODULE=github.com/versity/versitygw/cmd/versitygw
VERSITYGW_VERSION=v1.8.0 # as internal/testing/s3test
RUNS="${RUNS:-3}"

log() { echo "layers.sh: $*" >&2; }

find_python() {
	local v="$1" p
	for p in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/"$v".*/bin/python"$v"; do
		[ -x "$p" ] && { echo "$p"; return; }
	done
	command -v "python$v" 2>/dev/null || true
}
python311="$(find_python "$PYTHON_VERSION")"
[ -n "$python311" ] || { log "no CPython $PYTHON_VERSION (pyenv or PATH)"; exit 1; }
command -v unzip >/dev/null || { log "unzip(1) is needed for the job-start figures"; exit 1; }

cache="${CLUSTERPACK_DEV_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/clusterpack-dev}"
mkdir -p "$cache"
vgw="$cache/bin/versitygw-$VERSITYGW_VERSION"
if [ ! -x "$vgw" ]; then
	log "building $VERSITYGW_MODULE@$VERSITYGW_VERSION into $cache/bin (a few minutes)"
	mkdir -p "$cache/bin"
	gobin="$(mktemp -d "$cache/bin/.build-XXXXXX")"
	(cd "$gobin" && GOBIN="$gobin" go install "$VERSITYGW_MODULE@$VERSITYGW_VERSION")
	mv "$gobin/versitygw" "$vgw"
	rm -rf "$gobin"
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/clusterpack-bench-layers.XXXXXX")"
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	if [ "${KEEP_WORK:-0}" = 1 ]; then log "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
mkdir -p "$work/logs" "$work/out" "$work/cache" "$work/s3data"

log "building clusterpack and the proxy"
go build -o "$work/clusterpack" ./cmd/clusterpack
go build -o "$work/uploadbench" ./bench/upload/uploadbench
cp="$work/clusterpack"
ub="$work/uploadbench"
export CLUSTERPACK_CACHE_DIR="$work/cache"

port="$("$python311" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
server="http://127.0.0.1:$port"
access_key="bench-$("$python311" -c 'import secrets; print(secrets.token_hex(4))')"
secret_key="$("$python311" -c 'import secrets; print(secrets.token_hex(16))')"
ROOT_ACCESS_KEY="$access_key" ROOT_SECRET_KEY="$secret_key" \
	"$vgw" --port "127.0.0.1:$port" --quiet --region us-east-1 --access-log "$work/access.log" posix "$work/s3data" \
	>"$work/logs/versitygw.log" 2>&1 &
pids+=($!)
for i in $(seq 1 300); do
	curl -s -o /dev/null "$server/" && break
	kill -0 "${pids[0]}" 2>/dev/null || { log "versitygw exited:"; cat "$work/logs/versitygw.log" >&2; exit 1; }
	sleep 0.1
done
"$ub" proxy -upstream "127.0.0.1:$port" -addr-file "$work/proxy.addr" -control-file "$work/proxy.control" >"$work/logs/proxy.log" 2>&1 &
pids+=($!)
for i in $(seq 1 100); do [ -s "$work/proxy.addr" ] && break; sleep 0.05; done
proxy="http://$(cat "$work/proxy.addr")"
control="$(cat "$work/proxy.control")"

unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_ENDPOINT_URL AWS_ENDPOINT_URL_S3 AWS_SESSION_TOKEN
export AWS_ACCESS_KEY_ID="$access_key" AWS_SECRET_ACCESS_KEY="$secret_key"
export AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
mkdir -p "$work/s3data/bench" # a bucket of the posix backend is a directory
bucket=bench

log "locking A (six 1.16.0) and B (six 1.17.0) from PyPI as of $EXCLUDE_NEWER"
for v in A:1.16.0 B:1.17.0; do
	printf 'pandas\npyarrow\nscikit-learn\nsix==%s\n' "${v#*:}" >"$work/out/req-${v%%:*}.txt"
	"$cp" lock -r "$work/out/req-${v%%:*}.txt" --python "$python311" --exclude-newer "$EXCLUDE_NEWER" \
		-o "$work/out/pylock-${v%%:*}.toml" >"$work/logs/lock-${v%%:*}.log" 2>&1 ||
		{ log "lock ${v%%:*} failed:"; tail -20 "$work/logs/lock-${v%%:*}.log" >&2; exit 1; }
done
# Untimed: the wheels into the cache, so that each round measures build and
# upload, not PyPI.
"$cp" build --lock "$work/out/pylock-A.toml" -o "$work/out/warm" >"$work/logs/warm.log" 2>&1
"$cp" build --lock "$work/out/pylock-B.toml" -o "$work/out/warm" >>"$work/logs/warm.log" 2>&1

commit="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
if [ -n "$(git status --porcelain --untracked-files=no -- . ':!bench' 2>/dev/null)" ]; then commit="$commit+dirty"; fi
{
	echo "date:         $(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "machine:      $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')), $(free -g | awk '/^Mem:/{print $2}') GiB memory, $(uname -sm)"
	echo "load:         $(cut -d' ' -f1-3 /proc/loadavg) (1/5/15 min, at start)"
	echo "clusterpack:  $("$cp" version 2>&1 | head -1), commit $commit"
	echo "python:       $("$python311" -c 'import platform; print(platform.python_version())') ($python311)"
	echo "server:       versitygw $VERSITYGW_VERSION posix backend on $server, the counting proxy on $proxy"
	echo "environment:  $(grep -c '^\[\[packages\]\]' "$work/out/pylock-A.toml") packages: $(sed -n 's/^name = "\(.*\)"/\1/p' "$work/out/pylock-A.toml" | tr '\n' ' ')"
} | tee "$work/machine.txt"

# measure KIND ROUND CMD...: runs CMD and prints and records
# "kind round seconds sent ops rc" (bytes sent through the proxy, the S3
# operations of the access log).
: >"$work/times.tsv"
measure() {
	local kind="$1" round="$2"
	shift 2
	local lg="$work/logs/$kind-$round.log" before after lines0 t0 t1 rc=0 ops
	before="$("$ub" stats -control "$control")"
	lines0="$(wc -l <"$work/access.log" 2>/dev/null || echo 0)"
	t0="$(date +%s.%N)"
	"$@" >"$lg" 2>&1 || rc=$?
	t1="$(date +%s.%N)"
	after="$("$ub" stats -control "$control")"
	sleep 0.05
	ops="$(tail -n +"$((lines0 + 1))" "$work/access.log" 2>/dev/null | sed -n 's/^[^]]*\] [^ ]* [^ ]* [^ ]* \([^ ]*\) .*/\1/p' | sed "s/^s3_//" | sort | uniq -c | awk '{printf "%s%s:%s", (NR>1?",":""), $2, $1}')"
	read -r u0 _ <<<"$before"
	read -r u1 _ <<<"$after"
	printf '%s\t%s\t%.3f\t%d\t%s\t%d\n' "$kind" "$round" "$(echo "$t1 - $t0" | bc)" $((u1 - u0)) "${ops:--}" "$rc" >>"$work/times.tsv"
	printf '  %-18s round %s: %7.2f s, %12d B sent, %s%s\n' "$kind" "$round" "$(echo "$t1 - $t0" | bc)" $((u1 - u0)) "${ops:--}" \
		"$([ "$rc" = 0 ] || echo ", FAILED (exit $rc)")" >&2
	if [ "$rc" != 0 ]; then tail -5 "$lg" | sed 's/^/    /' >&2; exit 1; fi
}

# timeit KIND ROUND CMD...: records "kind round seconds" of CMD.
timeit() {
	local kind="$1" round="$2" t0 t1
	shift 2
	t0="$(date +%s.%N)"
	"$@" >"$work/logs/$kind-$round.log" 2>&1 || { log "$kind failed:"; tail -20 "$work/logs/$kind-$round.log" >&2; exit 1; }
	t1="$(date +%s.%N)"
	printf '%s\t%s\t%.3f\t0\t-\t0\n' "$kind" "$round" "$(echo "$t1 - $t0" | bc)" >>"$work/times.tsv"
	printf '  %-18s round %s: %7.3f s\n' "$kind" "$round" "$(echo "$t1 - $t0" | bc)" >&2
}

# fetch_unpack MANIFEST DIR [SKIPDIR]: what an executor does before its
# first Python worker: fetch each archive the manifest names from the store
# and unpack it under its alias in DIR (the base as environment/, each
# layer as layer-<hash>/), skipping archives SKIPDIR has unpacked already.
fetch_unpack() {
	local manifest="$1" dir="$2" skip="${3:-}"
	mkdir -p "$dir"
	"$python311" - "$manifest" <<'EOF' | while read -r url alias; do
import json, sys
m = json.load(open(sys.argv[1]))
print(m["url"], "environment")
for l in m.get("layers") or []:
    print(l["url"], l["dir"])
EOF
		if [ -n "$skip" ] && [ -d "$skip/$alias" ] && [ "$alias" != environment ]; then
			ln -s "$skip/$alias" "$dir/$alias"
			continue
		fi
		local obj="${url#s3://$bucket/}"
		cp -- "$work/s3data/$bucket/$obj" "$dir/.archive" # the store's bytes, read from the server's disk
		unzip -q "$dir/.archive" -d "$dir/$alias"
		rm -f "$dir/.archive"
	done
}

for round in $(seq 1 "$RUNS"); do
	log "round $round"
	# Alternate which mode goes first, so that a change of the machine's
	# load during a round does not favour one.
	modes="mono layered"
	[ $((round % 2)) = 0 ] && modes="layered mono"
	for mode in $modes; do
		flags=()
		[ "$mode" = layered ] && flags=(--layers)
		rm -rf "$work/cache/builds"
		to="s3://$bucket/r$round-$mode"
		for v in A B; do
			measure "$mode-upload-$v" "$round" "$cp" upload --lock "$work/out/pylock-$v.toml" --to "$to" --s3-endpoint "$proxy" \
				--format zip --python-path "$python311" "${flags[@]}" --manifest "$work/out/$mode-$v.json"
		done
		node="$work/node-$round-$mode"
		rm -rf "$node"
		timeit "$mode-unpack-B" "$round" fetch_unpack "$work/out/$mode-B.json" "$node/fresh"
		timeit "$mode-import-B" "$round" sh -c "cd '$node/fresh' && ./environment/bin/python -c 'import pandas, pyarrow, sklearn'"
		if [ "$mode" = layered ]; then
			fetch_unpack "$work/out/$mode-A.json" "$node/a" >/dev/null
			timeit "$mode-unpack-B-warm" "$round" fetch_unpack "$work/out/$mode-B.json" "$node/warm" "$node/a"
			timeit "$mode-import-B-warm" "$round" sh -c "cd '$node/warm' && ./environment/bin/python -c 'import pandas, pyarrow, sklearn'"
		fi
		rm -rf "$node"
	done
done

"$python311" - "$work/times.tsv" "$work/out" <<'EOF'
import json, statistics, sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1])]
med = lambda kind, col: statistics.median(float(r[col]) for r in rows if r[0] == kind)
out = sys.argv[2]
def size(m):
    return m["size"] + sum(l["size"] for l in m.get("layers") or [])
mono, lay = json.load(open(f"{out}/mono-B.json")), json.load(open(f"{out}/layered-B.json"))
print()
print(f"environment B: monolith {mono['size']/2**20:.1f} MiB; layered {size(lay)/2**20:.1f} MiB in {1+len(lay.get('layers') or [])} archives (base {lay['size']/2**20:.2f} MiB)")
for l in lay.get("layers") or []:
    print(f"  {l['name']}: {l['size']/2**20:6.1f} MiB  {' '.join(p['name'] + ' ' + p['version'] for p in l['packages'])}")
print()
print(f"{'medians of ' + str(len({r[1] for r in rows})) + ' rounds':<34} {'monolith':>12} {'layered':>12} {'layered/mono':>13}")
def line(what, kind_m, kind_l, col, fmt, unit, div=1):
    m, l = med(kind_m, col) / div, med(kind_l, col) / div
    print(f"{what:<34} {fmt.format(m) + unit:>12} {fmt.format(l) + unit:>12} {l / m if m else float('nan'):>12.3f}x")
line("first upload (A): time", "mono-upload-A", "layered-upload-A", 2, "{:.2f}", " s")
line("first upload (A): MiB sent", "mono-upload-A", "layered-upload-A", 3, "{:.1f}", "", 2**20)
line("six bumped (B): time", "mono-upload-B", "layered-upload-B", 2, "{:.2f}", " s")
line("six bumped (B): MiB sent", "mono-upload-B", "layered-upload-B", 3, "{:.2f}", "", 2**20)
line("job start, fresh node: unpack", "mono-unpack-B", "layered-unpack-B", 2, "{:.2f}", " s")
line("job start, fresh node: import", "mono-import-B", "layered-import-B", 2, "{:.2f}", " s")
line("job start, layers cached: unpack", "mono-unpack-B", "layered-unpack-B-warm", 2, "{:.2f}", " s")
line("job start, layers cached: import", "mono-import-B", "layered-import-B-warm", 2, "{:.2f}", " s")
def total(kinds):
    return statistics.median(sum(float(r[2]) for r in rows if r[0] in kinds and r[1] == rnd) for rnd in sorted({r[1] for r in rows}))
m, l, w = total({"mono-unpack-B", "mono-import-B"}), total({"layered-unpack-B", "layered-import-B"}), total({"layered-unpack-B-warm", "layered-import-B-warm"})
print(f"{'job start, fresh node: both':<34} {m:>10.2f} s {l:>10.2f} s {l / m:>12.3f}x")
print(f"{'job start, layers cached: both':<34} {m:>10.2f} s {w:>10.2f} s {w / m:>12.3f}x")
sent_b = med("layered-upload-B", 3)
print()
print(f"six bumped, layered: {sent_b/2**20:.2f} MiB sent = {100*sent_b/size(lay):.2f} % of the environment's {size(lay)/2**20:.1f} MiB")
for kind in ("mono-upload-B", "layered-upload-B"):
    ops = [r[4] for r in rows if r[0] == kind]
    print(f"{kind} S3 operations: {ops[0]}")
EOF
for f in "$work/out"/*-B.json; do cp "$f" "$work/logs/"; done
