#!/usr/bin/env bash
# Runs every test of clusterpack. It installs what the tests need by itself
# (scripts/devenv.sh: the reference implementations, the S3 server, the
# HDFS minicluster, pyspark and apache-flink, under a cache outside the
# repo, each with a progress line), then runs vet, the tests (each package
# with its own timeout, scripts/test-timeouts), and every fuzz target
# briefly.
#
#   CLUSTERPACK_DEV_CACHE  where to keep downloads (default: ~/.cache/clusterpack-dev)
#   FUZZTIME               how much each fuzz target runs, as go test -fuzztime
#                          takes it (default: 20000x inputs; 0 skips). A count,
#                          not a duration: short durations make go test report
#                          "context deadline exceeded" as a failure.
set -euo pipefail
cd "$(dirname "$0")/.."

eval "$(bash scripts/devenv.sh)"
export CLUSTERPACK_REQUIRE_REFERENCE=1

unformatted="$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))"
if [ -n "$unformatted" ]; then
	echo "gofmt: these files need formatting (gofmt -w):" >&2
	echo "$unformatted" >&2
	exit 1
fi
go vet ./...
# Each package runs as a go test of its own, with the -timeout that
# scripts/test-timeouts gives it, two at a time; the summary prints each
# package's result, failed tests' output, timeouts and crashes with the
# tests that were running, the slowest packages, and a count.
go build -o "$CLUSTERPACK_DEV_CACHE/testrun" ./internal/testrun
"$CLUSTERPACK_DEV_CACHE/testrun" -p 2 -timeouts scripts/test-timeouts ./...

# Every fuzz target, briefly: a crash here is a parser bug.
fuzztime="${FUZZTIME:-20000x}"
if [ "$fuzztime" != "0" ]; then
	grep -rl --include='*_test.go' '^func Fuzz' . | sort | while read -r f; do
		pkg="./$(dirname "${f#./}")"
		grep -o '^func Fuzz[A-Za-z0-9_]*' "$f" | sed 's/^func //' | while read -r fn; do
			echo "fuzz $pkg $fn ($fuzztime)"
			if ! out="$(go test -timeout 5m -run '^$' -fuzz "^$fn\$" -fuzztime "$fuzztime" "$pkg" 2>&1)"; then
				echo "$out"
				exit 1
			fi
		done
	done
fi
