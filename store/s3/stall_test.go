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
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/clusterpack/clusterpack/internal/testing/s3test"
	"github.com/clusterpack/clusterpack/store"
	"github.com/clusterpack/clusterpack/store/storetest"
)

// tcpProxy forwards TCP connections to the real server. After stallAfter
// bytes from the client on one connection (0: never) it stops reading
// and forwarding on it, holding it open, as a server that hangs does;
// with rate > 0 it forwards the client's bytes at about rate bytes a
// second, as a slow link does.
type tcpProxy struct {
	target     string
	stallAfter int64
	rate       int64
	stalls     atomic.Int64
	done       chan struct{}
}

func startTCPProxy(t *testing.T, endpoint string, stallAfter, rate int64) string {
	t.Helper()
	u, _ := url.Parse(endpoint)
	p := &tcpProxy{target: u.Host, stallAfter: stallAfter, rate: rate, done: make(chan struct{})}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() {
		close(p.done)
		l.Close()
		wg.Wait()
	})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				p.serve(c)
			}()
		}
	}()
	return "http://" + l.Addr().String()
}

func (p *tcpProxy) serve(client net.Conn) {
	defer client.Close()
	server, err := net.Dial("tcp", p.target)
	if err != nil {
		return
	}
	defer server.Close()
	go func() {
		io.Copy(client, server)
		client.Close()
	}()
	go func() { <-p.done; client.Close(); server.Close() }()
	buf := make([]byte, 32<<10)
	var total int64
	for {
		n, err := client.Read(buf)
		if n > 0 {
			if p.stallAfter > 0 && total+int64(n) >= p.stallAfter {
				server.Write(buf[:p.stallAfter-total])
				p.stalls.Add(1)
				<-p.done // hung: nothing is read, nothing answered
				return
			}
			total += int64(n)
			if _, werr := server.Write(buf[:n]); werr != nil {
				return
			}
			if p.rate > 0 {
				time.Sleep(time.Duration(int64(n) * int64(time.Second) / p.rate))
			}
		}
		if err != nil {
			server.(*net.TCPConn).CloseWrite()
			<-p.done
			return
		}
	}
}

