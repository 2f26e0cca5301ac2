#!/usr/bin/env bash
# Runner arrays benchmark: 10M float64 values into one pandas mean (the
# seed's mean_fn), through `clusterpack run` end to end, in one run:
#
#   json    --input v.jsonl: one JSON row holding the 10M values as a list
#           (what `run --input` had before Arrow), pd.Series(row).mean()
#   arrow   --input v.arrow --batch series: the same values in an Arrow IPC
#           stream, one record batch of 10M, memory-mapped, mean_fn(Series)
#   arrow-batches  the same in 10 record batches of 1M (10 calls)
#   startup  run --exec 'import pandas, pyarrow': what every run pays first
#
# For each: wall seconds and peak RSS (/usr/bin/time), RUNS rounds
# alternating, medians, and the ratios json/arrow.
#
#   bash bench/arrays.sh            # RUNS=3
#
# The environment is built by clusterpack from the dev cache's pinned
# numpy/pandas/pyarrow wheels (the runner tests download them there:
# runner/dataframe_test.go) with --no-index; the udf module comes by --path.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS="${RUNS:-3}"
N="${N:-10000000}"
cache="${CLUSTERPACK_DEV_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/clusterpack-dev}"
wheels="$(ls -d "$cache"/runner-dataframe/py3.11-numpy*-pandas*-pyarrow* 2>/dev/null | head -1)"
[ -n "$wheels" ] && [ -f "$wheels/.complete" ] || { echo "no wheels under $cache/runner-dataframe: run the runner tests for 3.11 once (go test -run TestCPython ./runner/)" >&2; exit 1; }
py="$(ls -d "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.11.*/bin/python3.11 2>/dev/null | head -1)"
[ -n "$py" ] || py="$(command -v python3.11)"
work="$(mktemp -d "${TMPDIR:-/tmp}/bench-arrays.XXXXXX")"
trap 'rm -rf "$work"' EXIT
export CLUSTERPACK_CACHE_DIR="$work/cache"
go build -o "$work/clusterpack" ./cmd/clusterpack
cp="$work/clusterpack"
echo "building the environment from $wheels" >&2
"$cp" build -q --no-index -f "$wheels" --python "$py" -o "$work/dist" numpy pandas pyarrow >&2
env_zip="$(ls "$work"/dist/env-*.zip)"
mkdir -p "$work/src"
cat >"$work/src/udfs.py" <<'EOF'
import pandas as pd

def mean_fn(v: pd.Series) -> float:
    return v.mean()

def mean_json(row):
    return mean_fn(pd.Series(row))
EOF
echo "writing $N float64 values as JSON and as Arrow" >&2
"$cp" run "$env_zip" --exec "
import json, numpy as np, pyarrow as pa, pyarrow.ipc
v = np.random.default_rng(1).random($N)
with open('$work/v.jsonl', 'w') as f:
    f.write(json.dumps(v.tolist()) + '\n')
t = pa.table({'v': v})
for name, chunk in (('v.arrow', $N), ('v10.arrow', $N // 10)):
    with pa.OSFile('$work/' + name, 'wb') as f:
        w = pa.ipc.new_stream(f, t.schema)
        for b in t.to_batches(max_chunksize=chunk):
            w.write_batch(b)
        w.close()
" >&2
ls -l "$work"/v.jsonl "$work"/v.arrow "$work"/v10.arrow >&2
# warm the runner's unpack cache
"$cp" run "$env_zip" --eval 1 >/dev/null

measure() { # name args...: prints "seconds rss_mb"
	local name="$1"
	shift
	/usr/bin/time -f "%e %M" -o "$work/time.$name" "$cp" run "$env_zip" --path "$work/src" "$@" >"$work/out.$name" 2>"$work/err.$name" || { cat "$work/err.$name" >&2; exit 1; }
	awk '{printf "%s %.0f\n", $1, $2/1024}' "$work/time.$name"
}
declare -A secs rss
for r in $(seq "$RUNS"); do
	for name in json arrow arrow-batches startup; do
		case $name in
		json) set -- --call udfs:mean_json --input "$work/v.jsonl" ;;
		arrow) set -- --call udfs:mean_fn --input "$work/v.arrow" --batch series ;;
		arrow-batches) set -- --call udfs:mean_fn --input "$work/v10.arrow" --batch series ;;
		startup) set -- --exec "import pandas, pyarrow" ;;
		esac
		read -r s m < <(measure "$name" "$@")
		secs[$name]+="$s "
		rss[$name]+="$m "
		echo "round $r $name: ${s}s ${m} MB: $(head -c 120 "$work/out.$name")" >&2
	done
done
median() { tr ' ' '\n' | grep . | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
echo "| path | seconds (median of $RUNS) | peak RSS MB (median) | rounds s |"
echo "|---|---:|---:|---|"
for name in json arrow arrow-batches startup; do
	echo "| $name | $(echo "${secs[$name]}" | median) | $(echo "${rss[$name]}" | median) | ${secs[$name]}|"
done
js=$(echo "${secs[json]}" | median)
as=$(echo "${secs[arrow]}" | median)
jm=$(echo "${rss[json]}" | median)
am=$(echo "${rss[arrow]}" | median)
awk -v js="$js" -v as="$as" -v jm="$jm" -v am="$am" 'BEGIN {printf "json/arrow: time %.1fx, peak RSS %.1fx\n", js/as, jm/am}'
