package store

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/colinmarc/hdfs/v2/hadoopconf"

	"github.com/clusterpack/clusterpack/internal/testing/hdfstest"
	"github.com/jcmturner/gokrb5/v8/iana/etypeID"
	"github.com/jcmturner/gokrb5/v8/keytab"
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
		h    HDFSOptions
		env  map[string]string
		want string
	}{
		{HDFSOptions{}, nil, ""},
		{HDFSOptions{}, map[string]string{"HADOOP_CONF_DIR": confDir, "HADOOP_HOME": home}, "hdfs://from-conf-dir"},
		{HDFSOptions{}, map[string]string{"HADOOP_HOME": home}, "hdfs://from-home"},
		{HDFSOptions{}, map[string]string{"HADOOP_HOME": oldHome}, "hdfs://from-old-home"},
		{HDFSOptions{ConfDir: confDir}, map[string]string{"HADOOP_CONF_DIR": filepath.Join(dir, "nope")}, "hdfs://from-conf-dir"},
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
	_, _, err := loadHadoopConf(HDFSOptions{}, mapenv(map[string]string{"HADOOP_CONF_DIR": filepath.Join(dir, "nope")}))
	if err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("missing HADOOP_CONF_DIR: %v", err)
	}
	bad := filepath.Join(dir, "bad")
	writeFile(t, filepath.Join(bad, "hdfs-site.xml"), "<configuration><property>")
	_, _, err = loadHadoopConf(HDFSOptions{ConfDir: bad}, mapenv(nil))
	if err == nil || !strings.Contains(err.Error(), bad) {
		t.Errorf("malformed hdfs-site.xml: %v", err)
	}
}

