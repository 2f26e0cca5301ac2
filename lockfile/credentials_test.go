package lockfile

import (
	"bytes"
	"strings"
	"testing"
)

// A lock made from URLs with credentials holds none of them in its bytes,
// nor in its requirements export, nor after a read.
func TestNoSecretsInOutput(t *testing.T) {
	const secret = "s3cr3t-T0KEN"
	l := typicalLock(t)
	for i := range l.Packages {
		p := &l.Packages[i]
		if p.Index != "" {
			p.Index = "https://alice:" + secret + "@pypi.example.com/simple/"
		}
		for j := range p.Wheels {
			p.Wheels[j].URL = strings.Replace(p.Wheels[j].URL, "https://", "https://alice:"+secret+"@", 1)
		}
		if p.Sdist != nil {
			p.Sdist.URL = strings.Replace(p.Sdist.URL, "https://", "https://"+secret+"@", 1)
		}
		if p.Archive != nil {
			p.Archive.URL = "https://bob:" + secret + "@artifacts.example.com/internal_utils-1.4.0.tar.gz"
		}
		if p.VCS != nil {
			p.VCS.URL = "https://oauth2:" + secret + "@github.com/example/feature-store.git"
		}
	}
	l.Packages[0].Dependencies = []map[string]any{{"name": "x", "vcs": map[string]any{"url": "https://u:" + secret + "@h/r"}}}
	if err := l.SetTool("clusterpack", map[string]any{"index-url": "https://u:" + secret + "@h/simple"}); err != nil {
		t.Fatal(err)
	}

	data := write(t, l)
	if bytes.Contains(data, []byte(secret)) {
		t.Errorf("the lock holds the secret:\n%s", data)
	}
	var req bytes.Buffer
	if err := l.WriteRequirements(&req, RequirementsOptions{}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(req.String(), secret) {
		t.Errorf("the requirements hold the secret:\n%s", req.String())
	}
	if !strings.Contains(req.String(), "https://artifacts.example.com/") {
		t.Errorf("the archive URL went missing:\n%s", req.String())
	}

	// A hand-written lock with credentials loses them on reading.
	withSecret := bytes.Replace(data, []byte("https://pypi.example.com"), []byte("https://alice:"+secret+"@pypi.example.com"), -1)
	if !bytes.Contains(withSecret, []byte(secret)) {
		t.Fatal("test setup: no secret was put back")
	}
	if again := write(t, read(t, withSecret)); bytes.Contains(again, []byte(secret)) {
		t.Errorf("read and write kept the secret:\n%s", again)
	}
}
