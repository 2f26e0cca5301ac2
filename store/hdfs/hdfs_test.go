package hdfs_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os/user"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	gohdfs "github.com/colinmarc/hdfs/v2"

	"github.com/clusterpack/clusterpack/internal/testing/hdfstest"
	"github.com/clusterpack/clusterpack/store"
	"github.com/clusterpack/clusterpack/store/hdfs"
	"github.com/clusterpack/clusterpack/store/storetest"
)

// The HDFS tests run against a real HDFS: Hadoop's MiniDFSCluster on
// loopback (internal/testing/hdfstest), one shared by the tests of this package.
// They do not run in parallel: some stop the namenode or put it in safe
// mode.

// env is a Getenv that sees only vars, keeping the developer's own
// HADOOP_CONF_DIR and Kerberos settings out of the tests.
func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

var dirSeq atomic.Int64

// freshDir is a new directory name in HDFS for one test.
func freshDir(t *testing.T) string {
	return fmt.Sprintf("/t/%s-%d-%d", strings.ReplaceAll(t.Name(), "/", "_"), time.Now().UnixNano(), dirSeq.Add(1))
}

func openHDFS(t *testing.T, rawURL string, opts store.Options, h hdfs.Options) store.Store {
	t.Helper()
	if opts.Getenv == nil {
		opts.Getenv = env(nil)
	}
	opts.Openers = map[string]store.Opener{"hdfs": hdfs.Opener(h)}
	s, err := store.Open(context.Background(), rawURL, opts)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// rawClient talks to the cluster directly, as the superuser, to look
// behind the store's back.
func rawClient(t *testing.T, c *hdfstest.Cluster) *gohdfs.Client {
	t.Helper()
	u, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	cl, err := gohdfs.NewClient(gohdfs.ClientOptions{Addresses: []string{c.Addr}, User: u.Username})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cl.Close() })
	return cl
}

// deadPort is a loopback port nothing listens on.
func deadPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	t.Cleanup(cancel)
	return c
}

func TestHDFSConformance(t *testing.T) {
	c := hdfstest.Shared(t, hdfstest.Config{})
	t.Logf("minicluster started in %v", c.Started.Round(time.Millisecond))
	storetest.Run(t, func(t *testing.T) store.Store {
		return openHDFS(t, c.URL(freshDir(t)), store.Options{}, hdfs.Options{})
	})
}

// With extended attributes disabled on the namenode, the store notices
// and records digests in manifests.
func TestHDFSConformanceNoXAttrs(t *testing.T) {
	c := hdfstest.Shared(t, hdfstest.Config{NoXAttrs: true})
	storetest.RunWith(t, func(t *testing.T) store.Store {
		return openHDFS(t, c.URL(freshDir(t)), store.Options{}, hdfs.Options{})
	}, storetest.Config{BigSize: -1})

	dir := freshDir(t)
	s := openHDFS(t, c.URL(dir), store.Options{}, hdfs.Options{})
	defer s.Close()
	content := []byte("manifest please")
	storetest.Put(t, s, "sub/env-1.pex", content)
	raw := rawClient(t, c)
	got, err := raw.ReadFile(dir + "/sub/env-1.pex.sha256")
	if err != nil {
		t.Fatal(err)
	}
	if want := storetest.SHA256(content) + "  env-1.pex\n"; string(got) != want {
		t.Errorf("manifest = %q; want %q (sha256sum format)", got, want)
	}
	assertNoTemps(t, raw, dir+"/sub")
}

