package lock

import (
	"path/filepath"

	"github.com/clusterpack/clusterpack/index"
	"github.com/clusterpack/clusterpack/lock/pipconfig"
	"github.com/clusterpack/clusterpack/lockfile"
)

// DownloadClient is an index client for fetching the files a lock names,
// and for resolving build requirements when an sdist must be built: pip's
// configured indexes and find-links, then the indexes the lock's packages
// came from; pip's certificates, trusted hosts, timeouts and retries, and
// netrc credentials.
func DownloadClient(env Env, lk *lockfile.Lock) (*index.Client, error) {
	cfg, err := pipconfig.Load(env.Getenv, pipconfig.LoadOptions{HomeDir: env.HomeDir, Command: "install"})
	if err != nil {
		return nil, err
	}
	var indexes []string
	if !cfg.NoIndex {
		indexes = append([]string{cfg.IndexURL}, cfg.ExtraIndexURLs...)
	}
	if lk != nil {
		for _, p := range lk.Packages {
			indexes = append(indexes, p.Index)
		}
	}
	return newClient(env, cfg, settings{indexes: dedupe(indexes), findLinks: cfg.FindLinks, noIndex: len(indexes) == 0, trustedHosts: cfg.TrustedHosts})
}

// newClient is the one index client constructor: the sources of s (its
// indexes, find-links and trusted hosts), pip's certificates, timeouts
// and retries from cfg, and netrc credentials.
func newClient(env Env, cfg *pipconfig.Config, s settings) (*index.Client, error) {
	netrc, err := pipconfig.LoadNetrc(env.Getenv, env.HomeDir)
	if err != nil {
		return nil, err
	}
	return index.New(index.Options{
		IndexURLs:      s.indexes,
		FindLinks:      s.findLinks,
		NoIndex:        s.noIndex,
		CacheDir:       filepath.Join(env.CacheDir, "http"),
		Credentials:    netrc.Lookup,
		CertFile:       cfg.Cert,
		ClientCertFile: cfg.ClientCert,
		TrustedHosts:   s.trustedHosts,
		Timeout:        cfg.Timeout,
		Retries:        cfg.Retries,
		UserAgent:      "clusterpack/" + env.Version,
		Logger:         env.Logger,
	})
}
