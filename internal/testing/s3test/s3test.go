// Package s3test runs a real S3 server for tests: versitygw with its
// posix backend on a temporary directory, listening on a free loopback
// port. The server is built once with `go install` into a cache outside
// the repository, ${CLUSTERPACK_DEV_CACHE:-$HOME/.cache/clusterpack-dev}/bin,
// under a name that carries its version.
//
// When the build fails (no network), the test fails with the build's
// output if CLUSTERPACK_REQUIRE_REFERENCE=1 (as the project's test
// command sets it), and is skipped otherwise.
package s3test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/clusterpack/clusterpack/internal/testing/devcache"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/clusterpack/clusterpack/internal/testing/syncbuf"
)

// The pinned server.
const (
	Module  = "github.com/versity/versitygw/cmd/versitygw"
	Version = "v1.8.0"
)

// Server is one running S3 server.
type Server struct {
	Endpoint  string // "http://127.0.0.1:PORT"
	Bucket    string // created by Start
	AccessKey string
	SecretKey string
	Region    string
	DataDir   string // the posix backend's root; the bucket is a directory in it

	bin  string
	addr string
	t    testing.TB
	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{}
	logs *syncbuf.Buffer
}

// Getenv is an environment for the AWS SDK that points at the server
// with its credentials, and nothing from the process environment, so
// that a developer's own AWS settings cannot leak into a test.
func (s *Server) Getenv(key string) string {
	switch key {
	case "AWS_ACCESS_KEY_ID":
		return s.AccessKey
	case "AWS_SECRET_ACCESS_KEY":
		return s.SecretKey
	case "AWS_REGION":
		return s.Region
	case "AWS_ENDPOINT_URL_S3":
		return s.Endpoint
	case "AWS_EC2_METADATA_DISABLED":
		return "true"
	case "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE":
		return os.DevNull
	}
	return ""
}

// URL is "s3://BUCKET/prefix".
func (s *Server) URL(prefix string) string {
	if prefix == "" {
		return "s3://" + s.Bucket
	}
	return "s3://" + s.Bucket + "/" + strings.TrimPrefix(prefix, "/")
}

var (
	buildOnce sync.Once
	buildBin  string
	buildErr  error
)

// Binary returns the path of the server's executable, building it the
// first time (in this process; across processes the cache keeps it).
func Binary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() { buildBin, buildErr = Install(context.Background(), os.Stderr) })
	if buildErr != nil {
		if os.Getenv("CLUSTERPACK_REQUIRE_REFERENCE") == "1" {
			t.Fatalf("s3test: cannot build the S3 server: %v", buildErr)
		}
		t.Skipf("s3test: cannot build the S3 server (set CLUSTERPACK_REQUIRE_REFERENCE=1 to fail instead): %v", buildErr)
	}
	return buildBin
}

// Install builds the server into the dev cache unless it is there, and
// returns its path; progress lines go to log. Concurrent test processes
// each put a whole binary in place (a rename), so a reader never sees a
// half-written one.
func Install(ctx context.Context, log io.Writer) (string, error) {
	dir, err := devcache.Path("bin")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "versitygw-"+Version)
	if fi, err := os.Stat(bin); err == nil && fi.Mode().IsRegular() {
		return bin, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	gobin, err := os.MkdirTemp(dir, ".build-*")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(gobin)
	fmt.Fprintf(log, "s3test: building the S3 test server %s@%s into %s once (this takes a few minutes)\n", Module, Version, dir)
	start := time.Now()
	cmd := exec.CommandContext(ctx, "go", "install", Module+"@"+Version)
	cmd.Dir = gobin // outside any module: go install pkg@version ignores go.mod
	cmd.Env = append(os.Environ(), "GOBIN="+gobin)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go install %s@%s: %v\n%s", Module, Version, err, out)
	}
	// Rename into place: concurrent builds by other test processes each
	// put a whole binary there.
	if err := os.Rename(filepath.Join(gobin, "versitygw"), bin); err != nil {
		return "", err
	}
	fmt.Fprintf(log, "s3test: built %s in %v\n", bin, time.Since(start).Round(time.Second))
	return bin, nil
}

