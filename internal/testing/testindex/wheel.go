package testindex

import (
	"bytes"
	"fmt"
	"io/fs"
	"strings"

	"github.com/clusterpack/clusterpack/pypa/pep503"
	"github.com/clusterpack/clusterpack/pypa/record"
)

// WheelSpec describes a wheel to build. Only Name and Version are required.
type WheelSpec struct {
	Name    string
	Version string
	// Tag is the compressed tag set, e.g. "cp311-cp311-manylinux_2_28_x86_64"
	// or "py2.py3-none-any"; default "py3-none-any".
	Tag      string
	BuildTag string // optional build number, e.g. "1" or "2beta"
	Summary  string
	// RequiresDist, RequiresPython and ProvidesExtra are the core
	// metadata fields, written as given.
	RequiresDist   []string
	RequiresPython string
	ProvidesExtra  []string
	// Files maps a path inside the wheel root to its content, e.g.
	// "pkg/__init__.py".
	Files map[string]string
	// EntryPoints maps a group (e.g. "console_scripts") to names and
	// "module:function" references.
	EntryPoints map[string]map[string]string
	// Data maps a .data subdirectory (scripts, purelib, platlib, data,
	// headers) to paths and contents.
	Data map[string]map[string]string
	// MetadataVersion is the METADATA Metadata-Version; default "2.1".
	MetadataVersion string
}

// distName is the name as it appears in file names: normalised, with '_'.
func distName(name string) string {
	return strings.ReplaceAll(pep503.Normalize(name), "-", "_")
}

func (s WheelSpec) tag() string {
	if s.Tag == "" {
		return "py3-none-any"
	}
	return s.Tag
}

// Filename is the PEP 427 file name, e.g. "my_pkg-1.0-py3-none-any.whl".
func (s WheelSpec) Filename() string {
	parts := []string{distName(s.Name), s.Version}
	if s.BuildTag != "" {
		parts = append(parts, s.BuildTag)
	}
	return strings.Join(append(parts, s.tag()), "-") + ".whl"
}

// distInfo is the name of the .dist-info directory.
func (s WheelSpec) distInfo() string {
	return distName(s.Name) + "-" + s.Version + ".dist-info"
}

// metadata is the METADATA file of the wheel.
func (s WheelSpec) metadata() []byte {
	mv := s.MetadataVersion
	if mv == "" {
		mv = "2.1"
	}
	return coreMetadata{
		MetadataVersion: mv, Name: s.Name, Version: s.Version, Summary: s.Summary,
		RequiresPython: s.RequiresPython, RequiresDist: s.RequiresDist, ProvidesExtra: s.ProvidesExtra,
	}.render()
}

func (s WheelSpec) validate() error {
	if !pep503.Valid(s.Name) {
		return fmt.Errorf("wheel name %q is not a valid project name", s.Name)
	}
	if s.Version == "" || strings.ContainsAny(s.Version, "-/ \t\r\n") {
		return fmt.Errorf("wheel %s: version %q is empty or contains '-', '/' or space", s.Name, s.Version)
	}
	if s.BuildTag != "" && (s.BuildTag[0] < '0' || s.BuildTag[0] > '9' || strings.ContainsAny(s.BuildTag, "-/ ")) {
		return fmt.Errorf("wheel %s: build tag %q must start with a digit and contain no '-'", s.Name, s.BuildTag)
	}
	if len(strings.Split(s.tag(), "-")) != 3 {
		return fmt.Errorf("wheel %s: tag %q is not python-abi-platform", s.Name, s.tag())
	}
	if err := checkHeaderValues("wheel "+s.Name+" metadata value", append(append([]string{s.Summary, s.RequiresPython, s.Version}, s.RequiresDist...), s.ProvidesExtra...)...); err != nil {
		return err
	}
	for p := range s.Files {
		if err := checkRelPath(p); err != nil {
			return fmt.Errorf("wheel %s: %w", s.Name, err)
		}
		if top, _, _ := strings.Cut(p, "/"); strings.HasSuffix(top, ".dist-info") || strings.HasSuffix(top, ".data") {
			return fmt.Errorf("wheel %s: file %q belongs in the generated .dist-info or in Data", s.Name, p)
		}
	}
	for dir, files := range s.Data {
		if strings.Contains(dir, "/") || dir == "" {
			return fmt.Errorf("wheel %s: data directory %q must be one name", s.Name, dir)
		}
		for p := range files {
			if err := checkRelPath(p); err != nil {
				return fmt.Errorf("wheel %s: data %s: %w", s.Name, dir, err)
			}
		}
	}
	return nil
}

