package hdfs

import (
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/colinmarc/hdfs/v2/hadoopconf"
	"github.com/jcmturner/gokrb5/v8/iana/etypeID"
	"github.com/jcmturner/gokrb5/v8/keytab"

	"github.com/clusterpack/clusterpack/internal/testing/hdfstest"
	"github.com/clusterpack/clusterpack/store"
)

func TestPlanKerberos(t *testing.T) {
	krbConf := hadoopconf.HadoopConf{
		"hadoop.security.authentication":  "Kerberos",
		"dfs.namenode.kerberos.principal": "nn/_HOST@EXAMPLE.COM",
	}
	// Simple authentication: no plan.
	for _, conf := range []hadoopconf.HadoopConf{nil, {"hadoop.security.authentication": "simple"}} {
		if p, err := planKerberos(conf, Options{}, mapenv(nil), 1000); p != nil || err != nil {
			t.Errorf("simple %v: plan %+v, %v", conf, p, err)
		}
	}
	// Ticket cache, the default place.
	p, err := planKerberos(krbConf, Options{}, mapenv(nil), 1000)
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
		p, err := planKerberos(krbConf, Options{}, mapenv(map[string]string{"KRB5CCNAME": ccname, "KRB5_CONFIG": "/k/krb5.conf"}), 1000)
		if err != nil {
			t.Errorf("KRB5CCNAME=%s: %v", ccname, err)
			continue
		}
		if p.CCache != want || p.Krb5Conf != "/k/krb5.conf" {
			t.Errorf("KRB5CCNAME=%s: ccache %q, krb5.conf %q; want %q", ccname, p.CCache, p.Krb5Conf, want)
		}
	}
	for _, ccname := range []string{"KEYRING:persistent:1000", "KCM:", "MEMORY:x"} {
		_, err := planKerberos(krbConf, Options{}, mapenv(map[string]string{"KRB5CCNAME": ccname}), 1000)
		if err == nil || !strings.Contains(err.Error(), ccname) || !strings.Contains(err.Error(), "keytab") {
			t.Errorf("KRB5CCNAME=%s: %v; want an error naming it and suggesting a keytab", ccname, err)
		}
	}
	if _, err := planKerberos(krbConf, Options{}, mapenv(map[string]string{"KRB5CCNAME": "DIR:" + dir + "/none"}), 1000); err == nil || !strings.Contains(err.Error(), "kinit") {
		t.Errorf("DIR: without primary: %v", err)
	}
	// The option wins over the environment.
	p, _ = planKerberos(krbConf, Options{CCache: "/opt/cc", Krb5Conf: "/opt/krb5.conf", ServicePrincipal: "hdfs/_HOST"},
		mapenv(map[string]string{"KRB5CCNAME": "/env/cc", "KRB5_CONFIG": "/env/krb5.conf"}), 1000)
	if p.CCache != "/opt/cc" || p.Krb5Conf != "/opt/krb5.conf" || p.SPN != "hdfs/_HOST" {
		t.Errorf("options plan = %+v", p)
	}
	// Keytab and principal.
	p, err = planKerberos(krbConf, Options{Keytab: "/k/ci.keytab", Principal: "ci/builder.example.com@CORP.EXAMPLE.COM"}, mapenv(nil), 1000)
	if err != nil {
		t.Fatal(err)
	}
	if p.Keytab != "/k/ci.keytab" || p.Username != "ci/builder.example.com" || p.Realm != "CORP.EXAMPLE.COM" || p.CCache != "" {
		t.Errorf("keytab plan = %+v", p)
	}
	p, _ = planKerberos(krbConf, Options{Keytab: "/k", Principal: "ci"}, mapenv(nil), 1000)
	if p.Username != "ci" || p.Realm != "" {
		t.Errorf("principal without realm: %+v", p)
	}
	// A keytab turns Kerberos on even where the configuration does not.
	if p, err := planKerberos(nil, Options{Keytab: "/k", Principal: "ci@R", ServicePrincipal: "nn/_HOST@R"}, mapenv(nil), 1000); err != nil || p == nil || p.SPN != "nn/_HOST" {
		t.Errorf("keytab without Kerberos configuration: %+v, %v", p, err)
	}

	errCases := []struct {
		conf hadoopconf.HadoopConf
		h    Options
		want string
	}{
		{hadoopconf.HadoopConf{"hadoop.security.authentication": "kerberos"}, Options{}, "dfs.namenode.kerberos.principal"},
		{nil, Options{Keytab: "/k", Principal: "ci@R"}, "dfs.namenode.kerberos.principal"},
		{krbConf, Options{Keytab: "/k"}, "principal"},
		{krbConf, Options{Keytab: "/k", Principal: "@R"}, "no user name"},
		{krbConf, Options{Principal: "ci@R"}, "without a keytab"},
		{hadoopconf.HadoopConf{"hadoop.security.authentication": "token"}, Options{}, `"token"`},
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
	hconf, _, err := loadHadoopConf(Options{ConfDir: dir}, mapenv(nil))
	if err != nil {
		t.Fatal(err)
	}
	setup, err := hdfsClientConfig(hconf, Options{Keytab: kt, Principal: "ci"}, mapenv(map[string]string{"KRB5_CONFIG": conf}))
	if err != nil {
		t.Fatal(err)
	}
	o := setup.options
	if o.KerberosClient == nil || o.KerberosServicePrincipleName != "nn/_HOST" || o.DataTransferProtection != "privacy" || setup.user != "ci" {
		t.Errorf("client options = %+v, user %q", o, setup.user)
	}
	_, err = hdfsClientConfig(hconf, Options{}, mapenv(map[string]string{"KRB5_CONFIG": conf, "KRB5CCNAME": filepath.Join(dir, "nocache")}))
	if err == nil || !strings.Contains(err.Error(), "kinit") {
		t.Errorf("Kerberos without a ticket cache: %v", err)
	}
	// Simple authentication: HADOOP_USER_NAME, else the OS user.
	setup, err = hdfsClientConfig(nil, Options{}, mapenv(map[string]string{"HADOOP_USER_NAME": "etl"}))
	if err != nil || setup.options.User != "etl" || setup.options.KerberosClient != nil {
		t.Errorf("simple with HADOOP_USER_NAME: %+v, %v", setup, err)
	}
	setup, _ = hdfsClientConfig(nil, Options{User: "opt"}, mapenv(map[string]string{"HADOOP_USER_NAME": "etl"}))
	if setup.options.User != "opt" {
		t.Errorf("User option: %q", setup.options.User)
	}
}

// A Kerberos client against a real namenode that runs simple
// authentication (there is no KDC here, so a live Kerberos login is not
// tested): the error says it is Kerberos and what to change, not that the
// namenode is down.
func TestHDFSKerberosLoginFails(t *testing.T) {
	c := hdfstest.Shared(t, hdfstest.Config{})
	conf, kt := writeKrb5(t, true)
	s, err := open(t.Context(), mustURL(t, c.URL("/krb")), store.Options{Getenv: mapenv(map[string]string{"KRB5_CONFIG": conf})},
		Options{Keytab: kt, Principal: "ci@EXAMPLE.COM", ServicePrincipal: "nn/_HOST@EXAMPLE.COM"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	_, err = s.Stat(t.Context(), "env.pex")
	if err == nil || errors.Is(err, store.ErrUnreachable) || !strings.Contains(err.Error(), "Kerberos authentication as ci@EXAMPLE.COM failed") ||
		!strings.Contains(err.Error(), "does not use Kerberos") {
		t.Errorf("Stat with an unreachable KDC: %v; want a Kerberos error", err)
	}
	t.Logf("Kerberos: %v", err)
}
