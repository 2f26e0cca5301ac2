#!/usr/bin/env bash
# Upload benchmark: in one run, against a local S3 server (versitygw), it
#
#  1. uploads one virtualenv (CPython 3.11 with pandas, pyarrow and
#     cluster-pack) with `clusterpack upload --from-venv` (pex and zip) and
#     with cluster-pack's `upload_env` (pex, its only format), first run then
#     the no-op re-run of the unchanged environment, timed end to end
#     (process start included), with the bytes each way counted by a TCP
#     proxy in front of the server and the requests read from the server's
#     access log; clusterpack also with a lock file (`--lock`, no
#     resolution), its cache kept and empty (as on a fresh CI machine);
#  2. uploads the same files with `aws s3 cp` and with clusterpack: the built
#     zip (`clusterpack upload --force --lock`, the CLI) and a random file
#     (`store.Put` through bench/upload/uploadbench, the same code without
#     the CLI around it), and prints MiB/s and the ratios.
#
#   bash bench/upload.sh              # 3 runs of each no-op and upload
#   RUNS=1 SIZE_MIB=64 bash bench/upload.sh   # a quick look
#
# It is a benchmark, not a test: run it when asked. One run took 4-5 min on
# 2 busy cores (plus ~2 min the first time, to make the venvs); most of it
# is cluster-pack's first run (pex resolving and building: 48-147 s). The
# first runs download the environment's wheels (~130 MB) from the index,
# once for each tool and format (each gets an empty cache of its own).
#
# It installs what it needs by itself, pinned, under
# ${CLUSTERPACK_DEV_CACHE:-~/.cache/clusterpack-dev}: the AWS CLI in
# bench-upload-venv, the virtualenv being uploaded in bench-upload-env
# (cluster-pack runs inside it, as its users run it), versitygw in bin/ (the
# binary internal/testing/s3test builds, or the same `go install` here), and builds
# clusterpack and the helper from this checkout with `go build`. Servers it
# starts are killed at exit; the temporary directory is removed (KEEP_WORK=1
# keeps it).
#
#   RUNS       runs of each no-op and each throughput upload (default 3): median (min)
#   SIZE_MIB   size of the random file for the throughput test (default 512)
#   KEEP_WORK  1 keeps the temporary directory (logs, access log, outputs)
#   TMPDIR     where the temporary directory goes (default /tmp)
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$(pwd)"

PYTHON_VERSION=3.11
PIP_VERSION=25.3
AWSCLI_VERSION=1.46.2
CLUSTER_PACK_VERSION=0.3.19
PEX_VERSION=2.105.2
S3FS_VERSION=2026.9.0 # and fsspec of the same version
PANDAS_VERSION=3.1.1
PYARROW_VERSION=26.0.1
VERSITYGW_MODULE=github.com/versity/versitygw/cmd/versitygw
VERSITYGW_VERSION=v1.8.0 # as internal/testing/s3test

RUNS="${RUNS:-3}"
SIZE_MIB="${SIZE_MIB:-512}"

log() { echo "upload.sh: $*" >&2; }

find_python() {
	local v="$1" p
	for p in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/"$v".*/bin/python"$v"; do
		[ -x "$p" ] && { echo "$p"; return; }
	done
	command -v "python$v" 2>/dev/null || true
}
python311="$(find_python "$PYTHON_VERSION")"
[ -n "$python311" ] || { log "no CPython $PYTHON_VERSION (pyenv or PATH)"; exit 1; }
pyver="$("$python311" -c 'import platform; print(platform.python_version())')"

cache="${CLUSTERPACK_DEV_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/clusterpack-dev}"
mkdir -p "$cache"

# make_venv DIR PINS...: a venv made in place and marked complete with its
# pins at the end, so an interrupted or outdated one is made again.
make_venv() {
	local dir="$1"
	shift
	local pins="python=$pyver pip==$PIP_VERSION $*"
	if [ "$(cat "$dir/.complete" 2>/dev/null)" != "$pins" ]; then
		log "creating $dir ($pins)"
		rm -rf "$dir"
		"$python311" -m venv "$dir"
		PIP_DISABLE_PIP_VERSION_CHECK=1 "$dir/bin/python" -m pip install -q "pip==$PIP_VERSION"
		PIP_DISABLE_PIP_VERSION_CHECK=1 "$dir/bin/python" -m pip install -q "$@"
		echo "$pins" >"$dir/.complete"
	fi
}
toolvenv="$cache/bench-upload-venv"
envvenv="$cache/bench-upload-env"
make_venv "$toolvenv" "awscli==$AWSCLI_VERSION"
make_venv "$envvenv" "pandas==$PANDAS_VERSION" "pyarrow==$PYARROW_VERSION" "cluster-pack==$CLUSTER_PACK_VERSION" \
	"pex==$PEX_VERSION" "s3fs==$S3FS_VERSION" "fsspec==$S3FS_VERSION"
