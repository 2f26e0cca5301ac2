package hdfstest

import (
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestMain(m *testing.M) {
	code := m.Run()
	StopShared()
	os.Exit(code)
}

func dial(addr string) error {
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err == nil {
		c.Close()
	}
	return err
}

func TestCluster(t *testing.T) {
	c := Shared(t, Config{})
	t.Logf("minicluster started in %v at %s", c.Started.Round(time.Millisecond), c.Addr)
	if !strings.HasPrefix(c.Addr, "127.0.0.1:") || c.Port == 0 {
		t.Fatalf("Addr = %q, Port = %d", c.Addr, c.Port)
	}
	if err := dial(c.Addr); err != nil {
		t.Fatalf("namenode not listening: %v", err)
	}
	core, err := os.ReadFile(filepath.Join(c.ConfDir, "core-site.xml"))
	if err != nil || !strings.Contains(string(core), "<name>fs.defaultFS</name><value>hdfs://"+c.Addr+"</value>") {
		t.Errorf("core-site.xml = %q, %v", core, err)
	}
	if Shared(t, Config{}) != c {
		t.Error("Shared started a second cluster")
	}
	if err := c.EnterSafeMode(); err != nil {
		t.Fatal(err)
	}
	if err := c.LeaveSafeMode(); err != nil {
		t.Fatal(err)
	}
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := dial(c.Addr); err == nil {
		t.Error("the namenode port still accepts connections after Stop")
	}
	begin := time.Now()
	if err := c.Restart(); err != nil {
		t.Fatal(err)
	}
	t.Logf("namenode restarted in %v", time.Since(begin).Round(time.Millisecond))
	if err := dial(c.Addr); err != nil {
		t.Errorf("namenode not listening after Restart: %v", err)
	}
	if err := c.command("bogus"); err == nil || !strings.Contains(err.Error(), "unknown command") {
		t.Errorf("bogus command: %v", err)
	}
}

func TestClose(t *testing.T) {
	c := Start(t, Config{NoXAttrs: true})
	pid := c.cmd.Process.Pid
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := os.Stat(c.dir); !os.IsNotExist(err) {
		t.Errorf("cluster directory left: %v", err)
	}
	if _, err := os.Stat("/proc/" + strconv.Itoa(pid)); err == nil {
		t.Errorf("JVM %d still running after Close", pid)
	}
	if err := c.EnterSafeMode(); err == nil {
		t.Error("a command after Close succeeded")
	}
}

func TestWriteConf(t *testing.T) {
	dir := t.TempDir()
	if err := WriteConf(dir, map[string]string{"a": "x<y&z"}, map[string]string{"b": "2", "a": "1"}); err != nil {
		t.Fatal(err)
	}
	core, _ := os.ReadFile(filepath.Join(dir, "core-site.xml"))
	if !strings.Contains(string(core), "<value>x&lt;y&amp;z</value>") {
		t.Errorf("core-site.xml = %s", core)
	}
	hdfs, _ := os.ReadFile(filepath.Join(dir, "hdfs-site.xml"))
	if i, j := strings.Index(string(hdfs), "<name>a</name>"), strings.Index(string(hdfs), "<name>b</name>"); i < 0 || j < i {
		t.Errorf("hdfs-site.xml not sorted: %s", hdfs)
	}
}

func TestYARN(t *testing.T) {
	c := Start(t, Config{YARN: true})
	t.Logf("HDFS and YARN minicluster started in %v: namenode %s, ResourceManager %s", c.Started.Round(time.Millisecond), c.Addr, c.RM)
	if err := dial(c.Addr); err != nil {
		t.Errorf("namenode not listening: %v", err)
	}
	if err := dial(c.RM); err != nil {
		t.Errorf("ResourceManager not listening: %v", err)
	}
	site, err := os.ReadFile(filepath.Join(c.ConfDir, "yarn-site.xml"))
	if err != nil {
		t.Fatal(err)
	}
	// Only the ResourceManager's addresses: a client given the whole
	// minicluster configuration fails on its test-only classes.
	for _, line := range strings.Split(string(site), "\n") {
		if strings.Contains(line, "<name>") && !strings.Contains(line, "<name>yarn.resourcemanager.") {
			t.Errorf("yarn-site.xml names more than the ResourceManager: %s", line)
		}
	}
	if !strings.Contains(string(site), "<name>yarn.resourcemanager.address</name><value>"+c.RM+"</value>") {
		t.Errorf("yarn-site.xml = %s, want the ResourceManager address %s", site, c.RM)
	}
	if m, _ := filepath.Glob(filepath.Join(c.WorkDir, "*-localDir-nm-0_0")); len(m) != 1 {
		t.Errorf("no NodeManager local directory in %s: %v", c.WorkDir, m)
	}
	pid := c.cmd.Process.Pid
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat("/proc/" + strconv.Itoa(pid)); err == nil {
		t.Errorf("JVM %d still running after Close", pid)
	}
	if _, err := os.Stat(c.dir); !os.IsNotExist(err) {
		t.Errorf("cluster directory left: %v", err)
	}
}

func TestYARNExcludesNoXAttrs(t *testing.T) {
	if _, err := start(Config{YARN: true, NoXAttrs: true}); err == nil || !strings.Contains(err.Error(), "NoXAttrs") {
		t.Errorf("start(YARN, NoXAttrs) = %v, want an error naming NoXAttrs", err)
	}
}