// Start builds (once) and starts a server on a free loopback port with
// an empty bucket, and kills it when the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	bin := Binary(t)
	s := &Server{
		Bucket:    "clusterpack-test",
		AccessKey: "clusterpack-" + randHex(4),
		SecretKey: randHex(16),
		Region:    "us-east-1",
		DataDir:   t.TempDir(),
		bin:       bin,
		t:         t,
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.addr = l.Addr().String()
	l.Close()
	s.Endpoint = "http://" + s.addr
	t.Cleanup(s.Kill)
	if err := s.start(); err != nil {
		t.Fatal(err)
	}
	// The posix backend's buckets are directories of its root.
	if err := s.createBucket(); err != nil {
		t.Fatal(err)
	}
	return s
}

// Restart starts the server again on the same port and data directory,
// after Kill.
func (s *Server) Restart(t testing.TB) {
	t.Helper()
	s.Kill()
	// The port was ours a moment ago; retry briefly if the OS holds it.
	var err error
	for i := 0; i < 20; i++ {
		if err = s.start(); err == nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatal(err)
}

func (s *Server) start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd != nil {
		return fmt.Errorf("s3test: server already running")
	}
	s.logs = &syncbuf.Buffer{Limit: 1 << 20}
	cmd := exec.Command(s.bin, "--port", s.addr, "--quiet", "--region", s.Region, "posix", s.DataDir)
	cmd.Env = append(os.Environ(), "ROOT_ACCESS_KEY="+s.AccessKey, "ROOT_SECRET_KEY="+s.SecretKey)
	cmd.Stdout, cmd.Stderr = s.logs, s.logs
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("s3test: starting %s: %w", s.bin, err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	s.cmd, s.done = cmd, done
	// Wait until it answers HTTP (any status: unauthenticated requests get 403).
	deadline := time.Now().Add(30 * time.Second)
	client := &http.Client{Timeout: time.Second}
	for {
		resp, err := client.Get(s.Endpoint + "/")
		if err == nil {
			resp.Body.Close()
			return nil
		}
		select {
		case <-done:
			s.cmd = nil
			return fmt.Errorf("s3test: the server exited at start: %s", s.logs.String())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			s.killLocked()
			return fmt.Errorf("s3test: the server did not answer within 30s: %s", s.logs.String())
		}
	}
}

// Kill stops the server at once (SIGKILL), as a crash would. It does
// nothing when the server is not running.
func (s *Server) Kill() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.killLocked()
}

func (s *Server) killLocked() {
	if s.cmd == nil {
		return
	}
	s.cmd.Process.Kill()
	<-s.done
	s.cmd = nil
}

// Logs is what the server printed since its last start.
func (s *Server) Logs() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.logs == nil {
		return ""
	}
	return s.logs.String()
}

// Client is an SDK client of the server with its root credentials, for
// tests that look under the store (multipart uploads in progress, raw
// object metadata).
func (s *Server) Client() *s3.Client {
	return s3.New(s3.Options{
		BaseEndpoint:     aws.String(s.Endpoint),
		UsePathStyle:     true,
		Region:           s.Region,
		Credentials:      credentials.NewStaticCredentialsProvider(s.AccessKey, s.SecretKey, ""),
		RetryMaxAttempts: 1,
	})
}

func (s *Server) createBucket() error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err := s.Client().CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(s.Bucket)})
	if err != nil {
		return fmt.Errorf("s3test: creating bucket %s: %w", s.Bucket, err)
	}
	return nil
}

// CreateBucket creates another bucket.
func (s *Server) CreateBucket(t testing.TB, name string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := s.Client().CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(name)}); err != nil {
		t.Fatalf("s3test: creating bucket %s: %v", name, err)
	}
}

func randHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
