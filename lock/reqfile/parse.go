package reqfile

import (
	"context"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"

	"github.com/clusterpack/clusterpack/internal/redact"
)

// maxDepth bounds the nesting of -r/-c files, so URLs that differ only in
// their query cannot loop forever.
const maxDepth = 100

// Parse reads the requirements file at path (a local path, a file: URL, or
// an http(s) URL when opts.Fetch is set) and every file it includes. Errors
// are *Error values naming the file and line, except when path itself
// cannot be read.
func Parse(ctx context.Context, path string, opts Options) (*File, error) {
	p := &parser{ctx: ctx, opts: opts, file: &File{}, format: formatControl{nameSet{}, nameSet{}}}
	if err := p.parseFile(path, false, nil); err != nil {
		return nil, err
	}
	p.file.Options.NoBinary = p.format.noBinary.sorted()
	p.file.Options.OnlyBinary = p.format.onlyBinary.sorted()
	return p.file, nil
}

// parser holds the state of one Parse call.
type parser struct {
	ctx    context.Context
	opts   Options
	file   *File
	format formatControl
	stack  []string // the files being read, outermost first, for cycles
}

// parseFile reads one file; from is the -r/-c line that names it, or nil.
func (p *parser) parseFile(name string, constraint bool, from *Source) error {
	if err := contextErr(p.ctx); err != nil {
		return err
	}
	key := fileKey(name)
	for i, open := range p.stack {
		if open == key {
			chain := append(append([]string{}, p.stack[i:]...), key)
			return &Error{*from, fmt.Errorf("%w: %s; remove one of the -r/-c lines", ErrCycle, redact.Mask(strings.Join(chain, " -> ")))}
		}
	}
	if len(p.stack) >= maxDepth {
		return &Error{*from, fmt.Errorf("requirements files nested more than %d deep", maxDepth)}
	}
	data, err := p.readSource(name)
	if err != nil {
		if from == nil {
			return fmt.Errorf("cannot read requirements file: %w", err)
		}
		return &Error{*from, fmt.Errorf("cannot read included file: %w; paths are relative to the including file's directory", err)}
	}
	content, err := decodeContent(name, data)
	if err != nil {
		return err
	}
	base, err := baseDir(name)
	if err != nil {
		return err
	}
	p.stack = append(p.stack, key)
	defer func() { p.stack = p.stack[:len(p.stack)-1] }()
	for _, l := range logicalLines(content, p.opts.Getenv) {
		if err := p.parseLine(name, base, l, constraint); err != nil {
			return err
		}
	}
	return nil
}

// fileKey identifies a file for cycle detection.
func fileKey(name string) string {
	if isRemote(name) || isFileURL(name) {
		return name
	}
	return filepath.Clean(name)
}

// baseDir is the absolute directory relative paths in a file resolve
// against; "" for a file fetched from an http(s) URL.
func baseDir(name string) (string, error) {
	switch {
	case isRemote(name):
		return "", nil
	case isFileURL(name):
		local, err := fileURLPath(name)
		if err != nil {
			return "", err
		}
		name = local
	}
	abs, err := filepath.Abs(name)
	if err != nil {
		return "", fmt.Errorf("cannot make %s absolute: %w", name, err)
	}
	return filepath.Dir(abs), nil
}

// parseLine handles one logical line.
func (p *parser) parseLine(name, base string, l logicalLine, constraint bool) error {
	src := Source{File: name, Line: l.number}
	args, optionText := splitArgsOptions(l.text)
	words, err := shellSplit(optionText)
	if err != nil {
		return lineError(src, "cannot split the options %q: %w; check the quotes and backslashes", optionText, err)
	}
	opts, err := parseOptions(words)
	if err != nil {
		return lineError(src, "%w; see `pip help install` for the options a requirements file may use", err)
	}
	perReq, err := p.applyLineCallbacks(opts)
	if err != nil {
		return &Error{src, err}
	}
	switch {
	case args != "":
		r, err := p.requirementLine(src, base, args)
		if err != nil {
			return err
		}
		r.Hashes, r.GlobalOptions, r.ConfigSettings = perReq.hashes, perReq.globalOptions, perReq.configSettings
		p.add(r, constraint)
	case firstOf(opts, optEditable) != nil:
		r, err := p.editableLine(src, base, firstOf(opts, optEditable).value)
		if err != nil {
			return err
		}
		p.add(r, constraint)
	case firstOf(opts, optRequirement) != nil:
		return p.include(name, src, firstOf(opts, optRequirement).value, false)
	case firstOf(opts, optConstraint) != nil:
		return p.include(name, src, firstOf(opts, optConstraint).value, true)
	default:
		p.applyFileOptions(base, opts)
	}
	return nil
}

// add records a requirement in Requirements or Constraints.
func (p *parser) add(r Requirement, constraint bool) {
	r.Constraint = constraint
	if constraint {
		p.file.Constraints = append(p.file.Constraints, r)
	} else {
		p.file.Requirements = append(p.file.Requirements, r)
	}
}

// include parses a nested -r or -c file named on the line at src.
func (p *parser) include(parent string, src Source, ref string, constraint bool) error {
	return p.parseFile(nestedName(parent, ref), constraint, &src)
}

// nestedName resolves the file named by -r/-c as pip does: against the
// URL of a file read from a URL, against the directory of a local file,
// and as is when it is a URL itself.
func nestedName(parent, ref string) string {
	schemeURL := func(s string) bool { return isRemote(s) || isFileURL(s) }
	switch {
	case schemeURL(parent):
		b, err1 := url.Parse(parent)
		r, err2 := url.Parse(ref)
		if err1 != nil || err2 != nil {
			return ref
		}
		return b.ResolveReference(r).String()
	case schemeURL(ref):
		return ref
	case filepath.IsAbs(ref):
		return ref
	default:
		return filepath.Join(filepath.Dir(parent), ref)
	}
}

// splitArgsOptions splits a line at the first space-separated token that
// starts with "-" (pip's break_args_options): the requirement before it,
// the options from it on.
func splitArgsOptions(line string) (args, options string) {
	tokens := strings.Split(line, " ")
	for i, t := range tokens {
		if strings.HasPrefix(t, "-") {
			return strings.Join(tokens[:i], " "), strings.Join(tokens[i:], " ")
		}
	}
	return line, ""
}

// firstOf returns the first option of the given kind, or nil.
func firstOf(opts []option, kind optionKind) *option {
	for i := range opts {
		if opts[i].kind == kind {
			return &opts[i]
		}
	}
	return nil
}
