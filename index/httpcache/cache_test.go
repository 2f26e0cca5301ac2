package httpcache

import (
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

func TestParseControl(t *testing.T) {
	tests := []struct {
		header []string
		want   Control
	}{
		{nil, Control{}},
		{[]string{"max-age=600, public"}, Control{MaxAge: 600 * time.Second, HasMaxAge: true}},
		{[]string{"public", `MAX-AGE="30"`}, Control{MaxAge: 30 * time.Second, HasMaxAge: true}},
		{[]string{"no-cache"}, Control{NoCache: true}},
		{[]string{"no-store, max-age=5"}, Control{NoStore: true, MaxAge: 5 * time.Second, HasMaxAge: true}},
		{[]string{"max-age=-1"}, Control{}},
		{[]string{"max-age=soon"}, Control{}},
	}
	for _, tt := range tests {
		h := http.Header{"Cache-Control": tt.header}
		if got := ParseControl(h); got != tt.want {
			t.Errorf("ParseControl(%q) = %+v, want %+v", tt.header, got, tt.want)
		}
	}
}

func TestFresh(t *testing.T) {
	now := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name    string
		control string
		age     string
		stored  time.Duration // before now
		want    bool
	}{
		{"within max-age", "max-age=600", "", 5 * time.Minute, true},
		{"past max-age", "max-age=600", "", 11 * time.Minute, false},
		{"age header counts", "max-age=600", "590", 20 * time.Second, false},
		{"no-cache", "no-cache, max-age=600", "", time.Second, false},
		{"no max-age", "public", "", time.Second, false},
		{"stored in the future", "max-age=600", "", -time.Hour, false},
	}
	for _, tt := range tests {
		e := &Entry{Header: http.Header{"Cache-Control": {tt.control}}, Stored: now.Add(-tt.stored)}
		if tt.age != "" {
			e.Header.Set("Age", tt.age)
		}
		if got := e.Fresh(now); got != tt.want {
			t.Errorf("%s: Fresh = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestStoreLoadDelete(t *testing.T) {
	c := New(t.TempDir())
	const url, accept = "https://example.org/simple/foo/", "text/html"
	if e, err := c.Load(url, accept); e != nil || err != nil {
		t.Fatalf("Load on empty cache = %v, %v", e, err)
	}
	e := &Entry{URL: url, Accept: accept, FinalURL: url, Header: KeepHeaders(http.Header{
		"Etag": {`"abc"`}, "Content-Type": {"text/html"}, "Set-Cookie": {"secret"},
	}), Stored: time.Unix(1700000000, 0).UTC(), Body: []byte("<a href=x>\nline two</a>")}
	if err := c.Store(e); err != nil {
		t.Fatal(err)
	}
	got, err := c.Load(url, accept)
	if err != nil || got == nil {
		t.Fatalf("Load = %v, %v", got, err)
	}
	if string(got.Body) != string(e.Body) || got.Header.Get("ETag") != `"abc"` || !got.Stored.Equal(e.Stored) {
		t.Errorf("Load = %+v, want %+v", got, e)
	}
	if got.Header.Get("Set-Cookie") != "" {
		t.Errorf("Set-Cookie was stored")
	}
	if other, _ := c.Load(url, "application/json"); other != nil {
		t.Errorf("entry found under another Accept header")
	}
	if err := c.Delete(url, accept); err != nil {
		t.Fatal(err)
	}
	if got, _ := c.Load(url, accept); got != nil {
		t.Errorf("entry still present after Delete")
	}
	if err := c.Delete(url, accept); err != nil {
		t.Errorf("deleting an absent entry: %v", err)
	}
}

func TestCorruptEntryIsAMiss(t *testing.T) {
	c := New(t.TempDir())
	const url, accept = "https://example.org/simple/foo/", "text/html"
	path := c.path(url, accept)
	for _, content := range []string{"", "no newline", "{not json\nbody", `{"url":"https://other/","accept":"text/html"}` + "\nbody"} {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		if e, err := c.Load(url, accept); e != nil || err != nil {
			t.Errorf("Load of %q = %v, %v; want a miss", content, e, err)
		}
	}
}

func TestRevalidated(t *testing.T) {
	e := &Entry{Header: http.Header{"Content-Type": {"text/html"}, "Etag": {`"1"`}, "Age": {"100"}, "Cache-Control": {"max-age=1"}}}
	now := time.Now()
	e.Revalidated(http.Header{"Etag": {`"2"`}, "Cache-Control": {"max-age=60"}, "Content-Type": {"text/plain"}}, now)
	if e.Header.Get("ETag") != `"2"` || e.Header.Get("Age") != "" || e.Header.Get("Content-Type") != "text/html" || !e.Stored.Equal(now) {
		t.Errorf("after Revalidated: %+v", e)
	}
	if !e.Fresh(now.Add(time.Second)) {
		t.Errorf("entry not fresh after revalidation with max-age=60")
	}
}

// TestConcurrentStores checks that readers never see a partly written entry
// while writers replace it.
func TestConcurrentStores(t *testing.T) {
	c := New(t.TempDir())
	const url, accept = "https://example.org/simple/foo/", "text/html"
	bodies := [][]byte{make([]byte, 1<<16), make([]byte, 1<<17)}
	for i := range bodies[1] {
		bodies[1][i] = 'x'
	}
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 20 {
				if err := c.Store(&Entry{URL: url, Accept: accept, Body: bodies[w%2]}); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	for range 200 {
		e, err := c.Load(url, accept)
		if err != nil {
			t.Fatal(err)
		}
		if e != nil && len(e.Body) != len(bodies[0]) && len(e.Body) != len(bodies[1]) {
			t.Fatalf("read a partial entry of %d bytes", len(e.Body))
		}
	}
	wg.Wait()
}
