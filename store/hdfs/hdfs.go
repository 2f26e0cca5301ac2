// Package hdfs is the store backend of HDFS. It keeps each object as a
// file under the store's root directory, written with
// github.com/colinmarc/hdfs (the namenode's RPC protocol and the
// datanodes' data transfer protocol, no JVM).
//
// The recorded sha256 is the extended attribute user.clusterpack.sha256
// of the file. Where the namenode has extended attributes disabled
// (dfs.namenode.xattrs.enabled=false) the backend notices on first use and
// keeps it in a manifest beside the object instead, "<name>.sha256" in
// sha256sum's format, as the local backend does; Options.SHA256 can
// choose either way up front. A manifest beside an object is read when the
// object has no attribute, so objects written either way are found.
//
// Put writes to a temporary file in the object's directory,
// ".clusterpack-tmp-<base name>-<random>" (never listed, and reserved by
// ValidName), sets the attribute on it, then renames it over the name
// (rename2 with OVERWRITE, atomic on the namenode). A reader sees the old
// object or the whole new one with its own digest. A failed or cancelled
// Put deletes its temporary file; a crash leaves one, which List ignores.
// With manifests the order is the local backend's: old manifest removed,
// object renamed, new manifest renamed, so a digest is the right one or
// absent.
//
// Modes: every object is 0644 and every directory Put creates 0755, set
// explicitly after the create (so no umask or default ACL changes them),
// which is what YARN needs to localize an object PUBLIC, once per node for
// every user and application (public.go). A directory above the store
// that others cannot traverse (a 0700 home directory) keeps objects
// private; PublicNote (store.PublicNoter) says so, and upload prints it.
//
// Get and Stat address the file by its inode (/.reserved/.inodes/<id>)
// once they have found it, so the size, the digest and the bytes they
// return belong to one file even while a Put replaces it.
//
// Contexts: the client library's calls take no context. Each call runs in
// a goroutine of its own and the store returns as soon as the context is
// done; the call in flight goes on in the background and is abandoned: a
// namenode RPC ends when the namenode answers or after IOTimeout without
// progress on the connection (every read and write on the namenode
// connection has that deadline), a datanode write or read likewise. Later
// calls on the same store wait for it, since the library sends one RPC at
// a time per connection. A cancelled Put also deletes its temporary file
// (with its own 10-second limit) before it returns; a connection or a
// temporary file that comes into being after the caller gave up is closed
// or deleted by the goroutine that made it.
//
// Retries: connection failures (refused, reset, timed out, no namenode
// answering), RetriableException (a namenode starting up) and files still
// replicating on close are retried up to store.Options.MaxAttempts times,
// with a backoff doubling from Options.RetryBase; after a connection
// failure the next try dials afresh, in order, every namenode of the URL,
// so an HA pair fails over. Safe mode, permission denied and missing
// files are reported at once. The bytes of a Put are streamed once (the
// reader is not rewound): a failure while they are sent fails the Put.
package hdfs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"path"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	gohdfs "github.com/colinmarc/hdfs/v2"

	"github.com/clusterpack/clusterpack/internal/redact"
	"github.com/clusterpack/clusterpack/store"
	"github.com/clusterpack/clusterpack/store/internal/backend"
)

// XAttrSHA256 is the extended attribute that holds an object's sha256.
const XAttrSHA256 = "user.clusterpack.sha256"

// ErrSafeMode: the namenode is in safe mode (read-only).
var ErrSafeMode = errors.New("the namenode is in safe mode (read-only)")

// SHA256Storage says where the HDFS backend records digests.
type SHA256Storage string

const (
	// SHA256Auto uses extended attributes, and manifests where the
	// namenode has them disabled.
	SHA256Auto SHA256Storage = ""
	// SHA256XAttr always uses the extended attribute.
	SHA256XAttr SHA256Storage = "xattr"
	// SHA256Manifest always uses "<name>.sha256" manifests.
	SHA256Manifest SHA256Storage = "manifest"
)

// Options configure the HDFS backend beyond store.Options. The zero
// value takes everything from the environment (through
// store.Options.Getenv) and the Hadoop configuration.
type Options struct {
	// ConfDir is the Hadoop configuration directory (core-site.xml,
	// hdfs-site.xml). Empty means HADOOP_CONF_DIR, else
	// $HADOOP_HOME/etc/hadoop, else $HADOOP_HOME/conf. Without one, URLs
	// must name the namenode (hdfs://host:port/path) and authentication is
	// simple.
	ConfDir string
	// User is the HDFS user under simple authentication. Empty means
	// HADOOP_USER_NAME, else the operating system's user. Kerberos takes
	// the user from the principal instead.
	User string

	// Keytab and Principal log in to Kerberos with a keytab
	// ("clusterpack@EXAMPLE.COM", or without the realm: krb5.conf's
	// default_realm). A keytab enables Kerberos even when the Hadoop
	// configuration does not ask for it. Without a keytab, Kerberos
	// (hadoop.security.authentication=kerberos) uses the ticket cache.
	Keytab    string
	Principal string
	// CCache is the ticket cache file. Empty means KRB5CCNAME (FILE: and
	// DIR: caches), else /tmp/krb5cc_<uid>.
	CCache string
	// Krb5Conf is the Kerberos configuration. Empty means KRB5_CONFIG,
	// else /etc/krb5.conf.
	Krb5Conf string
	// ServicePrincipal is the namenode's Kerberos principal ("nn/_HOST",
	// realm optional). Empty means dfs.namenode.kerberos.principal.
	ServicePrincipal string

	// SHA256 chooses where digests are recorded; the zero value is
	// SHA256Auto.
	SHA256 SHA256Storage

	// DialTimeout limits connecting to a namenode or datanode; zero means
	// 10 seconds.
	DialTimeout time.Duration
	// IOTimeout is how long a connection may make no progress (a namenode
	// RPC, a datanode read or write, a Put's reader) before it fails; zero
	// means 2 minutes.
	IOTimeout time.Duration
	// RetryBase is the first pause between tries; zero means 500 ms.
	RetryBase time.Duration
}

