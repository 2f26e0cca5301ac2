// Package resolvediff holds differential tests of clusterpack's resolver
// (resolve.Resolve, driven end to end by lock.Make) against pip and uv.
//
// TestDifferential generates hundreds of small package worlds from a fixed
// seed, serves each from an internal/testing/testindex server on loopback and
// resolves the same requirements with clusterpack, pip (the reference
// interpreter of internal/testing/pyref) and uv. Answers are compared as
// {name: version} maps; where they differ, each answer is checked against
// the world by an independent validity checker (a small PEP 440 / PEP 508
// model of exactly what the generator produces), so that a resolver's
// legitimate freedom among several valid solutions is told apart from a
// wrong answer.
//
// TestRealPyPI locks real-world requirement sets against pypi.org with
// clusterpack and uv and expects the same versions.
//
// Run them with the references:
//
//	eval "$(bash scripts/devenv.sh 2>/dev/null)"
//	go test ./internal/e2e/resolvediff/ -v
//	go test ./internal/e2e/resolvediff/ -run TestDifferential -resolvediff.graphs=1000 -resolvediff.seed=7
package resolvediff
