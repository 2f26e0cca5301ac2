// Package jobtest proves spark-args and flink-args on real jobs: it locks,
// builds and uploads environments with the clusterpack binary, prints the
// submit flags with `clusterpack spark-args` or `clusterpack flink-args`,
// and runs jobs with exactly those flags. Each job's UDFs report where
// their Python runs from, and import a package (tabulate) that only the
// shipped environment has.
//
// Spark: the PySpark pandas UDF example of the talk (group by id, mean of
// v: 1.5 and 6.0) with spark-submit, pex and venv zip, on local[2] and on a
// standalone master and worker started on loopback, from a local store
// (TestSparkLocal, TestSparkStandalone) and from a real S3 server
// (internal/testing/s3test; TestSparkLocalS3, TestSparkStandaloneS3). On local[2]
// spark-args fetches the environment from the store and unpacks it here;
// on the standalone cluster spark-submit and the executor read s3a://
// URLs with hadoop-aws of pyspark's Hadoop and the AWS SDK v2 modules it
// needs, resolved from Maven Central by internal/testing/clusterparts into the
// cache and given to spark-args with --class-path.
//
// YARN: the same job on a MiniYARNCluster beside a MiniDFSCluster
// (internal/testing/hdfstest, Config.YARN; one cluster shared by the
// package's YARN tests), with spark-submit --master yarn in client and
// cluster mode, on a venv zip, a tar.gz and a pex uploaded to the
// cluster's HDFS, and a tar.gz on the S3 server read through s3a://
// (TestSparkYARN). The UDFs (and a cluster-mode driver) must run in a
// container directory of the NodeManager, on the archive it localized,
// with the modes its localizer sets whatever the archive says; a zip with
// no Unix modes at all runs too (TestSparkYARNZipModes). Besides
// spark-args' output a job gets only resource sizes, loopback addresses
// and Spark's jars from this machine (yarnFlags). TestSparkYARNFlow is the
// talk's whole flow: a project installed with `pip install -e` into the
// user's virtualenv, `clusterpack upload --from-venv` to HDFS, the code
// zip on --py-files and the virtualenv's python as the client-mode
// driver's (spark-args' default with --from-venv); a one-line change
// re-sends only the code zip, and the next job sees it.
//
// Flink: the same aggregation as a PyFlink Table API job with pandas
// UDAFs (TestPyFlinkRun), run with `flink run -py` against a JobManager
// and TaskManager of the distribution the apache-flink package bundles,
// on a venv zip that has apache-flink itself (the Python workers import
// pyflink from it).
//
// pyspark and apache-flink come from PyPI, installed once into
// virtualenvs of the dev cache by internal/testing/clusterparts, which
// scripts/devenv.sh runs before the tests (so no test spends its timeout
// on a download). The tests need Java 17 (JAVA_HOME, else /usr/lib/jvm/*17*),
// CPython 3.11 and, for s3a://, Maven. When something cannot be had (no
// network, no Java, no Maven), the tests fail if
// CLUSTERPACK_REQUIRE_REFERENCE=1 and are skipped otherwise. They run only
// without -short.
//
// Every JVM and Python worker runs in a process group of its own, which
// the tests kill when they end; their output is kept and its tail shown
// when something fails.
package jobtest
