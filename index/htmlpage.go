package index

import (
	"bytes"
	"fmt"
	"io"
	"net/url"
	"strings"

	"golang.org/x/net/html"

	"github.com/clusterpack/clusterpack/internal/redact"
)

// htmlAnchor holds the attributes of an <a> element that matter.
type htmlAnchor struct {
	href           string
	requiresPython string
	yanked         bool
	yankedReason   string
	metadata       string // data-core-metadata, else data-dist-info-metadata
	hasMetadata    bool
}

// parseHTMLPage parses a PEP 503 HTML project page, or a find-links page,
// fetched from pageURL. Links resolve against the first <base href>, else
// against the page's URL.
func parseHTMLPage(body []byte, pageURL *url.URL) ([]File, error) {
	display := redact.Mask(pageURL.String())
	var (
		base    *url.URL
		anchors []htmlAnchor
	)
	z := html.NewTokenizer(bytes.NewReader(body))
	for {
		tokenType := z.Next()
		if tokenType == html.ErrorToken {
			if z.Err() == io.EOF {
				break
			}
			return nil, &PageError{URL: display, Err: fmt.Errorf("malformed HTML: %w", z.Err())}
		}
		if tokenType != html.StartTagToken && tokenType != html.SelfClosingTagToken {
			continue
		}
		name, hasAttributes := z.TagName()
		if !hasAttributes {
			continue
		}
		attributes := readAttributes(z)
		switch string(name) {
		case "base":
			href, ok := attributes["href"]
			if !ok || base != nil {
				continue
			}
			resolved, err := pageURL.Parse(strings.TrimSpace(href))
			if err != nil {
				return nil, &PageError{URL: display, Err: fmt.Errorf("malformed <base href=%q>: %w", redact.Mask(href), redactURLError(err))}
			}
			base = resolved
		case "meta":
			if attributes["name"] == "pypi:repository-version" {
				if err := checkAPIVersion(attributes["content"]); err != nil {
					return nil, &PageError{URL: display, Err: err}
				}
			}
		case "a":
			href, ok := attributes["href"]
			if !ok {
				continue
			}
			a := htmlAnchor{href: href}
			// pip unescapes this value once more than HTML requires.
			a.requiresPython = html.UnescapeString(attributes["data-requires-python"])
			a.yankedReason, a.yanked = attributes["data-yanked"]
			if value, ok := attributes["data-core-metadata"]; ok {
				a.metadata, a.hasMetadata = value, true
			} else if value, ok := attributes["data-dist-info-metadata"]; ok {
				a.metadata, a.hasMetadata = value, true
			}
			anchors = append(anchors, a)
		}
	}
	if base == nil {
		base = pageURL
	}
	files := make([]File, 0, len(anchors))
	for _, a := range anchors {
		u, filename, hashes, ok, err := resolveLink(pageURL, base, a.href)
		if err != nil {
			return nil, &PageError{URL: display, Err: err}
		}
		if !ok {
			continue
		}
		f := File{
			Filename:       filename,
			URL:            u.String(),
			Hashes:         hashes,
			RequiresPython: a.requiresPython,
			Yanked:         a.yanked,
			YankedReason:   a.yankedReason,
		}
		if a.hasMetadata {
			f.CoreMetadata, f.CoreMetadataHashes = parseHTMLMetadataValue(a.metadata)
		}
		files = append(files, f)
	}
	return files, nil
}

// readAttributes returns the attributes of the current tag; the first of
// repeated attributes wins, as in HTML. Names come lower-cased and values
// unescaped from the tokenizer.
func readAttributes(z *html.Tokenizer) map[string]string {
	attributes := make(map[string]string)
	for {
		key, value, more := z.TagAttr()
		if _, seen := attributes[string(key)]; !seen {
			attributes[string(key)] = string(value)
		}
		if !more {
			return attributes
		}
	}
}

// parseHTMLMetadataValue parses data-core-metadata: "true", or
// "<hash name>=<digest>" meaning true. As pip does, any other value but
// "false" means the metadata file exists, without a usable hash.
func parseHTMLMetadataValue(value string) (bool, map[string]string) {
	value = strings.TrimSpace(value)
	switch strings.ToLower(value) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	name, digest, ok := strings.Cut(value, "=")
	if !ok || name == "" || digest == "" {
		return true, nil
	}
	return true, map[string]string{strings.ToLower(name): strings.ToLower(digest)}
}
