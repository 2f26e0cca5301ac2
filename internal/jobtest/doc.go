// Package jobtest proves spark-args (and, in time, flink-args) on real
// jobs: it locks, builds and uploads environments with the clusterpack
// binary, prints the submit flags with `clusterpack spark-args`, and runs
// the PySpark pandas UDF example of the talk with spark-submit using only
// those flags, on local[2] and on a standalone master and worker it starts
// on loopback. The UDF reports where its Python runs from, and imports a
// package (tabulate) that only the shipped environment has.
//
// pyspark comes from PyPI, installed once into a virtualenv under
// ${CLUSTERPACK_DEV_CACHE:-$HOME/.cache/clusterpack-dev}/jobtest, named by
// the pinned versions and marked complete only when the install finished.
// It needs Java 17 (JAVA_HOME, else /usr/lib/jvm/*17*) and CPython 3.11.
// When something cannot be had (no network, no Java), the tests fail if
// CLUSTERPACK_REQUIRE_REFERENCE=1 and are skipped otherwise. They run only
// without -short.
package jobtest