// SHA256Manifest chooses manifests where xattrs work too; the store reads
// them back, and a store in automatic mode reads them as well.
func TestHDFSManifestOption(t *testing.T) {
	c := hdfstest.Shared(t, hdfstest.Config{})
	storetest.RunWith(t, func(t *testing.T) store.Store {
		return openHDFS(t, c.URL(freshDir(t)), store.Options{}, hdfs.Options{SHA256: hdfs.SHA256Manifest})
	}, storetest.Config{BigSize: -1})

	dir := freshDir(t)
	m := openHDFS(t, c.URL(dir), store.Options{}, hdfs.Options{SHA256: hdfs.SHA256Manifest})
	defer m.Close()
	content := []byte("written with a manifest")
	storetest.Put(t, m, "env-m.pex", content)
	raw := rawClient(t, c)
	attrs, err := raw.ListXAttrs(dir + "/env-m.pex")
	if err != nil || len(attrs) != 0 {
		t.Errorf("manifest mode set attributes %v, %v", attrs, err)
	}
	auto := openHDFS(t, c.URL(dir), store.Options{}, hdfs.Options{})
	defer auto.Close()
	info, err := auto.Stat(ctx(t), "env-m.pex")
	if err != nil || info.SHA256 != storetest.SHA256(content) {
		t.Errorf("automatic store reads %+v, %v; want the manifest's digest", info, err)
	}
	// Overwriting in xattr mode removes the old manifest.
	storetest.Put(t, auto, "env-m.pex", []byte("new"))
	if _, err := raw.Stat(dir + "/env-m.pex.sha256"); err == nil {
		t.Error("the old manifest survived an overwrite")
	}
	if info, err := m.Stat(ctx(t), "env-m.pex"); err != nil || info.SHA256 != "" {
		t.Errorf("manifest store after xattr overwrite: %+v, %v; want no digest", info, err)
	}
}

// The upload-if-absent checks, with corruption at rest made behind the
// store's back: the file rewritten with one byte flipped and the old
// digest.
func TestHDFSEnsure(t *testing.T) {
	c := hdfstest.Shared(t, hdfstest.Config{})
	dir := freshDir(t)
	s := openHDFS(t, c.URL(dir), store.Options{}, hdfs.Options{})
	defer s.Close()
	raw := rawClient(t, c)
	storetest.Ensure(t, s, func(t *testing.T, name string) {
		p := dir + "/" + name
		b, err := raw.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		attrs, err := raw.ListXAttrs(p)
		if err != nil {
			t.Fatal(err)
		}
		b[12345] ^= 0xff
		if err := raw.Remove(p); err != nil {
			t.Fatal(err)
		}
		w, err := raw.Create(p)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(b); err != nil {
			t.Fatal(err)
		}
		for err = w.Close(); gohdfs.IsErrReplicating(err); err = w.Close() {
			time.Sleep(100 * time.Millisecond)
		}
		if err != nil {
			t.Fatal(err)
		}
		if err := raw.SetXAttr(p, hdfs.XAttrSHA256, attrs[hdfs.XAttrSHA256]); err != nil {
			t.Fatal(err)
		}
	})
}

func TestHDFSXAttr(t *testing.T) {
	c := hdfstest.Shared(t, hdfstest.Config{})
	dir := freshDir(t)
	s := openHDFS(t, c.URL(dir), store.Options{}, hdfs.Options{})
	defer s.Close()
	content := storetest.Data(1, 5000)
	storetest.Put(t, s, "env-abc.pex", content)
	raw := rawClient(t, c)
	attrs, err := raw.ListXAttrs(dir + "/env-abc.pex")
	if err != nil {
		t.Fatal(err)
	}
	if got := attrs[hdfs.XAttrSHA256]; got != storetest.SHA256(content) {
		t.Errorf("xattr %s = %q; want %q", hdfs.XAttrSHA256, got, storetest.SHA256(content))
	}
	if _, err := raw.Stat(dir + "/env-abc.pex.sha256"); err == nil {
		t.Error("xattr mode wrote a manifest")
	}
	assertNoTemps(t, raw, dir)
	// A damaged attribute means no digest.
	if err := raw.SetXAttr(dir+"/env-abc.pex", hdfs.XAttrSHA256, "garbage"); err != nil {
		t.Fatal(err)
	}
	if info, err := s.Stat(ctx(t), "env-abc.pex"); err != nil || info.SHA256 != "" {
		t.Errorf("Stat with a damaged attribute = %+v, %v; want no digest", info, err)
	}
	// A crashed Put's temporary file is not listed.
	if err := raw.CreateEmptyFile(dir + "/.clusterpack-tmp-env-x.pex-0123"); err != nil {
		t.Fatal(err)
	}
	list, err := s.List(ctx(t), "")
	if err != nil || len(list) != 1 || list[0].Name != "env-abc.pex" {
		t.Errorf("List = %+v, %v; want only env-abc.pex", list, err)
	}
}

