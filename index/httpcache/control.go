package httpcache

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Control holds the Cache-Control directives of a response that matter to a
// private cache.
type Control struct {
	// MaxAge is the freshness lifetime given by max-age; valid only when
	// HasMaxAge is set.
	MaxAge    time.Duration
	HasMaxAge bool
	// NoCache means a stored response must be revalidated before each use.
	NoCache bool
	// NoStore means the response must not be stored at all.
	NoStore bool
}

// ParseControl reads the Cache-Control header fields of h. Unknown
// directives are ignored; a malformed max-age is treated as absent.
func ParseControl(h http.Header) Control {
	var c Control
	for _, field := range h.Values("Cache-Control") {
		for _, directive := range strings.Split(field, ",") {
			name, value, _ := strings.Cut(strings.TrimSpace(directive), "=")
			value = strings.Trim(strings.TrimSpace(value), `"`)
			switch strings.ToLower(strings.TrimSpace(name)) {
			case "max-age":
				seconds, err := strconv.ParseInt(value, 10, 64)
				if err == nil && seconds >= 0 && seconds < int64(1<<31) {
					c.MaxAge = time.Duration(seconds) * time.Second
					c.HasMaxAge = true
				}
			case "no-cache":
				c.NoCache = true
			case "no-store":
				c.NoStore = true
			}
		}
	}
	return c
}

// Storable reports whether a response with header h may be stored.
func Storable(h http.Header) bool {
	return !ParseControl(h).NoStore
}

// keptHeaders are the response headers an entry stores: what parsing the
// body needs and what caching decisions need.
var keptHeaders = []string{"Content-Type", "Cache-Control", "ETag", "Last-Modified", "Date", "Age"}

// KeepHeaders returns the subset of h that an entry stores.
func KeepHeaders(h http.Header) http.Header {
	kept := make(http.Header)
	for _, name := range keptHeaders {
		if values := h.Values(name); len(values) > 0 {
			kept[http.CanonicalHeaderKey(name)] = append([]string(nil), values...)
		}
	}
	return kept
}

// age returns the Age header in whole seconds, or zero.
func age(h http.Header) time.Duration {
	seconds, err := strconv.ParseInt(strings.TrimSpace(h.Get("Age")), 10, 64)
	if err != nil || seconds < 0 || seconds > int64(1<<31) {
		return 0
	}
	return time.Duration(seconds) * time.Second
}