aws="$toolvenv/bin/aws"
py="$toolvenv/bin/python"

vgw="$cache/bin/versitygw-$VERSITYGW_VERSION"
if [ ! -x "$vgw" ]; then
	log "building $VERSITYGW_MODULE@$VERSITYGW_VERSION into $cache/bin (a few minutes)"
	mkdir -p "$cache/bin"
	gobin="$(mktemp -d "$cache/bin/.build-XXXXXX")"
	(cd "$gobin" && GOBIN="$gobin" go install "$VERSITYGW_MODULE@$VERSITYGW_VERSION")
	mv "$gobin/versitygw" "$vgw"
	rm -rf "$gobin"
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/clusterpack-bench-upload.XXXXXX")"
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	if [ "${KEEP_WORK:-0}" = 1 ]; then log "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
mkdir -p "$work/logs" "$work/out" "$work/cache" "$work/s3data"

log "building clusterpack and the helper"
go build -o "$work/clusterpack" ./cmd/clusterpack
go build -o "$work/uploadbench" ./bench/upload/uploadbench
cp="$work/clusterpack"
ub="$work/uploadbench"

# The S3 server, as internal/testing/s3test starts it (posix backend, loopback,
# --quiet), plus an access log that names each request's operation.
port="$("$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
server="http://127.0.0.1:$port"
access_key="bench-$("$py" -c 'import secrets; print(secrets.token_hex(4))')"
secret_key="$("$py" -c 'import secrets; print(secrets.token_hex(16))')"
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

# Only the local server's credentials: nothing of the user's AWS setup.
unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_ENDPOINT_URL AWS_ENDPOINT_URL_S3 AWS_SESSION_TOKEN
export AWS_ACCESS_KEY_ID="$access_key" AWS_SECRET_ACCESS_KEY="$secret_key"
export AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
bucket=bench
"$aws" --endpoint-url "$server" s3 mb "s3://$bucket" >/dev/null

# The machine and the tools, for the record.
commit="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
if [ -n "$(git status --porcelain --untracked-files=no -- . ':!bench' 2>/dev/null)" ]; then commit="$commit+dirty"; fi
{
	echo "date:         $(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "machine:      $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')), $(free -g | awk '/^Mem:/{print $2}') GiB memory, $(uname -sm), $(ldd --version 2>&1 | head -1 | sed 's/^ldd //')"
	echo "disk:         $(df -h "$work" | awk 'NR==2{print $1" ("$2", "$5" used)"}') holds the server's data and the temporary files"
	echo "load:         $(cut -d' ' -f1-3 /proc/loadavg) (1/5/15 min, at start)"
	echo "go:           $(go version)"
	echo "clusterpack:  $("$cp" version 2>&1 | head -1), commit $commit"
	echo "cluster-pack: $("$envvenv/bin/python" -m pip show cluster-pack 2>/dev/null | awk '/^Version/{print $2}'), pex $("$envvenv/bin/pex" --version), s3fs $("$envvenv/bin/python" -c 'import s3fs; print(s3fs.__version__)'), botocore $("$envvenv/bin/python" -c 'import botocore; print(botocore.__version__)')"
	echo "aws cli:      $("$aws" --version 2>&1)"
	echo "server:       versitygw $VERSITYGW_VERSION posix backend on $server, the counting proxy on $proxy"
	echo "environment:  $envvenv: CPython $pyver, $("$envvenv/bin/python" -m pip list --format freeze 2>/dev/null | grep -vc '^pip=') distributions besides pip (pandas $PANDAS_VERSION, pyarrow $PYARROW_VERSION, cluster-pack $CLUSTER_PACK_VERSION and their dependencies), $(du -sm "$envvenv/lib" | cut -f1) MB installed"
	env | grep -E '^(PIP_INDEX_URL|PIP_EXTRA_INDEX_URL|PIP_FIND_LINKS|PIP_NO_INDEX)=' | sed 's/^/pip config:   /; s|//[^/@]*@|//***@|' || true
} | tee "$work/machine.txt"
"$envvenv/bin/python" -m pip freeze >"$work/out/env-freeze.txt"

