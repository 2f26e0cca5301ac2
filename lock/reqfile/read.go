package reqfile

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/clusterpack/clusterpack/internal/redact"
)

// isRemote reports whether name is an http(s) URL, fetched with
// Options.Fetch.
func isRemote(name string) bool {
	s := urlScheme(name)
	return s == "http" || s == "https"
}

// isFileURL reports whether name is a file: URL.
func isFileURL(name string) bool { return urlScheme(name) == "file" }

// fileURLPath returns the local path of a file: URL.
func fileURLPath(rawURL string) (string, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "", fmt.Errorf("invalid file: URL %q: %w", redact.Mask(rawURL), err)
	}
	if u.Host != "" && u.Host != "localhost" {
		return "", fmt.Errorf("file: URL %q names host %q; only local files can be read", rawURL, u.Host)
	}
	p := u.Path
	if p == "" {
		p = u.Opaque
	}
	return filepath.FromSlash(p), nil
}

// readSource returns the bytes of a requirements file named by a path, a
// file: URL or an http(s) URL.
func (p *parser) readSource(name string) ([]byte, error) {
	switch {
	case isRemote(name):
		if p.opts.Fetch == nil {
			return nil, fmt.Errorf("cannot read %s: %w; download it and name the local copy instead", redact.Mask(name), ErrURLNotAllowed)
		}
		data, err := p.opts.Fetch(p.ctx, name)
		if err != nil {
			return nil, fmt.Errorf("cannot fetch %s: %w", redact.Mask(name), err)
		}
		return data, nil
	case isFileURL(name):
		local, err := fileURLPath(name)
		if err != nil {
			return nil, err
		}
		return p.readLocal(local)
	default:
		return p.readLocal(name)
	}
}

// readLocal reads a whole local file through Options.Open.
func (p *parser) readLocal(name string) ([]byte, error) {
	f, err := p.open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(f)
}

// open opens a local path with Options.Open or os.Open.
func (p *parser) open(name string) (io.ReadCloser, error) {
	if p.opts.Open != nil {
		return p.opts.Open(name)
	}
	return os.Open(name)
}

// stat tells whether a local path exists and whether it is a directory,
// through Options.Open (a file that cannot report its mode is taken for a
// regular file).
func (p *parser) stat(name string) (exists, isDir bool) {
	f, err := p.open(name)
	if err != nil {
		return false, false
	}
	defer f.Close()
	if s, ok := f.(interface{ Stat() (fs.FileInfo, error) }); ok {
		if info, err := s.Stat(); err == nil {
			return true, info.IsDir()
		}
	}
	return true, false
}

// decodeContent returns a file's text: UTF-8 (a byte-order mark is
// dropped) or UTF-16 with a byte-order mark.
func decodeContent(name string, data []byte) (string, error) {
	switch {
	case bytes.HasPrefix(data, []byte{0xEF, 0xBB, 0xBF}):
		data = data[3:]
	case bytes.HasPrefix(data, []byte{0xFF, 0xFE}), bytes.HasPrefix(data, []byte{0xFE, 0xFF}):
		return decodeUTF16(data), nil
	}
	if !utf8.Valid(data) {
		bad := len(data)
		for i := 0; i < len(data); {
			r, size := utf8.DecodeRune(data[i:])
			if r == utf8.RuneError && size == 1 {
				bad = i
				break
			}
			i += size
		}
		line := len(splitLines(string(data[:bad]) + "x"))
		return "", &Error{Source{name, line}, fmt.Errorf("the file is not valid UTF-8; save it as UTF-8")}
	}
	return string(data), nil
}

// decodeUTF16 decodes UTF-16 text that starts with a byte-order mark.
func decodeUTF16(data []byte) string {
	big := data[0] == 0xFE
	data = data[2:]
	units := make([]uint16, 0, len(data)/2)
	for i := 0; i+1 < len(data); i += 2 {
		if big {
			units = append(units, uint16(data[i])<<8|uint16(data[i+1]))
		} else {
			units = append(units, uint16(data[i+1])<<8|uint16(data[i]))
		}
	}
	return string(utf16.Decode(units))
}

// contextErr returns the context's error, if it is done.
func contextErr(ctx context.Context) error {
	if ctx == nil {
		return nil
	}
	return ctx.Err()
}
