package index

import (
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"strings"

	"github.com/clusterpack/clusterpack/internal/redact"
)

// ErrNotWheel is returned (wrapped) by Metadata for a file that is not a
// wheel and for which the index offers no core-metadata file: its metadata
// can only be had by building it.
var ErrNotWheel = errors.New("not a wheel")

// NotFoundError reports that no index and no find-links location lists a
// project.
type NotFoundError struct {
	// Project is the normalised project name.
	Project string
	// Indexes are the redacted indexes and find-links locations searched.
	Indexes []string
	// Suggestions are existing project names close to Project, if any
	// could be found cheaply.
	Suggestions []string
}

func (e *NotFoundError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "project %q not found", e.Project)
	if len(e.Indexes) == 0 {
		b.WriteString(": no index or find-links location to search")
	} else {
		fmt.Fprintf(&b, " on %s", strings.Join(e.Indexes, ", "))
	}
	if len(e.Suggestions) > 0 {
		quoted := make([]string, len(e.Suggestions))
		for i, s := range e.Suggestions {
			quoted[i] = fmt.Sprintf("%q", s)
		}
		fmt.Fprintf(&b, "; did you mean %s?", strings.Join(quoted, " or "))
	} else {
		b.WriteString("; check the spelling, or the index URL")
	}
	return b.String()
}

// HTTPError is an unexpected HTTP status from an index or file server.
type HTTPError struct {
	// URL is the redacted URL requested.
	URL string
	// StatusCode and Status are those of the reply ("404 Not Found").
	StatusCode int
	Status     string
}

func (e *HTTPError) Error() string {
	return fmt.Sprintf("GET %s: HTTP %s", e.URL, e.Status)
}

// UnauthorizedError reports an HTTP 401 reply: the index needs
// credentials, or rejected those sent.
type UnauthorizedError struct {
	// Index is the redacted index or find-links location; URL the redacted
	// URL requested.
	Index, URL string
	// SentCredentials is set when credentials were sent and rejected.
	SentCredentials bool
}

func (e *UnauthorizedError) Error() string {
	if e.SentCredentials {
		return fmt.Sprintf("%s rejected the credentials sent (HTTP 401 Unauthorized for %s): "+
			"check the user name and password or token in the index URL or in your netrc file", e.Index, e.URL)
	}
	return fmt.Sprintf("%s requires credentials (HTTP 401 Unauthorized for %s): "+
		"put them in the index URL (https://USER:PASSWORD@%s) or add "+
		"\"machine %s login USER password PASSWORD\" to your netrc file", e.Index, e.URL, hostPath(e.Index), host(e.Index))
}

// ForbiddenError reports an HTTP 403 reply: the credentials, if any, do not
// grant access.
type ForbiddenError struct {
	// Index is the redacted index or find-links location; URL the redacted
	// URL requested.
	Index, URL string
}

func (e *ForbiddenError) Error() string {
	return fmt.Sprintf("access denied to %s (HTTP 403 Forbidden for %s): "+
		"the credentials used do not grant access to it; check them and the index URL", e.Index, e.URL)
}

// HashMismatchError reports a file whose content does not have the hash
// the index published for it.
type HashMismatchError struct {
	// Filename is the file checked (a distribution or its .metadata file).
	Filename string
	// Algorithm is the hash name; Expected the index's digest, Actual the
	// digest of the bytes received.
	Algorithm, Expected, Actual string
}

func (e *HashMismatchError) Error() string {
	return fmt.Sprintf("%s: %s hash mismatch: the index lists %s but the file received has %s; "+
		"the file changed on the index or was corrupted on the way", e.Filename, e.Algorithm, e.Expected, e.Actual)
}

// PageError reports a simple page or find-links page that could not be
// used: malformed, of an unsupported type or encoding.
type PageError struct {
	// URL is the redacted URL of the page.
	URL string
	// Err says what is wrong.
	Err error
}

func (e *PageError) Error() string { return fmt.Sprintf("page %s: %v", e.URL, e.Err) }

// Unwrap returns the underlying error.
func (e *PageError) Unwrap() error { return e.Err }

// isNotFound reports whether err is a 404 or 410 reply, or a missing
// local file.
func isNotFound(err error) bool {
	if errors.Is(err, fs.ErrNotExist) {
		return true
	}
	var status *HTTPError
	return errors.As(err, &status) && (status.StatusCode == http.StatusNotFound || status.StatusCode == http.StatusGone)
}

// host returns the host name of a URL string, without port: the name a
// netrc file uses.
func host(rawURL string) string {
	u, err := url.Parse(redact.Strip(rawURL))
	if err != nil || u.Hostname() == "" {
		return "HOST"
	}
	return u.Hostname()
}

// hostPath returns a URL string without its scheme and user information.
func hostPath(rawURL string) string {
	rawURL = redact.Strip(rawURL)
	if i := strings.Index(rawURL, "://"); i >= 0 {
		rawURL = rawURL[i+3:]
	}
	return rawURL
}
