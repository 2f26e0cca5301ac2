package s3_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	s3api "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/clusterpack/clusterpack/internal/testing/s3test"
	"github.com/clusterpack/clusterpack/store"
	"github.com/clusterpack/clusterpack/store/storetest"
)

func TestS3Ensure(t *testing.T) {
	srv := s3test.Start(t)
	s := openS3(t, srv, "envs", store.Options{})
	storetest.Ensure(t, s, func(t *testing.T, name string) {
		// versitygw's posix backend keeps an object as a plain file.
		storetest.FlipByte(t, filepath.Join(srv.DataDir, srv.Bucket, "envs", name), 12345)
	})
}

// hookReader calls hook once after n bytes have been read.
type hookReader struct {
	r    io.Reader
	n    int64
	read int64
	once sync.Once
	hook func()
}

func (h *hookReader) Read(b []byte) (int, error) {
	k, err := h.r.Read(b)
	h.read += int64(k)
	if h.read >= h.n {
		h.once.Do(h.hook)
	}
	return k, err
}

// The server dies in the middle of a multipart upload: nothing appears
// under the name, and the next run, once the server is back, completes.
func TestS3KillDuringMultipartUpload(t *testing.T) {
	srv := s3test.Start(t)
	opts := store.Options{PartSize: 5 << 20, Concurrency: 2, MaxAttempts: 2}
	s := openS3(t, srv, "envs", opts)
	ctx := context.Background()
	content := storetest.Data(60, 48<<20)
	sha := storetest.SHA256(content)
	r := &hookReader{r: bytes.NewReader(content), n: 22 << 20, hook: srv.Kill}
	start := time.Now()
	_, err := s.Put(ctx, "env-killed.pex", r, int64(len(content)), store.PutOptions{SHA256: sha})
	if err == nil {
		t.Fatal("Put succeeded although the server was killed in the middle")
	}
	t.Logf("Put failed after %v: %v", time.Since(start).Round(time.Millisecond), err)
	if !errors.Is(err, store.ErrUnreachable) {
		t.Errorf("error = %v; want ErrUnreachable", err)
	}
	if !strings.Contains(err.Error(), srv.Endpoint) || !strings.Contains(err.Error(), "s3://"+srv.Bucket+"/envs/env-killed.pex") {
		t.Errorf("error %q names neither the endpoint nor the object URL", err)
	}
	if strings.Contains(err.Error(), srv.SecretKey) {
		t.Errorf("error %q shows the secret key", err)
	}

	srv.Restart(t)
	storetest.AssertMissing(t, s, "env-killed.pex")
	if _, err := os.Stat(filepath.Join(srv.DataDir, srv.Bucket, "envs", "env-killed.pex")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the server's data directory has a file under the final name: %v", err)
	}
	// The incomplete upload is there, out of sight (its abort could not
	// reach the dead server).
	mu, err := srv.Client().ListMultipartUploads(ctx, &s3api.ListMultipartUploadsInput{Bucket: aws.String(srv.Bucket)})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d incomplete multipart upload(s) left on the server", len(mu.Uploads))

	// The next run completes.
	storetest.EnsureUploaded(t, s, "env-killed.pex", content)
}

// A cancelled multipart upload is aborted on the server, even though the
// context it ran under is gone.
func TestS3CancelAbortsMultipartUpload(t *testing.T) {
	srv := s3test.Start(t)
	s := openS3(t, srv, "envs", store.Options{PartSize: 5 << 20, Concurrency: 2})
	content := storetest.Data(61, 30<<20)
	ctx, cancel := context.WithCancel(context.Background())
	r := &hookReader{r: bytes.NewReader(content), n: 16 << 20, hook: func() {
		time.AfterFunc(100*time.Millisecond, cancel)
	}}
	r2 := &slowReader{r: r}
	_, err := s.Put(ctx, "env-cancelled.pex", r2, int64(len(content)), store.PutOptions{SHA256: storetest.SHA256(content)})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Put error = %v; want context.Canceled", err)
	}
	mu, err := srv.Client().ListMultipartUploads(context.Background(), &s3api.ListMultipartUploadsInput{Bucket: aws.String(srv.Bucket)})
	if err != nil {
		t.Fatal(err)
	}
	if len(mu.Uploads) != 0 {
		t.Errorf("%d multipart uploads left after a cancelled Put; want them aborted", len(mu.Uploads))
	}
	storetest.AssertMissing(t, s, "env-cancelled.pex")
}

type slowReader struct{ r io.Reader }

func (s *slowReader) Read(b []byte) (int, error) {
	time.Sleep(2 * time.Millisecond)
	if len(b) > 256<<10 {
		b = b[:256<<10]
	}
	return s.r.Read(b)
}