func assertNoTemps(t *testing.T, raw *gohdfs.Client, dir string) {
	t.Helper()
	entries, err := raw.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".clusterpack-tmp-") {
			t.Errorf("temporary file left in %s: %s", dir, e.Name())
		}
	}
}

// A failed or cancelled Put deletes its temporary file.
func TestHDFSFailedPutCleansUp(t *testing.T) {
	c := hdfstest.Shared(t, hdfstest.Config{})
	dir := freshDir(t)
	s := openHDFS(t, c.URL(dir), store.Options{}, hdfs.Options{})
	defer s.Close()
	raw := rawClient(t, c)
	storetest.Put(t, s, "keep.bin", []byte("old"))

	content := storetest.Data(2, 3<<20)
	r := io.MultiReader(bytes.NewReader(content[:2<<20]), &errReader{})
	if _, err := s.Put(ctx(t), "keep.bin", r, int64(len(content)), store.PutOptions{}); err == nil {
		t.Fatal("a Put whose reader failed succeeded")
	}
	_, err := s.Put(ctx(t), "short.bin", bytes.NewReader(content[:10]), 20, store.PutOptions{})
	if !errors.Is(err, store.ErrSizeMismatch) {
		t.Errorf("short Put error = %v; want ErrSizeMismatch", err)
	}

	cctx, cancel := context.WithCancel(ctx(t))
	pr, pw := io.Pipe()
	go func() {
		pw.Write(content[:1<<20])
		time.Sleep(200 * time.Millisecond)
		cancel()
		// The source gives up too (a reader is only read in the
		// caller's goroutine): the Put reports the cancellation.
		pw.CloseWithError(errors.New("source gone"))
	}()
	begin := time.Now()
	_, err = s.Put(cctx, "cancelled.bin", pr, int64(len(content)), store.PutOptions{})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled Put error = %v; want context.Canceled", err)
	}
	if d := time.Since(begin); d > 15*time.Second {
		t.Errorf("cancelled Put took %v to return", d)
	}

	assertNoTemps(t, raw, dir)
	got, _ := storetest.ReadAll(t, s, "keep.bin")
	if string(got) != "old" {
		t.Errorf("keep.bin = %q after failed overwrite", got)
	}
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("disk on fire") }

// hdfs:///path takes the namenode from fs.defaultFS in HADOOP_CONF_DIR.
func TestHDFSDefaultFS(t *testing.T) {
	c := hdfstest.Shared(t, hdfstest.Config{})
	dir := freshDir(t)
	s := openHDFS(t, "hdfs://"+dir, store.Options{Getenv: env(map[string]string{"HADOOP_CONF_DIR": c.ConfDir})}, hdfs.Options{})
	defer s.Close()
	storetest.Put(t, s, "env-1.pex", []byte("x"))
	if u := s.URL("env-1.pex"); u != "hdfs://"+dir+"/env-1.pex" {
		t.Errorf("URL = %q; want hdfs://%s/env-1.pex", u, dir)
	}
	raw := rawClient(t, c)
	if _, err := raw.Stat(dir + "/env-1.pex"); err != nil {
		t.Errorf("object not where hdfs:///path says: %v", err)
	}
	// The same through HADOOP_HOME/etc/hadoop is covered by the unit
	// tests; without any configuration the error says what to do.
	_, err := store.Open(context.Background(), "hdfs:///x", store.Options{
		Getenv: env(nil), Openers: map[string]store.Opener{"hdfs": hdfs.Open}})
	if err == nil || !strings.Contains(err.Error(), "HADOOP_CONF_DIR") {
		t.Errorf("hdfs:///x without configuration: %v; want a hint at HADOOP_CONF_DIR", err)
	}
}

