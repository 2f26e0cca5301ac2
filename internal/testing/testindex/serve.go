package testindex

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// defaultModTime is the Last-Modified of files without an upload time.
var defaultModTime = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)

func modTime(f File) time.Time {
	if f.UploadTime.IsZero() {
		return defaultModTime
	}
	return f.UploadTime.UTC()
}

// lastModified is the newest modification time of the index's files.
func (s *Server) lastModified() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	latest := defaultModTime
	for _, f := range s.files {
		if t := modTime(f); t.After(latest) {
			latest = t
		}
	}
	return latest
}

// etag is a strong validator derived from the content.
func etag(contentType string, body []byte) string {
	h := sha256.New()
	h.Write([]byte(contentType + "\x00"))
	h.Write(body)
	return `"` + hex.EncodeToString(h.Sum(nil)[:12]) + `"`
}

// serveBytes serves body with an ETag and Last-Modified, answering
// conditional requests with 304. With ranges, Range requests get 206 (by
// http.ServeContent); without, the whole body is always sent and no
// Accept-Ranges is announced.
func serveBytes(w http.ResponseWriter, r *http.Request, contentType string, body []byte, mod time.Time, ranges bool) {
	w.Header().Set("Content-Type", contentType)
	tag := etag(contentType, body)
	w.Header().Set("ETag", tag)
	if ranges {
		http.ServeContent(w, r, "", mod, bytes.NewReader(body))
		return
	}
	w.Header().Set("Last-Modified", mod.UTC().Format(http.TimeFormat))
	if notModified(r, tag, mod) {
		h := w.Header()
		delete(h, "Content-Type")
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(body)
	}
}

// notModified evaluates If-None-Match, or If-Modified-Since without it.
func notModified(r *http.Request, tag string, mod time.Time) bool {
	if inm := r.Header.Get("If-None-Match"); inm != "" {
		for _, t := range strings.Split(inm, ",") {
			t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
			if t == "*" || t == tag {
				return true
			}
		}
		return false
	}
	if ims, err := http.ParseTime(r.Header.Get("If-Modified-Since")); err == nil {
		return !mod.Truncate(time.Second).After(ims)
	}
	return false
}