// Open is the opener of hdfs:// URLs with the zero Options.
func Open(ctx context.Context, u *url.URL, opts store.Options) (store.Store, error) {
	return Opener(Options{})(ctx, u, opts)
}

// Opener returns an opener of hdfs:// URLs with these options, for
// store.Options.Openers["hdfs"].
//
// The URL is hdfs://namenode:port/path (port 8020 when omitted),
// hdfs://nameservice/path for a nameservice of the Hadoop configuration
// (an HA pair: its namenodes are tried in the configuration's order), or
// hdfs:///path for fs.defaultFS. The store connects on its first call.
func Opener(h Options) store.Opener {
	return func(ctx context.Context, u *url.URL, opts store.Options) (store.Store, error) {
		return open(ctx, u, opts, h)
	}
}

type hdfsStore struct {
	base     *url.URL // scheme and host as given, Path the root
	root     string   // the root directory in HDFS, clean and absolute
	addrs    []string // the namenodes, in failover order
	user     string   // for messages: the HDFS user or Kerberos principal
	clientOp func() gohdfs.ClientOptions
	log      *slog.Logger

	attempts   int
	retryBase  time.Duration
	ioTimeout  time.Duration
	configured SHA256Storage
	digest     atomic.Value // SHA256Storage: SHA256Auto until known

	publicMu   sync.Mutex
	publicDirs map[string]string // PublicNote's answer for each directory

	connect chan struct{} // a one-slot semaphore around connecting
	mu      sync.Mutex
	client  *gohdfs.Client
	closed  bool
}

func open(ctx context.Context, u *url.URL, opts store.Options, h Options) (store.Store, error) {
	redacted := redact.URL(u.String())
	fail := func(err error) (store.Store, error) { return nil, &store.Error{Op: "open", URL: redacted, Err: err} }
	if err := ctx.Err(); err != nil {
		return fail(err)
	}
	getenv := backend.Getenv(opts)
	switch h.SHA256 {
	case SHA256Auto, SHA256XAttr, SHA256Manifest:
	default:
		return fail(fmt.Errorf("unknown sha256 storage %q (want %q or %q)", h.SHA256, SHA256XAttr, SHA256Manifest))
	}
	if u.Opaque != "" {
		return fail(errors.New("an HDFS URL is hdfs://namenode:port/path, hdfs://nameservice/path or hdfs:///path"))
	}
	conf, confDir, err := loadHadoopConf(h, getenv)
	if err != nil {
		return fail(err)
	}
	addrs, err := hdfsNamenodes(u, conf, confDir)
	if err != nil {
		return fail(err)
	}
	cfg, err := hdfsClientConfig(conf, h, getenv)
	if err != nil {
		return fail(err)
	}
	root := path.Clean("/" + u.Path)
	s := &hdfsStore{
		base:      &url.URL{Scheme: "hdfs", Host: u.Host, Path: root},
		root:      root,
		addrs:     addrs,
		user:      cfg.user,
		log:       backend.Logger(opts.Logger),
		attempts:  opts.MaxAttempts,
		retryBase: h.RetryBase,
		ioTimeout: h.IOTimeout,
		connect:   make(chan struct{}, 1),
	}
	if s.attempts <= 0 {
		s.attempts = 5
	}
	if s.retryBase <= 0 {
		s.retryBase = 500 * time.Millisecond
	}
	if s.ioTimeout <= 0 {
		s.ioTimeout = 2 * time.Minute
	}
	dialTimeout := h.DialTimeout
	if dialTimeout <= 0 {
		dialTimeout = 10 * time.Second
	}
	s.configured = h.SHA256
	s.digest.Store(h.SHA256)
	dialer := &net.Dialer{Timeout: dialTimeout, KeepAlive: 30 * time.Second}
	base := cfg.options
	base.Addresses = addrs
	base.NamenodeDialFunc = func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := dialer.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return &deadlineConn{Conn: c, timeout: s.ioTimeout}, nil
	}
	base.DatanodeDialFunc = dialer.DialContext
	s.clientOp = func() gohdfs.ClientOptions { return base }
	return s, nil
}

func (s *hdfsStore) URL(name string) string {
	u := *s.base
	if name != "" {
		u.Path = strings.TrimSuffix(s.root, "/") + "/" + name
	}
	return u.String()
}

func (s *hdfsStore) path(name string) string { return path.Join(s.root, name) }

func (s *hdfsStore) Close() error {
	s.mu.Lock()
	c := s.client
	s.client, s.closed = nil, true
	s.mu.Unlock()
	if c != nil {
		// Close waits for an RPC in flight, which ends within IOTimeout.
		go c.Close()
	}
	return nil
}

// The names reserved for the backend's own files.
const (
	sidecarSuffix = store.SidecarSuffix
	tempPrefix    = store.TempPrefix
)

// ensure the interface is met.
var (
	_ store.Store       = (*hdfsStore)(nil)
	_ store.PublicNoter = (*hdfsStore)(nil)
)
