package s3_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/clusterpack/clusterpack/internal/testing/s3test"
	"github.com/clusterpack/clusterpack/store"
	"github.com/clusterpack/clusterpack/store/s3"
	"github.com/clusterpack/clusterpack/store/storetest"
)

// open opens rawURL with store.Open and this backend alone.
func open(ctx context.Context, rawURL string, opts store.Options) (store.Store, error) {
	opts.Openers = map[string]store.Opener{"s3": s3.Open}
	return store.Open(ctx, rawURL, opts)
}

// openS3 opens a store on srv under a prefix of its own.
func openS3(t *testing.T, srv *s3test.Server, prefix string, opts store.Options) store.Store {
	t.Helper()
	if opts.Getenv == nil {
		opts.Getenv = srv.Getenv
	}
	if opts.PartSize == 0 {
		opts.PartSize = 5 << 20
	}
	s, err := open(context.Background(), srv.URL(prefix), opts)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestS3Conformance(t *testing.T) {
	srv := s3test.Start(t)
	var n atomic.Int64
	storetest.Run(t, func(t *testing.T) store.Store {
		return openS3(t, srv, fmt.Sprintf("conformance/%d", n.Add(1)), store.Options{})
	})
}

func TestS3ConformanceBucketRoot(t *testing.T) {
	srv := s3test.Start(t)
	var n atomic.Int64
	storetest.RunWith(t, func(t *testing.T) store.Store {
		// A new bucket for each subtest: the store is the whole bucket.
		b := fmt.Sprintf("root-%d", n.Add(1))
		srv.CreateBucket(t, b)
		s, err := open(context.Background(), "s3://"+b, store.Options{Getenv: srv.Getenv, PartSize: 5 << 20})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}, storetest.Config{BigSize: -1})
}
