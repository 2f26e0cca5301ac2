package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// s3Env gives the command an AWS environment of the test's own: no
// shared files, no instance role, and only the variables in vars.
func s3Env(t *testing.T, vars map[string]string) string {
	t.Helper()
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("CLUSTERPACK_CACHE_DIR", filepath.Join(home, "cache"))
	for _, k := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
		"AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_WEB_IDENTITY_TOKEN_FILE",
		"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI"} {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
	t.Setenv("AWS_CONFIG_FILE", os.DevNull)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", os.DevNull)
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	for k, v := range vars {
		t.Setenv(k, v)
	}
	manifest := filepath.Join(home, "env.json")
	err := os.WriteFile(manifest, []byte(`{"name": "env", "format": "zip", "content_hash": "0123abcd",
		"interpreter": "environment/bin/python", "url": "s3://bucket/envs/env-0123abcd.zip", "code": []}`), 0o644)
	if err != nil {
		t.Fatal(err)
	}
	return manifest
}

// The S3 settings spark-args and flink-args print: the endpoint from the
// flag or the environment, the region, and the credentials of the chain
// the upload uses only with --include-credentials.
func TestSparkArgsS3(t *testing.T) {
	for _, tc := range []struct {
		name    string
		env     map[string]string
		args    []string
		want    []string
		notWant []string
	}{
		{name: "endpoint from AWS_ENDPOINT_URL",
			env:  map[string]string{"AWS_ENDPOINT_URL": "http://127.0.0.1:9000", "AWS_ACCESS_KEY_ID": "AKIAENV", "AWS_SECRET_ACCESS_KEY": "envsecret", "AWS_REGION": "eu-west-3"},
			want: []string{"spark.hadoop.fs.s3a.endpoint=http://127.0.0.1:9000", "spark.hadoop.fs.s3a.connection.ssl.enabled=false", "spark.hadoop.fs.s3a.path.style.access=true", "s3a://bucket/envs/env-0123abcd.zip#environment"},
			// No credentials, nor the region they come with, unless asked.
			notWant: []string{"AKIAENV", "envsecret", "endpoint.region"}},
		{name: "AWS_ENDPOINT_URL_S3 wins",
			env:  map[string]string{"AWS_ENDPOINT_URL": "http://127.0.0.1:9000", "AWS_ENDPOINT_URL_S3": "https://s3.example"},
			want: []string{"spark.hadoop.fs.s3a.endpoint=https://s3.example", "path.style.access=true"}, notWant: []string{"9000", "ssl.enabled"}},
		{name: "the flag wins", env: map[string]string{"AWS_ENDPOINT_URL_S3": "https://s3.example"},
			args: []string{"--s3-endpoint", "http://minio:9000", "--s3-region", "here-1"},
			want: []string{"spark.hadoop.fs.s3a.endpoint=http://minio:9000", "spark.hadoop.fs.s3a.endpoint.region=here-1"}, notWant: []string{"s3.example"}},
		{name: "AWS", want: []string{"s3a://bucket/envs/env-0123abcd.zip"}, notWant: []string{"fs.s3a.endpoint", "path.style"}},
		{name: "path style", args: []string{"--s3-path-style"}, want: []string{"path.style.access=true"}, notWant: []string{"fs.s3a.endpoint="}},
		{name: "credentials from the environment",
			env:  map[string]string{"AWS_ACCESS_KEY_ID": "AKIAENV", "AWS_SECRET_ACCESS_KEY": "envsecret", "AWS_REGION": "eu-west-3"},
			args: []string{"--include-credentials"},
			want: []string{"spark.hadoop.fs.s3a.access.key=AKIAENV", "spark.hadoop.fs.s3a.secret.key=envsecret", "SimpleAWSCredentialsProvider", "spark.hadoop.fs.s3a.endpoint.region=eu-west-3"}},
		{name: "session token", env: map[string]string{"AWS_ACCESS_KEY_ID": "AKIAENV", "AWS_SECRET_ACCESS_KEY": "envsecret", "AWS_SESSION_TOKEN": "tok", "AWS_DEFAULT_REGION": "ap-south-2"},
			args: []string{"--include-credentials"},
			want: []string{"TemporaryAWSCredentialsProvider", "spark.hadoop.fs.s3a.session.token=tok", "endpoint.region=ap-south-2"}},
		{name: "the region flag wins", env: map[string]string{"AWS_ACCESS_KEY_ID": "AKIAENV", "AWS_SECRET_ACCESS_KEY": "envsecret", "AWS_REGION": "eu-west-3"},
			args: []string{"--include-credentials", "--s3-region", "here-1"},
			want: []string{"endpoint.region=here-1"}, notWant: []string{"eu-west-3"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			manifest := s3Env(t, tc.env)
			out, errOut, err := run(t, append([]string{"spark-args", "--manifest", manifest, "--master", "yarn"}, tc.args...)...)
			if err != nil {
				t.Fatalf("spark-args: %v\n%s", err, errOut)
			}
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("spark-args lacks %q:\n%s", w, out)
				}
			}
			for _, w := range tc.notWant {
				if strings.Contains(out, w) {
					t.Errorf("spark-args has %q:\n%s", w, out)
				}
			}
		})
	}
}

