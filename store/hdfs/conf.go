package hdfs

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/colinmarc/hdfs/v2/hadoopconf"
)

// The Hadoop configuration: where it is, and the namenodes an hdfs:// URL
// names.

// defaultNamenodePort is the namenode's RPC port when a URL names none
// (Hadoop 3's default of fs.defaultFS).
const defaultNamenodePort = "8020"

// loadHadoopConf reads the Hadoop configuration: h.ConfDir, else
// HADOOP_CONF_DIR, else $HADOOP_HOME/etc/hadoop or $HADOOP_HOME/conf. It
// returns a nil map and no directory when there is none.
func loadHadoopConf(h Options, getenv func(string) string) (hadoopconf.HadoopConf, string, error) {
	var dirs []string
	explicit := h.ConfDir
	if explicit == "" {
		explicit = getenv("HADOOP_CONF_DIR")
	}
	if explicit != "" {
		dirs = []string{explicit}
	} else if home := getenv("HADOOP_HOME"); home != "" {
		dirs = []string{filepath.Join(home, "etc", "hadoop"), filepath.Join(home, "conf")}
	}
	for _, d := range dirs {
		conf, err := hadoopconf.Load(d)
		if err != nil {
			return nil, d, fmt.Errorf("reading the Hadoop configuration in %s: %w", d, err)
		}
		if conf != nil {
			return conf, d, nil
		}
	}
	if explicit != "" {
		if fi, err := os.Stat(explicit); err != nil || !fi.IsDir() {
			return nil, "", fmt.Errorf("the Hadoop configuration directory %s (HADOOP_CONF_DIR) does not exist", explicit)
		}
	}
	return nil, "", nil
}

// hdfsNamenodes returns the namenode RPC addresses of an hdfs:// URL, in
// the order to try them.
func hdfsNamenodes(u *url.URL, conf hadoopconf.HadoopConf, confDir string) ([]string, error) {
	host := u.Host
	if host == "" {
		def := conf["fs.defaultFS"]
		if def == "" {
			def = conf["fs.default.name"]
		}
		if def == "" {
			if confDir == "" {
				return nil, errors.New("hdfs:///path takes the namenode from fs.defaultFS in the Hadoop configuration, " +
					"but neither HADOOP_CONF_DIR nor HADOOP_HOME is set: set one, or name the namenode (hdfs://namenode:8020/path)")
			}
			return nil, fmt.Errorf("hdfs:///path takes the namenode from fs.defaultFS, which %s/core-site.xml does not set: "+
				"set it, or name the namenode (hdfs://namenode:8020/path)", confDir)
		}
		du, err := url.Parse(def)
		if err != nil || du.Scheme != "hdfs" || du.Host == "" {
			return nil, fmt.Errorf("fs.defaultFS in %s is %q, not an hdfs://namenode URL: name the namenode in the URL (hdfs://namenode:8020/path)", confDir, def)
		}
		host = du.Host
	}
	// A nameservice: an HA pair (dfs.ha.namenodes.<ns>) or a federated
	// namenode (dfs.namenode.rpc-address.<ns>).
	if ids := conf["dfs.ha.namenodes."+host]; ids != "" {
		var addrs []string
		for _, id := range strings.Split(ids, ",") {
			id = strings.TrimSpace(id)
			if id == "" {
				continue
			}
			key := "dfs.namenode.rpc-address." + host + "." + id
			a := strings.TrimSpace(conf[key])
			if a == "" {
				return nil, fmt.Errorf("nameservice %s: %s is not set in %s/hdfs-site.xml", host, key, confDir)
			}
			addrs = append(addrs, withPort(a))
		}
		if len(addrs) == 0 {
			return nil, fmt.Errorf("nameservice %s: dfs.ha.namenodes.%s lists no namenode in %s/hdfs-site.xml", host, host, confDir)
		}
		return addrs, nil
	}
	if a := strings.TrimSpace(conf["dfs.namenode.rpc-address."+host]); a != "" {
		return []string{withPort(a)}, nil
	}
	if isNameservice(conf, host) {
		return nil, fmt.Errorf("nameservice %s is listed in dfs.nameservices but neither dfs.ha.namenodes.%s nor dfs.namenode.rpc-address.%s is set in %s/hdfs-site.xml",
			host, host, host, confDir)
	}
	return []string{withPort(host)}, nil
}

func isNameservice(conf hadoopconf.HadoopConf, name string) bool {
	for _, ns := range strings.Split(conf["dfs.nameservices"], ",") {
		if strings.TrimSpace(ns) == name {
			return true
		}
	}
	return false
}

// withPort adds the default namenode port to an address without one.
func withPort(hostport string) string {
	if _, _, err := net.SplitHostPort(hostport); err == nil {
		return hostport
	}
	h := strings.TrimSuffix(strings.TrimPrefix(hostport, "["), "]")
	return net.JoinHostPort(h, defaultNamenodePort)
}
