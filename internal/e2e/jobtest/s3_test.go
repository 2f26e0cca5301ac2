package jobtest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/clusterpack/clusterpack/internal/testing/s3test"
)

// HadoopVersion is the Hadoop that pyspark bundles (its
// jars/hadoop-client-api-*.jar), and so the hadoop-aws that
// testdata/s3a/pom.xml pins.
const HadoopVersion = "3.4.1"

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

var (
	s3aOnce sync.Once
	s3aList []string
	s3aErr  error
)

// s3aJars are hadoop-aws and the AWS SDK modules it needs, resolved from
// Maven Central once into the cache, for spark-args --class-path.
func s3aJars(t *testing.T, venv string) []string {
	t.Helper()
	pom, err := os.ReadFile(filepath.Join("testdata", "s3a", "pom.xml"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(pom), "<hadoop.version>"+HadoopVersion+"</hadoop.version>") {
		t.Fatalf("testdata/s3a/pom.xml does not pin hadoop-aws %s", HadoopVersion)
	}
	api, _ := filepath.Glob(filepath.Join(venv, "lib", "python"+Python, "site-packages", "pyspark", "jars", "hadoop-client-api-*.jar"))
	if want := "hadoop-client-api-" + HadoopVersion + ".jar"; len(api) != 1 || filepath.Base(api[0]) != want {
		t.Fatalf("pyspark %s bundles %v, not %s: pin hadoop-aws of its Hadoop in testdata/s3a/pom.xml and HadoopVersion", PySpark, api, want)
	}
	s3aOnce.Do(func() { s3aList, s3aErr = resolveJars(pom) })
	if s3aErr != nil {
		unavailable(t, "cannot resolve hadoop-aws %s and the AWS SDK from Maven Central: %v", HadoopVersion, s3aErr)
	}
	return s3aList
}

func resolveJars(pom []byte) ([]string, error) {
	sum := sha256.Sum256(pom)
	dir := filepath.Join(devCache(), "jobtest", "s3a-jars-hadoop"+HadoopVersion+"-"+hex.EncodeToString(sum[:6]))
	jars := filepath.Join(dir, "jars")
	if _, err := os.Stat(filepath.Join(dir, ".complete")); err != nil {
		mvn, err := exec.LookPath("mvn")
		if err != nil {
			return nil, fmt.Errorf("mvn (Maven) is not installed: it resolves the jars from Maven Central (apt-get install maven)")
		}
		os.RemoveAll(dir)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, err
		}
		if err := os.WriteFile(filepath.Join(dir, "pom.xml"), pom, 0o644); err != nil {
			return nil, err
		}
		fmt.Fprintf(os.Stderr, "jobtest: resolving hadoop-aws %s and the AWS SDK from Maven Central into %s once\n", HadoopVersion, dir)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, mvn, "-B", "-q", "-f", filepath.Join(dir, "pom.xml"),
			"dependency:copy-dependencies", "-DincludeScope=runtime", "-DoutputDirectory="+jars)
		if out, err := cmd.CombinedOutput(); err != nil {
			return nil, fmt.Errorf("%s: %v\n%s", strings.Join(cmd.Args, " "), err, tail(string(out), 4000))
		}
		if err := os.WriteFile(filepath.Join(dir, ".complete"), nil, 0o644); err != nil {
			return nil, err
		}
	}
	list, err := filepath.Glob(filepath.Join(jars, "*.jar"))
	if err != nil || len(list) == 0 {
		return nil, fmt.Errorf("no jars in %s", jars)
	}
	sort.Strings(list)
	return list, nil
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