func TestPlanKerberos(t *testing.T) {
	krbConf := hadoopconf.HadoopConf{
		"hadoop.security.authentication":  "Kerberos",
		"dfs.namenode.kerberos.principal": "nn/_HOST@EXAMPLE.COM",
	}
	// Simple authentication: no plan.
	for _, conf := range []hadoopconf.HadoopConf{nil, {"hadoop.security.authentication": "simple"}} {
		if p, err := planKerberos(conf, HDFSOptions{}, mapenv(nil), 1000); p != nil || err != nil {
			t.Errorf("simple %v: plan %+v, %v", conf, p, err)
		}
	}
	// Ticket cache, the default place.
	p, err := planKerberos(krbConf, HDFSOptions{}, mapenv(nil), 1000)
	if err != nil {
		t.Fatal(err)
	}
	if p.CCache != "/tmp/krb5cc_1000" || p.SPN != "nn/_HOST" || p.Krb5Conf != "/etc/krb5.conf" || p.Keytab != "" {
		t.Errorf("default plan = %+v", p)
	}
	// KRB5CCNAME and KRB5_CONFIG.
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "coll", "primary"), "tkt-current\n")
	for ccname, want := range map[string]string{
		"FILE:/tmp/cc":          "/tmp/cc",
		"/var/cc":               "/var/cc",
		"DIR:" + dir + "/coll":  dir + "/coll/tkt-current",
		"DIR::" + dir + "/tktX": dir + "/tktX",
	} {
		p, err := planKerberos(krbConf, HDFSOptions{}, mapenv(map[string]string{"KRB5CCNAME": ccname, "KRB5_CONFIG": "/k/krb5.conf"}), 1000)
		if err != nil {
			t.Errorf("KRB5CCNAME=%s: %v", ccname, err)
			continue
		}
		if p.CCache != want || p.Krb5Conf != "/k/krb5.conf" {
			t.Errorf("KRB5CCNAME=%s: ccache %q, krb5.conf %q; want %q", ccname, p.CCache, p.Krb5Conf, want)
		}
	}
	for _, ccname := range []string{"KEYRING:persistent:1000", "KCM:", "MEMORY:x"} {
		_, err := planKerberos(krbConf, HDFSOptions{}, mapenv(map[string]string{"KRB5CCNAME": ccname}), 1000)
		if err == nil || !strings.Contains(err.Error(), ccname) || !strings.Contains(err.Error(), "keytab") {
			t.Errorf("KRB5CCNAME=%s: %v; want an error naming it and suggesting a keytab", ccname, err)
		}
	}
	if _, err := planKerberos(krbConf, HDFSOptions{}, mapenv(map[string]string{"KRB5CCNAME": "DIR:" + dir + "/none"}), 1000); err == nil || !strings.Contains(err.Error(), "kinit") {
		t.Errorf("DIR: without primary: %v", err)
	}
	// The option wins over the environment.
	p, _ = planKerberos(krbConf, HDFSOptions{CCache: "/opt/cc", Krb5Conf: "/opt/krb5.conf", ServicePrincipal: "hdfs/_HOST"},
		mapenv(map[string]string{"KRB5CCNAME": "/env/cc", "KRB5_CONFIG": "/env/krb5.conf"}), 1000)
	if p.CCache != "/opt/cc" || p.Krb5Conf != "/opt/krb5.conf" || p.SPN != "hdfs/_HOST" {
		t.Errorf("options plan = %+v", p)
	}
	// Keytab and principal.
	p, err = planKerberos(krbConf, HDFSOptions{Keytab: "/k/ci.keytab", Principal: "ci/builder.example.com@CORP.EXAMPLE.COM"}, mapenv(nil), 1000)
	if err != nil {
		t.Fatal(err)
	}
	if p.Keytab != "/k/ci.keytab" || p.Username != "ci/builder.example.com" || p.Realm != "CORP.EXAMPLE.COM" || p.CCache != "" {
		t.Errorf("keytab plan = %+v", p)
	}
	p, _ = planKerberos(krbConf, HDFSOptions{Keytab: "/k", Principal: "ci"}, mapenv(nil), 1000)
	if p.Username != "ci" || p.Realm != "" {
		t.Errorf("principal without realm: %+v", p)
	}
	// A keytab turns Kerberos on even where the configuration does not.
	if p, err := planKerberos(nil, HDFSOptions{Keytab: "/k", Principal: "ci@R", ServicePrincipal: "nn/_HOST@R"}, mapenv(nil), 1000); err != nil || p == nil || p.SPN != "nn/_HOST" {
		t.Errorf("keytab without Kerberos configuration: %+v, %v", p, err)
	}

	errCases := []struct {
		conf hadoopconf.HadoopConf
		h    HDFSOptions
		want string
	}{
		{hadoopconf.HadoopConf{"hadoop.security.authentication": "kerberos"}, HDFSOptions{}, "dfs.namenode.kerberos.principal"},
		{nil, HDFSOptions{Keytab: "/k", Principal: "ci@R"}, "dfs.namenode.kerberos.principal"},
		{krbConf, HDFSOptions{Keytab: "/k"}, "principal"},
		{krbConf, HDFSOptions{Keytab: "/k", Principal: "@R"}, "no user name"},
		{krbConf, HDFSOptions{Principal: "ci@R"}, "without a keytab"},
		{hadoopconf.HadoopConf{"hadoop.security.authentication": "token"}, HDFSOptions{}, `"token"`},
	}
	for _, c := range errCases {
		_, err := planKerberos(c.conf, c.h, mapenv(nil), 1000)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v %+v: error %v; want one saying %q", c.conf, c.h, err, c.want)
		}
	}
}