// A server that stops reading in the middle of an upload: the Put fails
// after the I/O timeout (retried once), naming the store's endpoint and
// the object, instead of hanging for ever; nothing is under the name,
// and a run against the healthy server completes.
func TestS3StalledServer(t *testing.T) {
	srv := s3test.Start(t)
	endpoint := startTCPProxy(t, srv.Endpoint, 1<<20, 0)
	s := openS3(t, srv, "stall", store.Options{S3Endpoint: endpoint, IOTimeout: time.Second, MaxAttempts: 2})
	content := storetest.Data(90, 3<<20)
	sha := storetest.SHA256(content)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	start := time.Now()
	_, err := s.Put(ctx, "env-stalled.pex", bytes.NewReader(content), int64(len(content)), store.PutOptions{SHA256: sha})
	took := time.Since(start)
	if err == nil {
		t.Fatal("Put through a hung server succeeded")
	}
	t.Logf("Put failed after %v: %v", took.Round(time.Millisecond), err)
	if errors.Is(err, context.DeadlineExceeded) || took > time.Minute {
		t.Fatalf("Put hung until its context ended (%v): %v", took, err)
	}
	if !errors.Is(err, store.ErrUnreachable) {
		t.Errorf("error = %v; want ErrUnreachable", err)
	}
	for _, want := range []string{endpoint, "s3://" + srv.Bucket + "/stall/env-stalled.pex", "no progress"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	if strings.Contains(err.Error(), srv.SecretKey) {
		t.Errorf("error %q shows the secret key", err)
	}

	direct := openS3(t, srv, "stall", store.Options{})
	storetest.AssertMissing(t, direct, "env-stalled.pex")
	storetest.EnsureUploaded(t, direct, "env-stalled.pex", content)
}

// A slow link that keeps moving is no stall: a multipart upload at a few
// MiB/s completes with an I/O timeout far shorter than the upload.
func TestS3SlowServer(t *testing.T) {
	srv := s3test.Start(t)
	endpoint := startTCPProxy(t, srv.Endpoint, 0, 8<<20)
	s := openS3(t, srv, "slow", store.Options{S3Endpoint: endpoint, IOTimeout: 5 * time.Second, MaxAttempts: 1, Concurrency: 2})
	content := storetest.Data(91, 24<<20)
	start := time.Now()
	if _, err := s.Put(context.Background(), "env-slow.pex", bytes.NewReader(content), int64(len(content)), store.PutOptions{SHA256: storetest.SHA256(content)}); err != nil {
		t.Fatalf("Put through a slow link: %v", err)
	}
	t.Logf("24 MiB through an 8 MiB/s link per connection in %v", time.Since(start).Round(time.Millisecond))
	if _, err := store.Verify(context.Background(), openS3(t, srv, "slow", store.Options{}), "env-slow.pex"); err != nil {
		t.Fatal(err)
	}
}

// partFaults answers 503 SlowDown to the first n uploads of one part of
// a multipart upload, and passes everything else to the server.
type partFaults struct {
	part  string // the partNumber query value
	left  atomic.Int64
	seen  atomic.Int64
	proxy *httputil.ReverseProxy
}

func (p *partFaults) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Get("partNumber") == p.part {
		p.seen.Add(1)
		if p.left.Add(-1) >= 0 {
			io.Copy(io.Discard, r.Body)
			w.Header().Set("Content-Type", "application/xml")
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprint(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>injected</Message></Error>`)
			return
		}
	}
	p.proxy.ServeHTTP(w, r)
}

// 503s in the middle of a multipart upload are retried (the part is
// re-sent from the seekable source) and the object is whole; a server
// that keeps answering 503 makes the Put fail, naming the object, with
// nothing under its name.
func TestS3ServiceUnavailable(t *testing.T) {
	srv := s3test.Start(t)
	u, _ := url.Parse(srv.Endpoint)
	start := func(h http.Handler) string {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		hs := &http.Server{Handler: h}
		go hs.Serve(l)
		t.Cleanup(func() { hs.Close() })
		return "http://" + l.Addr().String()
	}
	t.Run("mid-multipart", func(t *testing.T) {
		pf := &partFaults{part: "2", proxy: httputil.NewSingleHostReverseProxy(u)}
		pf.left.Store(2)
		s := openS3(t, srv, "unavailable", store.Options{S3Endpoint: start(pf), MaxAttempts: 4})
		content := storetest.Data(92, 16<<20)
		if _, err := s.Put(context.Background(), "env-503.pex", bytes.NewReader(content), int64(len(content)), store.PutOptions{SHA256: storetest.SHA256(content)}); err != nil {
			t.Fatalf("Put with part 2 answered 503 twice: %v", err)
		}
		if pf.seen.Load() != 3 {
			t.Errorf("part 2 was sent %d times; want 3 (two 503s, then success)", pf.seen.Load())
		}
		if _, err := store.Verify(context.Background(), openS3(t, srv, "unavailable", store.Options{}), "env-503.pex"); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("always", func(t *testing.T) {
		always := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.Copy(io.Discard, r.Body)
			w.Header().Set("Content-Type", "application/xml")
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprint(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>injected</Message></Error>`)
		})
		s := openS3(t, srv, "unavailable", store.Options{S3Endpoint: start(always), MaxAttempts: 3})
		_, err := s.Put(context.Background(), "env-never.pex", strings.NewReader("x"), 1, store.PutOptions{})
		if err == nil {
			t.Fatal("Put through a server that always answers 503 succeeded")
		}
		t.Logf("always 503: %v", err)
		if !strings.Contains(err.Error(), "s3://"+srv.Bucket+"/unavailable/env-never.pex") || !strings.Contains(err.Error(), "503") {
			t.Errorf("error %q names neither the object nor the status", err)
		}
		if strings.Contains(err.Error(), srv.SecretKey) {
			t.Errorf("error %q shows the secret key", err)
		}
		storetest.AssertMissing(t, openS3(t, srv, "unavailable", store.Options{}), "env-never.pex")
	})
}