// flakyProxy answers the first failures requests with status (and an S3
// error code), then passes requests to the server.
type flakyProxy struct {
	failures atomic.Int64
	status   int
	code     string
	seen     atomic.Int64
	proxy    *httputil.ReverseProxy
}

func startFlaky(t *testing.T, target string, failures int64, status int, code string) (string, *flakyProxy) {
	u, _ := url.Parse(target)
	p := &flakyProxy{status: status, code: code, proxy: httputil.NewSingleHostReverseProxy(u)}
	p.failures.Store(failures)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: p}
	go hs.Serve(l)
	t.Cleanup(func() { hs.Close() })
	return "http://" + l.Addr().String(), p
}

func (p *flakyProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.seen.Add(1)
	if p.failures.Add(-1) >= 0 {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(p.status)
		fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>%s</Code><Message>injected</Message></Error>`, p.code)
		return
	}
	p.proxy.ServeHTTP(w, r)
}

// Throttling and 5xx are retried with backoff; 403 is not.
func TestS3Retries(t *testing.T) {
	srv := s3test.Start(t)
	for _, tc := range []struct {
		status int
		code   string
	}{{503, "SlowDown"}, {500, "InternalError"}, {429, "TooManyRequests"}, {502, "BadGateway"}} {
		t.Run(tc.code, func(t *testing.T) {
			endpoint, p := startFlaky(t, srv.Endpoint, 2, tc.status, tc.code)
			s := openS3(t, srv, "retries", store.Options{S3Endpoint: endpoint, MaxAttempts: 4})
			content := storetest.Data(70, 1000)
			if _, err := s.Put(context.Background(), "x-"+tc.code, bytes.NewReader(content), 1000, store.PutOptions{SHA256: storetest.SHA256(content)}); err != nil {
				t.Fatalf("Put through 2 × %d %s: %v", tc.status, tc.code, err)
			}
			if p.seen.Load() < 3 {
				t.Errorf("the proxy saw %d requests; want the failures retried", p.seen.Load())
			}
		})
	}
	t.Run("GivesUp", func(t *testing.T) {
		endpoint, p := startFlaky(t, srv.Endpoint, 100, 503, "SlowDown")
		s := openS3(t, srv, "retries", store.Options{S3Endpoint: endpoint, MaxAttempts: 3})
		_, err := s.Stat(context.Background(), "x")
		if err == nil || p.seen.Load() != 3 {
			t.Errorf("Stat through a server that always says SlowDown: %v after %d requests; want an error after 3", err, p.seen.Load())
		}
	})
	t.Run("AccessDeniedNotRetried", func(t *testing.T) {
		endpoint, p := startFlaky(t, srv.Endpoint, 100, 403, "AccessDenied")
		s := openS3(t, srv, "retries", store.Options{S3Endpoint: endpoint, MaxAttempts: 5})
		_, err := s.Put(context.Background(), "x", strings.NewReader("x"), 1, store.PutOptions{})
		if !errors.Is(err, store.ErrAccessDenied) || p.seen.Load() != 1 {
			t.Errorf("Put answered 403: %v after %d requests; want ErrAccessDenied after 1", err, p.seen.Load())
		}
	})
}

func TestS3Errors(t *testing.T) {
	srv := s3test.Start(t)
	ctx := context.Background()
	t.Run("NoSuchBucket", func(t *testing.T) {
		s, err := open(ctx, "s3://no-such-bucket/envs", store.Options{Getenv: srv.Getenv})
		if err != nil {
			t.Fatal(err)
		}
		_, err = s.Stat(ctx, "env-1.pex")
		if !errors.Is(err, store.ErrNoContainer) || !strings.Contains(err.Error(), `bucket "no-such-bucket" does not exist`) {
			t.Errorf("Stat in a missing bucket: %v", err)
		}
		_, err = s.Put(ctx, "env-1.pex", strings.NewReader("x"), 1, store.PutOptions{})
		if !errors.Is(err, store.ErrNoContainer) || !strings.Contains(err.Error(), "s3://no-such-bucket/envs/env-1.pex") {
			t.Errorf("Put in a missing bucket: %v", err)
		}
		if _, err := s.List(ctx, ""); !errors.Is(err, store.ErrNoContainer) {
			t.Errorf("List of a missing bucket: %v", err)
		}
	})
	t.Run("WrongSecret", func(t *testing.T) {
		env := map[string]string{"AWS_SECRET_ACCESS_KEY": "not-the-secret-xyz"}
		s, err := open(ctx, srv.URL("envs"), store.Options{Getenv: overlay(srv.Getenv, env)})
		if err != nil {
			t.Fatal(err)
		}
		_, err = s.Put(ctx, "env-1.pex", strings.NewReader("x"), 1, store.PutOptions{})
		if !errors.Is(err, store.ErrAccessDenied) {
			t.Errorf("Put with a wrong secret: %v; want ErrAccessDenied", err)
		}
		if err != nil && strings.Contains(err.Error(), "not-the-secret-xyz") {
			t.Errorf("the error shows the secret: %v", err)
		}
		t.Logf("wrong secret: %v", err)
	})
	t.Run("Profile", func(t *testing.T) {
		dir := t.TempDir()
		creds := filepath.Join(dir, "credentials")
		os.WriteFile(creds, []byte(fmt.Sprintf("[ci]\naws_access_key_id = %s\naws_secret_access_key = %s\n[bad]\naws_access_key_id = nobody\naws_secret_access_key = nothing\n", srv.AccessKey, srv.SecretKey)), 0o600)
		env := map[string]string{"AWS_SHARED_CREDENTIALS_FILE": creds, "AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": ""}
		s, err := open(ctx, srv.URL("envs"), store.Options{Getenv: overlay(srv.Getenv, env), Profile: "ci"})
		if err != nil {
			t.Fatal(err)
		}
		storetest.Put(t, s, "env-profile.pex", []byte("hello"))
		// AWS_PROFILE works too, and errors name the profile.
		env["AWS_PROFILE"] = "bad"
		s, err = open(ctx, srv.URL("envs"), store.Options{Getenv: overlay(srv.Getenv, env)})
		if err != nil {
			t.Fatal(err)
		}
		_, err = s.Stat(ctx, "env-profile.pex")
		if !errors.Is(err, store.ErrAccessDenied) || !strings.Contains(err.Error(), `profile "bad"`) {
			t.Errorf("Stat with profile bad: %v; want ErrAccessDenied naming the profile", err)
		}
		t.Logf("bad profile: %v", err)
	})
	t.Run("Unreachable", func(t *testing.T) {
		l, _ := net.Listen("tcp", "127.0.0.1:0")
		dead := "http://" + l.Addr().String()
		l.Close()
		s := openS3(t, srv, "envs", store.Options{S3Endpoint: dead, MaxAttempts: 2})
		start := time.Now()
		_, err := s.Stat(ctx, "env-1.pex")
		if !errors.Is(err, store.ErrUnreachable) || !strings.Contains(err.Error(), dead) {
			t.Errorf("Stat on a closed port: %v; want ErrUnreachable naming %s", err, dead)
		}
		t.Logf("unreachable after %v: %v", time.Since(start).Round(time.Millisecond), err)
	})
	t.Run("EndpointFromEnvironment", func(t *testing.T) {
		for _, k := range []string{"AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"} {
			env := map[string]string{"AWS_ENDPOINT_URL_S3": "", k: srv.Endpoint}
			s, err := open(ctx, srv.URL("envs"), store.Options{Getenv: overlay(srv.Getenv, env)})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.List(ctx, ""); err != nil {
				t.Errorf("with %s: %v", k, err)
			}
		}
	})
	t.Run("BadURLs", func(t *testing.T) {
		for _, u := range []string{"s3:///envs", "s3://key:secret@bucket/envs", "s3://bucket/a/../b"} {
			_, err := open(ctx, u, store.Options{Getenv: srv.Getenv})
			if err == nil {
				t.Errorf("Open(%q) succeeded", u)
			} else if strings.Contains(err.Error(), "secret") && !strings.Contains(err.Error(), "SECRET") {
				t.Errorf("Open(%q) error shows the secret: %v", u, err)
			}
		}
	})
}

func overlay(base func(string) string, env map[string]string) func(string) string {
	return func(k string) string {
		if v, ok := env[k]; ok {
			return v
		}
		return base(k)
	}
}

func TestS3MultipartProgress(t *testing.T) {
	srv := s3test.Start(t)
	s := openS3(t, srv, "envs", store.Options{PartSize: 5 << 20})
	content := storetest.Data(80, 23<<20)
	var calls int
	var last int64
	_, err := s.Put(context.Background(), "env-progress.pex", bytes.NewReader(content), int64(len(content)), store.PutOptions{
		SHA256: storetest.SHA256(content),
		Progress: func(done, total int64) {
			calls++
			last = done
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if calls != 5 || last != int64(len(content)) {
		t.Errorf("progress: %d calls ending at %d; want 5 (one per part) ending at %d", calls, last, len(content))
	}
}
