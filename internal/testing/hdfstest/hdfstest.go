// Package hdfstest runs a real HDFS for tests: Hadoop's MiniDFSCluster
// (one namenode, one datanode, on 127.0.0.1) in a JVM of its own; with
// Config.YARN, a YARN cluster too (MiniYARNCluster: one ResourceManager on
// 127.0.0.1, one NodeManager of 4096 MB and 4 vcores) in the same JVM,
// for Spark jobs with --master yarn.
//
// The Java side is two small Maven projects embedded in this package:
// java/ (HDFS) and yarn/ (HDFS and YARN, which also needs junit at run
// time). The first Start of each builds it into
// ${CLUSTERPACK_DEV_CACHE:-~/.cache/clusterpack-dev}/hdfs-minicluster-<version>
// or yarn-minicluster-<version>, which makes Maven download Hadoop from
// Maven Central into its own ~/.m2 cache (about 140 MB, once); later runs
// reuse the build (Install and InstallYARN do it ahead of the tests). It
// needs `mvn` and a Java 17 `java` (JAVA_HOME or PATH).
//
// When the build or the start fails, tests calling Start fail with the
// output of Maven or of the JVM if CLUSTERPACK_REQUIRE_REFERENCE=1 (the
// project's test command sets it), and are skipped otherwise.
//
// A start takes several seconds, so a package's tests share one cluster:
// Shared starts it on first use. The JVM reads commands on its standard
// input and shuts down when that pipe closes, which happens when the test
// binary exits, however it exits; StopShared (from a TestMain) or Close
// stops it earlier and kills its process group.
package hdfstest

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/clusterpack/clusterpack/internal/testing/devcache"
)

// HadoopVersion is the Hadoop the minicluster runs (java/pom.xml).
const HadoopVersion = "3.3.6"

//go:embed java/pom.xml java/src yarn/pom.xml yarn/src
var javaSources embed.FS

// A project is one of the embedded Maven projects.
type project struct {
	root  string // its directory in javaSources
	cache string // its directory in the dev cache
	what  string // for messages
}

var (
	hdfsProject = project{"java", "hdfs-minicluster-" + HadoopVersion, "the HDFS minicluster"}
	yarnProject = project{"yarn", "yarn-minicluster-" + HadoopVersion, "the HDFS and YARN minicluster"}
)

// Config chooses how a cluster is started.
type Config struct {
	// NoXAttrs starts the namenode with dfs.namenode.xattrs.enabled=false.
	NoXAttrs bool
	// YARN starts a YARN cluster beside HDFS (NoXAttrs must be false).
	YARN bool
}

// Cluster is a running minicluster.
type Cluster struct {
	// Addr is the namenode's RPC address, "127.0.0.1:PORT".
	Addr string
	// Port is the namenode's RPC port.
	Port int
	// ConfDir is a HADOOP_CONF_DIR whose core-site.xml names this cluster
	// as fs.defaultFS, for the hdfs:///path form.
	ConfDir string
	// Started is how long the start took (JVM start to an active namenode,
	// and with YARN to a registered NodeManager).
	Started time.Duration
	// RM is the YARN ResourceManager's client address ("" without YARN);
	// ConfDir's yarn-site.xml names it and the ResourceManager's other
	// addresses, and nothing else (the minicluster's whole configuration
	// names test-only classes a client does not have).
	RM string
	// WorkDir is where the NodeManager keeps its local directories (the
	// localized archives under *-localDir-nm-0_0) and container logs
	// (*-logDir-nm-0_0); "" without YARN.
	WorkDir string

	cmd     *exec.Cmd
	dir     string // temporary directory: data, conf, log
	stdin   io.WriteCloser
	lines   chan string // the JVM's standard output, a line at a time
	exited  chan struct{}
	waitErr error
	log     *tailBuffer

	mu     sync.Mutex // serialises commands
	closed bool
}

// NMLocalDirs are the NodeManagers' local directories (yarn.nodemanager.local-dirs;
// MiniYARNCluster makes them <WorkDir>/<name>-localDir-nm-<node>_<dir>):
// filecache/ in each holds the resources localized PUBLIC, shared by
// every user and application of the node, usercache/<user>/filecache/
// the private ones, usercache/<user>/appcache/ the containers'. None
// without YARN.
func (c *Cluster) NMLocalDirs() ([]string, error) {
	if c.WorkDir == "" {
		return nil, errors.New("the cluster runs no YARN")
	}
	dirs, err := filepath.Glob(filepath.Join(c.WorkDir, "*-localDir-nm-*"))
	if err != nil {
		return nil, err
	}
	if len(dirs) == 0 {
		return nil, fmt.Errorf("no NodeManager local directory (*-localDir-nm-*) in %s", c.WorkDir)
	}
	return dirs, nil
}