// An HA nameservice whose first namenode is down: the client fails over
// to the second.
func TestHDFSHAFailover(t *testing.T) {
	c := hdfstest.Shared(t, hdfstest.Config{})
	conf := t.TempDir()
	dead := deadPort(t)
	err := hdfstest.WriteConf(conf,
		map[string]string{"fs.defaultFS": "hdfs://pair"},
		map[string]string{
			"dfs.nameservices":                  "pair",
			"dfs.ha.namenodes.pair":             "nn1,nn2",
			"dfs.namenode.rpc-address.pair.nn1": dead,
			"dfs.namenode.rpc-address.pair.nn2": c.Addr,
			"dfs.client.failover.proxy.provider.pair": "org.apache.hadoop.hdfs.server.namenode.ha." +
				"ConfiguredFailoverProxyProvider",
		})
	if err != nil {
		t.Fatal(err)
	}
	dir := freshDir(t)
	for _, u := range []string{"hdfs://pair" + dir, "hdfs://" + dir} {
		s := openHDFS(t, u, store.Options{Getenv: env(map[string]string{"HADOOP_CONF_DIR": conf})}, hdfs.Options{})
		content := []byte("through the second namenode " + u)
		storetest.Put(t, s, "env.pex", content)
		got, info := storetest.ReadAll(t, s, "env.pex")
		if !bytes.Equal(got, content) || info.SHA256 != storetest.SHA256(content) {
			t.Errorf("%s: read %q %+v", u, got, info)
		}
		s.Close()
	}
	// Both down: the error names both.
	conf2 := t.TempDir()
	dead2 := deadPort(t)
	hdfstest.WriteConf(conf2, nil, map[string]string{
		"dfs.nameservices":                  "pair",
		"dfs.ha.namenodes.pair":             "nn1,nn2",
		"dfs.namenode.rpc-address.pair.nn1": dead,
		"dfs.namenode.rpc-address.pair.nn2": dead2,
	})
	s := openHDFS(t, "hdfs://pair/x", store.Options{Getenv: env(map[string]string{"HADOOP_CONF_DIR": conf2}), MaxAttempts: 1}, hdfs.Options{})
	defer s.Close()
	_, err = s.Stat(ctx(t), "env.pex")
	if !errors.Is(err, store.ErrUnreachable) || !strings.Contains(err.Error(), dead) || !strings.Contains(err.Error(), dead2) {
		t.Errorf("both namenodes down: %v; want ErrUnreachable naming %s and %s", err, dead, dead2)
	}
}

// recorder counts log records by message.
type recorder struct {
	mu   sync.Mutex
	msgs []string
}

func (r *recorder) Enabled(context.Context, slog.Level) bool { return true }
func (r *recorder) Handle(_ context.Context, rec slog.Record) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.msgs = append(r.msgs, rec.Message)
	return nil
}
func (r *recorder) WithAttrs([]slog.Attr) slog.Handler { return r }
func (r *recorder) WithGroup(string) slog.Handler      { return r }
func (r *recorder) count(msg string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, m := range r.msgs {
		if m == msg {
			n++
		}
	}
	return n
}

