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