// writeKrb5 writes a krb5.conf whose KDC is a loopback port nothing
// listens on, and a keytab for ci@EXAMPLE.COM.
func writeKrb5(t *testing.T, defaultRealm bool) (conf, kt string) {
	t.Helper()
	dir := t.TempDir()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	kdc := l.Addr().String()
	l.Close()
	libdefaults := "[libdefaults]\n dns_lookup_kdc = false\n udp_preference_limit = 1\n"
	if defaultRealm {
		libdefaults += " default_realm = EXAMPLE.COM\n"
	}
	conf = filepath.Join(dir, "krb5.conf")
	writeFile(t, conf, libdefaults+"[realms]\n EXAMPLE.COM = {\n  kdc = "+kdc+"\n }\n")
	k := keytab.New()
	if err := k.AddEntry("ci", "EXAMPLE.COM", "secret", time.Now(), 1, etypeID.AES256_CTS_HMAC_SHA1_96); err != nil {
		t.Fatal(err)
	}
	b, err := k.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	kt = filepath.Join(dir, "ci.keytab")
	if err := os.WriteFile(kt, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return conf, kt
}

func TestKerberosClientFromFiles(t *testing.T) {
	conf, kt := writeKrb5(t, true)
	// A keytab: the client is made without contacting the KDC.
	c, err := (&krbPlan{Krb5Conf: conf, Keytab: kt, Username: "ci"}).client()
	if err != nil {
		t.Fatal(err)
	}
	if c.Credentials.UserName() != "ci" || c.Credentials.Domain() != "EXAMPLE.COM" {
		t.Errorf("keytab client for %s@%s", c.Credentials.UserName(), c.Credentials.Domain())
	}
	if _, err := (&krbPlan{Krb5Conf: conf, Keytab: kt + ".missing", Username: "ci"}).client(); err == nil || !strings.Contains(err.Error(), "keytab") {
		t.Errorf("missing keytab: %v", err)
	}
	noRealm, kt2 := writeKrb5(t, false)
	if _, err := (&krbPlan{Krb5Conf: noRealm, Keytab: kt2, Username: "ci"}).client(); err == nil || !strings.Contains(err.Error(), "default_realm") {
		t.Errorf("no realm anywhere: %v", err)
	}
	// Ticket caches: missing, damaged.
	cc := filepath.Join(t.TempDir(), "krb5cc")
	if _, err := (&krbPlan{Krb5Conf: conf, CCache: cc}).client(); err == nil || !strings.Contains(err.Error(), "kinit") || !strings.Contains(err.Error(), cc) {
		t.Errorf("missing ticket cache: %v", err)
	}
	os.WriteFile(cc, []byte("not a ccache"), 0o600)
	if _, err := (&krbPlan{Krb5Conf: conf, CCache: cc}).client(); err == nil || !strings.Contains(err.Error(), cc) {
		t.Errorf("damaged ticket cache: %v", err)
	}
	if _, err := (&krbPlan{Krb5Conf: conf + ".missing", CCache: cc}).client(); err == nil || !strings.Contains(err.Error(), "KRB5_CONFIG") {
		t.Errorf("missing krb5.conf: %v", err)
	}
}

// The whole configuration path: core-site.xml asks for Kerberos, and the
// store's client logs in from the ticket cache or the keytab.
func TestHDFSClientConfigKerberos(t *testing.T) {
	conf, kt := writeKrb5(t, true)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "core-site.xml"), coreSite("fs.defaultFS", "hdfs://nn:8020", "hadoop.security.authentication", "kerberos"))
	writeFile(t, filepath.Join(dir, "hdfs-site.xml"), coreSite("dfs.namenode.kerberos.principal", "nn/_HOST@EXAMPLE.COM", "dfs.data.transfer.protection", "privacy"))
	hconf, _, err := loadHadoopConf(HDFSOptions{ConfDir: dir}, mapenv(nil))
	if err != nil {
		t.Fatal(err)
	}
	setup, err := hdfsClientConfig(hconf, HDFSOptions{Keytab: kt, Principal: "ci"}, mapenv(map[string]string{"KRB5_CONFIG": conf}))
	if err != nil {
		t.Fatal(err)
	}
	o := setup.options
	if o.KerberosClient == nil || o.KerberosServicePrincipleName != "nn/_HOST" || o.DataTransferProtection != "privacy" || setup.user != "ci" {
		t.Errorf("client options = %+v, user %q", o, setup.user)
	}
	_, err = hdfsClientConfig(hconf, HDFSOptions{}, mapenv(map[string]string{"KRB5_CONFIG": conf, "KRB5CCNAME": filepath.Join(dir, "nocache")}))
	if err == nil || !strings.Contains(err.Error(), "kinit") {
		t.Errorf("Kerberos without a ticket cache: %v", err)
	}
	// Simple authentication: HADOOP_USER_NAME, else the OS user.
	setup, err = hdfsClientConfig(nil, HDFSOptions{}, mapenv(map[string]string{"HADOOP_USER_NAME": "etl"}))
	if err != nil || setup.options.User != "etl" || setup.options.KerberosClient != nil {
		t.Errorf("simple with HADOOP_USER_NAME: %+v, %v", setup, err)
	}
	setup, _ = hdfsClientConfig(nil, HDFSOptions{User: "opt"}, mapenv(map[string]string{"HADOOP_USER_NAME": "etl"}))
	if setup.options.User != "opt" {
		t.Errorf("User option: %q", setup.options.User)
	}
}

// fakeRemote is a Java exception as the namenode reports it.
type fakeRemote struct{ class, msg string }

func (f fakeRemote) Method() string    { return "create" }
func (f fakeRemote) Desc() string      { return "ERROR_APPLICATION" }
func (f fakeRemote) Exception() string { return f.class }
func (f fakeRemote) Message() string {
	return f.msg + "\n\tat org.apache.hadoop.Something(Something.java:1)"
}
func (f fakeRemote) Error() string { return f.class + ": " + f.msg }