// URL is "hdfs://127.0.0.1:PORT" followed by p (which starts with "/").
func (c *Cluster) URL(p string) string { return "hdfs://" + c.Addr + p }

var (
	sharedMu  sync.Mutex
	shared    = map[Config]*Cluster{}
	sharedErr = map[Config]error{}
)

// Shared returns the package's cluster of that configuration, starting it
// on first use. It fails or skips t as Start does. Tests that use a shared
// cluster must not run in parallel with tests that stop or restart its
// namenode.
func Shared(t testing.TB, cfg Config) *Cluster {
	t.Helper()
	sharedMu.Lock()
	defer sharedMu.Unlock()
	if c := shared[cfg]; c != nil {
		return c
	}
	if err := sharedErr[cfg]; err != nil {
		unavailable(t, err)
		return nil
	}
	c, err := start(cfg)
	if err != nil {
		sharedErr[cfg] = err
		unavailable(t, err)
		return nil
	}
	shared[cfg] = c
	return c
}

// StopShared stops every cluster Shared started. Call it from TestMain
// after m.Run; without it the clusters stop when the test binary exits.
func StopShared() {
	sharedMu.Lock()
	defer sharedMu.Unlock()
	for cfg, c := range shared {
		c.Close()
		delete(shared, cfg)
	}
}

// Start starts a cluster of its own for t, closed when t ends.
func Start(t testing.TB, cfg Config) *Cluster {
	t.Helper()
	c, err := start(cfg)
	if err != nil {
		unavailable(t, err)
		return nil
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// unavailable fails t when the reference is required, else skips it.
func unavailable(t testing.TB, err error) {
	t.Helper()
	if os.Getenv("CLUSTERPACK_REQUIRE_REFERENCE") == "1" {
		t.Fatalf("hdfstest: %v", err)
	}
	t.Skipf("hdfstest: %v (set CLUSTERPACK_REQUIRE_REFERENCE=1 to make this a failure)", err)
}

func start(cfg Config) (*Cluster, error) {
	if cfg.YARN && cfg.NoXAttrs {
		return nil, errors.New("a YARN cluster's namenode always has xattrs: Config.NoXAttrs and Config.YARN exclude each other")
	}
	proj := hdfsProject
	if cfg.YARN {
		proj = yarnProject
	}
	classpath, err := install(context.Background(), os.Stderr, proj)
	if err != nil {
		return nil, err
	}
	java, err := findJava()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "clusterpack-hdfs-")
	if err != nil {
		return nil, err
	}
	c := &Cluster{
		dir:     dir,
		ConfDir: filepath.Join(dir, "conf"),
		lines:   make(chan string, 16),
		exited:  make(chan struct{}),
		log:     &tailBuffer{max: 64 << 10},
	}
	begin := time.Now()
	jvm := []string{"-Xmx512m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Djava.net.preferIPv4Stack=true"}
	if cfg.YARN {
		c.cmd = exec.Command(java, append(jvm,
			// Java 17: the ResourceManager's Guice defines classes by
			// reflection (InaccessibleObjectException without it).
			"--add-opens=java.base/java.lang=ALL-UNNAMED",
			"-Dtest.build.data="+filepath.Join(dir, "yarn"),
			"-cp", classpath,
			"clusterpack.yarntest.YarnMiniCluster",
			"--dir", filepath.Join(dir, "data"),
			"--nodemanagers", "1",
			"--delete", dir)...)
		// The containers' launch scripts run $JAVA_HOME/bin/java.
		c.cmd.Env = append(os.Environ(), "JAVA_HOME="+filepath.Dir(filepath.Dir(java)))
	} else {
		c.cmd = exec.Command(java, append(jvm,
			"-cp", classpath,
			"clusterpack.hdfstest.MiniCluster",
			"--dir", filepath.Join(dir, "dfs"),
			"--xattrs", strconv.FormatBool(!cfg.NoXAttrs),
			"--delete", dir)...)
	}
	// A process group of its own, so Close can kill it with any children.
	c.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	c.cmd.Stderr = c.log
	stdout, err := c.cmd.StdoutPipe()
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	if c.stdin, err = c.cmd.StdinPipe(); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	if err := c.cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("starting %s: %w", java, err)
	}
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			c.lines <- sc.Text()
		}
		close(c.lines)
	}()
	go func() {
		c.waitErr = c.cmd.Wait()
		close(c.exited)
	}()

	yarnSite := map[string]string{}
	timeout := time.After(3 * time.Minute)
	for ready := false; !ready; {
		select {
		case line, ok := <-c.lines:
			if !ok {
				<-c.exited
				c.Close()
				return nil, fmt.Errorf("the minicluster JVM exited (%v) before it was ready; its output:\n%s", c.waitErr, c.log.String())
			}
			if p, found := strings.CutPrefix(line, "PORT "); found {
				c.Port, _ = strconv.Atoi(p)
			}
			if kv, found := strings.CutPrefix(line, "CONF "); found {
				if k, v, ok := strings.Cut(kv, " "); ok {
					yarnSite[k] = v
				}
			}
			if d, found := strings.CutPrefix(line, "WORKDIR "); found {
				c.WorkDir = d
			}
			ready = line == "READY"
		case <-timeout:
			c.Close()
			return nil, fmt.Errorf("the minicluster was not ready within 3 minutes; its output:\n%s", c.log.String())
		}
	}
	if c.Port == 0 {
		c.Close()
		return nil, fmt.Errorf("the minicluster did not print its port; its output:\n%s", c.log.String())
	}
	c.Addr = "127.0.0.1:" + strconv.Itoa(c.Port)
	c.Started = time.Since(begin)
	files := map[string]map[string]string{"core-site.xml": {"fs.defaultFS": "hdfs://" + c.Addr}}
	if cfg.YARN {
		c.RM = yarnSite["yarn.resourcemanager.address"]
		if c.RM == "" || c.WorkDir == "" {
			c.Close()
			return nil, fmt.Errorf("the YARN minicluster did not print its ResourceManager address and work directory; its output:\n%s", c.log.String())
		}
		files["yarn-site.xml"] = yarnSite
	}
	if err := writeFiles(c.ConfDir, files); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// command sends one command to the JVM and waits for its answer.
