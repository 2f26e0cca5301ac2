package wheel

import (
	"archive/zip"
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/clusterpack/clusterpack/pypa/distfilename"
	"github.com/clusterpack/clusterpack/pypa/pep440"
	"github.com/clusterpack/clusterpack/pypa/pep503"
	"github.com/clusterpack/clusterpack/pypa/record"
)

// Size limits for the .dist-info files Install reads into memory.
const (
	maxRecordSize   = 256 << 20 // RECORD of the largest wheels is a few MiB
	maxMetadataSize = 64 << 20
	maxSmallFile    = 16 << 20 // WHEEL, entry_points.txt
)

// archive is an opened wheel whose members have been checked and whose
// .dist-info has been read.
type archive struct {
	filename string
	project  string // the project name from the file name, normalised
	distInfo string // the .dist-info directory, e.g. "foo-1.0.dist-info"
	dataDirs map[string]bool
	members  []*zip.File // regular files, in archive order
	record   map[string]record.Entry
	wheel    wheelInfo
	scripts  []launcher
	name     string // METADATA Name
	version  string // METADATA Version
}

// memberError wraps err as an error about member of the wheel.
func (a *archive) memberError(member string, err error) error {
	return &MemberError{Wheel: a.filename, Member: member, Err: err}
}

// openArchive indexes zr's members, rejecting unsafe or ambiguous ones,
// finds the .dist-info directory and reads WHEEL, METADATA, RECORD and
// entry_points.txt.
func openArchive(ctx context.Context, filename string, zr *zip.Reader) (*archive, error) {
	wf, err := distfilename.ParseWheel(filename)
	if err != nil {
		return nil, fmt.Errorf("wheel %s: %w: %v", filename, ErrInvalidWheel, err)
	}
	a := &archive{filename: filename, project: wf.Name, dataDirs: map[string]bool{}}
	seen := make(map[string]bool, len(zr.File))
	distInfos := map[string]bool{}
	for _, f := range zr.File {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		name := f.Name
		if strings.HasSuffix(name, "/") || f.Mode().IsDir() {
			if err := checkMemberPath(strings.TrimSuffix(name, "/")); err != nil {
				return nil, a.memberError(name, err)
			}
			continue // directories are implied by the files in them
		}
		if err := checkMemberPath(name); err != nil {
			return nil, a.memberError(name, err)
		}
		if f.Mode().Type() != 0 {
			return nil, a.memberError(name, fmt.Errorf("%w: not a regular file (mode %v)", ErrInvalidWheel, f.Mode()))
		}
		if f.Flags&0x1 != 0 {
			return nil, a.memberError(name, fmt.Errorf("%w: encrypted member", ErrInvalidWheel))
		}
		if seen[name] {
			return nil, a.memberError(name, fmt.Errorf("%w: duplicate member", ErrInvalidWheel))
		}
		seen[name] = true
		top, _, _ := strings.Cut(name, "/")
		if top != name {
			switch {
			case strings.HasSuffix(top, ".dist-info"):
				distInfos[top] = true
			case strings.HasSuffix(top, ".data"):
				a.dataDirs[top] = true
			}
		}
		a.members = append(a.members, f)
	}
	if len(distInfos) != 1 {
		return nil, fmt.Errorf("wheel %s: %w: %d .dist-info directories, want exactly one", filename, ErrInvalidWheel, len(distInfos))
	}
	for d := range distInfos {
		a.distInfo = d
	}
	if !sameDist(strings.TrimSuffix(a.distInfo, ".dist-info"), wf) {
		return nil, fmt.Errorf("wheel %s: %w: %s does not match the file name's project and version", filename, ErrInvalidWheel, a.distInfo)
	}
	for d := range a.dataDirs {
		if !sameDist(strings.TrimSuffix(d, ".data"), wf) {
			return nil, fmt.Errorf("wheel %s: %w: %s does not match the file name's project and version", filename, ErrInvalidWheel, d)
		}
	}
	return a, a.readDistInfo(wf)
}

// sameDist reports whether a "name-version" prefix of a .dist-info or
// .data directory names the wheel's project and version.
func sameDist(prefix string, wf distfilename.Wheel) bool {
	i := strings.LastIndex(prefix, "-")
	if i < 0 || pep503.Normalize(prefix[:i]) != wf.Name {
		return false
	}
	v, err := pep440.Parse(prefix[i+1:])
	return err == nil && v.Equal(wf.Version)
}

// readDistInfo reads and parses the .dist-info files Install needs.
func (a *archive) readDistInfo(wf distfilename.Wheel) error {
	wheelData, err := a.readMember(a.distInfo+"/WHEEL", maxSmallFile, true)
	if err != nil {
		return err
	}
	if a.wheel, err = parseWheelFile(wheelData); err != nil {
		return a.memberError(a.distInfo+"/WHEEL", err)
	}
	meta, err := a.readMember(a.distInfo+"/METADATA", maxMetadataSize, true)
	if err != nil {
		return err
	}
	h := parseHeaders(meta)
	a.name, a.version = h["name"], h["version"]
	if pep503.Normalize(a.name) != wf.Name {
		return a.memberError(a.distInfo+"/METADATA", fmt.Errorf("%w: Name %q does not match the file name's project %s", ErrInvalidWheel, a.name, wf.Name))
	}
	if v, err := pep440.Parse(a.version); err != nil || !v.Equal(wf.Version) {
		return a.memberError(a.distInfo+"/METADATA", fmt.Errorf("%w: Version %q does not match the file name's version %s", ErrInvalidWheel, a.version, wf.Version))
	}
	recordData, err := a.readMember(a.distInfo+"/RECORD", maxRecordSize, true)
	if err != nil {
		return err
	}
	if a.record, err = readRecord(recordData); err != nil {
		return a.memberError(a.distInfo+"/RECORD", fmt.Errorf("%w: %w", ErrInvalidWheel, err))
	}
	entryPoints, err := a.readMember(a.distInfo+"/entry_points.txt", maxSmallFile, false)
	if err != nil {
		return err
	}
	if a.scripts, err = parseLaunchers(entryPoints); err != nil {
		return a.memberError(a.distInfo+"/entry_points.txt", fmt.Errorf("%w: %w", ErrInvalidWheel, err))
	}
	return nil
}

// readMember reads a small member whole. A missing member is an error
// when required, else nil content. The content is checked against RECORD
// when the member is installed.
func (a *archive) readMember(name string, limit int64, required bool) ([]byte, error) {
	for _, f := range a.members {
		if f.Name != name {
			continue
		}
		if f.UncompressedSize64 > uint64(limit) {
			return nil, a.memberError(name, fmt.Errorf("%w: %d bytes, more than the %d allowed", ErrInvalidWheel, f.UncompressedSize64, limit))
		}
		rc, err := f.Open()
		if err != nil {
			return nil, a.memberError(name, err)
		}
		defer rc.Close()
		data, err := io.ReadAll(io.LimitReader(rc, limit+1))
		if err != nil {
			return nil, a.memberError(name, err)
		}
		if int64(len(data)) > limit {
			return nil, a.memberError(name, fmt.Errorf("%w: more than the %d bytes allowed", ErrInvalidWheel, limit))
		}
		return data, nil
	}
	if required {
		return nil, fmt.Errorf("wheel %s: %w: no %s", a.filename, ErrInvalidWheel, name)
	}
	return nil, nil
}
