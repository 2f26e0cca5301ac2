package lock

import (
	"path/filepath"

	"github.com/clusterpack/clusterpack/index"
	"github.com/clusterpack/clusterpack/pipconfig"
)

// DownloadClient is an index client for fetching the files a lock names:
// pip's certificates, trusted hosts, timeouts and retries, and netrc
// credentials, with no index to search.
func DownloadClient(env Env) (*index.Client, error) {
	cfg, err := pipconfig.Load(env.Getenv, pipconfig.LoadOptions{HomeDir: env.HomeDir, Command: "install"})
	if err != nil {
		return nil, err
	}
	netrc, err := pipconfig.LoadNetrc(env.Getenv, env.HomeDir)
	if err != nil {
		return nil, err
	}
	return index.New(index.Options{
		NoIndex:        true,
		CacheDir:       filepath.Join(env.CacheDir, "http"),
		Credentials:    netrc.Lookup,
		CertFile:       cfg.Cert,
		ClientCertFile: cfg.ClientCert,
		TrustedHosts:   cfg.TrustedHosts,
		Timeout:        cfg.Timeout,
		Retries:        cfg.Retries,
		UserAgent:      "clusterpack/" + env.Version,
		Logger:         env.Logger,
	})
}