// rootIsPurelib reports whether every tag of the compressed tag set is
// pure Python: ABI "none" and platform "any".
func rootIsPurelib(tag string) bool {
	parts := strings.Split(tag, "-")
	return len(parts) == 3 && parts[1] == "none" && parts[2] == "any"
}

// expandTags expands a compressed tag set into its tags, in order.
func expandTags(tag string) []string {
	parts := strings.Split(tag, "-")
	var out []string
	for _, py := range strings.Split(parts[0], ".") {
		for _, abi := range strings.Split(parts[1], ".") {
			for _, plat := range strings.Split(parts[2], ".") {
				out = append(out, py+"-"+abi+"-"+plat)
			}
		}
	}
	return out
}

// BuildWheel builds the PEP 427 wheel spec describes: the files, the
// .data directory, and a .dist-info with METADATA, WHEEL,
// entry_points.txt, top_level.txt and RECORD (written last). Entries are
// sorted and timestamped 1980-01-01, so a spec always gives the same bytes.
func BuildWheel(spec WheelSpec) ([]byte, error) {
	if err := spec.validate(); err != nil {
		return nil, err
	}
	var entries []entry
	for _, p := range sortedKeys(spec.Files) {
		entries = append(entries, entry{name: p, data: []byte(spec.Files[p]), mode: 0o644})
	}
	dataDir := distName(spec.Name) + "-" + spec.Version + ".data/"
	for _, dir := range sortedKeys(spec.Data) {
		mode := fs.FileMode(0o644)
		if dir == "scripts" {
			mode = 0o755
		}
		for _, p := range sortedKeys(spec.Data[dir]) {
			entries = append(entries, entry{name: dataDir + dir + "/" + p, data: []byte(spec.Data[dir][p]), mode: mode})
		}
	}
	info := spec.distInfo() + "/"
	entries = append(entries,
		entry{name: info + "METADATA", data: spec.metadata(), mode: 0o644},
		entry{name: info + "WHEEL", data: spec.wheelFile(), mode: 0o644},
		entry{name: info + "top_level.txt", data: topLevel(spec.Files), mode: 0o644},
	)
	if len(spec.EntryPoints) > 0 {
		entries = append(entries, entry{name: info + "entry_points.txt", data: entryPoints(spec.EntryPoints), mode: 0o644})
	}
	recordData, err := recordFile(entries, info+"RECORD")
	if err != nil {
		return nil, fmt.Errorf("wheel %s: %w", spec.Filename(), err)
	}
	entries = append(entries, entry{name: info + "RECORD", data: recordData, mode: 0o644})
	return writeZip(entries)
}

// wheelFile is the .dist-info/WHEEL file.
func (s WheelSpec) wheelFile() []byte {
	var b strings.Builder
	b.WriteString("Wheel-Version: 1.0\nGenerator: clusterpack-testindex\n")
	fmt.Fprintf(&b, "Root-Is-Purelib: %t\n", rootIsPurelib(s.tag()))
	for _, t := range expandTags(s.tag()) {
		fmt.Fprintf(&b, "Tag: %s\n", t)
	}
	if s.BuildTag != "" {
		fmt.Fprintf(&b, "Build: %s\n", s.BuildTag)
	}
	return []byte(b.String())
}

// topLevel lists the top-level packages and modules of the files.
func topLevel(files map[string]string) []byte {
	seen := map[string]bool{}
	for p := range files {
		top, rest, nested := strings.Cut(p, "/")
		switch {
		case nested && rest != "":
			seen[top] = true
		case strings.HasSuffix(top, ".py"):
			seen[strings.TrimSuffix(top, ".py")] = true
		}
	}
	var b strings.Builder
	for _, name := range sortedKeys(seen) {
		b.WriteString(name + "\n")
	}
	return []byte(b.String())
}

// entryPoints renders entry_points.txt.
func entryPoints(groups map[string]map[string]string) []byte {
	var b strings.Builder
	for i, g := range sortedKeys(groups) {
		if i > 0 {
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "[%s]\n", g)
		for _, name := range sortedKeys(groups[g]) {
			fmt.Fprintf(&b, "%s = %s\n", name, groups[g][name])
		}
	}
	return []byte(b.String())
}

// recordFile writes the RECORD of entries, ending with RECORD's own row.
func recordFile(entries []entry, self string) ([]byte, error) {
	rows := make([]record.Entry, 0, len(entries)+1)
	for _, e := range entries {
		rows = append(rows, record.Entry{Path: e.name, Hash: record.SHA256(e.data), Size: int64(len(e.data))})
	}
	rows = append(rows, record.Entry{Path: self, Size: -1})
	var buf bytes.Buffer
	if err := record.Write(&buf, rows); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