# measure KIND REP CMD...: runs CMD, times it from the process start to its
# exit, and appends "kind rep seconds up down conns ops rc" to times.tsv:
# the bytes each way through the proxy during the run, and the S3
# operations of the server's access log (Operation:count,...).
: >"$work/times.tsv"
measure() {
	local kind="$1" rep="$2"
	shift 2
	local lg="$work/logs/$kind-$rep.log" before after lines0 t0 t1 rc=0 ops
	before="$("$ub" stats -control "$control")"
	lines0="$(wc -l <"$work/access.log" 2>/dev/null || echo 0)"
	t0="$(date +%s.%N)"
	"$@" >"$lg" 2>&1 || rc=$?
	t1="$(date +%s.%N)"
	after="$("$ub" stats -control "$control")"
	sleep 0.05 # the access log is written after the response
	ops="$(tail -n +"$((lines0 + 1))" "$work/access.log" 2>/dev/null | sed -n 's/^[^]]*\] [^ ]* [^ ]* [^ ]* \([^ ]*\) .*/\1/p' | sed "s/^s3_//" | sort | uniq -c | awk '{printf "%s%s:%s", (NR>1?",":""), $2, $1}')"
	read -r u0 d0 c0 _ <<<"$before"
	read -r u1 d1 c1 _ <<<"$after"
	printf '%s\t%s\t%.3f\t%d\t%d\t%d\t%s\t%d\n' "$kind" "$rep" "$(echo "$t1 - $t0" | bc)" $((u1 - u0)) $((d1 - d0)) $((c1 - c0)) "${ops:--}" "$rc" >>"$work/times.tsv"
	printf '  %-22s run %s: %7.2f s, %12d B sent, %10d B received, %s%s\n' "$kind" "$rep" "$(echo "$t1 - $t0" | bc)" $((u1 - u0)) $((d1 - d0)) "${ops:--}" \
		"$([ "$rc" = 0 ] || echo ", FAILED (exit $rc)")" >&2
	if [ "$rc" != 0 ]; then tail -5 "$lg" | sed 's/^/    /' >&2; fi
}

# clusterpack, each format with an empty cache of its own for its first run.
cp_upload() { # CACHE FORMAT EXTRA...
	local c="$1" f="$2"
	shift 2
	CLUSTERPACK_CACHE_DIR="$c" "$cp" upload --to "s3://$bucket/clusterpack" --s3-endpoint "$proxy" --format "$f" "$@"
}
for f in pex zip; do
	log "clusterpack --format $f: first run, then $RUNS no-op runs"
	measure "cp-$f-first" 1 cp_upload "$work/cache/cp-$f" "$f" --from-venv "$envvenv" --manifest "$work/out/cp-$f.json"
	for rep in $(seq 1 "$RUNS"); do
		measure "cp-$f-noop" "$rep" cp_upload "$work/cache/cp-$f" "$f" --from-venv "$envvenv"
	done
done
# A lock made once from the venv, then uploads from the lock: the no-op
# without the resolution, with the cache kept and with an empty one.
CLUSTERPACK_CACHE_DIR="$work/cache/cp-pex" "$cp" lock --from-venv "$envvenv" -o "$work/out/pylock.toml" >"$work/logs/lock.log" 2>&1
for rep in $(seq 1 "$RUNS"); do
	measure "cp-pex-lock-noop" "$rep" cp_upload "$work/cache/cp-pex" pex --lock "$work/out/pylock.toml"
	rm -rf "$work/cache/cp-empty"
	measure "cp-pex-lock-coldnoop" "$rep" cp_upload "$work/cache/cp-empty" pex --lock "$work/out/pylock.toml"
done

# Where the --from-venv no-op's time goes: one untimed run with -v, its
# requests to the package index counted.
CLUSTERPACK_CACHE_DIR="$work/cache/cp-pex" "$cp" -v upload --to "s3://$bucket/clusterpack" --s3-endpoint "$proxy" --format pex \
	--from-venv "$envvenv" >"$work/logs/cp-pex-noop-verbose.log" 2>&1 || true
echo "index GETs of one --from-venv no-op (untimed, -v): $(grep -c 'msg=GET url=' "$work/logs/cp-pex-noop-verbose.log" || true)" |
	tee -a "$work/machine.txt" >&2

