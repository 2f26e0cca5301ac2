package s3_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/clusterpack/clusterpack/store"
	"github.com/clusterpack/clusterpack/store/s3"
)

// awsEnv is an environment with no shared files and no instance role,
// plus vars.
func awsEnv(vars map[string]string) func(string) string {
	return func(k string) string {
		if v, ok := vars[k]; ok {
			return v
		}
		switch k {
		case "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE":
			return os.DevNull
		case "AWS_EC2_METADATA_DISABLED":
			return "true"
		}
		return ""
	}
}

func TestEndpoint(t *testing.T) {
	for _, tc := range []struct {
		opts store.Options
		want string
	}{
		{store.Options{Getenv: awsEnv(nil)}, ""},
		{store.Options{Getenv: awsEnv(map[string]string{"AWS_ENDPOINT_URL": "http://a"})}, "http://a"},
		{store.Options{Getenv: awsEnv(map[string]string{"AWS_ENDPOINT_URL": "http://a", "AWS_ENDPOINT_URL_S3": "http://b"})}, "http://b"},
		{store.Options{S3Endpoint: "http://c", Getenv: awsEnv(map[string]string{"AWS_ENDPOINT_URL_S3": "http://b"})}, "http://c"},
	} {
		if got := s3.Endpoint(tc.opts); got != tc.want {
			t.Errorf("Endpoint(%+v) = %q; want %q", tc.opts, got, tc.want)
		}
	}
}

func TestLoadConfig(t *testing.T) {
	ctx := context.Background()
	creds := filepath.Join(t.TempDir(), "credentials")
	if err := os.WriteFile(creds, []byte("[ci]\naws_access_key_id = AKIACI\naws_secret_access_key = cisecret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	keys := map[string]string{"AWS_ACCESS_KEY_ID": "AKIAENV", "AWS_SECRET_ACCESS_KEY": "envsecret", "AWS_SESSION_TOKEN": "tok",
		"AWS_SHARED_CREDENTIALS_FILE": creds, "AWS_DEFAULT_REGION": "eu-west-3"}
	for _, tc := range []struct {
		name       string
		opts       store.Options
		key, token string
		region     string
	}{
		{"environment", store.Options{Getenv: awsEnv(keys)}, "AKIAENV", "tok", "eu-west-3"},
		// The environment's keys win over AWS_PROFILE, an explicit
		// profile wins over them, as for the AWS CLI.
		{"AWS_PROFILE", store.Options{Getenv: awsEnv(merge(keys, map[string]string{"AWS_PROFILE": "ci"}))}, "AKIAENV", "tok", "eu-west-3"},
		{"Profile", store.Options{Profile: "ci", S3Region: "here-1", Getenv: awsEnv(keys)}, "AKIACI", "", "here-1"},
		{"AWS_PROFILE alone", store.Options{Getenv: awsEnv(map[string]string{"AWS_PROFILE": "ci", "AWS_SHARED_CREDENTIALS_FILE": creds})}, "AKIACI", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := s3.LoadConfig(ctx, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			got, err := c.Credentials(ctx)
			if err != nil || got.AccessKeyID != tc.key || got.SessionToken != tc.token || got.SecretAccessKey == "" {
				t.Errorf("Credentials = %+v, %v; want key %s, token %q", got, err, tc.key, tc.token)
			}
			if c.Region != tc.region {
				t.Errorf("Region = %q; want %q", c.Region, tc.region)
			}
		})
	}
	c, err := s3.LoadConfig(ctx, store.Options{Getenv: awsEnv(nil)})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := c.Credentials(ctx); err == nil {
		t.Errorf("no credentials anywhere: %+v", got)
	}
	if _, err := s3.LoadConfig(ctx, store.Options{Profile: "nope", Getenv: awsEnv(map[string]string{"AWS_SHARED_CREDENTIALS_FILE": creds})}); err == nil {
		t.Error("an unknown profile loaded")
	}
}

func merge(a, b map[string]string) map[string]string {
	m := map[string]string{}
	for k, v := range a {
		m[k] = v
	}
	for k, v := range b {
		m[k] = v
	}
	return m
}
