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
# go.mod lists what the code imports, direct and indirect as they are.
if ! diff="$(go mod tidy -diff)"; then
	echo "go.mod or go.sum is not tidy (go mod tidy):" >&2
	echo "$diff" >&2
	exit 1
fi
go vet ./...
# Each package runs as a go test of its own, with the -timeout that
# scripts/test-timeouts gives it, and every fuzz target briefly (a crash
# there is a parser bug), two at a time, the slowest first; the summary
# prints each result, failed tests' output, timeouts and crashes with the
# tests that were running, the slowest runs, and a count.
fuzztime="${FUZZTIME:-20000x}"
[ "$fuzztime" != "0" ] || fuzztime=""
go build -o "$CLUSTERPACK_DEV_CACHE/testrun" ./internal/testrun
"$CLUSTERPACK_DEV_CACHE/testrun" -p 2 -timeouts scripts/test-timeouts -fuzztime "$fuzztime" ./...
