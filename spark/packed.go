package spark

import (
	"strings"

	"github.com/clusterpack/clusterpack/pypa/pep503"
)

// clusterOwn are the distributions Spark puts on its Python workers' path
// itself ($SPARK_HOME/python and its py4j zip): a copy in the environment
// is dead weight (pyspark is over 300 MiB) or, when its version differs
// from the cluster's, a mismatch with the JVM side.
var clusterOwn = []string{"pyspark", "py4j"}

// packedPySpark is the note for an environment that holds any of
// clusterOwn.
func packedPySpark(packages []string) (Note, bool) {
	has := map[string]bool{}
	for _, p := range packages {
		has[pep503.Normalize(p)] = true
	}
	var packed []string
	for _, n := range clusterOwn {
		if has[n] {
			packed = append(packed, n)
		}
	}
	if len(packed) == 0 {
		return Note{}, false
	}
	return Note{NotePySparkPacked, "the environment packs " + strings.Join(packed, " and ") +
		", which Spark's executors take from the cluster's own installation: leave them out of the environment"}, true
}
