package runner

import (
	"crypto/sha256"
	"encoding/hex"
	"unsafe"
)

// Two fields of PyConfig are set as CPython's command line would set
// them, for the environment an executor gives a UDF:
//
//   - site_import = 0 (python -S). An archive's environment is a virtual
//     environment without the base interpreter's site-packages, so the
//     base's .pth files must not run in it either: CPython's start-up
//     imports site, which runs every .pth file of the base site-packages
//     (setuptools' distutils-precedence.pth installs an import hook;
//     others import packages, which then stay in sys.modules, importable
//     from an environment that does not have them). The bootstrap then
//     does for the archive what site does for a virtual environment
//     (bootstrap.py, _cp_setup).
//   - buffered_stdio = 0 (python -u): sys.stdout and sys.stderr write
//     straight to their file descriptors, as on a Spark executor, whose
//     Python workers run with PYTHONUNBUFFERED. What a UDF printed is
//     never lost in a crash, and a call needs no flush after it
//     (bootstrap.py, _cp_flush).
//
// And one field of PyPreConfig, the configuration CPython reads before
// any other:
//
//   - utf8_mode = 1 (python -X utf8): open(), the standard streams and file
//     names are UTF-8, whatever the locale. The runner's process never
//     sets a locale (Go does not), so without it CPython's isolated
//     pre-configuration, which does not configure the locale, leaves
//     everything ASCII: open() of a UTF-8 file fails, and a print of "é"
//     writes "\xe9". An executor's Python has UTF-8 from its locale
//     (C.UTF-8 or en_US.UTF-8), or from UTF-8 mode, which CPython turns on
//     by itself in the C and POSIX locales (PEP 540).
//
// PyConfig and PyPreConfig have no setters for these fields before
// CPython 3.14, so the fields are written at their offsets, and only when
// the isolated configuration CPython made is byte for byte the one of the
// version the offsets were taken from (C's offsetof and sizeof on the headers of the releases
// below, and the bytes PyConfig_InitIsolatedConfig writes). Another build
// (free-threaded, a version not listed, a layout or default that changed)
// keeps site and buffering on (the bootstrap then removes what the base's
// .pth files imported, and flushes the streams after each call), and a
// PyPreConfig not the known one keeps the locale's encoding.
type configLayout struct {
	size, siteImport, bufferedStdio uintptr
	image                           string // sha256 of the initialised isolated config
}

var configLayouts = map[[2]int]configLayout{
	{3, 8}:  {360, 152, 196, "56ec01a0ccc7a36938bea16c3c74d67ff1bce3d7df3897aa7216792be1e35aa0"}, // 3.8.18
	{3, 9}:  {392, 152, 196, "6fee3a719e56da8ed087e8e6859464ae55db34d0cddf8984bf31773b9f3119e6"}, // 3.9.18
	{3, 10}: {392, 152, 200, "ebd22bf48a25f3062ab31a16c44ad97e35b7ad795866cfe9c44779dd27c7cc45"}, // 3.10.13
	{3, 11}: {424, 168, 216, "51b5af35d74122ab83f93b4541a6bcc7f7929f25579012d1f4a0da0d00c0d748"}, // 3.11.7
	{3, 12}: {432, 176, 224, "f22abf9836cd2e9726e20c1bdad7df4d6862b3c803d3c0e9dee23337253a4dae"}, // 3.12.1
	{3, 13}: {448, 176, 224, "d36761578eef2e1a17b204ad74ce934042e02339690c85fb6fd522f3fa599955"}, // 3.13.0
}

// configFill is what the config's buffer holds before
// PyConfig_InitIsolatedConfig: a byte past the config that is still this
// afterwards was not written by it.
const configFill = 0xa5

// configureExecutor sets site_import and buffered_stdio to 0 in cfg, a
// PyConfig of CPython v that PyConfig_InitIsolatedConfig initialised in a
// buffer filled with configFill, when its layout is the known one; it
// says whether it did.
func configureExecutor(v [2]int, cfg []byte) bool {
	l, ok := configLayouts[v]
	if !ok || uintptr(len(cfg)) < l.size+64 {
		return false
	}
	for _, b := range cfg[l.size : l.size+64] {
		if b != configFill {
			return false // a larger struct than the one known
		}
	}
	sum := sha256.Sum256(cfg[:l.size])
	if hex.EncodeToString(sum[:]) != l.image {
		return false
	}
	site := (*int32)(unsafe.Pointer(&cfg[l.siteImport]))
	buffered := (*int32)(unsafe.Pointer(&cfg[l.bufferedStdio]))
	if *site != 1 || *buffered != 1 {
		return false
	}
	*site, *buffered = 0, 0
	return true
}

// PyPreConfig is ten ints in CPython 3.8-3.13, the same on every Unix;
// utf8_mode is the eighth (the Windows-only legacy_windows_fs_encoding
// comes before it there). preConfigImage is the sha256 of the bytes
// PyPreConfig_InitIsolatedConfig writes (3.8.18-3.13.0: _config_init 3,
// isolated 1, every other field 0).
const (
	preConfigSize  = 40
	preConfigUTF8  = 28
	preConfigImage = "f9ba1ee14878ffaa346269a354e6139df4ad9ca6fb59640560c0f0c247f6d48e"
)

// utf8Mode sets utf8_mode to 1 in pre, a PyPreConfig that
// PyPreConfig_InitIsolatedConfig initialised in a buffer filled with
// configFill, when its layout is the known one; it says whether it did.
func utf8Mode(pre []byte) bool {
	if len(pre) < preConfigSize+64 {
		return false
	}
	for _, b := range pre[preConfigSize : preConfigSize+64] {
		if b != configFill {
			return false
		}
	}
	sum := sha256.Sum256(pre[:preConfigSize])
	if hex.EncodeToString(sum[:]) != preConfigImage {
		return false
	}
	*(*int32)(unsafe.Pointer(&pre[preConfigUTF8])) = 1
	return true
}