func (c *Cluster) command(cmd string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return errors.New("hdfstest: the cluster is closed")
	}
	if _, err := io.WriteString(c.stdin, cmd+"\n"); err != nil {
		return fmt.Errorf("hdfstest: %s: %w", cmd, err)
	}
	select {
	case line, ok := <-c.lines:
		if !ok {
			return fmt.Errorf("hdfstest: %s: the JVM exited; its output:\n%s", cmd, c.log.String())
		}
		if line == "OK" {
			return nil
		}
		return fmt.Errorf("hdfstest: %s: %s", cmd, strings.TrimPrefix(line, "ERR "))
	case <-time.After(3 * time.Minute):
		return fmt.Errorf("hdfstest: %s: no answer within 3 minutes", cmd)
	}
}

// EnterSafeMode puts the namenode in safe mode (read-only).
func (c *Cluster) EnterSafeMode() error { return c.command("safemode enter") }

// LeaveSafeMode takes the namenode out of safe mode.
func (c *Cluster) LeaveSafeMode() error { return c.command("safemode leave") }

// Stop shuts the namenode down: its port refuses connections until
// Restart. The datanode and the JVM keep running.
func (c *Cluster) Stop() error { return c.command("namenode stop") }

// Restart starts the namenode again on the same port with the same
// metadata, and returns once it is active.
func (c *Cluster) Restart() error { return c.command("namenode start") }

// Close shuts the cluster down: it closes the JVM's standard input, waits
// up to 15 seconds for it to stop, then kills its process group and the
// YARN containers still running (each runs in a session of its own, so
// killing the JVM does not reach them); and removes the cluster's files.
// It is safe to call more than once.
func (c *Cluster) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil
	}
	c.closed = true
	// The JVM deletes the pid files as it stops: read them first.
	containers := c.containerPids()
	c.stdin.Close()
	select {
	case <-c.exited:
	case <-time.After(15 * time.Second):
	}
	// The JVM and anything it started: gone, even when it stopped by itself.
	syscall.Kill(-c.cmd.Process.Pid, syscall.SIGKILL)
	<-c.exited
	for _, pid := range append(containers, c.containerPids()...) {
		// The container's launch script leads its session and group.
		syscall.Kill(-pid, syscall.SIGKILL)
		syscall.Kill(pid, syscall.SIGKILL)
	}
	return os.RemoveAll(c.dir)
}

// containerPids are the pids the NodeManager wrote for its containers
// (nmPrivate/APP/CONTAINER/CONTAINER.pid under its local directories).
func (c *Cluster) containerPids() []int {
	if c.WorkDir == "" {
		return nil
	}
	var pids []int
	filepath.WalkDir(c.WorkDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".pid") ||
			!strings.Contains(p, string(filepath.Separator)+"nmPrivate"+string(filepath.Separator)) {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return nil
		}
		if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && pid > 1 {
			pids = append(pids, pid)
		}
		return nil
	})
	return pids
}

// Log is the tail of the JVM's standard error (Hadoop's warnings).
func (c *Cluster) Log() string { return c.log.String() }

// WriteConf writes a Hadoop configuration directory: core-site.xml with
// core and hdfs-site.xml with hdfs (either may be nil).
func WriteConf(dir string, core, hdfs map[string]string) error {
	return writeFiles(dir, map[string]map[string]string{"core-site.xml": core, "hdfs-site.xml": hdfs})
}

