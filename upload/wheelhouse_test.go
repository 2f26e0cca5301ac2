package upload

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/clusterpack/clusterpack/build"
	"github.com/clusterpack/clusterpack/internal/testing/s3test"
	"github.com/clusterpack/clusterpack/store"
	"github.com/clusterpack/clusterpack/store/backends"
)

// uploadWheelhouse uploads the fixture's lock as a wheelhouse.
func (f *fixture) uploadWheelhouse(t *testing.T, verify bool) *Result {
	t.Helper()
	p, err := build.NewPlan(f.lock, ".", build.Options{Format: build.FormatWheelhouse, Name: "wheelhouse"})
	if err != nil {
		t.Fatal(err)
	}
	res, err := Upload(context.Background(), Options{Plan: p, Store: f.st, Verify: verify}, f.env)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// checkStoredWheelhouse reads every object of the wheelhouse back from
// st and compares it with what the manifest records.
func checkStoredWheelhouse(t *testing.T, st store.Store, res *Result) {
	t.Helper()
	read := func(name string) []byte {
		r, _, err := st.Get(context.Background(), name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		defer r.Close()
		data, err := io.ReadAll(r)
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	req := read(res.Archive + "/" + build.RequirementsFile)
	if sum := sha256.Sum256(req); hex.EncodeToString(sum[:]) != res.SHA256 {
		t.Errorf("the stored requirements file is not the built one")
	}
	for _, w := range res.Wheels {
		data := read(res.Archive + "/" + w.Filename)
		if sum := sha256.Sum256(data); hex.EncodeToString(sum[:]) != w.SHA256 || !strings.Contains(string(req), "--hash=sha256:"+w.SHA256) {
			t.Errorf("stored wheel %s is not the one the requirements pin", w.Filename)
		}
	}
	read(res.Archive + ".json")
}

// TestUploadWheelhouse: a wheelhouse goes as a directory of objects and
// its manifest; a second upload looks at one object and sends nothing;
// a wheel corrupted in place (same size) is found by Verify and
// replaced.
func TestUploadWheelhouse(t *testing.T) {
	f := setup(t)
	first := f.uploadWheelhouse(t, false)
	if !first.Uploaded || first.Format != build.FormatWheelhouse || len(first.Wheels) != 1 || !strings.HasPrefix(first.Archive, "wheelhouse-") {
		t.Fatalf("first upload: %+v", first)
	}
	checkStoredWheelhouse(t, f.st, first)
	f.st.reset()
	again := f.uploadWheelhouse(t, false)
	if again.Uploaded || f.st.puts.Load() != 0 || f.st.stats.Load() != 1 {
		t.Fatalf("unchanged upload: uploaded %v, %d puts, %d stats", again.Uploaded, f.st.puts.Load(), f.st.stats.Load())
	}

	path := filepath.Join(f.storeAt, first.Archive, first.Wheels[0].Filename)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	data[len(data)/2] ^= 0xff
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	f.uploadWheelhouse(t, true)
	checkStoredWheelhouse(t, f.st, first)
}

// TestUploadWheelhouseToS3: the same against a real S3 server.
func TestUploadWheelhouseToS3(t *testing.T) {
	srv := s3test.Start(t)
	f := setup(t)
	st, err := store.Open(context.Background(), srv.URL("envs"), store.Options{Openers: backends.Openers(), S3Endpoint: srv.Endpoint, Getenv: srv.Getenv})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	f.st = &counting{Store: st}
	first := f.uploadWheelhouse(t, false)
	if !first.Uploaded || first.URL != "s3://"+srv.Bucket+"/envs/"+first.Archive {
		t.Fatalf("first upload to S3: %+v", first)
	}
	checkStoredWheelhouse(t, st, first)
	f.st.reset()
	if again := f.uploadWheelhouse(t, false); again.Uploaded || f.st.puts.Load() != 0 {
		t.Fatalf("unchanged upload to S3: uploaded %v, %d puts", again.Uploaded, f.st.puts.Load())
	}
}
