package distfilename

import (
	"fmt"
	"strings"
)

// Kind classifies a distribution file.
type Kind int

const (
	// KindUnknown is a file that is no distribution clusterpack knows of,
	// such as a signature (.asc) or a metadata file.
	KindUnknown Kind = iota
	// KindWheel is a wheel (.whl).
	KindWheel
	// KindSdist is a source distribution in a format packaging accepts
	// (.tar.gz or .zip).
	KindSdist
	// KindUnsupported is a distribution in a format clusterpack does not
	// install: eggs, Windows installers, or source archives in other
	// compression formats (.tar.bz2, .tgz, ...). Dist.Format says which.
	KindUnsupported
)

// String names the kind.
func (k Kind) String() string {
	switch k {
	case KindWheel:
		return "wheel"
	case KindSdist:
		return "sdist"
	case KindUnsupported:
		return "unsupported"
	}
	return "unknown"
}

// unsupportedFormats are the extensions of distributions clusterpack
// recognises but does not use, longest first where one ends another.
var unsupportedFormats = []string{
	".tar.bz2", ".tar.xz", ".tar.lzma", ".tar.lz", ".tar.Z",
	".tgz", ".tbz", ".tbz2", ".txz", ".tlz", ".tar",
	".egg", ".exe", ".msi", ".rpm", ".dmg", ".deb",
}

// Dist is a classified index file name.
type Dist struct {
	Filename string
	Kind     Kind
	Format   string // the extension: ".whl", ".tar.gz", ".zip", ".egg", ...; "" for KindUnknown
	Wheel    Wheel  // set when Kind is KindWheel
	Sdist    Sdist  // set when Kind is KindSdist
}

// Parse classifies a file name from an index and parses it when it is a
// wheel or an sdist. Sdist names follow ParseSdist's rule (see ParseSdistFor
// for pip's rule for legacy names). A wheel or sdist whose name does not
// parse is an error; unsupported and unknown files are not.
func Parse(filename string) (Dist, error) {
	d := Dist{Filename: filename}
	switch {
	case strings.HasSuffix(filename, ".whl"):
		w, err := ParseWheel(filename)
		if err != nil {
			return Dist{}, err
		}
		d.Kind, d.Format, d.Wheel = KindWheel, ".whl", w
		return d, nil
	case strings.HasSuffix(filename, ".tar.gz") || strings.HasSuffix(filename, ".zip"):
		s, err := ParseSdist(filename)
		if err != nil {
			return Dist{}, err
		}
		d.Kind, d.Format, d.Sdist = KindSdist, s.Format, s
		return d, nil
	}
	for _, ext := range unsupportedFormats {
		if strings.HasSuffix(filename, ext) {
			d.Kind, d.Format = KindUnsupported, ext
			return d, nil
		}
	}
	return d, nil
}

// Describe returns a one-line description of the file for messages, such
// as "unsupported distribution format .egg: foo-1.0-py2.7.egg".
func (d Dist) Describe() string {
	switch d.Kind {
	case KindWheel:
		return fmt.Sprintf("wheel %s %s: %s", d.Wheel.Name, d.Wheel.Version, d.Filename)
	case KindSdist:
		return fmt.Sprintf("sdist %s %s: %s", d.Sdist.Name, d.Sdist.Version, d.Filename)
	case KindUnsupported:
		return fmt.Sprintf("unsupported distribution format %s: %s", d.Format, d.Filename)
	}
	return "not a distribution: " + d.Filename
}
