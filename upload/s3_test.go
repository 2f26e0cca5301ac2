package upload

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/clusterpack/clusterpack/build"
	"github.com/clusterpack/clusterpack/internal/testing/s3test"
	"github.com/clusterpack/clusterpack/store"
	"github.com/clusterpack/clusterpack/store/backends"
)

// TestUploadToS3 runs the upload against a real S3 server: the first
// upload sends the environment, its manifest and the code; the second
// sends nothing; two uploads of the same environment at once both succeed
// and leave one object.
func TestUploadToS3(t *testing.T) {
	srv := s3test.Start(t)
	f := setup(t)
	st, err := store.Open(context.Background(), srv.URL("envs"), store.Options{Openers: backends.Openers(), S3Endpoint: srv.Endpoint, Getenv: srv.Getenv})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	f.st = &counting{Store: st}
	first := f.upload(t, false)
	if !first.Uploaded || !strings.HasPrefix(first.URL, "s3://"+srv.Bucket+"/envs/") {
		t.Fatalf("first upload to S3: %+v", first)
	}
	info, err := st.Stat(context.Background(), first.Archive)
	if err != nil || info.SHA256 != first.SHA256 || info.Size != first.Size {
		t.Fatalf("the object on S3: %+v %v", info, err)
	}
	f.st.reset()
	again := f.upload(t, false)
	if again.Uploaded || f.st.puts.Load() != 0 || f.st.stats.Load() != 2 {
		t.Fatalf("unchanged upload to S3: uploaded %v, %d puts, %d stats", again.Uploaded, f.st.puts.Load(), f.st.stats.Load())
	}

	// Two machines upload a new environment at the same moment.
	p, err := build.NewPlan(f.lock, ".", build.Options{Format: build.FormatPex})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	results := make([]*Result, 2)
	errs := make([]error, 2)
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			env := f.env
			env.CacheDir = t.TempDir()
			results[i], errs[i] = Upload(context.Background(), Options{Plan: p, Store: st}, env)
		}()
	}
	wg.Wait()
	for i := range 2 {
		if errs[i] != nil {
			t.Fatalf("concurrent upload %d: %v", i, errs[i])
		}
	}
	if results[0].SHA256 != results[1].SHA256 {
		t.Fatal("concurrent uploads built different archives")
	}
	objs, err := st.List(context.Background(), p.Filename())
	if err != nil || len(objs) != 1 || objs[0].SHA256 != results[0].SHA256 {
		t.Fatalf("objects after concurrent uploads: %+v %v", objs, err)
	}
}

// TestLayeredUploadToS3 is the layered upload's story on a real S3
// server.
func TestLayeredUploadToS3(t *testing.T) {
	srv := s3test.Start(t)
	st, err := store.Open(context.Background(), srv.URL("envs"), store.Options{Openers: backends.Openers(), S3Endpoint: srv.Endpoint, Getenv: srv.Getenv})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	testLayeredUpload(t, st, func(t *testing.T, name string) {
		if _, err := srv.Client().DeleteObject(context.Background(), &s3.DeleteObjectInput{Bucket: aws.String(srv.Bucket), Key: aws.String("envs/" + name)}); err != nil {
			t.Fatal(err)
		}
	})
}
