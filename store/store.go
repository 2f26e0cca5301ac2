// Package store keeps built environments in object stores: a local
// directory (file:// or a plain path), S3 (s3://bucket/prefix) and HDFS
// (hdfs://namenode:port/path). Every backend implements the same small
// Store interface, and every backend passes the same conformance suite
// (store/storetest), as restic does for its backends.
//
// The backends are packages of their own, store/file, store/s3 and
// store/hdfs; this package has what they share: the interface, the
// errors, Open and the upload-if-absent logic (Ensure). Open dispatches on
// the URL's scheme through the table of openers the caller gives
// (Options.Openers); store/backends.Openers is the table of every backend.
//
// Objects are addressed by a name relative to the store's root URL
// ("env-3f2a….pex", "code/code-91bc….zip"). Names use "/" as separator,
// are clean (no "." or ".." segments, no leading or trailing "/", no
// empty segments) and never end in ".sha256" (that suffix is reserved for
// the local backend's sidecar files).
//
// Put is atomic on every backend: an object becomes visible under its
// name only once all its bytes are stored, and an interrupted Put leaves
// nothing under that name. Each object may carry a recorded sha256 (the
// hex digest of its content, given in PutOptions.SHA256) that Stat, Get
// and List return, so "is this environment already uploaded?" is a
// single Stat.
package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/clusterpack/clusterpack/internal/redact"
)

// Store is one place objects are kept: a directory, an S3 prefix, an HDFS
// directory. A Store is safe for concurrent use.
type Store interface {
	// Stat describes the object called name. It returns an error wrapping
	// ErrNotExist when there is no such object.
	Stat(ctx context.Context, name string) (Info, error)
	// Put stores size bytes read from r under name, replacing any object
	// of that name. It is atomic: the object is visible under name only
	// once complete, and a failed or cancelled Put leaves no object under
	// name (an older object of that name stays as it was). opts.SHA256,
	// when not empty, is recorded with the object. size is the exact
	// length of r's content; a reader that ends early or has more is an
	// error (ErrSizeMismatch) and nothing is stored. A negative size means
	// unknown (backends then may not report progress totals).
	Put(ctx context.Context, name string, r io.Reader, size int64, opts PutOptions) (Info, error)
	// Get opens the object called name for reading. The caller closes the
	// reader. It returns an error wrapping ErrNotExist when there is no
	// such object.
	Get(ctx context.Context, name string) (io.ReadCloser, Info, error)
	// List returns the objects whose names start with prefix (a plain
	// string prefix, as in S3, not only a directory), sorted by name.
	// An empty prefix lists the whole store.
	List(ctx context.Context, prefix string) ([]Info, error)
	// URL is the full URL of the object called name, without credentials:
	// "s3://bucket/prefix/name", "file:///dir/name".
	URL(name string) string
	// Close releases the store's connections.
	Close() error
}

// PublicNoter is implemented by a store whose objects a cluster shares
// between its users when their permissions allow (HDFS: YARN localizes a
// file readable by all, under directories all may traverse, PUBLIC, once
// per node). PublicNote says why the object called name is not shared so,
// "" when it is: a note for the user, not an error.
type PublicNoter interface {
	PublicNote(ctx context.Context, name string) (string, error)
}

// Info describes one stored object.
type Info struct {
	Name    string    // relative to the store's root, as given to Put
	Size    int64     // in bytes
	SHA256  string    // recorded hex sha256 of the content, "" if none was recorded
	ModTime time.Time // when it was stored, as the backend reports it
}

// PutOptions are the optional parts of a Put.
type PutOptions struct {
	// SHA256 is the lowercase hex sha256 of the content, recorded with
	// the object (S3 object metadata x-amz-meta-sha256, a sidecar file
	// locally). Backends do not hash the content themselves; callers that
	// know the digest pass it.
	SHA256 string
	// ContentType is the MIME type where the backend keeps one (S3).
	ContentType string
	// Progress, when not nil, is called from time to time with the number
	// of bytes sent so far and the total (size as given to Put). It may
	// be called from several goroutines, never concurrently with itself
	// (calls are serialised), and done never decreases.
	Progress func(done, total int64)
}

// Opener opens the store at u. Options.Openers maps URL schemes to them.
// Each backend package has one (file.Open, s3.Open, hdfs.Open, and
// hdfs.Opener for other HDFS options). u is absolute; for a plain path it
// is a file URL.
type Opener func(ctx context.Context, u *url.URL, opts Options) (Store, error)

