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
