package index

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/clusterpack/clusterpack/internal/redact"
)

// newHTTPClient builds the HTTP client: proxies from the environment, the
// CA bundle and client certificate of opts, no certificate verification
// for trusted hosts, and a check of every URL (redirects too) against the
// plain-http rule.
func (c *Client) newHTTPClient(opts Options, parallelism int) (*http.Client, error) {
	tlsConfig := &tls.Config{MinVersion: tls.VersionTLS12}
	if opts.CertFile != "" {
		pem, err := os.ReadFile(opts.CertFile)
		if err != nil {
			return nil, fmt.Errorf("reading the CA bundle: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("CA bundle %s holds no PEM certificate", opts.CertFile)
		}
		tlsConfig.RootCAs = pool
	}
	if opts.ClientCertFile != "" {
		pem, err := os.ReadFile(opts.ClientCertFile)
		if err != nil {
			return nil, fmt.Errorf("reading the client certificate: %w", err)
		}
		cert, err := tls.X509KeyPair(pem, pem)
		if err != nil {
			return nil, fmt.Errorf("client certificate %s must hold the certificate and its private key in PEM: %w", opts.ClientCertFile, err)
		}
		tlsConfig.Certificates = []tls.Certificate{cert}
	}
	dialer := &net.Dialer{Timeout: c.timeout, KeepAlive: 30 * time.Second}
	verified := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           dialer.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   parallelism,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   c.timeout,
		ExpectContinueTimeout: time.Second,
		TLSClientConfig:       tlsConfig,
	}
	unverified := verified.Clone()
	unverified.TLSClientConfig = tlsConfig.Clone()
	unverified.TLSClientConfig.InsecureSkipVerify = true
	return &http.Client{
		Transport: &hostRouter{verified: verified, unverified: unverified, trusted: c.isTrusted},
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= 10 {
				return errors.New("stopped after 10 redirects")
			}
			if err := c.checkOrigin(req.URL); err != nil {
				return err
			}
			c.redirectCredentials(req, via)
			return nil
		},
	}, nil
}

// redirectCredentials decides the credentials of a redirected request,
// instead of Go's rule (which keeps them for the same host name on any
// port): the request gets what a first request to its URL would, so no
// credentials follow a redirect. Those of an index or find-links URL go
// only to that URL's scheme, host and port (pip's rule); those of the
// per-host lookup (netrc, whose entries name a host and no port or
// scheme) to the target's host name, as requests applies netrc on every
// redirect pip follows; and none at all once a redirect went from https
// to plain http.
func (c *Client) redirectCredentials(req *http.Request, via []*http.Request) {
	req.Header.Del("Authorization")
	for _, prev := range via {
		if prev.URL.Scheme == "https" && req.URL.Scheme == "http" {
			return
		}
	}
	if user, password, ok := c.credentialsFor(req.URL); ok {
		req.SetBasicAuth(user, password)
	}
}

// hostRouter sends requests to trusted hosts through a transport that
// skips certificate verification, and all others through the verifying one.
type hostRouter struct {
	verified, unverified http.RoundTripper
	trusted              func(*url.URL) bool
}

func (r *hostRouter) RoundTrip(req *http.Request) (*http.Response, error) {
	if r.trusted(req.URL) {
		return r.unverified.RoundTrip(req)
	}
	return r.verified.RoundTrip(req)
}

// isTrusted reports whether u's host is one of the trusted hosts: an
// entry with a port matches that host and port, one without matches the
// host on any port.
func (c *Client) isTrusted(u *url.URL) bool {
	for _, entry := range c.trusted {
		entry = strings.TrimSpace(entry)
		if i := strings.Index(entry, "://"); i >= 0 {
			entry = entry[i+3:]
		}
		entry = strings.TrimRight(entry, "/")
		if h, p, err := net.SplitHostPort(entry); err == nil {
			if strings.EqualFold(h, u.Hostname()) && p == port(u) {
				return true
			}
			continue
		}
		if strings.EqualFold(strings.Trim(entry, "[]"), u.Hostname()) {
			return true
		}
	}
	return false
}

// checkOrigin refuses plain http to hosts that are neither trusted nor
// loopback, as pip does.
func (c *Client) checkOrigin(u *url.URL) error {
	if u.Scheme != "http" || isLoopback(u.Hostname()) || c.isTrusted(u) {
		return nil
	}
	return fmt.Errorf("refusing plain-http URL %s: %s is not a trusted host; use https, or trust the host (pip's --trusted-host)",
		redact.Mask(u.String()), u.Host)
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// port returns u's port, or the default port of its scheme.
func port(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	switch u.Scheme {
	case "https":
		return "443"
	case "http":
		return "80"
	}
	return ""
}