// Options configure Open. Openers must be given; for the rest the zero
// value works: the process environment, no logging, default part size
// and concurrency.
type Options struct {
	// Openers maps a URL scheme ("file", "s3", "hdfs") to its opener.
	// Open knows no scheme of its own: the backends import this package
	// for the Store interface and the errors, so it cannot import them.
	// The caller builds the table, store/backends.Openers() for every
	// backend of clusterpack; there is no registry that backends add
	// themselves to.
	Openers map[string]Opener

	// S3Endpoint is the S3 endpoint URL ("http://127.0.0.1:9000"). Empty
	// means AWS_ENDPOINT_URL_S3, else AWS_ENDPOINT_URL, else AWS's own
	// (store/s3.Endpoint says which).
	S3Endpoint string
	// S3PathStyle forces path-style addressing (bucket in the path, not
	// the host name). It is also used whenever a custom endpoint is set.
	S3PathStyle bool
	// S3Region is the region. Empty means the shared config's or
	// AWS_REGION; when none is found, us-east-1.
	S3Region string
	// Profile is the AWS shared-config profile. Empty means AWS_PROFILE,
	// else "default".
	Profile string

	// Getenv reads the environment. Nil means os.Getenv. Tests pass their
	// own to keep the process environment out.
	Getenv func(string) string
	// Logger receives debug and info records (retries, multipart uploads).
	// Nil discards them.
	Logger *slog.Logger

	// PartSize is the multipart part size in bytes for backends that
	// upload in parts (S3). Zero means 16 MiB; S3 needs at least 5 MiB.
	PartSize int64
	// Concurrency is how many parts are sent at once. Zero means 4.
	Concurrency int
	// MaxAttempts is how many times a request is tried on transient
	// errors (throttling, 5xx, connection resets). Zero means 5.
	MaxAttempts int
	// IOTimeout is how long a connection to an S3 server may move no
	// byte in either direction (a server that stops reading an upload or
	// never answers) before the request fails and is retried. Zero means
	// 2 minutes. The HDFS store has its own (hdfs.Options.IOTimeout).
	IOTimeout time.Duration
}

// Open opens the store at rawURL: "s3://bucket/prefix",
// "hdfs://namenode:port/path", "file:///dir", or a plain path (relative
// paths are made absolute). The scheme chooses the opener in
// opts.Openers.
func Open(ctx context.Context, rawURL string, opts Options) (Store, error) {
	u, err := ParseURL(rawURL)
	if err != nil {
		return nil, &Error{Op: "open", URL: redact.URL(rawURL), Err: err}
	}
	openers := opts.Openers
	if len(openers) == 0 {
		return nil, &Error{Op: "open", URL: redact.URL(rawURL),
			Err: fmt.Errorf("%w %q: no openers are given (Options.Openers; store/backends.Openers has every backend)", ErrUnsupportedScheme, u.Scheme)}
	}
	op, ok := openers[u.Scheme]
	if !ok || op == nil {
		known := make([]string, 0, len(openers))
		for k := range openers {
			known = append(known, k+"://")
		}
		sort.Strings(known)
		return nil, &Error{Op: "open", URL: redact.URL(rawURL),
			Err: fmt.Errorf("%w %q (this build knows %s)", ErrUnsupportedScheme, u.Scheme, strings.Join(known, ", "))}
	}
	return op(ctx, u, opts)
}

// ParseURL parses a store URL. A plain path (no scheme, or a Windows
// drive letter) becomes an absolute file URL.
func ParseURL(rawURL string) (*url.URL, error) {
	if rawURL == "" {
		return nil, errors.New("empty store URL")
	}
	if !strings.Contains(rawURL, "://") && !strings.HasPrefix(rawURL, "file:") {
		abs, err := filepath.Abs(rawURL)
		if err != nil {
			return nil, fmt.Errorf("cannot make %q absolute: %w", rawURL, err)
		}
		return &url.URL{Scheme: "file", Path: filepath.ToSlash(abs)}, nil
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("not a valid URL: %w", errors.Unwrap(err))
	}
	u.Scheme = strings.ToLower(u.Scheme)
	return u, nil
}

// ErrNoLocalStore is matched (errors.Is) when DefaultLocalURL cannot
// place the default store: name a store URL instead.
var ErrNoLocalStore = errors.New("cannot find the local store directory; name a store URL")

// DefaultLocalURL is the store used when no URL is given: the user's data
// directory. $XDG_DATA_HOME/clusterpack/store, else
// ~/.local/share/clusterpack/store; on macOS ("darwin")
// ~/Library/Application Support/clusterpack/store; on Windows
// %LOCALAPPDATA%\clusterpack\store. It returns a plain path.
func DefaultLocalURL(getenv func(string) string, goos string) (string, error) {
	if getenv == nil {
		return "", errors.New("DefaultLocalURL: nil getenv")
	}
	switch goos {
	case "windows":
		if d := getenv("LOCALAPPDATA"); d != "" {
			return filepath.Join(d, "clusterpack", "store"), nil
		}
		return "", fmt.Errorf("%w: %%LOCALAPPDATA%% is not set", ErrNoLocalStore)
	case "darwin", "ios":
		home := getenv("HOME")
		if home == "" {
			return "", fmt.Errorf("%w: $HOME is not set", ErrNoLocalStore)
		}
		return filepath.Join(home, "Library", "Application Support", "clusterpack", "store"), nil
	}
	if d := getenv("XDG_DATA_HOME"); d != "" && filepath.IsAbs(d) {
		return filepath.Join(d, "clusterpack", "store"), nil
	}
	home := getenv("HOME")
	if home == "" {
		return "", fmt.Errorf("%w: neither $XDG_DATA_HOME nor $HOME is set", ErrNoLocalStore)
	}
	return filepath.Join(home, ".local", "share", "clusterpack", "store"), nil
}
