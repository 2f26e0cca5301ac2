package wheel

import (
	"archive/zip"
	"fmt"
	"io/fs"
	"strings"

	"github.com/clusterpack/clusterpack/internal/reproducible"
	"github.com/clusterpack/clusterpack/pypa/record"
)

// plannedFile is a member of the wheel and where it goes.
type plannedFile struct {
	f      *zip.File
	dest   string // relative to the environment root
	mode   fs.FileMode
	script bool // in the scripts directory: a "#!python" first line is rewritten
	record record.Entry
}

// plan is the layout of an installation.
type plan struct {
	libDir    string // purelib or platlib: where the root and .dist-info go
	files     []plannedFile
	launchers []launcher
	dests     map[string]string // destination -> what writes it, for conflicts
}

// generatedFiles are .dist-info files that describe an installation, not a
// wheel: Install writes its own and ignores the wheel's. RECORD.jws and
// RECORD.p7s sign a RECORD that the installation rewrites.
var generatedFiles = map[string]bool{
	"RECORD": true, "RECORD.jws": true, "RECORD.p7s": true,
	"INSTALLER": true, "REQUESTED": true, "direct_url.json": true,
}

// dataSchemes are the subdirectories a .data directory may have.
var dataSchemes = []string{"purelib", "platlib", "scripts", "data", "headers"}

// makePlan maps every member to its destination under scheme, checks that
// RECORD lists it with a hash and the right size, and that no two files
// go to the same place.
func (a *archive) makePlan(scheme Scheme) (*plan, error) {
	p := &plan{libDir: scheme.Platlib, launchers: a.scripts, dests: map[string]string{}}
	if a.wheel.rootIsPurelib {
		p.libDir = scheme.Purelib
	}
	launcherNames := map[string]bool{}
	for _, l := range a.scripts {
		launcherNames[l.name] = true
	}
	for _, f := range a.members {
		top, rest, _ := strings.Cut(f.Name, "/")
		pf := plannedFile{f: f, dest: joinPath(p.libDir, f.Name), mode: reproducible.Mode(f.Mode())}
		switch {
		case top == a.distInfo && generatedFiles[rest]:
			continue
		case a.dataDirs[top]:
			key, sub, _ := strings.Cut(rest, "/")
			if sub == "" {
				return nil, a.memberError(f.Name, fmt.Errorf("%w: a .data directory holds only %s subdirectories", ErrInvalidWheel, strings.Join(dataSchemes, ", ")))
			}
			switch key {
			case "purelib":
				pf.dest = joinPath(scheme.Purelib, sub)
			case "platlib":
				pf.dest = joinPath(scheme.Platlib, sub)
			case "data":
				pf.dest = joinPath(scheme.Data, sub)
			case "headers":
				pf.dest = joinPath(scheme.Headers, a.project+"/"+sub)
			case "scripts":
				if launcherNames[entryPointWrapperName(sub)] {
					continue // a setuptools wrapper for an entry point we write ourselves (pip does the same)
				}
				pf.dest = joinPath(scheme.Scripts, sub)
				pf.mode, pf.script = 0o755, true
			default:
				return nil, a.memberError(f.Name, fmt.Errorf("%w: unknown .data subdirectory %q (want one of %s)", ErrInvalidWheel, key, strings.Join(dataSchemes, ", ")))
			}
		}
		rec, ok := a.record[f.Name]
		switch {
		case !ok:
			return nil, a.memberError(f.Name, fmt.Errorf("%w: not listed in RECORD", ErrRecordMismatch))
		case rec.Hash.IsZero():
			return nil, a.memberError(f.Name, fmt.Errorf("%w: RECORD lists it without a hash", ErrRecordMismatch))
		case rec.Size >= 0 && uint64(rec.Size) != f.UncompressedSize64:
			return nil, a.memberError(f.Name, fmt.Errorf("%w: RECORD says %d bytes, the archive %d", ErrRecordMismatch, rec.Size, f.UncompressedSize64))
		}
		pf.record = rec
		if err := p.claim(pf.dest, f.Name); err != nil {
			return nil, a.memberError(f.Name, err)
		}
		p.files = append(p.files, pf)
	}
	return p, nil
}

// claim reserves dest for what, or says who already has it.
func (p *plan) claim(dest, what string) error {
	if other, taken := p.dests[dest]; taken {
		return fmt.Errorf("%w: installs to %s, as %s does", ErrInvalidWheel, dest, other)
	}
	p.dests[dest] = what
	return nil
}

// entryPointWrapperName is the entry point a script in .data/scripts
// would be setuptools' wrapper for: its name without ".exe",
// "-script.py" or ".pya", as pip matches them.
func entryPointWrapperName(name string) string {
	lower := strings.ToLower(name)
	for _, suffix := range []string{".exe", "-script.py", ".pya"} {
		if strings.HasSuffix(lower, suffix) {
			return name[:len(name)-len(suffix)]
		}
	}
	return name
}