// writeFiles writes each file of a Hadoop configuration directory
// (skipping nil ones) with its properties, sorted.
func writeFiles(dir string, files map[string]map[string]string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for file, props := range files {
		if props == nil {
			continue
		}
		var b bytes.Buffer
		b.WriteString("<?xml version=\"1.0\"?>\n<configuration>\n")
		keys := make([]string, 0, len(props))
		for k := range props {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintf(&b, "  <property><name>%s</name><value>%s</value></property>\n", xmlEscape(k), xmlEscape(props[k]))
		}
		b.WriteString("</configuration>\n")
		if err := os.WriteFile(filepath.Join(dir, file), b.Bytes(), 0o644); err != nil {
			return err
		}
	}
	return nil
}

func xmlEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '&':
			b.WriteString("&amp;")
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Install compiles the Java side of the HDFS minicluster into the dev
// cache unless it is there (which makes Maven download Hadoop into ~/.m2
// the first time), and returns its class path; progress lines go to log.
// Concurrent processes wait for each other on a lock file.
func Install(ctx context.Context, log io.Writer) (string, error) {
	return install(ctx, log, hdfsProject)
}

// InstallYARN is Install for the HDFS and YARN minicluster (Config.YARN).
func InstallYARN(ctx context.Context, log io.Writer) (string, error) {
	return install(ctx, log, yarnProject)
}

func install(ctx context.Context, log io.Writer, proj project) (string, error) {
	dir, err := devcache.Path(proj.cache)
	if err != nil {
		return "", err
	}
	unlock, err := devcache.Lock(dir)
	if err != nil {
		return "", err
	}
	defer unlock()

	sum, err := sourcesHash(proj.root)
	if err != nil {
		return "", err
	}
	stamp := filepath.Join(dir, "complete")
	if b, err := os.ReadFile(stamp); err == nil && strings.TrimSpace(string(b)) == sum {
		return classpath(dir)
	}

	mvn, err := exec.LookPath("mvn")
	if err != nil {
		return "", errors.New("mvn (Maven) is not installed: it builds the HDFS minicluster from Maven Central (apt-get install maven)")
	}
	fmt.Fprintf(log, "hdfstest: building %s in %s; the first run downloads Hadoop %s from Maven Central (about 140 MB, into ~/.m2)\n", proj.what, dir, HadoopVersion)
	if err := os.RemoveAll(dir); err != nil {
		return "", err
	}
	src := filepath.Join(dir, "src")
	err = fs.WalkDir(javaSources, proj.root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		dst := filepath.Join(src, filepath.FromSlash(strings.TrimPrefix(p, proj.root)))
		if d.IsDir() {
			return os.MkdirAll(dst, 0o755)
		}
		b, err := javaSources.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(dst, b, 0o644)
	})
	if err != nil {
		return "", err
	}
	begin := time.Now()
	cmd := exec.CommandContext(ctx, mvn, "-B", "-q", "package", "-f", filepath.Join(src, "pom.xml"))
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("building %s with Maven (%s) failed: %v\n%s", proj.what, strings.Join(cmd.Args, " "), err, tail(out, 16<<10))
	}
	fmt.Fprintf(log, "hdfstest: built %s in %v\n", proj.what, time.Since(begin).Round(time.Second))
	if _, err := classpath(dir); err != nil {
		return "", err
	}
	if err := os.WriteFile(stamp, []byte(sum+"\n"), 0o644); err != nil {
		return "", err
	}
	return classpath(dir)
}

func classpath(dir string) (string, error) {
	target := filepath.Join(dir, "src", "target")
	deps, err := os.ReadFile(filepath.Join(target, "classpath.txt"))
	if err != nil {
		return "", fmt.Errorf("the minicluster build in %s has no class path: %w", dir, err)
	}
	return filepath.Join(target, "classes") + string(os.PathListSeparator) + strings.TrimSpace(string(deps)), nil
}

// sourcesHash identifies an embedded Java project, so that a change to
// it rebuilds the cache.
func sourcesHash(root string) (string, error) {
	h := sha256.New()
	err := fs.WalkDir(javaSources, root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := javaSources.ReadFile(p)
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s %d\n", p, len(b))
		h.Write(b)
		return nil
	})
	return hex.EncodeToString(h.Sum(nil)), err
}

func findJava() (string, error) {
	if h := os.Getenv("JAVA_HOME"); h != "" {
		j := filepath.Join(h, "bin", "java")
		if _, err := os.Stat(j); err == nil {
			return j, nil
		}
	}
	j, err := exec.LookPath("java")
	if err != nil {
		return "", errors.New("java is not installed: the HDFS minicluster needs Java 17 (apt-get install openjdk-17-jre-headless)")
	}
	return j, nil
}

func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	b   []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if len(t.b) > t.max {
		t.b = append([]byte(nil), t.b[len(t.b)-t.max:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.b)
}