func TestHDFSExplain(t *testing.T) {
	s := &hdfsStore{user: "etl", addrs: []string{"nn1:8020", "nn2:8020"}}
	cases := []struct {
		err      error
		sentinel error
		kind     hdfsKind
		want     []string
	}{
		{fakeRemote{exSafeMode, "Cannot create file /x. Name node is in safe mode."}, ErrSafeMode, kindPermanent,
			[]string{"safe mode", "Cannot create file /x", "dfsadmin"}},
		{&os.PathError{Op: "create", Path: "/x", Err: fakeRemote{exAccess, "Permission denied: user=etl, access=WRITE"}}, ErrAccessDenied, kindPermanent,
			[]string{"user=etl", "HADOOP_USER_NAME"}},
		{&os.PathError{Op: "create", Path: "/x", Err: os.ErrPermission}, ErrAccessDenied, kindPermanent,
			[]string{"HDFS user etl may not write", "/x"}},
		{fakeRemote{exRetriable, "NameNode still not started"}, nil, kindRetriable, []string{"NameNode still not started"}},
		{fakeRemote{exQuota, "The DiskSpace quota of /x is exceeded"}, nil, kindPermanent, []string{"quota"}},
		{errors.New("no available namenodes: dial tcp 127.0.0.1:1: connect: connection refused"), ErrUnreachable, kindConnection,
			[]string{"nn1:8020, nn2:8020", "connection refused", "namenode running"}},
		{&triedError{tries: 5, err: &net.OpError{Op: "dial", Err: syscall.ECONNREFUSED}}, ErrUnreachable, kindConnection,
			[]string{"connection refused", "5 tries"}},
		{&net.OpError{Op: "read", Err: syscall.ECONNRESET}, ErrUnreachable, kindConnection, []string{"connection reset"}},
		{io.ErrUnexpectedEOF, ErrUnreachable, kindConnection, []string{"connection closed"}},
		{errors.New("no available namenodes: [Root cause: Networking_Error] Networking_Error: AS Exchange Error: failed sending AS_REQ to KDC"),
			nil, kindPermanent, []string{"Kerberos", "kinit", "etl"}},
	}
	for _, c := range cases {
		if k := hdfsErrorKind(c.err); k != c.kind {
			t.Errorf("%v: kind %d; want %d", c.err, k, c.kind)
		}
		got := s.explain("write", c.err)
		if c.sentinel != nil && !errors.Is(got, c.sentinel) {
			t.Errorf("%v: explained as %v; want it to wrap %v", c.err, got, c.sentinel)
		}
		for _, w := range c.want {
			if !strings.Contains(got.Error(), w) {
				t.Errorf("%v: explained as %q; want it to say %q", c.err, got, w)
			}
		}
		if strings.Contains(got.Error(), "\tat org.apache") {
			t.Errorf("%v: explanation carries a Java stack trace: %q", c.err, got)
		}
	}
	if !notFound(fakeRemote{"java.io.FileNotFoundException", "File for given inode path does not exist"}) {
		t.Error("FileNotFoundException is not a missing file")
	}
	if !xattrsDisabled(fakeRemote{"java.io.IOException", "The XAttr operation has been rejected.  Support for XAttrs has been disabled by setting dfs.namenode.xattrs.enabled to false."}) {
		t.Error("disabled xattrs not recognised")
	}
}

// A Kerberos client against a real namenode that runs simple
// authentication (there is no KDC here, so a live Kerberos login is not
// tested): the error says it is Kerberos and what to change, not that the
// namenode is down.
func TestHDFSKerberosLoginFails(t *testing.T) {
	c := hdfstest.Shared(t, hdfstest.Config{})
	conf, kt := writeKrb5(t, true)
	s, err := openHDFS(t.Context(), mustURL(t, c.URL("/krb")), Options{Getenv: mapenv(map[string]string{"KRB5_CONFIG": conf})},
		HDFSOptions{Keytab: kt, Principal: "ci@EXAMPLE.COM", ServicePrincipal: "nn/_HOST@EXAMPLE.COM"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	_, err = s.Stat(t.Context(), "env.pex")
	if err == nil || errors.Is(err, ErrUnreachable) || !strings.Contains(err.Error(), "Kerberos authentication as ci@EXAMPLE.COM failed") ||
		!strings.Contains(err.Error(), "does not use Kerberos") {
		t.Errorf("Stat with an unreachable KDC: %v; want a Kerberos error", err)
	}
	t.Logf("Kerberos: %v", err)
}
