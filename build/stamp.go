package build

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// A stamp records the identity of an archive file whose sha256 was just
// checked: device, inode, size, modification and change times. Any write
// to the file, even one that restores its size and modification time,
// moves its change time, which no user program can set back; so a
// matching stamp proves the bytes are those hashed, and reuse need not
// hash hundreds of MB again. Where the system has no change time (see
// stamp_*.go), fileStamp returns "" and every reuse hashes. Stamps live
// in the cache (stamps/, named by the archive's absolute path), not
// beside the archive: the output directory holds only what was asked for.
func stampPath(cacheDir, archive string) string {
	abs, err := filepath.Abs(archive)
	if err != nil {
		abs = archive
	}
	sum := sha256.Sum256([]byte(abs))
	return filepath.Join(cacheDir, "stamps", hex.EncodeToString(sum[:16]))
}

// stampMatches reports whether the stamp beside archive names the file
// as it is now, and was written for sha.
func stampMatches(cacheDir, archive, sha string) bool {
	if cacheDir == "" {
		return false
	}
	want, err := os.ReadFile(stampPath(cacheDir, archive))
	if err != nil {
		return false
	}
	fi, err := os.Stat(archive)
	if err != nil {
		return false
	}
	got := fileStamp(fi)
	return got != "" && string(want) == stampLine(got, sha)
}

// writeStamp records archive as verified to have sha. A failure only
// costs a hash on the next reuse, so it is not an error.
func writeStamp(cacheDir, archive, sha string) {
	if cacheDir == "" {
		return
	}
	fi, err := os.Stat(archive)
	if err != nil {
		return
	}
	s := fileStamp(fi)
	if s == "" {
		return
	}
	path := stampPath(cacheDir, archive)
	if os.MkdirAll(filepath.Dir(path), 0o755) != nil {
		return
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".stamp-*")
	if err != nil {
		return
	}
	_, werr := tmp.WriteString(stampLine(s, sha))
	if cerr := tmp.Close(); werr != nil || cerr != nil || os.Rename(tmp.Name(), path) != nil {
		os.Remove(tmp.Name())
	}
}

func stampLine(stamp, sha string) string { return fmt.Sprintf("%s sha256=%s\n", stamp, sha) }

// stampedSHA is the sha256 the stamp of archive records, when the stamp
// names the file as it is now; else "".
func stampedSHA(cacheDir, archive string) string {
	if cacheDir == "" {
		return ""
	}
	line, err := os.ReadFile(stampPath(cacheDir, archive))
	if err != nil {
		return ""
	}
	fi, err := os.Stat(archive)
	if err != nil {
		return ""
	}
	got := fileStamp(fi)
	stamp, sha, ok := strings.Cut(strings.TrimSuffix(string(line), "\n"), " sha256=")
	if got == "" || !ok || stamp != got || len(sha) != 64 {
		return ""
	}
	return sha
}
