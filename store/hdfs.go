package store

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/colinmarc/hdfs/v2"
)

// The HDFS backend keeps each object as a file under the store's root
// directory, written with github.com/colinmarc/hdfs (the namenode's RPC
// protocol and the datanodes' data transfer protocol, no JVM).
//
// The recorded sha256 is the extended attribute user.clusterpack.sha256
// of the file. Where the namenode has extended attributes disabled
// (dfs.namenode.xattrs.enabled=false) the backend notices on first use and
// keeps it in a manifest beside the object instead, "<name>.sha256" in
// sha256sum's format, as the local backend does; HDFSOptions.SHA256 can
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
// replicating on close are retried up to Options.MaxAttempts times, with a
// backoff doubling from HDFSOptions.RetryBase; after a connection failure
// the next try dials afresh, in order, every namenode of the URL, so an HA
// pair fails over. Safe mode, permission denied and missing files are
// reported at once. The bytes of a Put are streamed once (the reader is
// not rewound): a failure while they are sent fails the Put.

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

// HDFSOptions configure the HDFS backend beyond Options. The zero value
// takes everything from the environment (through Options.Getenv) and the
// Hadoop configuration.
type HDFSOptions struct {
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

// OpenHDFS is the opener of hdfs:// URLs with the zero HDFSOptions.
func OpenHDFS(ctx context.Context, u *url.URL, opts Options) (Store, error) {
	return HDFSOpener(HDFSOptions{})(ctx, u, opts)
}

// HDFSOpener returns an opener of hdfs:// URLs with these options, for
// Options.Openers["hdfs"].
//
// The URL is hdfs://namenode:port/path (port 8020 when omitted),
// hdfs://nameservice/path for a nameservice of the Hadoop configuration
// (an HA pair: its namenodes are tried in the configuration's order), or
// hdfs:///path for fs.defaultFS. The store connects on its first call.
func HDFSOpener(h HDFSOptions) Opener {
	return func(ctx context.Context, u *url.URL, opts Options) (Store, error) {
		return openHDFS(ctx, u, opts, h)
	}
}

type hdfsStore struct {
	base     *url.URL // scheme and host as given, Path the root
	root     string   // the root directory in HDFS, clean and absolute
	addrs    []string // the namenodes, in failover order
	user     string   // for messages: the HDFS user or Kerberos principal
	clientOp func() hdfs.ClientOptions
	log      *slog.Logger

	attempts   int
	retryBase  time.Duration
	ioTimeout  time.Duration
	configured SHA256Storage
	digest     atomic.Value // SHA256Storage: SHA256Auto until known

	connect chan struct{} // a one-slot semaphore around connecting
	mu      sync.Mutex
	client  *hdfs.Client
	closed  bool
}

func openHDFS(ctx context.Context, u *url.URL, opts Options, h HDFSOptions) (Store, error) {
	redacted := Redact(u.String())
	fail := func(err error) (Store, error) { return nil, &Error{Op: "open", URL: redacted, Err: err} }
	if err := ctx.Err(); err != nil {
		return fail(err)
	}
	getenv := opts.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
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
		log:       logger(opts.Logger),
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
	s.clientOp = func() hdfs.ClientOptions { return base }
	return s, nil
}

// deadlineConn gives every read and write a deadline: a namenode that
// stops answering fails the RPC after the timeout instead of hanging it.
// The namenode connection is only read while an RPC waits for its answer.
type deadlineConn struct {
	net.Conn
	timeout time.Duration
}

func (c *deadlineConn) Read(b []byte) (int, error) {
	c.Conn.SetReadDeadline(time.Now().Add(c.timeout))
	return c.Conn.Read(b)
}

func (c *deadlineConn) Write(b []byte) (int, error) {
	c.Conn.SetWriteDeadline(time.Now().Add(c.timeout))
	return c.Conn.Write(b)
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

var errHDFSClosed = errors.New("the store is closed")

// getClient returns the connected client, connecting first if needed.
func (s *hdfsStore) getClient(ctx context.Context) (*hdfs.Client, error) {
	s.mu.Lock()
	c, closed := s.client, s.closed
	s.mu.Unlock()
	if closed {
		return nil, errHDFSClosed
	}
	if c != nil {
		return c, nil
	}
	select {
	case s.connect <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-s.connect }()
	s.mu.Lock()
	c, closed = s.client, s.closed
	s.mu.Unlock()
	if closed {
		return nil, errHDFSClosed
	}
	if c != nil {
		return c, nil
	}
	type result struct {
		c   *hdfs.Client
		err error
	}
	done := make(chan result, 1)
	go func() {
		nc, err := hdfs.NewClient(s.clientOp())
		if err == nil {
			// The library caches the server defaults on first use without
			// a lock: fetch them now, before concurrent Creates race on it.
			if _, err = nc.ServerDefaults(); err != nil {
				nc.Close()
				nc = nil
			}
		}
		done <- result{nc, err}
	}()
	var nc *hdfs.Client
	select {
	case r := <-done:
		if r.err != nil {
			return nil, r.err
		}
		nc = r.c
	case <-ctx.Done():
		// A connection that comes up after all is closed, not leaked.
		go func() {
			if r := <-done; r.c != nil {
				r.c.Close()
			}
		}()
		return nil, ctx.Err()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		go nc.Close()
		return nil, errHDFSClosed
	}
	s.client = nc
	s.log.Debug("connected to HDFS", "namenodes", s.addrs, "user", s.user)
	return nc, nil
}

// dropClient forgets c after a connection failure, so that the next try
// dials the namenodes afresh.
func (s *hdfsStore) dropClient(c *hdfs.Client) {
	s.mu.Lock()
	if s.client == c {
		s.client = nil
	} else {
		c = nil
	}
	s.mu.Unlock()
	if c != nil {
		go c.Close()
	}
}

// runCtx runs fn and returns its error, or ctx's as soon as ctx is done
// (fn then goes on in the background, its result dropped).
func runCtx(ctx context.Context, fn func() error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() { done <- fn() }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// call runs fn with a connected client under ctx, retrying transient
// failures with backoff. fn must be safe to repeat.
func (s *hdfsStore) call(ctx context.Context, what string, fn func(c *hdfs.Client) error) error {
	pause := s.retryBase
	for attempt := 1; ; attempt++ {
		c, err := s.getClient(ctx)
		if err == nil {
			err = runCtx(ctx, func() error { return fn(c) })
		}
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		kind := hdfsErrorKind(err)
		if kind == kindConnection && c != nil {
			s.dropClient(c)
		}
		if !kind.transient() || attempt >= s.attempts {
			if kind.transient() && attempt > 1 {
				return &triedError{tries: attempt, err: err}
			}
			return err
		}
		s.log.Info("retrying HDFS call", "call", what, "url", s.URL(""), "attempt", attempt, "pause", pause, "error", err)
		select {
		case <-time.After(pause):
		case <-ctx.Done():
			return ctx.Err()
		}
		pause = min(2*pause, 8*time.Second)
	}
}

// fail wraps err as the *Error of op on name, in words a user can act on.
func (s *hdfsStore) fail(op, name, action string, err error) error {
	return &Error{Op: op, URL: s.URL(name), Err: s.explain(action, err)}
}

func (s *hdfsStore) Stat(ctx context.Context, name string) (Info, error) {
	if err := ValidName(name); err != nil {
		return Info{}, &Error{Op: "stat", URL: s.URL(name), Err: err}
	}
	info, _, err := s.stat(ctx, name)
	if err != nil {
		return Info{}, s.fail("stat", name, "read", err)
	}
	return info, nil
}

// errReplaced: the file found under a name was replaced (or removed)
// before its digest was read or it was opened.
var errReplaced = errors.New("replaced while it was read")

// stat returns the object's info and its file's inode path. A file
// replaced by a concurrent Put while it is looked at is looked up again.
func (s *hdfsStore) stat(ctx context.Context, name string) (Info, string, error) {
	for range 10 {
		info, ipath, err := s.statOnce(ctx, name)
		if !errors.Is(err, errReplaced) {
			return info, ipath, err
		}
	}
	return Info{}, "", fmt.Errorf("the object keeps being replaced: %w", errReplaced)
}

func (s *hdfsStore) statOnce(ctx context.Context, name string) (Info, string, error) {
	var fi os.FileInfo
	err := s.call(ctx, "stat", func(c *hdfs.Client) error {
		var err error
		fi, err = c.Stat(s.path(name))
		return err
	})
	if err != nil {
		return Info{}, "", err
	}
	if fi.IsDir() {
		return Info{}, "", ErrNotExist
	}
	ipath := inodePath(fi, s.path(name))
	sha, err := s.readSHA256(ctx, name, ipath, nil)
	if err != nil {
		return Info{}, "", err
	}
	return Info{Name: name, Size: fi.Size(), SHA256: sha, ModTime: fi.ModTime()}, ipath, nil
}

// inodePath is the path that names fi's file even after a rename or a
// replacement: /.reserved/.inodes/<file id>.
func inodePath(fi os.FileInfo, p string) string {
	if st, ok := fi.Sys().(*hdfs.FileStatus); ok && st.GetFileId() != 0 {
		return "/.reserved/.inodes/" + strconv.FormatUint(st.GetFileId(), 10)
	}
	return p
}

func (s *hdfsStore) digestMode() SHA256Storage { return s.digest.Load().(SHA256Storage) }

// readSHA256 returns the recorded digest of name, whose file ipath names:
// its attribute, else its manifest. hasManifest, when not nil, says
// whether a manifest exists (from a directory listing), saving a lookup.
func (s *hdfsStore) readSHA256(ctx context.Context, name, ipath string, hasManifest *bool) (string, error) {
	if s.digestMode() != SHA256Manifest {
		var attrs map[string]string
		err := s.call(ctx, "list xattrs", func(c *hdfs.Client) error {
			var err error
			attrs, err = c.ListXAttrs(ipath)
			return err
		})
		switch {
		case err == nil:
			if sha := attrs[XAttrSHA256]; sha != "" {
				if ValidSHA256(sha) == nil {
					return sha, nil
				}
				s.log.Warn("ignoring a damaged sha256 attribute", "url", s.URL(name), "value", sha)
				return "", nil
			}
		case xattrsDisabled(err) && s.configured == SHA256Auto:
			s.noXAttrs()
		case notFound(err):
			return "", errReplaced
		default:
			return "", fmt.Errorf("reading the sha256 attribute: %w", err)
		}
	}
	if hasManifest != nil && !*hasManifest {
		return "", nil
	}
	return s.readManifest(ctx, name)
}

// noXAttrs switches an automatic store to manifests.
func (s *hdfsStore) noXAttrs() {
	if s.digest.CompareAndSwap(SHA256Auto, SHA256Manifest) {
		s.log.Info("the namenode has extended attributes disabled: recording sha256 digests in .sha256 manifests", "url", s.URL(""))
	}
}

// readManifest returns the digest in name's manifest, "" if none.
func (s *hdfsStore) readManifest(ctx context.Context, name string) (string, error) {
	var line string
	err := s.call(ctx, "read manifest", func(c *hdfs.Client) error {
		// By inode, so that a manifest replaced meanwhile reads as
		// missing rather than as a mix.
		fi, err := c.Stat(s.path(name) + sidecarSuffix)
		if err != nil {
			return err
		}
		f, err := c.Open(inodePath(fi, s.path(name)+sidecarSuffix))
		if err != nil {
			return err
		}
		defer f.Close()
		f.SetDeadline(time.Now().Add(s.ioTimeout))
		line, err = bufio.NewReader(io.LimitReader(f, 4096)).ReadString('\n')
		if err == io.EOF {
			err = nil
		}
		return err
	})
	if notFound(err) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("reading the sha256 manifest: %w", err)
	}
	fields := strings.Fields(line)
	if len(fields) == 0 {
		return "", nil
	}
	sha := strings.ToLower(fields[0])
	if ValidSHA256(sha) != nil {
		s.log.Warn("ignoring a damaged sha256 manifest", "url", s.URL(name)+sidecarSuffix)
		return "", nil
	}
	return sha, nil
}

func (s *hdfsStore) Get(ctx context.Context, name string) (io.ReadCloser, Info, error) {
	if err := ValidName(name); err != nil {
		return nil, Info{}, &Error{Op: "get", URL: s.URL(name), Err: err}
	}
	for range 10 {
		info, ipath, err := s.stat(ctx, name)
		if err != nil {
			return nil, Info{}, s.fail("get", name, "read", err)
		}
		var f *hdfs.FileReader
		err = s.call(ctx, "open", func(c *hdfs.Client) error {
			var err error
			f, err = c.Open(ipath)
			return err
		})
		if notFound(err) {
			continue // replaced by a Put since the stat: look again
		}
		if err != nil {
			return nil, Info{}, s.fail("get", name, "read", err)
		}
		return newHDFSReader(ctx, s, f, name), info, nil
	}
	return nil, Info{}, s.fail("get", name, "read", fmt.Errorf("the object keeps being replaced: %w", errReplaced))
}

// hdfsReader reads an HDFS file under a context: a read fails once the
// context is done, and each read has IOTimeout to make progress. Reads go
// through a buffer of its own, in a goroutine, so that a read abandoned
// when the context ends never writes into the caller's slice; Close
// closes the file once such a read has ended.
type hdfsReader struct {
	ctx  context.Context
	f    *hdfs.FileReader
	s    *hdfsStore
	name string
	buf  []byte
	busy chan struct{} // holds a token while a read is in flight
}

func newHDFSReader(ctx context.Context, s *hdfsStore, f *hdfs.FileReader, name string) *hdfsReader {
	return &hdfsReader{ctx: ctx, f: f, s: s, name: name, busy: make(chan struct{}, 1)}
}

func (r *hdfsReader) Read(b []byte) (int, error) {
	if err := r.ctx.Err(); err != nil {
		return 0, err
	}
	if len(b) == 0 {
		return 0, nil
	}
	select {
	case r.busy <- struct{}{}:
	case <-r.ctx.Done():
		return 0, r.ctx.Err()
	}
	if r.buf == nil {
		r.buf = make([]byte, 256<<10)
	}
	buf := r.buf[:min(len(b), len(r.buf))]
	type result struct {
		n   int
		err error
	}
	done := make(chan result, 1)
	go func() {
		defer func() { <-r.busy }()
		r.f.SetDeadline(time.Now().Add(r.s.ioTimeout))
		n, err := r.f.Read(buf)
		done <- result{n, err}
	}()
	var res result
	select {
	case res = <-done:
	case <-r.ctx.Done():
		return 0, r.ctx.Err()
	}
	n := copy(b, buf[:res.n])
	err := res.err
	if err != nil && err != io.EOF {
		if notFound(err) {
			err = errors.New("the object was replaced or removed while it was read (a Put of the same name?): read it again")
		}
		return n, r.s.fail("get", r.name, "read", err)
	}
	return n, err
}

func (r *hdfsReader) Close() error {
	select {
	case r.busy <- struct{}{}:
		return r.f.Close()
	default:
		// A read abandoned by a cancelled context is still in flight.
		go func() {
			r.busy <- struct{}{}
			r.f.Close()
		}()
		return nil
	}
}

func randomSuffix() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func (s *hdfsStore) Put(ctx context.Context, name string, r io.Reader, size int64, opts PutOptions) (Info, error) {
	if err := ValidName(name); err != nil {
		return Info{}, &Error{Op: "put", URL: s.URL(name), Err: err}
	}
	if err := ValidSHA256(opts.SHA256); err != nil {
		return Info{}, &Error{Op: "put", URL: s.URL(name), Err: err}
	}
	info, err := s.put(ctx, name, r, size, opts)
	if err != nil {
		return Info{}, s.fail("put", name, "write", err)
	}
	return info, nil
}

func (s *hdfsStore) put(ctx context.Context, name string, r io.Reader, size int64, opts PutOptions) (Info, error) {
	dst := s.path(name)
	dir := path.Dir(dst)
	if err := s.call(ctx, "mkdir", func(c *hdfs.Client) error { return c.MkdirAll(dir, 0o755) }); err != nil {
		return Info{}, fmt.Errorf("creating the directory %s: %w", dir, err)
	}

	// The temporary file: a new random name on each try, so that a create
	// whose answer was lost does not collide with the retry.
	var (
		tmp string
		w   *hdfs.FileWriter
		wc  *hdfs.Client
	)
	err := s.call(ctx, "create", func(c *hdfs.Client) error {
		tmp = dir + "/" + tempPrefix + path.Base(name) + "-" + randomSuffix()
		nw, err := c.Create(tmp)
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			// Created after the Put gave up on it: nobody else will
			// clean this one up.
			nw.Close()
			c.Remove(tmp)
			return err
		}
		w, wc = nw, c
		return nil
	})
	if err != nil {
		return Info{}, fmt.Errorf("creating a temporary file: %w", err)
	}
	committed := false
	defer func() {
		if !committed {
			s.removeQuietly(ctx, wc, tmp)
		}
	}()

	var src io.Reader = newExactReader(r, size)
	if p := newProgress(opts.Progress, size); p != nil {
		src = &countingReader{r: src, p: p}
	}
	n, err := s.copyTo(ctx, w, src)
	if err != nil {
		return Info{}, err
	}

	var fi os.FileInfo
	if err := s.call(ctx, "stat", func(c *hdfs.Client) error {
		var err error
		fi, err = c.Stat(tmp)
		return err
	}); err != nil {
		return Info{}, fmt.Errorf("checking the temporary file %s: %w", tmp, err)
	}
	if fi.Size() != n {
		return Info{}, fmt.Errorf("the temporary file %s has %d bytes; %d were written", tmp, fi.Size(), n)
	}

	var manifestTmp string
	if opts.SHA256 != "" && s.digestMode() != SHA256Manifest {
		err := s.call(ctx, "set xattr", func(c *hdfs.Client) error { return c.SetXAttr(tmp, XAttrSHA256, opts.SHA256) })
		if xattrsDisabled(err) && s.configured == SHA256Auto {
			s.noXAttrs()
		} else if err != nil {
			return Info{}, fmt.Errorf("recording the sha256 attribute: %w", err)
		}
	}
	if opts.SHA256 != "" && s.digestMode() == SHA256Manifest {
		manifestTmp, err = s.writeManifestTemp(ctx, dir, name, opts.SHA256)
		if err != nil {
			return Info{}, fmt.Errorf("writing the sha256 manifest: %w", err)
		}
		defer func() {
			if manifestTmp != "" {
				s.removeQuietly(ctx, nil, manifestTmp)
			}
		}()
	}
	if err := ctx.Err(); err != nil {
		return Info{}, err
	}
	// The old digest goes first: a reader may see the new object with no
	// digest for a moment, never with the old object's.
	err = s.call(ctx, "remove manifest", func(c *hdfs.Client) error {
		err := c.Remove(dst + sidecarSuffix)
		if notFound(err) {
			return nil
		}
		return err
	})
	if err != nil {
		return Info{}, fmt.Errorf("removing the old sha256 manifest: %w", err)
	}
	if err := s.rename(ctx, tmp, dst, n); err != nil {
		return Info{}, fmt.Errorf("renaming the temporary file into place: %w", err)
	}
	committed = true
	if manifestTmp != "" {
		if err := s.rename(ctx, manifestTmp, dst+sidecarSuffix, -1); err != nil {
			return Info{}, fmt.Errorf("renaming the sha256 manifest into place (the object is stored, unverified): %w", err)
		}
		manifestTmp = ""
	}
	s.log.Debug("stored", "url", s.URL(name), "size", n)
	return Info{Name: name, Size: n, SHA256: opts.SHA256, ModTime: fi.ModTime()}, nil
}

// rename moves from over to, replacing it. A retried rename whose first
// try went through finds from gone and to in place with size bytes
// (size < 0: any), and counts as done.
func (s *hdfsStore) rename(ctx context.Context, from, to string, size int64) error {
	tries := 0
	return s.call(ctx, "rename", func(c *hdfs.Client) error {
		tries++
		err := c.Rename(from, to)
		if err != nil && tries > 1 && notFound(err) {
			if fi, serr := c.Stat(to); serr == nil && (size < 0 || fi.Size() == size) {
				return nil
			}
		}
		return err
	})
}

// copyTo streams src into w and closes w, under ctx, and returns the
// number of bytes written. The caller's goroutine reads src (so src is
// never touched after copyTo returns); a goroutine of its own writes to
// the datanodes, two 1 MiB buffers apart. When ctx ends, copyTo returns at
// once, or as soon as a src.Read in progress returns (a reader that may
// block for long should watch the same context), and the writing goroutine is left
// to fail or finish on its own, within IOTimeout; the caller deletes the
// temporary file meanwhile. Reader errors are returned as they are.
func (s *hdfsStore) copyTo(ctx context.Context, w *hdfs.FileWriter, src io.Reader) (int64, error) {
	const bufSize = 1 << 20
	free := make(chan []byte, 2)
	free <- make([]byte, bufSize)
	free <- make([]byte, bufSize)
	work := make(chan []byte, 2)
	failed := make(chan struct{})   // closed on the first write error
	finished := make(chan struct{}) // closed when the writer is done
	var werr error                  // set before failed or finished closes
	go func() {
		defer close(finished)
		for b := range work {
			if werr == nil {
				w.SetDeadline(time.Now().Add(s.ioTimeout))
				if _, err := w.Write(b); err != nil {
					werr = fmt.Errorf("writing to the datanode: %w", err)
					close(failed)
				}
			}
			free <- b[:cap(b)]
		}
		if werr != nil {
			w.Close()
			return
		}
		werr = s.closeWriter(ctx, w)
	}()
	var n int64
	for {
		var buf []byte
		select {
		case buf = <-free:
		case <-failed:
			close(work)
			return n, werr
		case <-ctx.Done():
			close(work)
			return n, ctx.Err()
		}
		if err := ctx.Err(); err != nil {
			close(work)
			return n, err
		}
		k, rerr := src.Read(buf)
		if k > 0 {
			work <- buf[:k]
			n += int64(k)
		} else {
			free <- buf
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			close(work)
			if err := ctx.Err(); err != nil {
				return n, err // the reader gave up because of the context
			}
			return n, rerr
		}
	}
	close(work)
	select {
	case <-finished:
		return n, werr
	case <-ctx.Done():
		return n, ctx.Err()
	}
}

// closeWriter completes the file, waiting while the namenode says its
// last block is still replicating, as the Java client does.
func (s *hdfsStore) closeWriter(ctx context.Context, w *hdfs.FileWriter) error {
	pause := 100 * time.Millisecond
	for attempt := 1; ; attempt++ {
		w.SetDeadline(time.Now().Add(s.ioTimeout))
		err := w.Close()
		if err == nil {
			return nil
		}
		if !hdfs.IsErrReplicating(err) || attempt >= 8 || ctx.Err() != nil {
			return fmt.Errorf("completing the file: %w", err)
		}
		time.Sleep(pause)
		pause *= 2
	}
}

// writeManifestTemp writes "<sha256>  <base name>\n" to a new temporary
// file in dir and returns its path.
func (s *hdfsStore) writeManifestTemp(ctx context.Context, dir, name, sha string) (string, error) {
	var tmp string
	err := s.call(ctx, "write manifest", func(c *hdfs.Client) error {
		tmp = dir + "/" + tempPrefix + path.Base(name) + sidecarSuffix + "-" + randomSuffix()
		w, err := c.Create(tmp)
		if err != nil {
			return err
		}
		w.SetDeadline(time.Now().Add(s.ioTimeout))
		if _, err := fmt.Fprintf(w, "%s  %s\n", sha, path.Base(name)); err != nil {
			w.Close()
			c.Remove(tmp)
			return err
		}
		if err := s.closeWriter(ctx, w); err != nil {
			c.Remove(tmp)
			return err
		}
		return nil
	})
	return tmp, err
}

// removeQuietly deletes a temporary file after a failure, with a limit
// of its own so that a cancelled Put still cleans up.
func (s *hdfsStore) removeQuietly(ctx context.Context, c *hdfs.Client, p string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	err := runCtx(ctx, func() error {
		if c == nil {
			var err error
			if c, err = s.getClient(ctx); err != nil {
				return err
			}
		}
		return c.Remove(p)
	})
	if err != nil && !notFound(err) {
		s.log.Warn("could not remove a temporary file", "path", p, "error", err)
	}
}

func (s *hdfsStore) List(ctx context.Context, prefix string) ([]Info, error) {
	start := s.root
	if i := strings.LastIndex(prefix, "/"); i >= 0 {
		if ValidName(prefix[:i]) != nil {
			return nil, nil // no object can have that prefix
		}
		start = s.path(prefix[:i])
	}
	var out []Info
	if err := s.walk(ctx, start, prefix, &out); err != nil {
		return nil, s.fail("list", prefix, "list", err)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// walk appends the objects under dir whose names start with prefix.
func (s *hdfsStore) walk(ctx context.Context, dir, prefix string, out *[]Info) error {
	var entries []os.FileInfo
	err := s.call(ctx, "list", func(c *hdfs.Client) error {
		var err error
		entries, err = c.ReadDir(dir)
		return err
	})
	if notFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	files := make(map[string]bool, len(entries))
	for _, e := range entries {
		files[e.Name()] = !e.IsDir()
	}
	for _, e := range entries {
		p := path.Join(dir, e.Name())
		rel := strings.TrimPrefix(strings.TrimPrefix(p, s.root), "/")
		if e.IsDir() {
			if strings.HasPrefix(rel+"/", prefix) || strings.HasPrefix(prefix, rel+"/") {
				if err := s.walk(ctx, p, prefix, out); err != nil {
					return err
				}
			}
			continue
		}
		if !strings.HasPrefix(rel, prefix) || ValidName(rel) != nil {
			continue // temporary files, manifests
		}
		hasManifest := files[e.Name()+sidecarSuffix]
		sha, err := s.readSHA256(ctx, rel, inodePath(e, p), &hasManifest)
		info := Info{Name: rel, Size: e.Size(), SHA256: sha, ModTime: e.ModTime()}
		if errors.Is(err, errReplaced) {
			// Replaced or removed since the listing: as it is now.
			info, _, err = s.stat(ctx, rel)
			if errors.Is(err, ErrNotExist) || notFound(err) {
				continue
			}
		}
		if err != nil {
			return err
		}
		*out = append(*out, info)
	}
	return nil
}

// ensure the interface is met.
var _ Store = (*hdfsStore)(nil)
