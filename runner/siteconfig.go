package runner

import (
	"crypto/sha256"
	"encoding/hex"
	"unsafe"
)

// An archive's environment is a virtual environment without the base
// interpreter's site-packages, so the base's .pth files must not run in
// it either: CPython's start-up imports site, which runs every .pth file
// of the base site-packages (a setuptools' distutils-precedence.pth
// installs an import hook; others import packages, which then stay in
// sys.modules, importable from an environment that does not have them).
// The runner turns site off (PyConfig.site_import = 0, as python -S does)
// and the bootstrap then does for the archive what site does for a
// virtual environment (bootstrap.py, _cp_setup).
//
// PyConfig has no setter for site_import before CPython 3.14, so the
// field is written at its offset, and only when the isolated
// configuration CPython made is byte for byte the one of the version the
// offset was taken from (C's offsetof and sizeof on the headers of the
// releases below, and the bytes PyConfig_InitIsolatedConfig writes).
// Another build (free-threaded, a version not listed, a layout or default
// that changed) keeps site on; the bootstrap then removes what the base's
// .pth files imported.
type siteConfig struct {
	size, siteImport uintptr
	image            string // sha256 of the initialised isolated config
}

var siteConfigs = map[[2]int]siteConfig{
	{3, 8}:  {360, 152, "56ec01a0ccc7a36938bea16c3c74d67ff1bce3d7df3897aa7216792be1e35aa0"}, // 3.8.18
	{3, 9}:  {392, 152, "6fee3a719e56da8ed087e8e6859464ae55db34d0cddf8984bf31773b9f3119e6"}, // 3.9.18
	{3, 10}: {392, 152, "ebd22bf48a25f3062ab31a16c44ad97e35b7ad795866cfe9c44779dd27c7cc45"}, // 3.10.13
	{3, 11}: {424, 168, "51b5af35d74122ab83f93b4541a6bcc7f7929f25579012d1f4a0da0d00c0d748"}, // 3.11.7
	{3, 12}: {432, 176, "f22abf9836cd2e9726e20c1bdad7df4d6862b3c803d3c0e9dee23337253a4dae"}, // 3.12.1
	{3, 13}: {448, 176, "d36761578eef2e1a17b204ad74ce934042e02339690c85fb6fd522f3fa599955"}, // 3.13.0
}

// configFill is what the config's buffer holds before
// PyConfig_InitIsolatedConfig: a byte past the config that is still this
// afterwards was not written by it.
const configFill = 0xa5

// turnSiteOff sets site_import to 0 in cfg, a PyConfig of CPython v that
// PyConfig_InitIsolatedConfig initialised in a buffer filled with
// configFill, when its layout is the known one; it says whether it did.
func turnSiteOff(v [2]int, cfg []byte) bool {
	sc, ok := siteConfigs[v]
	if !ok || uintptr(len(cfg)) < sc.size+64 {
		return false
	}
	for _, b := range cfg[sc.size : sc.size+64] {
		if b != configFill {
			return false // a larger struct than the one known
		}
	}
	sum := sha256.Sum256(cfg[:sc.size])
	if hex.EncodeToString(sum[:]) != sc.image {
		return false
	}
	site := (*int32)(unsafe.Pointer(&cfg[sc.siteImport]))
	if *site != 1 {
		return false
	}
	*site = 0
	return true
}
