package main

import (
	"strings"
	"testing"

	"github.com/clusterpack/clusterpack/internal/testing/s3test"
	"github.com/clusterpack/clusterpack/internal/testing/testindex"
)

// TestUploadStoreDown: `upload` to a real S3 server that has been killed
// exits non-zero with an error naming the store URL of the object and
// the endpoint, never the secret key; once the server is back, the same
// command uploads, and the one after finds everything there.
func TestUploadStoreDown(t *testing.T) {
	srv := s3test.Start(t)
	c := newCLI(t)
	for _, k := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION", "AWS_ENDPOINT_URL_S3", "AWS_EC2_METADATA_DISABLED", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"} {
		c.env = append(c.env, k+"="+srv.Getenv(k))
	}
	idx := greetIndex(t, testindex.Options{})
	c.write("requirements.txt", "greet\n")
	c.ok(append([]string{"lock", "-r", "requirements.txt", "--index-url", idx.IndexURL(), "-o", "pylock.toml"}, linux311...)...)
	to := srv.URL("envs")

	srv.Kill()
	out, errOut, code := c.run("upload", "--lock", "pylock.toml", "--to", to)
	if code == 0 {
		t.Fatalf("upload to a dead server exited 0:\n%s%s", out, errOut)
	}
	t.Logf("exit %d: %s", code, errOut)
	for _, want := range []string{to + "/env-", srv.Endpoint} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr does not name %q:\n%s", want, errOut)
		}
	}
	if strings.Contains(out+errOut, srv.SecretKey) {
		t.Errorf("the output shows the secret key:\n%s%s", out, errOut)
	}

	srv.Restart(t)
	if out := c.ok("upload", "--lock", "pylock.toml", "--to", to, "--json"); !strings.Contains(out, `"uploaded": true`) {
		t.Errorf("the upload after the restart did not upload:\n%s", out)
	}
	if out := c.ok("upload", "--lock", "pylock.toml", "--to", to, "--json", "--verify"); strings.Contains(out, `"uploaded": true`) {
		t.Errorf("the upload after that sent the archive again:\n%s", out)
	}
}
