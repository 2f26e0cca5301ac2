package httpcache

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/clusterpack/clusterpack/internal/atomicfile"
)

// layout names the directory of this cache format inside the cache
// directory; a format change gets a new name instead of misreading old files.
const layout = "http-v1"

// Cache is an on-disk HTTP response cache rooted at a directory. Its
// methods are safe for concurrent use by goroutines and processes.
type Cache struct {
	dir string
}

// New returns a cache that keeps its files under dir/http-v1.
func New(dir string) *Cache {
	return &Cache{dir: filepath.Join(dir, layout)}
}

// Entry is one stored response.
type Entry struct {
	// URL is the requested URL, without credentials.
	URL string `json:"url"`
	// Accept is the Accept header the request was sent with.
	Accept string `json:"accept"`
	// FinalURL is the URL the response came from after redirects, without
	// credentials; relative links in the body resolve against it.
	FinalURL string `json:"final_url"`
	// Header holds the response headers kept by KeepHeaders.
	Header http.Header `json:"header"`
	// Stored is when the response was received or last revalidated.
	Stored time.Time `json:"stored"`
	// Body is the response body.
	Body []byte `json:"-"`
}

// Key returns the file name of the entry for url and accept.
func Key(url, accept string) string {
	sum := sha256.Sum256([]byte(url + "\n" + accept))
	return hex.EncodeToString(sum[:])
}

func (c *Cache) path(url, accept string) string {
	key := Key(url, accept)
	return filepath.Join(c.dir, key[:2], key)
}

// Load returns the entry for url and accept, or nil when there is none.
// An unreadable or corrupt entry counts as absent: the cache is only an
// optimisation. Only I/O errors other than absence are returned.
func (c *Cache) Load(url, accept string) (*Entry, error) {
	path := c.path(url, accept)
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading HTTP cache entry %s: %w", path, err)
	}
	head, body, ok := bytes.Cut(data, []byte("\n"))
	if !ok {
		return nil, nil
	}
	var e Entry
	if err := json.Unmarshal(head, &e); err != nil || e.URL != url || e.Accept != accept {
		return nil, nil
	}
	e.Body = body
	return &e, nil
}

// Store writes e atomically, replacing any previous entry for its URL and
// Accept header.
func (c *Cache) Store(e *Entry) error {
	head, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("encoding HTTP cache entry for %s: %w", e.URL, err)
	}
	data := make([]byte, 0, len(head)+1+len(e.Body))
	data = append(append(append(data, head...), '\n'), e.Body...)
	if err := atomicfile.WriteFile(c.path(e.URL, e.Accept), data, 0o644); err != nil {
		return fmt.Errorf("storing HTTP cache entry for %s: %w", e.URL, err)
	}
	return nil
}

// Delete removes the entry for url and accept, if any.
func (c *Cache) Delete(url, accept string) error {
	err := os.Remove(c.path(url, accept))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("deleting HTTP cache entry for %s: %w", url, err)
	}
	return nil
}

// Fresh reports whether e may be used at time now without revalidation:
// it has a max-age, no no-cache directive, and its age is below max-age.
func (e *Entry) Fresh(now time.Time) bool {
	control := ParseControl(e.Header)
	if control.NoCache || control.NoStore || !control.HasMaxAge {
		return false
	}
	current := age(e.Header) + now.Sub(e.Stored)
	return current >= 0 && current < control.MaxAge
}

// Conditional adds the validators of e (If-None-Match, If-Modified-Since)
// to a request header, and reports whether there were any.
func (e *Entry) Conditional(h http.Header) bool {
	added := false
	if etag := e.Header.Get("ETag"); etag != "" {
		h.Set("If-None-Match", etag)
		added = true
	}
	if modified := e.Header.Get("Last-Modified"); modified != "" {
		h.Set("If-Modified-Since", modified)
		added = true
	}
	return added
}

// Revalidated updates e from the header of a 304 Not Modified response
// received at now: the header fields it carries replace the stored ones
// (RFC 9111, section 4.3.4) and the entry's age restarts.
func (e *Entry) Revalidated(h http.Header, now time.Time) {
	fresh := KeepHeaders(h)
	fresh.Del("Content-Type") // a 304 describes the stored body; keep its type
	if e.Header == nil {
		e.Header = make(http.Header)
	}
	e.Header.Del("Age")
	for name, values := range fresh {
		e.Header[name] = values
	}
	e.Stored = now
}
