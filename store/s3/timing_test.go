package s3_test

import (
	"bytes"
	"context"
	"os"
	"testing"
	"time"

	"github.com/clusterpack/clusterpack/internal/testing/s3test"
	"github.com/clusterpack/clusterpack/store"
	"github.com/clusterpack/clusterpack/store/storetest"
)

// TestS3Timing measures a 256 MiB upload to the local S3 server with the
// default part size and concurrency, and the no-op path (open the store,
// one Stat that finds the environment). It runs only with
// CLUSTERPACK_STORE_TIMING=1: on a shared 2-core machine the numbers are
// for a person to read, not a pass/fail line.
func TestS3Timing(t *testing.T) {
	if os.Getenv("CLUSTERPACK_STORE_TIMING") != "1" {
		t.Skip("set CLUSTERPACK_STORE_TIMING=1 to measure")
	}
	srv := s3test.Start(t)
	ctx := context.Background()
	s, err := open(ctx, srv.URL("envs"), store.Options{Getenv: srv.Getenv})
	if err != nil {
		t.Fatal(err)
	}
	content := storetest.Data(90, 256<<20)
	sha := storetest.SHA256(content)
	start := time.Now()
	if _, err := s.Put(ctx, "env-big.pex", bytes.NewReader(content), int64(len(content)), store.PutOptions{SHA256: sha}); err != nil {
		t.Fatal(err)
	}
	up := time.Since(start)
	t.Logf("256 MiB upload: %v, %.0f MiB/s (part 16 MiB, 4 at a time)", up.Round(time.Millisecond), 256/up.Seconds())

	const n = 200
	start = time.Now()
	for range n {
		if _, st, err := store.Check(ctx, s, "env-big.pex", "", false); err != nil || st != store.Present {
			t.Fatal(st, err)
		}
	}
	t.Logf("no-op check (one HEAD): %v each", (time.Since(start) / n).Round(time.Microsecond))
	start = time.Now()
	for range 20 {
		s2, err := open(ctx, srv.URL("envs"), store.Options{Getenv: srv.Getenv})
		if err != nil {
			t.Fatal(err)
		}
		if _, st, err := store.Check(ctx, s2, "env-big.pex", "", false); err != nil || st != store.Present {
			t.Fatal(st, err)
		}
	}
	t.Logf("open + no-op check (what a CLI run pays): %v each", (time.Since(start) / 20).Round(time.Microsecond))
	start = time.Now()
	for range 200 {
		if _, st, err := store.Check(ctx, s, "env-absent.pex", "", false); err != nil || st != store.Absent {
			t.Fatal(st, err)
		}
	}
	t.Logf("miss (HEAD + one-key listing): %v each", (time.Since(start) / 200).Round(time.Microsecond))
}