func TestHDFSUnreachable(t *testing.T) {
	dead := deadPort(t)
	rec := &recorder{}
	s := openHDFS(t, "hdfs://"+dead+"/envs", store.Options{MaxAttempts: 3, Logger: slog.New(rec)},
		hdfs.Options{RetryBase: 10 * time.Millisecond})
	defer s.Close()
	_, err := s.Stat(ctx(t), "env-1.pex")
	if !errors.Is(err, store.ErrUnreachable) {
		t.Fatalf("Stat error = %v; want ErrUnreachable", err)
	}
	msg := err.Error()
	for _, want := range []string{"hdfs://" + dead + "/envs/env-1.pex", "connection refused", "3 tries", "namenode running"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not say %q", msg, want)
		}
	}
	if n := rec.count("retrying HDFS call"); n != 2 {
		t.Errorf("%d retries logged; want 2", n)
	}
	t.Logf("unreachable: %v", err)
}

// A namenode that accepts connections and never answers: a cancelled
// context returns at once, and IOTimeout ends the call.
func TestHDFSSilentNamenode(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	var conns sync.WaitGroup
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			conns.Add(1)
			go func() {
				defer conns.Done()
				<-stop
				c.Close()
			}()
		}
	}()
	s := openHDFS(t, "hdfs://"+l.Addr().String()+"/x", store.Options{MaxAttempts: 1},
		hdfs.Options{IOTimeout: 2 * time.Second})
	defer s.Close()

	c, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	begin := time.Now()
	_, err = s.Stat(c, "env.pex")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Stat error = %v; want context.DeadlineExceeded", err)
	}
	if d := time.Since(begin); d > time.Second {
		t.Errorf("Stat returned %v after its context ended", d-300*time.Millisecond)
	}
	// The handshake in flight ends with IOTimeout; a call that waits that
	// long gets a timeout.
	begin = time.Now()
	_, err = s.Stat(ctx(t), "env.pex")
	if !errors.Is(err, store.ErrUnreachable) || !strings.Contains(err.Error(), "timed out") {
		t.Errorf("Stat of a silent namenode = %v; want ErrUnreachable, timed out", err)
	}
	if d := time.Since(begin); d > 10*time.Second {
		t.Errorf("silent namenode: Stat took %v with a 2 s IOTimeout", d)
	}
}

func TestHDFSSafeMode(t *testing.T) {
	c := hdfstest.Shared(t, hdfstest.Config{})
	dir := freshDir(t)
	s := openHDFS(t, c.URL(dir), store.Options{}, hdfs.Options{})
	defer s.Close()
	storetest.Put(t, s, "before.pex", []byte("x"))
	if err := c.EnterSafeMode(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := c.LeaveSafeMode(); err != nil {
			t.Fatal(err)
		}
	}()
	_, err := s.Put(ctx(t), "env-1.pex", strings.NewReader("x"), 1, store.PutOptions{})
	if !errors.Is(err, hdfs.ErrSafeMode) {
		t.Fatalf("Put in safe mode: %v; want ErrSafeMode", err)
	}
	for _, want := range []string{c.URL(dir + "/env-1.pex"), "safe mode", "dfsadmin"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("safe mode error %q does not say %q", err, want)
		}
	}
	t.Logf("safe mode: %v", err)
	// Reading still works.
	if _, err := s.Stat(ctx(t), "before.pex"); err != nil {
		t.Errorf("Stat in safe mode: %v", err)
	}
}

func TestHDFSPermissionDenied(t *testing.T) {
	c := hdfstest.Shared(t, hdfstest.Config{})
	dir := freshDir(t)
	owner := openHDFS(t, c.URL(dir), store.Options{}, hdfs.Options{})
	defer owner.Close()
	storetest.Put(t, owner, "env-1.pex", []byte("x")) // dir is the superuser's, 755
	alice := openHDFS(t, c.URL(dir), store.Options{Getenv: env(map[string]string{"HADOOP_USER_NAME": "alice"})}, hdfs.Options{})
	defer alice.Close()
	if _, err := alice.Stat(ctx(t), "env-1.pex"); err != nil {
		t.Errorf("alice may read: %v", err)
	}
	_, err := alice.Put(ctx(t), "env-2.pex", strings.NewReader("x"), 1, store.PutOptions{})
	if !errors.Is(err, store.ErrAccessDenied) {
		t.Fatalf("alice's Put = %v; want ErrAccessDenied", err)
	}
	for _, want := range []string{c.URL(dir + "/env-2.pex"), "alice", "HADOOP_USER_NAME"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("permission error %q does not say %q", err, want)
		}
	}
	t.Logf("permission denied: %v", err)
}

