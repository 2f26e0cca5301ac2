package index

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/clusterpack/clusterpack/index/httpcache"
	"github.com/clusterpack/clusterpack/internal/redact"
)

// acceptSimple asks for the PEP 691 JSON form first, then PEP 503 HTML.
const acceptSimple = "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01"

// Media types of simple pages.
const (
	typeJSON = "application/vnd.pypi.simple.v1+json"
	typeHTML = "application/vnd.pypi.simple.v1+html"
)

// maxPageSize bounds the simple pages read; the largest on PyPI are a few
// tens of megabytes.
const maxPageSize = 256 << 20

// errTooLarge reports a page larger than the limit it was read with.
var errTooLarge = errors.New("page larger than the limit")

// page is a fetched simple or find-links page.
type page struct {
	// url is the page's final URL (after redirects), without user
	// information: relative links resolve against it.
	url         *url.URL
	contentType string
	body        []byte
}

// getPage fetches a page over HTTP through the cache, or reads it from
// disk for file URLs. limit bounds the body size.
func (c *Client) getPage(ctx context.Context, u *url.URL, index string, limit int64) (*page, error) {
	if u.Scheme == "file" {
		return readLocalPage(u.Path)
	}
	key := u.String()
	var entry *httpcache.Entry
	if c.cache != nil {
		var err error
		if entry, err = c.cache.Load(key, acceptSimple); err != nil {
			c.log.Warn("ignoring the HTTP cache", "error", err.Error())
		}
	}
	if entry != nil && entry.Fresh(c.now()) {
		c.log.Debug("fresh in cache", "url", redact.Mask(key))
		return entryPage(entry)
	}
	header := http.Header{"Accept": {acceptSimple}}
	if entry != nil {
		entry.Conditional(header)
	}
	var result *page
	err := c.do(ctx, request{url: u, index: index, header: header}, func(resp *http.Response) error {
		if resp.StatusCode == http.StatusNotModified {
			if entry == nil {
				return httpError(redact.Mask(key), resp)
			}
			c.log.Debug("revalidated cached page", "url", redact.Mask(key))
			entry.Revalidated(resp.Header, c.now())
			c.store(entry)
			var err error
			result, err = entryPage(entry)
			return err
		}
		if resp.ContentLength > limit {
			return fmt.Errorf("%s: %w (%d bytes, limit %d)", redact.Mask(key), errTooLarge, resp.ContentLength, limit)
		}
		body, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
		if err != nil {
			return fmt.Errorf("reading %s: %w", redact.Mask(key), err)
		}
		if int64(len(body)) > limit {
			return fmt.Errorf("%s: %w of %d bytes", redact.Mask(key), errTooLarge, limit)
		}
		final := *resp.Request.URL
		final.User = nil
		result = &page{url: &final, contentType: resp.Header.Get("Content-Type"), body: body}
		if c.cache == nil {
			return nil
		}
		if !httpcache.Storable(resp.Header) {
			if err := c.cache.Delete(key, acceptSimple); err != nil {
				c.log.Warn("HTTP cache", "error", err.Error())
			}
			return nil
		}
		c.store(&httpcache.Entry{URL: key, Accept: acceptSimple, FinalURL: final.String(),
			Header: httpcache.KeepHeaders(resp.Header), Stored: c.now(), Body: body})
		return nil
	})
	if err != nil {
		return nil, err
	}
	return result, nil
}

// store writes an entry to the cache; failing to is not an error, the
// cache being an optimisation.
func (c *Client) store(e *httpcache.Entry) {
	if err := c.cache.Store(e); err != nil {
		c.log.Warn("not caching page", "url", redact.Mask(e.URL), "error", err.Error())
	}
}

func entryPage(e *httpcache.Entry) (*page, error) {
	u, err := url.Parse(e.FinalURL)
	if err != nil {
		return nil, fmt.Errorf("cached page %s has a malformed URL: %w", redact.Mask(e.URL), redactURLError(err))
	}
	return &page{url: u, contentType: e.Header.Get("Content-Type"), body: e.Body}, nil
}

// readLocalPage reads a page from disk: a directory stands for its
// index.html, and a .json file is taken as PEP 691 JSON.
func readLocalPage(path string) (*page, error) {
	if info, err := os.Stat(path); err == nil && info.IsDir() {
		path = filepath.Join(path, "index.html")
	}
	body, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	contentType := "text/html"
	if strings.EqualFold(filepath.Ext(path), ".json") {
		contentType = typeJSON
	}
	return &page{url: &url.URL{Scheme: "file", Path: filepath.ToSlash(path)}, contentType: contentType, body: body}, nil
}

// parsePage parses a simple or find-links page by its content type.
func parsePage(p *page) ([]File, error) {
	display := redact.Mask(p.url.String())
	mediaType, params, err := mime.ParseMediaType(p.contentType)
	if err != nil && p.contentType != "" {
		return nil, &PageError{URL: display, Err: fmt.Errorf("malformed Content-Type %q: %w", p.contentType, err)}
	}
	if !utf8.Valid(p.body) {
		charset := ""
		if cs := params["charset"]; cs != "" && !strings.EqualFold(cs, "utf-8") {
			charset = fmt.Sprintf(" (it declares charset %q, which is not supported)", cs)
		}
		return nil, &PageError{URL: display, Err: fmt.Errorf("body is not valid UTF-8: invalid byte at offset %d%s", firstInvalidUTF8(p.body), charset)}
	}
	switch mediaType {
	case typeJSON, "application/vnd.pypi.simple.latest+json":
		return parseJSONPage(p.body, p.url)
	case typeHTML, "application/vnd.pypi.simple.latest+html", "text/html", "application/xhtml+xml":
		return parseHTMLPage(p.body, p.url)
	default:
		return nil, &PageError{URL: display, Err: fmt.Errorf("unsupported content type %q: expected PEP 691 JSON (%s) or PEP 503 HTML (text/html); "+
			"is this the URL of a simple index, such as https://pypi.org/simple/?", p.contentType, typeJSON)}
	}
}

// firstInvalidUTF8 returns the offset of the first byte of b that is not
// part of valid UTF-8.
func firstInvalidUTF8(b []byte) int {
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size == 1 {
			return i
		}
		i += size
	}
	return len(b)
}
