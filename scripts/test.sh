#!/usr/bin/env bash
# Runs every test of clusterpack. It installs what the tests need by itself
# (scripts/devenv.sh: the reference implementations, under a cache outside
# the repo), then runs vet, the tests, and every fuzz target briefly.
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
go build -o "$CLUSTERPACK_DEV_CACHE/testsummary" ./internal/testsummary
# The summary prints each package's result, failed tests' output, and a count.
go test -count=1 -json ./... | "$CLUSTERPACK_DEV_CACHE/testsummary"

# Every fuzz target, briefly: a crash here is a parser bug.
fuzztime="${FUZZTIME:-20000x}"
if [ "$fuzztime" != "0" ]; then
	grep -rl --include='*_test.go' '^func Fuzz' . | sort | while read -r f; do
		pkg="./$(dirname "${f#./}")"
		grep -o '^func Fuzz[A-Za-z0-9_]*' "$f" | sed 's/^func //' | while read -r fn; do
			echo "fuzz $pkg $fn ($fuzztime)"
			if ! out="$(go test -run '^$' -fuzz "^$fn\$" -fuzztime "$fuzztime" "$pkg" 2>&1)"; then
				echo "$out"
				exit 1
			fi
		done
	done
fi