// --profile chooses the profile's keys over those in the environment, as
// for the upload; flink-args prints the same.
func TestArgsS3Profile(t *testing.T) {
	manifest := s3Env(t, map[string]string{"AWS_ACCESS_KEY_ID": "AKIAENV", "AWS_SECRET_ACCESS_KEY": "envsecret"})
	creds := filepath.Join(t.TempDir(), "credentials")
	if err := os.WriteFile(creds, []byte("[ci]\naws_access_key_id = AKIACI\naws_secret_access_key = cisecret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", creds)
	out, errOut, err := run(t, "spark-args", "--manifest", manifest, "--master", "yarn", "--include-credentials", "--profile", "ci")
	if err != nil || !strings.Contains(out, "access.key=AKIACI") || !strings.Contains(out, "secret.key=cisecret") || strings.Contains(out, "AKIAENV") {
		t.Errorf("spark-args --profile ci: %v\n%s\n%s", err, out, errOut)
	}
	out, errOut, err = run(t, "flink-args", "--manifest", manifest, "--include-credentials", "--profile", "ci")
	if err != nil || !strings.Contains(out, "s3.access-key=AKIACI") || !strings.Contains(out, "s3.secret-key=cisecret") {
		t.Errorf("flink-args --profile ci: %v\n%s\n%s", err, out, errOut)
	}
	out, errOut, err = run(t, "flink-args", "--manifest", manifest, "--include-credentials")
	if err != nil || !strings.Contains(out, "s3.access-key=AKIAENV") {
		t.Errorf("flink-args with keys in the environment: %v\n%s\n%s", err, out, errOut)
	}
}

func TestSparkArgsNoCredentials(t *testing.T) {
	manifest := s3Env(t, nil)
	_, _, err := run(t, "spark-args", "--manifest", manifest, "--master", "yarn", "--include-credentials")
	if err == nil || !strings.Contains(err.Error(), "--include-credentials: no AWS credentials found (set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or --profile)") {
		t.Errorf("--include-credentials without credentials: %v", err)
	}
}

func TestTargetLine(t *testing.T) {
	for _, tc := range []struct{ python, platform, want string }{
		{"3.11", "manylinux_2_36_x86_64", "target: cp311 manylinux_2_36_x86_64"},
		{"3.12.4", "macosx_11_0_arm64", "target: cp312 macosx_11_0_arm64"},
		{"", "", "target: (unknown Python) (any platform)"},
	} {
		if got := targetLine(tc.python, tc.platform); got != tc.want {
			t.Errorf("targetLine(%q, %q) = %q, want %q", tc.python, tc.platform, got, tc.want)
		}
	}
}

// TestArgsTargetAndLocalStore: spark-args and flink-args say on standard
// error which target the environment is for, and, on a cluster, that an
// environment in a local store is uploaded again with every job, naming
// the flags that store it where the cluster reads it.
func TestArgsTargetAndLocalStore(t *testing.T) {
	t.Setenv("CLUSTERPACK_CACHE_DIR", t.TempDir())
	t.Setenv("PYSPARK_DRIVER_PYTHON", "")
	dir := t.TempDir()
	manifest := func(url string) string {
		p := filepath.Join(dir, strings.NewReplacer(":", "_", "/", "_").Replace(url)+".json")
		err := os.WriteFile(p, []byte(`{"name": "env", "format": "zip", "content_hash": "0123abcd", "python": "3.11.4",
			"platform": "manylinux_2_36_x86_64", "interpreter": "environment/bin/python", "url": "`+url+`", "code": []}`), 0o644)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	local, hdfs := manifest("file:///srv/envs/env-0123abcd.zip"), manifest("hdfs://nn:8020/envs/env-0123abcd.zip")
	const note = "uploads it from this machine again with every job; a store the cluster reads, HDFS or S3, ships it once (--to hdfs://NAMENODE:PORT/PATH or --to s3://BUCKET/PREFIX)"
	for _, tc := range []struct {
		args []string
		note bool
	}{
		{[]string{"spark-args", "--manifest", local, "--master", "yarn"}, true},
		{[]string{"spark-args", "--manifest", local, "--master", "k8s", "--deploy-mode", "cluster"}, true},
		{[]string{"spark-args", "--manifest", local, "--master", "standalone"}, true},
		{[]string{"spark-args", "--manifest", hdfs, "--master", "yarn"}, false},
		{[]string{"flink-args", "--manifest", local}, true},
		{[]string{"flink-args", "--manifest", hdfs}, false},
	} {
		_, stderr, err := run(t, tc.args...)
		if err != nil {
			t.Fatalf("%s: %v", strings.Join(tc.args, " "), err)
		}
		if !strings.Contains(stderr, "target: cp311 manylinux_2_36_x86_64\n") {
			t.Errorf("%s: no target line on stderr:\n%s", strings.Join(tc.args, " "), stderr)
		}
		if got := strings.Contains(stderr, note); got != tc.note {
			t.Errorf("%s: local-store note %v, want %v; stderr:\n%s", strings.Join(tc.args, " "), got, tc.note, stderr)
		}
	}
}