# cluster-pack, run inside the virtualenv as its users run it, with an
# empty pex cache of its own for its first run.
clp_upload() {
	VIRTUAL_ENV="$envvenv" PATH="$envvenv/bin:$PATH" PEX_ROOT="$work/cache/pex" \
		"$envvenv/bin/python" "$repo/bench/upload/cluster_pack_upload.py" "s3://$bucket/cluster-pack/env.pex" "$proxy"
}
log "cluster-pack upload_env (pex): first run, then $RUNS no-op runs"
measure clp-pex-first 1 clp_upload
for rep in $(seq 1 "$RUNS"); do
	measure clp-pex-noop "$rep" clp_upload
done
"$aws" --endpoint-url "$server" s3 ls --recursive "s3://$bucket" >"$work/out/objects.txt"

# What each pex holds: distributions per PEX-INFO (cluster-pack's fetched
# back, untimed), and clusterpack's per its manifest.
"$aws" --endpoint-url "$server" s3 cp --only-show-errors "s3://$bucket/cluster-pack/env.pex" "$work/out/cluster-pack.pex"

# Throughput, straight to the server (no proxy: on 2 cores its copying
# would take CPU from the tools). The tools alternate in each run.
zip="$(ls "$work"/cache/cp-zip/builds/*.zip | head -1)"
head -c "$((SIZE_MIB << 20))" /dev/urandom >"$work/random.bin"
random_sha="$(sha256sum "$work/random.bin" | cut -d' ' -f1)" # clusterpack has its archive's from the manifest
log "throughput: $(du -m "$zip" | cut -f1) MiB zip and $SIZE_MIB MiB random file, $RUNS runs"
for rep in $(seq 1 "$RUNS"); do
	measure aws-zip "$rep" "$aws" --endpoint-url "$server" s3 cp --only-show-errors "$zip" "s3://$bucket/aws/$(basename "$zip")"
	measure cp-zip-force "$rep" env CLUSTERPACK_CACHE_DIR="$work/cache/cp-zip" "$cp" upload --to "s3://$bucket/clusterpack" --s3-endpoint "$server" \
		--format zip --lock "$work/out/pylock.toml" --force
	measure aws-random "$rep" "$aws" --endpoint-url "$server" s3 cp --only-show-errors "$work/random.bin" "s3://$bucket/aws/random.bin"
	measure cp-random-put "$rep" "$ub" put -to "s3://$bucket/clusterpack" -s3-endpoint "$server" -name random.bin -sha256 "$random_sha" "$work/random.bin"
done
rm -f "$work/random.bin"
{
	echo "load:         $(cut -d' ' -f1-3 /proc/loadavg) (1/5/15 min, at end)"
} | tee -a "$work/machine.txt"
echo

"$py" - "$work" "$zip" "$SIZE_MIB" "$RUNS" <<'EOF'
import json, os, statistics, sys, zipfile
from pathlib import Path

work, zip_path, size_mib, runs = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
rows = {}
for line in (work / "times.tsv").read_text().splitlines():
    kind, rep, sec, up, down, conns, ops, rc = line.split("\t")
    rows.setdefault(kind, []).append(dict(sec=float(sec), up=int(up), down=int(down), conns=int(conns), ops=ops, rc=int(rc)))

def ok(kind):
    return [r for r in rows.get(kind, []) if r["rc"] == 0]

def med(kind, key="sec"):
    v = [r[key] for r in ok(kind)]
    return statistics.median(v) if v else None

def cell(kind):
    v, all_ = ok(kind), rows.get(kind, [])
    if not v:
        return "fail" if all_ else "-"
    s = [r["sec"] for r in v]
    c = f"{statistics.median(s):.2f}" if len(s) == 1 else f"{statistics.median(s):.2f} ({min(s):.2f})"
    if len(v) < len(all_):
        c += f" {len(all_) - len(v)} failed"
    return c

