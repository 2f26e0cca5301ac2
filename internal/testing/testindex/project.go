package testindex

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"strings"
	"time"
)

// Project is one project of the index.
type Project struct {
	Name  string // any spelling; the index serves it under its normalised name
	Files []File
}

// File is one distribution file of a project.
type File struct {
	Filename       string
	Content        []byte
	RequiresPython string // served as requires-python / data-requires-python
	Yanked         bool
	YankedReason   string
	// Metadata is served as the PEP 658 "<file>.metadata" file. When nil,
	// a wheel's .dist-info/METADATA is used; sdists then have none.
	Metadata   []byte
	UploadTime time.Time // served as PEP 700 upload-time when set
}

// Wheel builds the wheel of spec as a File with its metadata and
// Requires-Python. It panics on an invalid spec: it is for test fixtures.
func Wheel(spec WheelSpec) File {
	data, err := BuildWheel(spec)
	if err != nil {
		panic(fmt.Sprintf("testindex.Wheel: %v", err))
	}
	return File{Filename: spec.Filename(), Content: data, RequiresPython: spec.RequiresPython, Metadata: spec.metadata()}
}

// Sdist builds the source distribution of spec as a File with its
// Requires-Python. It panics on an invalid spec: it is for test fixtures.
func Sdist(spec SdistSpec) File {
	data, err := BuildSdist(spec)
	if err != nil {
		panic(fmt.Sprintf("testindex.Sdist: %v", err))
	}
	return File{Filename: spec.Filename(), Content: data, RequiresPython: spec.RequiresPython}
}

// SHA256 is the hex sha256 of the file's content.
func (f File) SHA256() string {
	sum := sha256.Sum256(f.Content)
	return hex.EncodeToString(sum[:])
}

// coreMetadata returns the PEP 658 metadata of the file, or nil.
func (f File) coreMetadata() []byte {
	if f.Metadata != nil {
		return f.Metadata
	}
	if strings.HasSuffix(f.Filename, ".whl") {
		if m, err := wheelMetadata(f.Content); err == nil {
			return m
		}
	}
	return nil
}

// wheelMetadata reads .dist-info/METADATA from a wheel.
func wheelMetadata(wheel []byte) ([]byte, error) {
	zr, err := zip.NewReader(bytes.NewReader(wheel), int64(len(wheel)))
	if err != nil {
		return nil, err
	}
	for _, zf := range zr.File {
		dir, name, ok := strings.Cut(zf.Name, "/")
		if ok && name == "METADATA" && strings.HasSuffix(dir, ".dist-info") {
			rc, err := zf.Open()
			if err != nil {
				return nil, err
			}
			defer rc.Close()
			return io.ReadAll(rc)
		}
	}
	return nil, fmt.Errorf("no .dist-info/METADATA in the wheel")
}

// version is the version part of a wheel or sdist file name, or "".
func (f File) version() string {
	name := f.Filename
	if strings.HasSuffix(name, ".whl") {
		parts := strings.Split(name, "-")
		if len(parts) >= 5 {
			return parts[1]
		}
		return ""
	}
	for _, ext := range []string{".tar.gz", ".zip", ".tar.bz2", ".tgz"} {
		if base, ok := strings.CutSuffix(name, ext); ok {
			if i := strings.LastIndexByte(base, '-'); i > 0 {
				return base[i+1:]
			}
		}
	}
	return ""
}
