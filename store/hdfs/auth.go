package hdfs

import (
	"errors"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"

	gohdfs "github.com/colinmarc/hdfs/v2"
	"github.com/colinmarc/hdfs/v2/hadoopconf"
	krb "github.com/jcmturner/gokrb5/v8/client"
	krbconfig "github.com/jcmturner/gokrb5/v8/config"
	"github.com/jcmturner/gokrb5/v8/credentials"
	"github.com/jcmturner/gokrb5/v8/keytab"
)

// Authentication: simple (a user name) or Kerberos (a keytab or the
// ticket cache).

// hdfsClientSetup is what the client needs besides the namenodes.
type hdfsClientSetup struct {
	options gohdfs.ClientOptions
	user    string // for messages
}

// hdfsClientConfig builds the client options: the user, or a Kerberos
// client from a keytab or the ticket cache.
func hdfsClientConfig(conf hadoopconf.HadoopConf, h Options, getenv func(string) string) (hdfsClientSetup, error) {
	opts := gohdfs.ClientOptionsFromConf(conf)
	opts.Addresses = nil
	plan, err := planKerberos(conf, h, getenv, os.Getuid())
	if err != nil {
		return hdfsClientSetup{}, err
	}
	if plan == nil {
		opts.KerberosClient = nil
		u := h.User
		if u == "" {
			u = getenv("HADOOP_USER_NAME")
		}
		if u == "" {
			cur, err := user.Current()
			if err != nil || cur.Username == "" {
				return hdfsClientSetup{}, errors.New("cannot tell the HDFS user: set HADOOP_USER_NAME")
			}
			u = cur.Username
		}
		opts.User = u
		return hdfsClientSetup{options: opts, user: u}, nil
	}
	kc, err := plan.client()
	if err != nil {
		return hdfsClientSetup{}, err
	}
	opts.KerberosClient = kc
	opts.KerberosServicePrincipleName = plan.SPN
	return hdfsClientSetup{options: opts, user: plan.Who}, nil
}

// krbPlan says how to authenticate with Kerberos: with a keytab
// (Keytab, Username, Realm) or with a ticket cache (CCache).
type krbPlan struct {
	Krb5Conf string
	Keytab   string
	Username string // the principal without the realm, "user" or "svc/host"
	Realm    string // "" until krb5.conf's default_realm is read
	CCache   string
	SPN      string // the namenode's principal without the realm, "nn/_HOST"
	Who      string // for messages
}

// planKerberos decides from the configuration and options whether and how
// to use Kerberos; nil means simple authentication. It reads no file.
func planKerberos(conf hadoopconf.HadoopConf, h Options, getenv func(string) string, uid int) (*krbPlan, error) {
	auth := strings.ToLower(strings.TrimSpace(conf["hadoop.security.authentication"]))
	switch auth {
	case "", "simple":
		if h.Keytab == "" {
			return nil, nil
		}
	case "kerberos":
	default:
		return nil, fmt.Errorf("hadoop.security.authentication is %q: clusterpack knows simple and kerberos", auth)
	}
	p := &krbPlan{Krb5Conf: h.Krb5Conf}
	if p.Krb5Conf == "" {
		p.Krb5Conf = getenv("KRB5_CONFIG")
	}
	if p.Krb5Conf == "" {
		p.Krb5Conf = "/etc/krb5.conf"
	}
	p.SPN = h.ServicePrincipal
	if p.SPN == "" {
		p.SPN = conf["dfs.namenode.kerberos.principal"]
	}
	p.SPN, _, _ = strings.Cut(strings.TrimSpace(p.SPN), "@")
	if p.SPN == "" {
		return nil, errors.New("Kerberos is on, but the namenode's principal is unknown: set dfs.namenode.kerberos.principal " +
			"in hdfs-site.xml (usually nn/_HOST@REALM), or give it as an option")
	}
	if h.Keytab != "" {
		if h.Principal == "" {
			return nil, fmt.Errorf("a keytab (%s) needs the principal to log in as (user@REALM)", h.Keytab)
		}
		p.Keytab = h.Keytab
		p.Username, p.Realm = h.Principal, ""
		if i := strings.LastIndex(h.Principal, "@"); i >= 0 {
			p.Username, p.Realm = h.Principal[:i], h.Principal[i+1:]
		}
		if p.Username == "" {
			return nil, fmt.Errorf("principal %q has no user name", h.Principal)
		}
		p.Who = h.Principal
		return p, nil
	}
	if h.Principal != "" {
		return nil, fmt.Errorf("a principal (%s) without a keytab: give the keytab too, or log in with kinit and drop the principal", h.Principal)
	}
	cc, err := ccachePath(h.CCache, getenv, uid)
	if err != nil {
		return nil, err
	}
	p.CCache = cc
	p.Who = "the Kerberos ticket cache " + cc
	return p, nil
}

// ccachePath finds the ticket cache file: explicit, else KRB5CCNAME, else
// /tmp/krb5cc_<uid>. FILE: and DIR: caches can be read; kernel keyrings,
// KCM and the like cannot.
func ccachePath(explicit string, getenv func(string) string, uid int) (string, error) {
	name, from := explicit, "the ticket cache option"
	if name == "" {
		name, from = getenv("KRB5CCNAME"), "KRB5CCNAME"
	}
	if name == "" {
		return "/tmp/krb5cc_" + strconv.Itoa(uid), nil
	}
	typ, rest, found := strings.Cut(name, ":")
	if !found || strings.HasPrefix(name, "/") {
		return name, nil
	}
	switch strings.ToUpper(typ) {
	case "FILE":
		return rest, nil
	case "DIR":
		// A collection: "primary" names the current cache in the
		// directory; DIR::/path names a cache file directly.
		if strings.HasPrefix(rest, ":") {
			return rest[1:], nil
		}
		b, err := os.ReadFile(filepath.Join(rest, "primary"))
		if err != nil {
			return "", fmt.Errorf("%s=%s: cannot read the collection's primary cache: %w (run kinit)", from, name, err)
		}
		return filepath.Join(rest, strings.TrimSpace(string(b))), nil
	}
	return "", fmt.Errorf("%s=%s is a %s ticket cache, which clusterpack cannot read: "+
		"use a file cache (export KRB5CCNAME=FILE:/tmp/krb5cc_%d; kinit) or a keytab", from, name, typ, uid)
}

// client makes the Kerberos client: it reads krb5.conf and the keytab or
// the ticket cache. Nothing is sent to a KDC yet.
func (p *krbPlan) client() (*krb.Client, error) {
	cfg, err := krbconfig.Load(p.Krb5Conf)
	if err != nil {
		var unsupported krbconfig.UnsupportedDirective
		if !errors.As(err, &unsupported) {
			return nil, fmt.Errorf("reading the Kerberos configuration %s (KRB5_CONFIG): %w", p.Krb5Conf, err)
		}
	}
	if p.Keytab != "" {
		kt, err := keytab.Load(p.Keytab)
		if err != nil {
			return nil, fmt.Errorf("reading the keytab %s: %w", p.Keytab, err)
		}
		realm := p.Realm
		if realm == "" {
			realm = cfg.LibDefaults.DefaultRealm
		}
		if realm == "" {
			return nil, fmt.Errorf("principal %s has no realm and %s sets no default_realm: give user@REALM", p.Username, p.Krb5Conf)
		}
		return krb.NewWithKeytab(p.Username, realm, kt, cfg, krb.DisablePAFXFAST(true)), nil
	}
	cc, err := credentials.LoadCCache(p.CCache)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("Kerberos is on but there is no ticket cache at %s: run kinit (or give a keytab and principal)", p.CCache)
		}
		return nil, fmt.Errorf("reading the Kerberos ticket cache %s: %w (run kinit again)", p.CCache, err)
	}
	c, err := krb.NewFromCCache(cc, cfg, krb.DisablePAFXFAST(true))
	if err != nil {
		return nil, fmt.Errorf("the Kerberos ticket cache %s: %w (run kinit again)", p.CCache, err)
	}
	return c, nil
}
