package hdfs

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/colinmarc/hdfs/v2/hadoopconf"
)

func mapenv(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestHDFSNamenodesFromURLAndConf(t *testing.T) {
	ha := hadoopconf.HadoopConf{
		"fs.defaultFS":                      "hdfs://pair",
		"dfs.nameservices":                  "pair,fed",
		"dfs.ha.namenodes.pair":             "nn2, nn1",
		"dfs.namenode.rpc-address.pair.nn1": "a.example.com:8020",
		"dfs.namenode.rpc-address.pair.nn2": "b.example.com:8021",
		"dfs.namenode.rpc-address.fed":      "f.example.com:9000",
	}
	cases := []struct {
		url  string
		conf hadoopconf.HadoopConf
		want string
	}{
		{"hdfs://nn:9000/x", nil, "nn:9000"},
		{"hdfs://nn/x", nil, "nn:8020"},
		{"hdfs://[::1]/x", nil, "[::1]:8020"},
		{"hdfs://10.1.2.3:8020", nil, "10.1.2.3:8020"},
		{"hdfs:///x", hadoopconf.HadoopConf{"fs.defaultFS": "hdfs://nn2:9001"}, "nn2:9001"},
		{"hdfs:///x", hadoopconf.HadoopConf{"fs.default.name": "hdfs://old:9002/"}, "old:9002"},
		{"hdfs:///x", ha, "b.example.com:8021,a.example.com:8020"}, // the configuration's order
		{"hdfs://pair/x", ha, "b.example.com:8021,a.example.com:8020"},
		{"hdfs://fed/x", ha, "f.example.com:9000"},
		{"hdfs://other:1/x", ha, "other:1"}, // a namenode the configuration does not know
	}
	for _, c := range cases {
		got, err := hdfsNamenodes(mustURL(t, c.url), c.conf, "/etc/hadoop/conf")
		if err != nil {
			t.Errorf("%s: %v", c.url, err)
			continue
		}
		if strings.Join(got, ",") != c.want {
			t.Errorf("%s: namenodes %v; want %s", c.url, got, c.want)
		}
	}

	errCases := []struct {
		url, confDir string
		conf         hadoopconf.HadoopConf
		want         []string
	}{
		{"hdfs:///x", "", nil, []string{"HADOOP_CONF_DIR", "hdfs://namenode:8020/path"}},
		{"hdfs:///x", "/c", hadoopconf.HadoopConf{"dfs.replication": "3"}, []string{"fs.defaultFS", "/c/core-site.xml"}},
		{"hdfs:///x", "/c", hadoopconf.HadoopConf{"fs.defaultFS": "file:///"}, []string{"fs.defaultFS", `"file:///"`}},
		{"hdfs://pair/x", "/c", hadoopconf.HadoopConf{"dfs.ha.namenodes.pair": "nn1,nn2", "dfs.namenode.rpc-address.pair.nn1": "a:1"},
			[]string{"dfs.namenode.rpc-address.pair.nn2", "/c/hdfs-site.xml"}},
		{"hdfs://pair/x", "/c", hadoopconf.HadoopConf{"dfs.nameservices": "pair"}, []string{"dfs.ha.namenodes.pair", "dfs.namenode.rpc-address.pair"}},
	}
	for _, c := range errCases {
		_, err := hdfsNamenodes(mustURL(t, c.url), c.conf, c.confDir)
		if err == nil {
			t.Errorf("%s with %v: no error", c.url, c.conf)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q does not say %q", c.url, err, w)
			}
		}
	}
}

func writeFile(t *testing.T, p, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func coreSite(props ...string) string {
	var b strings.Builder
	b.WriteString("<configuration>\n")
	for i := 0; i+1 < len(props); i += 2 {
		fmt.Fprintf(&b, "<property><name>%s</name><value>%s</value></property>\n", props[i], props[i+1])
	}
	b.WriteString("</configuration>\n")
	return b.String()
}

func TestLoadHadoopConf(t *testing.T) {
	dir := t.TempDir()
	confDir := filepath.Join(dir, "conf")
	writeFile(t, filepath.Join(confDir, "core-site.xml"), coreSite("fs.defaultFS", "hdfs://from-conf-dir"))
	home := filepath.Join(dir, "home")
	writeFile(t, filepath.Join(home, "etc", "hadoop", "core-site.xml"), coreSite("fs.defaultFS", "hdfs://from-home"))
	oldHome := filepath.Join(dir, "oldhome")
	writeFile(t, filepath.Join(oldHome, "conf", "core-site.xml"), coreSite("fs.defaultFS", "hdfs://from-old-home"))

	cases := []struct {
		h    Options
		env  map[string]string
		want string
	}{
		{Options{}, nil, ""},
		{Options{}, map[string]string{"HADOOP_CONF_DIR": confDir, "HADOOP_HOME": home}, "hdfs://from-conf-dir"},
		{Options{}, map[string]string{"HADOOP_HOME": home}, "hdfs://from-home"},
		{Options{}, map[string]string{"HADOOP_HOME": oldHome}, "hdfs://from-old-home"},
		{Options{ConfDir: confDir}, map[string]string{"HADOOP_CONF_DIR": filepath.Join(dir, "nope")}, "hdfs://from-conf-dir"},
	}
	for _, c := range cases {
		conf, _, err := loadHadoopConf(c.h, mapenv(c.env))
		if err != nil {
			t.Errorf("%+v %v: %v", c.h, c.env, err)
			continue
		}
		if got := conf["fs.defaultFS"]; got != c.want {
			t.Errorf("%+v %v: fs.defaultFS = %q; want %q", c.h, c.env, got, c.want)
		}
	}
	_, _, err := loadHadoopConf(Options{}, mapenv(map[string]string{"HADOOP_CONF_DIR": filepath.Join(dir, "nope")}))
	if err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("missing HADOOP_CONF_DIR: %v", err)
	}
	bad := filepath.Join(dir, "bad")
	writeFile(t, filepath.Join(bad, "hdfs-site.xml"), "<configuration><property>")
	_, _, err = loadHadoopConf(Options{ConfDir: bad}, mapenv(nil))
	if err == nil || !strings.Contains(err.Error(), bad) {
		t.Errorf("malformed hdfs-site.xml: %v", err)
	}
}