// A namenode that goes away and comes back: calls retry until it is
// back, and the store reconnects by itself.
func TestHDFSNamenodeRestart(t *testing.T) {
	c := hdfstest.Shared(t, hdfstest.Config{})
	dir := freshDir(t)
	rec := &recorder{}
	s := openHDFS(t, c.URL(dir), store.Options{Logger: slog.New(rec), MaxAttempts: 8}, hdfs.Options{})
	defer s.Close()
	storetest.Put(t, s, "env-1.pex", []byte("before"))
	once := openHDFS(t, c.URL(dir), store.Options{MaxAttempts: 1}, hdfs.Options{})
	defer once.Close()

	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	restarted := false
	defer func() {
		if !restarted {
			c.Restart()
		}
	}()
	if _, err := once.Stat(ctx(t), "env-1.pex"); !errors.Is(err, store.ErrUnreachable) {
		t.Errorf("Stat with the namenode down = %v; want ErrUnreachable", err)
	}
	errc := make(chan error, 1)
	go func() {
		_, err := s.Stat(ctx(t), "env-1.pex")
		errc <- err
	}()
	time.Sleep(time.Second)
	begin := time.Now()
	if err := c.Restart(); err != nil {
		t.Fatal(err)
	}
	restarted = true
	t.Logf("namenode restarted in %v", time.Since(begin).Round(time.Millisecond))
	if err := <-errc; err != nil {
		t.Fatalf("Stat across a namenode restart: %v", err)
	}
	if rec.count("retrying HDFS call") == 0 {
		t.Error("no retry logged")
	}
	storetest.Put(t, s, "env-2.pex", []byte("after"))
	if got, _ := storetest.ReadAll(t, s, "env-1.pex"); string(got) != "before" {
		t.Errorf("env-1.pex = %q after the restart", got)
	}
}

// Timings for the report: a Put of 64 MiB is in the conformance suite's
// Big test; here the no-op Stat a build makes before deciding to upload.
func TestHDFSStatTiming(t *testing.T) {
	c := hdfstest.Shared(t, hdfstest.Config{})
	s := openHDFS(t, c.URL(freshDir(t)), store.Options{}, hdfs.Options{})
	defer s.Close()
	storetest.Put(t, s, "env-present.pex", []byte("x"))
	for _, name := range []string{"env-present.pex", "env-missing.pex"} {
		s.Stat(ctx(t), name) // connect
		const n = 200
		begin := time.Now()
		for range n {
			s.Stat(ctx(t), name)
		}
		t.Logf("Stat(%s): %v each", name, (time.Since(begin) / n).Round(time.Microsecond))
	}
}

func TestHDFSURL(t *testing.T) {
	s := openHDFS(t, "hdfs://nn.example.com:9000/a/b/", store.Options{}, hdfs.Options{})
	defer s.Close()
	if got := s.URL("env 1.pex"); got != "hdfs://nn.example.com:9000/a/b/env%201.pex" {
		t.Errorf("URL = %q", got)
	}
	r := openHDFS(t, "hdfs://nn", store.Options{}, hdfs.Options{})
	defer r.Close()
	if got := r.URL("x/y.zip"); got != "hdfs://nn/x/y.zip" {
		t.Errorf("URL at the root = %q", got)
	}
	if u, _ := url.Parse(r.URL("x")); u.Path != "/x" {
		t.Errorf("URL path = %q", u.Path)
	}
}
