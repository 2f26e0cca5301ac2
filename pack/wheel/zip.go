package wheel

import (
	"archive/zip"
	"io"
	"io/fs"

	"github.com/clusterpack/clusterpack/internal/reproducible"
)

// Zip is a RawDestination that appends the installed files to a zip
// archive, in the order Install writes them (the wheel's member order,
// then launchers, INSTALLER, REQUESTED, direct_url.json and RECORD), which
// is the same for the same wheel and options. Members Install copies
// unchanged keep their compressed bytes; files it writes itself are
// deflated. Every entry is dated 1980-01-01 with a normalised mode.
//
// A zip.Writer takes one entry at a time, so a Zip serves one Install at a
// time.
type Zip struct {
	w      *zip.Writer
	prefix string
}

// ZipDestination returns a destination that writes to w, each path
// prefixed with prefix (for instance "venv/"; empty for none).
func ZipDestination(w *zip.Writer, prefix string) *Zip {
	return &Zip{w: w, prefix: prefix}
}

// Create adds a deflated entry.
func (z *Zip) Create(name string, mode fs.FileMode) (io.WriteCloser, error) {
	fh := &zip.FileHeader{Name: z.prefix + name, Method: zip.Deflate}
	reproducible.SetZipEpoch(fh)
	fh.SetMode(reproducible.Mode(mode))
	w, err := z.w.CreateHeader(fh)
	if err != nil {
		return nil, err
	}
	return nopCloser{w}, nil
}

// CreateRaw adds an entry whose compressed bytes the caller writes.
func (z *Zip) CreateRaw(name string, fh *zip.FileHeader) (io.Writer, error) {
	out := &zip.FileHeader{
		Name:               z.prefix + name,
		Method:             fh.Method,
		CRC32:              fh.CRC32,
		CompressedSize64:   fh.CompressedSize64,
		UncompressedSize64: fh.UncompressedSize64,
	}
	reproducible.SetZipEpoch(out)
	out.SetMode(reproducible.Mode(fh.Mode()))
	return z.w.CreateRaw(out)
}

type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }
