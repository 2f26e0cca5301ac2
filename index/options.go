package index

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"time"

	"github.com/clusterpack/clusterpack/index/httpcache"
	"github.com/clusterpack/clusterpack/internal/redact"
)

// Defaults for the zero values of Options.
const (
	// DefaultTimeout bounds connecting and any wait for data from a server.
	DefaultTimeout = 30 * time.Second
	// DefaultParallelism bounds the requests a Client has in flight.
	DefaultParallelism = 10
)

// Options configure a Client. The zero value searches no index; callers
// set IndexURLs (pip's default is https://pypi.org/simple/).
type Options struct {
	// IndexURLs are the simple-API base URLs to search, the primary index
	// first. They may carry credentials (https://user:token@host/simple/),
	// which are then sent to that host and never shown. file:// URLs name
	// local directories laid out as a simple index.
	IndexURLs []string
	// FindLinks are local directories, local HTML files or URLs of HTML
	// pages whose files are candidates too (pip's --find-links).
	FindLinks []string
	// NoIndex ignores IndexURLs and searches FindLinks only.
	NoIndex bool
	// CacheDir holds the HTTP cache of pages and the metadata cache;
	// "" disables caching.
	CacheDir string
	// Credentials looks up a user and password for a host name, typically
	// from a netrc file; used when the URL carries none. It must be safe
	// for concurrent use. Nil means no lookup.
	Credentials func(host string) (user, password string, ok bool)
	// CertFile is a PEM bundle of CA certificates that replaces the system
	// pool (PIP_CERT, SSL_CERT_FILE).
	CertFile string
	// ClientCertFile is a PEM file holding a client certificate and its
	// private key, for indexes that require TLS client authentication.
	ClientCertFile string
	// TrustedHosts are hosts ("host" or "host:port") that may be reached
	// over plain http and whose TLS certificates are not verified, as pip's
	// --trusted-host. Plain http is otherwise refused except on loopback.
	TrustedHosts []string
	// Timeout bounds connecting and each wait for data (a stalled
	// transfer fails after it, a slow but steady one does not);
	// 0 means DefaultTimeout.
	Timeout time.Duration
	// Retries is how many times a request is retried after a timeout, a
	// reset connection, HTTP 429 or 5xx; 0 means no retry.
	Retries int
	// Parallelism bounds the requests in flight across the Client;
	// 0 means DefaultParallelism.
	Parallelism int
	// UserAgent is sent with every request; "" means "clusterpack".
	UserAgent string
	// Logger receives debug and warning records; nil discards them.
	Logger *slog.Logger
}

// Client looks up projects, metadata and files on package indexes. Its
// methods are safe for concurrent use.
type Client struct {
	indexes     []*location
	findLinks   []*location
	cache       *httpcache.Cache // nil without CacheDir
	cacheDir    string
	credentials func(host string) (user, password string, ok bool)
	trusted     []string
	http        *http.Client
	timeout     time.Duration
	retries     int
	slots       chan struct{} // a semaphore of Parallelism slots
	userAgent   string
	log         *slog.Logger
	// received hears of downloaded bytes (WithReceived); nil for none.
	received func(filename string, n int64)

	// Tunables that tests shrink.
	backoffBase time.Duration // first retry delay, doubled at each retry
	backoffMax  time.Duration // the longest delay between retries
	tailSize    int64         // bytes fetched from the end of a wheel at first
	readAhead   int64         // least bytes fetched by a later range request
	suggestMax  int64         // largest index root page read for suggestions
	now         func() time.Time
}

// location is an index or find-links location.
type location struct {
	// display is the redacted location as given.
	display string
	// url is the location without user information; for an index its path
	// ends with "/". Nil for a local path.
	url *url.URL
	// user holds the credentials of the URL, if any.
	user *url.Userinfo
	// path is the absolute local path of a local find-links location.
	path string
}

// New returns a Client for opts. It fails on malformed URLs and unreadable
// certificate files.
func New(opts Options) (*Client, error) {
	c := &Client{
		cacheDir:    opts.CacheDir,
		credentials: opts.Credentials,
		trusted:     opts.TrustedHosts,
		timeout:     opts.Timeout,
		retries:     max(opts.Retries, 0),
		userAgent:   opts.UserAgent,
		log:         opts.Logger,
		backoffBase: 500 * time.Millisecond,
		backoffMax:  10 * time.Second,
		tailSize:    128 << 10,
		readAhead:   32 << 10,
		suggestMax:  4 << 20,
		now:         time.Now,
	}
	if c.timeout <= 0 {
		c.timeout = DefaultTimeout
	}
	parallelism := opts.Parallelism
	if parallelism <= 0 {
		parallelism = DefaultParallelism
	}
	c.slots = make(chan struct{}, parallelism)
	if c.userAgent == "" {
		c.userAgent = "clusterpack"
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	if opts.CacheDir != "" {
		c.cache = httpcache.New(opts.CacheDir)
	}
	if !opts.NoIndex {
		for _, raw := range opts.IndexURLs {
			loc, err := parseIndexURL(raw)
			if err != nil {
				return nil, err
			}
			c.indexes = append(c.indexes, loc)
		}
	}
	for _, raw := range opts.FindLinks {
		loc, err := parseFindLinks(raw)
		if err != nil {
			return nil, err
		}
		c.findLinks = append(c.findLinks, loc)
	}
	httpClient, err := c.newHTTPClient(opts, parallelism)
	if err != nil {
		return nil, err
	}
	c.http = httpClient
	return c, nil
}

// parseIndexURL parses an index URL: http, https or file, with a path
// ending in "/".
func parseIndexURL(raw string) (*location, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return nil, fmt.Errorf("index URL %s: %w", redact.Mask(raw), redactURLError(err))
	}
	switch u.Scheme {
	case "http", "https":
		if u.Host == "" {
			return nil, fmt.Errorf("index URL %s has no host", redact.Mask(raw))
		}
	case "file":
	default:
		return nil, fmt.Errorf("index URL %s: scheme must be https, http or file", redact.Mask(raw))
	}
	loc := &location{display: redact.Mask(raw), user: u.User}
	u.User = nil
	u.Fragment, u.RawFragment = "", ""
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
		if u.RawPath != "" {
			u.RawPath += "/"
		}
	}
	loc.url = u
	return loc, nil
}

// parseFindLinks parses a find-links location: an http(s) URL, a file URL
// or a local path.
func parseFindLinks(raw string) (*location, error) {
	raw = strings.TrimSpace(raw)
	loc := &location{display: redact.Mask(raw)}
	if strings.Contains(raw, "://") {
		u, err := url.Parse(raw)
		if err != nil {
			return nil, fmt.Errorf("find-links URL %s: %w", redact.Mask(raw), redactURLError(err))
		}
		switch u.Scheme {
		case "http", "https":
			loc.user, u.User = u.User, nil
			u.Fragment, u.RawFragment = "", ""
			loc.url = u
			return loc, nil
		case "file":
			raw = u.Path
		default:
			return nil, fmt.Errorf("find-links URL %s: scheme must be https, http or file", redact.Mask(raw))
		}
	}
	path, err := filepath.Abs(raw)
	if err != nil {
		return nil, fmt.Errorf("find-links location %s: %w", raw, err)
	}
	loc.path = path
	return loc, nil
}

// redactURLError drops the URL that url.Parse errors quote: it may hold
// credentials.
func redactURLError(err error) error {
	if ue, ok := err.(*url.Error); ok {
		return ue.Err
	}
	return err
}
