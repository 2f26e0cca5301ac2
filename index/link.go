package index

import (
	"fmt"
	"net/url"
	"path"
	"strings"

	"github.com/clusterpack/clusterpack/internal/redact"
)

// resolveLink resolves a file link of a page against base: it returns the
// absolute URL without user information or fragment, the file name (the
// last path segment), and the hashes of the fragment. ok is false for
// links that name no file (a directory, another page) or use a scheme the
// page may not link to: http(s) pages may link to http(s) only, local pages
// to local files too.
func resolveLink(pageURL, base *url.URL, href string) (u *url.URL, filename string, hashes map[string]string, ok bool, err error) {
	u, err = base.Parse(strings.TrimSpace(href))
	if err != nil {
		return nil, "", nil, false, fmt.Errorf("malformed link %q: %w", redact.Mask(href), redactURLError(err))
	}
	switch u.Scheme {
	case "http", "https":
	case "file":
		if pageURL.Scheme != "file" {
			return nil, "", nil, false, nil
		}
	default:
		return nil, "", nil, false, nil
	}
	u.User = nil
	hashes = splitHashFragment(u)
	if u.Path == "" || strings.HasSuffix(u.Path, "/") {
		return nil, "", nil, false, nil
	}
	filename = path.Base(u.Path)
	if filename == "." || filename == ".." {
		return nil, "", nil, false, nil
	}
	return u, filename, hashes, true, nil
}

// checkAPIVersion accepts the major version 1 of the simple API.
func checkAPIVersion(version string) error {
	major, _, _ := strings.Cut(strings.TrimSpace(version), ".")
	if major != "1" {
		return fmt.Errorf("unsupported simple API version %q: only 1.x is supported", version)
	}
	return nil
}