def size(n):
    if n is None:
        return "-"
    for unit, f in (("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= f:
            return f"{n / f:.1f} {unit}"
    return f"{n} B"

def ops(kind):
    v = ok(kind)
    return v[-1]["ops"] if v else "-"

def fmt(r):
    return f"{r:.1f}x" if r else "-"

# What was uploaded.
objects = {}
for line in (work / "out" / "objects.txt").read_text().splitlines():
    parts = line.split()
    if len(parts) == 4:
        objects[parts[3]] = int(parts[2])
def pex_dists(path):
    with zipfile.ZipFile(path) as z:
        return sorted(json.loads(z.read("PEX-INFO")).get("distributions", {}))
cp_m = {f: json.loads((work / "out" / f"cp-{f}.json").read_text()) for f in ("pex", "zip") if (work / "out" / f"cp-{f}.json").exists()}
clp = work / "out" / "cluster-pack.pex"
clp_d = pex_dists(clp) if clp.exists() else []
print("What was uploaded:")
for f, m in cp_m.items():
    print(f"  clusterpack {f}: {m['url']}, {size(m['size'])}, {len(m.get('packages') or [])} distributions")
if clp.exists():
    print(f"  cluster-pack pex: s3://…/cluster-pack/env.pex, {size(clp.stat().st_size)}, {len(clp_d)} distributions")
    cpn = {p['name'].lower().replace('_', '-') for p in cp_m.get('pex', {}).get('packages') or []}
    cln = {d.split('-')[0].lower().replace('_', '-') for d in clp_d}
    if cpn and cln != cpn:
        print(f"  only in cluster-pack's pex: {', '.join(sorted(cln - cpn)) or '-'}; only in clusterpack's: {', '.join(sorted(cpn - cln)) or '-'}")
print()

print(f"### No-op re-upload: seconds end to end, median (min) of {runs}; bytes on the wire per no-op run\n")
print("| tool, format | first run (s) | first run sent | no-op (s) | no-op sent / received | no-op requests |")
print("|---|---:|---:|---:|---:|---|")
table = [
    ("clusterpack upload --from-venv, pex", "cp-pex-first", "cp-pex-noop"),
    ("clusterpack upload --from-venv, zip", "cp-zip-first", "cp-zip-noop"),
    ("clusterpack upload --lock, pex, cache kept", None, "cp-pex-lock-noop"),
    ("clusterpack upload --lock, pex, empty cache", None, "cp-pex-lock-coldnoop"),
    ("cluster-pack upload_env, pex", "clp-pex-first", "clp-pex-noop"),
]
for label, first, noop in table:
    f = ok(first) if first else []
    print(f"| {label} | {cell(first) if first else '-'} | {size(f[0]['up']) if f else '-'} | {cell(noop)} "
          f"| {size(med(noop, 'up'))} / {size(med(noop, 'down'))} | {ops(noop).replace(',', ', ')} |")
print()
base = med("clp-pex-noop")
print("Ratios (cluster-pack no-op / clusterpack no-op, medians): "
      f"--from-venv pex {fmt(base / med('cp-pex-noop')) if base and med('cp-pex-noop') else '-'}, "
      f"--lock pex {fmt(base / med('cp-pex-lock-noop')) if base and med('cp-pex-lock-noop') else '-'}; "
      f"first run, cluster-pack / clusterpack pex: {fmt(med('clp-pex-first') / med('cp-pex-first')) if med('clp-pex-first') and med('cp-pex-first') else '-'}")
aim = []
for kind in ("cp-pex-noop", "cp-zip-noop", "cp-pex-lock-noop", "cp-pex-lock-coldnoop"):
    m = med(kind)
    put = any(o.split(":")[0] in ("PutObject", "UploadPart", "CreateMultipartUpload") for r in ok(kind) for o in r["ops"].split(","))
    aim.append(f"{kind} {m:.2f} s {'met' if m is not None and m < 0.2 else 'MISSED'}, "
               f"{'object bytes sent' if put else 'no object bytes sent'} ({size(med(kind, 'up'))} of requests)" if m is not None else f"{kind} -")
print("Aim (no-op under 0.2 s end to end, 0 bytes sent):\n  " + "\n  ".join(aim))
print()

print(f"### Upload throughput to the local S3 server: MiB/s from the seconds end to end, median (min) of {runs}\n")
zsize = os.path.getsize(zip_path)
rsize = size_mib << 20
print("| file | AWS CLI `aws s3 cp` | clusterpack | clusterpack/aws |")
print("|---|---:|---:|---:|")
def mibs(kind, n):
    v = [n / (1 << 20) / r["sec"] for r in ok(kind)]
    if not v:
        return None, "fail"
    return statistics.median(v), (f"{statistics.median(v):.0f} ({max(v):.0f} best)" if len(v) > 1 else f"{v[0]:.0f}")
for label, n, a, c, how in (
    (f"built zip, {size(zsize)}", zsize, "aws-zip", "cp-zip-force", "`clusterpack upload --force --lock`"),
    (f"random, {size(rsize)}", rsize, "aws-random", "cp-random-put", "`store.Put` (uploadbench put)"),
):
    am, ac = mibs(a, n)
    cm, cc = mibs(c, n)
    print(f"| {label} | {ac} | {cc} {how} | {fmt(cm / am) if am and cm else '-'} |")
print()
print("Seconds, median (min): " + ", ".join(f"{k} {cell(k)}" for k in ("aws-zip", "cp-zip-force", "aws-random", "cp-random-put")))
EOF
