package wheel

import (
	"archive/zip"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"path/filepath"
	"sort"

	"github.com/clusterpack/clusterpack/pypa/record"
)

// installerName is what .dist-info/INSTALLER says.
const installerName = "clusterpack\n"

// Install installs the wheel at wheelPath into dest, laid out by
// opts.Scheme, and describes what it wrote. See the package
// documentation for what is copied and what is rewritten.
//
// The wheel is checked as it is read: its file name must parse (PEP 427);
// it must hold exactly one .dist-info directory, for the project and
// version of the file name, with WHEEL (Wheel-Version 1.x), METADATA and
// RECORD; every member must be a regular file at a clean relative path
// inside the wheel's root, its .dist-info or its .data/{purelib, platlib,
// scripts, data, headers}, listed in RECORD with a sha256 (or better)
// hash and size that match (see Verification); no two members may install
// to the same path. Errors about a member are *MemberError values naming
// the wheel and the member; format errors wrap ErrInvalidWheel and
// RECORD disagreements ErrRecordMismatch.
//
// On error, dest holds whatever was written before it (see Destination).
func Install(ctx context.Context, wheelPath string, dest Destination, opts Options) (*Installed, error) {
	filename := filepath.Base(wheelPath)
	zr, err := zip.OpenReader(wheelPath)
	if err != nil {
		return nil, fmt.Errorf("wheel %s: %w", filename, err)
	}
	defer zr.Close()
	return install(ctx, filename, &zr.Reader, dest, opts)
}

// install installs the wheel called filename read from zr.
func install(ctx context.Context, filename string, zr *zip.Reader, dest Destination, opts Options) (*Installed, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := opts.Scheme.validate(); err != nil {
		return nil, fmt.Errorf("wheel %s: %w", filename, err)
	}
	shebang, err := shebangFor(opts.Shebang)
	if err != nil {
		return nil, fmt.Errorf("wheel %s: %w", filename, err)
	}
	if opts.DirectURL != nil && !json.Valid(opts.DirectURL) {
		return nil, fmt.Errorf("wheel %s: Options.DirectURL is not valid JSON", filename)
	}
	a, err := openArchive(ctx, filename, zr)
	if err != nil {
		return nil, err
	}
	p, err := a.makePlan(opts.Scheme)
	if err != nil {
		return nil, err
	}
	c := &copier{ctx: ctx, archive: a, dest: dest, verify: opts.Verify, shebang: shebang, buf: make([]byte, 64<<10)}
	c.raw, _ = dest.(RawDestination)

	var out []written
	for _, pf := range p.files {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		w, err := c.copyFile(pf)
		if err != nil {
			return nil, err
		}
		out = append(out, w)
	}
	generated, err := p.generatedFiles(a, opts, shebang)
	if err != nil {
		return nil, err
	}
	for _, g := range generated {
		w, err := c.writeGenerated(g.dest, g.mode, g.content)
		if err != nil {
			return nil, err
		}
		out = append(out, w)
	}

	recordPath := joinPath(p.libDir, a.distInfo+"/RECORD")
	rows := make([]record.Entry, 0, len(out)+1)
	for _, w := range out {
		rows = append(rows, record.Entry{Path: relPath(p.libDir, w.file.Path), Hash: w.hash, Size: w.file.Size})
	}
	rows = append(rows, record.Entry{Path: relPath(p.libDir, recordPath), Size: -1})
	recordData, err := renderRecord(rows)
	if err != nil {
		return nil, fmt.Errorf("wheel %s: rendering RECORD: %w", filename, err)
	}
	w, err := c.writeGenerated(recordPath, 0o644, recordData)
	if err != nil {
		return nil, err
	}
	out = append(out, w)
	return describe(a, p, opts.Scheme, out), nil
}

// generatedFile is a file Install writes that the wheel does not hold.
type generatedFile struct {
	dest    string
	mode    fs.FileMode
	content []byte
}

// generatedFiles renders the entry-point launchers and the .dist-info
// files describing the installation, except RECORD, and claims their
// paths.
func (p *plan) generatedFiles(a *archive, opts Options, shebang string) ([]generatedFile, error) {
	var files []generatedFile
	for _, l := range p.launchers {
		files = append(files, generatedFile{joinPath(opts.Scheme.Scripts, l.name), 0o755, l.script(shebang)})
	}
	info := joinPath(p.libDir, a.distInfo) + "/"
	files = append(files, generatedFile{info + "INSTALLER", 0o644, []byte(installerName)})
	if opts.Requested {
		files = append(files, generatedFile{info + "REQUESTED", 0o644, nil})
	}
	if opts.DirectURL != nil {
		files = append(files, generatedFile{info + "direct_url.json", 0o644, opts.DirectURL})
	}
	files = append(files, generatedFile{info + "RECORD", 0o644, nil}) // claimed here, written last
	for _, g := range files {
		if err := p.claim(g.dest, "the generated "+g.dest); err != nil {
			return nil, fmt.Errorf("wheel %s: %w", a.filename, err)
		}
	}
	return files[:len(files)-1], nil
}

// describe assembles the Installed summary.
func describe(a *archive, p *plan, scheme Scheme, out []written) *Installed {
	in := &Installed{Name: a.name, Version: a.version}
	for _, w := range out {
		in.Files = append(in.Files, w.file)
	}
	sort.Slice(in.Files, func(i, j int) bool { return in.Files[i].Path < in.Files[j].Path })
	in.TopLevel = topLevelNames(in.Files, scheme)
	for _, f := range in.Files {
		if rel := relPath(scheme.Scripts, f.Path); rel != "." && !hasDotDot(rel) {
			in.Scripts = append(in.Scripts, f.Path)
		}
	}
	return in
}
