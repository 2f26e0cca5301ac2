package runner

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/clusterpack/clusterpack/internal/atomicfile"
)

// probeCached is ProbeInterpreter, its answer kept in dir (see
// FindOptions.CacheDir); dir "" probes every time. A kept answer whose
// library is gone is probed again.
func probeCached(ctx context.Context, python, dir string) (*Interpreter, error) {
	if dir == "" {
		return ProbeInterpreter(ctx, python)
	}
	path, ok := probeKey(python, dir)
	if !ok {
		return ProbeInterpreter(ctx, python)
	}
	if b, err := os.ReadFile(path); err == nil {
		var in Interpreter
		if json.Unmarshal(b, &in) == nil && in.Library != "" {
			if _, err := os.Stat(in.Library); err == nil {
				return &in, nil
			}
		}
	}
	in, err := ProbeInterpreter(ctx, python)
	if err != nil {
		return nil, err
	}
	b, _ := json.Marshal(in)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err == nil {
		err = atomicfile.WriteFile(path, b, 0o644)
	}
	if err != nil {
		slog.Debug("runner: the interpreter probe is not kept", "python", python, "err", err)
	}
	return in, nil
}

// probeKey is the file that keeps the probe of python: named by its real
// path, size and modification time; ok is false for an executable that
// is not ELF (a script may run another interpreter each time).
func probeKey(python, dir string) (string, bool) {
	real, err := filepath.EvalSymlinks(python)
	if err != nil {
		return "", false
	}
	f, err := os.Open(real)
	if err != nil {
		return "", false
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		return "", false
	}
	magic := make([]byte, 4)
	if _, err := io.ReadFull(f, magic); err != nil || !bytes.Equal(magic, []byte("\x7fELF")) {
		return "", false
	}
	h := sha256.Sum256([]byte(fmt.Sprintf("%s\x00%d\x00%d\x00%s", real, fi.Size(), fi.ModTime().UnixNano(), probeScript)))
	return filepath.Join(dir, "probe-v1", hex.EncodeToString(h[:16])+".json"), true
}
