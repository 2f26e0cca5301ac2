package store_test

import (
	"bytes"
	"context"
	"io"
	"testing"

	"github.com/clusterpack/clusterpack/store"
	"github.com/clusterpack/clusterpack/store/file"
	"github.com/clusterpack/clusterpack/store/storetest"
)

// Accept lets the caller turn down a present object: it is asked once,
// only about an object with a digest and not with Force, and an object
// it refuses is replaced.
func TestEnsureAccept(t *testing.T) {
	ctx := context.Background()
	s, err := store.Open(ctx, t.TempDir(), store.Options{Openers: map[string]store.Opener{"file": file.Open}})
	if err != nil {
		t.Fatal(err)
	}
	content := []byte("the environment")
	builds := 0
	build := func(context.Context) (store.Content, error) {
		builds++
		return store.Content{R: io.NopCloser(bytes.NewReader(content)), Size: int64(len(content)), SHA256: storetest.SHA256(content)}, nil
	}
	var asked []store.Info
	accept := func(ok bool) func(context.Context, store.Info) bool {
		return func(_ context.Context, found store.Info) bool {
			asked = append(asked, found)
			return ok
		}
	}
	// Absent: nothing to ask about.
	res, err := store.Ensure(ctx, s, "env.pex", build, store.EnsureOptions{Accept: accept(false)})
	if err != nil || !res.Uploaded || res.Found != store.Absent || len(asked) != 0 || builds != 1 {
		t.Fatalf("absent: %+v, %v, asked %d times, %d builds", res, err, len(asked), builds)
	}
	// Present and accepted: no build, the info is the object's.
	res, err = store.Ensure(ctx, s, "env.pex", build, store.EnsureOptions{Accept: accept(true)})
	if err != nil || res.Uploaded || res.Found != store.Present || builds != 1 {
		t.Fatalf("accepted: %+v, %v, %d builds", res, err, builds)
	}
	if len(asked) != 1 || asked[0].Size != int64(len(content)) || asked[0].SHA256 != storetest.SHA256(content) || res.Info != asked[0] {
		t.Errorf("Accept was asked about %+v; the result has %+v", asked, res.Info)
	}
	// Present and turned down: built and replaced.
	res, err = store.Ensure(ctx, s, "env.pex", build, store.EnsureOptions{Accept: accept(false)})
	if err != nil || !res.Uploaded || res.Found != store.Rejected || builds != 2 || len(asked) != 2 {
		t.Fatalf("rejected: %+v, %v, %d builds", res, err, builds)
	}
	// Force: not asked.
	res, err = store.Ensure(ctx, s, "env.pex", build, store.EnsureOptions{Force: true, Accept: accept(true)})
	if err != nil || !res.Uploaded || len(asked) != 2 || builds != 3 {
		t.Fatalf("forced: %+v, %v, asked %d times", res, err, len(asked))
	}
	// No digest: replaced without asking.
	if _, err := s.Put(ctx, "plain.pex", bytes.NewReader(content), int64(len(content)), store.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	res, err = store.Ensure(ctx, s, "plain.pex", build, store.EnsureOptions{Accept: accept(true)})
	if err != nil || !res.Uploaded || res.Found != store.NoDigest || len(asked) != 2 {
		t.Fatalf("no digest: %+v, %v, asked %d times", res, err, len(asked))
	}
	if store.Rejected.String() == "" || store.Rejected.String() == store.Present.String() {
		t.Errorf("Rejected.String() = %q", store.Rejected.String())
	}
}
