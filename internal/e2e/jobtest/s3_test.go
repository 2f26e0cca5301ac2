package jobtest

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/clusterpack/clusterpack/internal/testing/clusterparts"
	"github.com/clusterpack/clusterpack/internal/testing/s3test"
)

// HadoopVersion is the Hadoop that pyspark bundles, and so the
// hadoop-aws that clusterparts pins.
const HadoopVersion = clusterparts.HadoopAWS

// s3Env starts an S3 server and returns it with the environment that
// points the clusterpack binary and Spark's JVMs at its credentials, and
// at nothing of the developer's own AWS configuration.
func s3Env(t *testing.T) (*s3test.Server, []string) {
	t.Helper()
	srv := s3test.Start(t)
	env := []string{"AWS_PROFILE=", "AWS_ENDPOINT_URL=", "AWS_ENDPOINT_URL_S3=", "AWS_SESSION_TOKEN="}
	for _, k := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION", "AWS_EC2_METADATA_DISABLED", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"} {
		env = append(env, k+"="+srv.Getenv(k))
	}
	return srv, env
}

// s3aJars are hadoop-aws and the AWS SDK modules it needs, for
// spark-args --class-path; venv is the pyspark whose Hadoop they match.
func s3aJars(t *testing.T, venv string) []string {
	t.Helper()
	api, _ := filepath.Glob(filepath.Join(clusterparts.SitePackages(venv), "pyspark", "jars", "hadoop-client-api-*.jar"))
	if want := "hadoop-client-api-" + HadoopVersion + ".jar"; len(api) != 1 || filepath.Base(api[0]) != want {
		t.Fatalf("pyspark %s bundles %v, not %s: pin hadoop-aws of its Hadoop in internal/testing/clusterparts (s3a-pom.xml and HadoopAWS)", PySpark, api, want)
	}
	jars, err := clusterparts.S3AJars(context.Background(), os.Stderr)
	if err != nil {
		unavailable(t, "cannot resolve hadoop-aws %s and the AWS SDK from Maven Central: %v", HadoopVersion, err)
	}
	return jars
}

// TestSparkLocalS3 uploads to an S3 server and runs the job on local[2]:
// spark-args fetches the environment from S3 and unpacks it here.
func TestSparkLocalS3(t *testing.T) {
	heavy(t)
	venv := sparkVenvDir(t)
	srv, env := s3Env(t)
	cache := t.TempDir()
	for _, format := range []string{"pex", "zip"} {
		t.Run(format, func(t *testing.T) {
			manifest := uploadPkgs(t, env, shipped, format, srv.URL("envs"), "--s3-endpoint", srv.Endpoint)
			flags := run(t, append(env, "CLUSTERPACK_CACHE_DIR="+cache), "spark-args", "--manifest", manifest,
				"--master", "local[2]", "--driver-python", filepath.Join(venv, "bin", "python"), "--s3-endpoint", srv.Endpoint)
			t.Logf("spark-args printed: %s", strings.TrimSpace(flags))
			rows := submit(t, venv, flags)
			checkMeans(t, rows)
			checkLocal(t, rows, format, cache)
		})
	}
}

// TestSparkStandaloneS3 uploads to an S3 server and runs the job on a
// standalone master and worker: spark-submit and the executor read the
// environment through s3a://, with hadoop-aws and the AWS SDK on their
// class path (spark-args --class-path: --jars would be loaded after
// spark-submit has read the environment), and the credentials in the
// JVMs' environment.
func TestSparkStandaloneS3(t *testing.T) {
	heavy(t)
	venv := sparkVenvDir(t)
	jars := s3aJars(t, venv)
	srv, env := s3Env(t)
	manifests := map[string]string{}
	for _, format := range []string{"pex", "zip"} {
		manifests[format] = uploadPkgs(t, env, shipped, format, srv.URL("envs"), "--s3-endpoint", srv.Endpoint)
	}
	master := standalone(t, venv, env...)
	for _, format := range []string{"pex", "zip"} {
		t.Run(format, func(t *testing.T) {
			flags := spargs(t, manifests[format], "--master", master, "--driver-python", filepath.Join(venv, "bin", "python"),
				"--s3-endpoint", srv.Endpoint, "--s3-region", srv.Region, "--class-path", strings.Join(jars, ","))
			if !strings.Contains(flags, "s3a://"+srv.Bucket+"/envs/") {
				t.Fatalf("spark-args printed no s3a:// URL of the bucket: %s", flags)
			}
			rows := submit(t, venv, flags, env...)
			checkMeans(t, rows)
			checkExecutor(t, rows, format)
		})
	}
}
