package lockfile

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/clusterpack/clusterpack/pypa/pep440"
	"github.com/clusterpack/clusterpack/pypa/pep503"
)

// Validate checks the lock against the pylock.toml specification and
// returns the first problem as an *Error naming the package and key.
//
// It enforces: lock-version present with major version 1; created-by
// present; names normalized and versions, requires-python specifiers and
// markers well formed (markers only superficially: non-empty, quotes and
// parentheses balanced; full PEP 508 parsing belongs to the resolver);
// extras and group names valid; each package with exactly one source kind
// (vcs, directory, archive, or sdist and/or wheels); no version on a
// directory package (the specification forbids it for source trees that
// can change); a url or path on every vcs source and artifact; a full
// commit hash for git; at least one hash on every artifact, with
// well-formed hex digests for the common algorithms; wheel and sdist file
// names that parse and agree with the package name and version; no wheel
// file listed twice in a package; a "kind" in every attestation identity;
// tool values of TOML types; and no two packages with the same name,
// version and marker, which no installer could tell apart.
func (l *Lock) Validate() error {
	if l.LockVersion == "" {
		return problem("lock-version", ErrMissingKey, `"lock-version" is required`)
	}
	v, err := pep440.Parse(l.LockVersion)
	if err != nil || v.Epoch() != 0 || v.Release()[0] != 1 {
		return problem("lock-version", ErrUnsupportedVersion, "%q: only major version 1 is supported", l.LockVersion)
	}
	if l.CreatedBy == "" {
		return problem("created-by", ErrMissingKey, `"created-by" is required`)
	}
	for i, m := range l.Environments {
		if err := checkMarker(m); err != nil {
			return problem(fmt.Sprintf("environments[%d]", i), ErrInvalidValue, "%v", err)
		}
	}
	if err := checkSpecifiers("requires-python", l.RequiresPython); err != nil {
		return err
	}
	for i, e := range l.Extras {
		if !isNormalizedName(e) {
			return problem(fmt.Sprintf("extras[%d]", i), ErrInvalidValue, "extra %q is not a normalized name", e)
		}
	}
	for _, list := range []struct {
		key    string
		groups []string
	}{{"dependency-groups", l.DependencyGroups}, {"default-groups", l.DefaultGroups}} {
		for i, g := range list.groups {
			if !pep503.Valid(g) {
				return problem(fmt.Sprintf("%s[%d]", list.key, i), ErrInvalidValue, "%q is not a valid group name", g)
			}
		}
	}
	if err := checkFreeValue("tool", l.Tool); err != nil {
		return err
	}
	// Packages that share name and marker must differ in version (PEP 440
	// equality, so "1.0" and "1.0.0" are the same version).
	type entry struct {
		version *pep440.Version
		index   int
	}
	seen := map[[2]string][]entry{}
	for i := range l.Packages {
		p := &l.Packages[i]
		key := fmt.Sprintf("packages[%d]", i)
		if err := p.validate(key); err != nil {
			err.Package = packageLabel(p.Name, p.Version)
			return err
		}
		var version *pep440.Version
		if p.Version != "" {
			v := pep440.MustParse(p.Version)
			version = &v
		}
		id := [2]string{p.Name, strings.TrimSpace(p.Marker)}
		for _, other := range seen[id] {
			if (version == nil) == (other.version == nil) && (version == nil || version.Equal(*other.version)) {
				err := problem(key, ErrDuplicatePackage, "same name, version and marker as packages[%d]", other.index)
				err.Package = packageLabel(p.Name, p.Version)
				return err
			}
		}
		seen[id] = append(seen[id], entry{version, i})
	}
	return nil
}

// packageLabel is "name version" for messages.
func packageLabel(name, version string) string {
	return strings.TrimSpace(name + " " + version)
}

// packageIndex returns i when key starts with "packages[i]".
func packageIndex(key string) (int, bool) {
	rest, ok := strings.CutPrefix(key, "packages[")
	if !ok {
		return 0, false
	}
	end := strings.IndexByte(rest, ']')
	if end < 0 {
		return 0, false
	}
	i, err := strconv.Atoi(rest[:end])
	return i, err == nil
}

func (p *Package) validate(key string) *Error {
	if p.Name == "" {
		return problem(key+".name", ErrMissingKey, `"name" is required`)
	}
	if !isNormalizedName(p.Name) {
		return problem(key+".name", ErrInvalidValue, "%q is not a normalized name (want %q)", p.Name, pep503.Normalize(p.Name))
	}
	var version *pep440.Version
	if p.Version != "" {
		v, err := pep440.Parse(p.Version)
		if err != nil {
			return problem(key+".version", ErrInvalidValue, "%v", err)
		}
		version = &v
	}
	if p.Marker != "" {
		if err := checkMarker(p.Marker); err != nil {
			return problem(key+".marker", ErrInvalidValue, "%v", err)
		}
	}
	if err := checkSpecifiers(key+".requires-python", p.RequiresPython); err != nil {
		return err
	}
	for i, d := range p.Dependencies {
		if err := checkFreeValue(fmt.Sprintf("%s.dependencies[%d]", key, i), d); err != nil {
			return err
		}
	}
	if err := p.validateSource(key); err != nil {
		return err
	}
	if p.VCS != nil {
		if err := p.VCS.validate(key + ".vcs"); err != nil {
			return err
		}
	}
	if p.Directory != nil {
		if p.Directory.Path == "" {
			return problem(key+".directory.path", ErrMissingKey, `"path" is required`)
		}
		if p.Version != "" {
			return problem(key+".version", ErrInvalidValue, "a directory package must not record a version: its source tree can change")
		}
	}
	if a := p.Archive; a != nil {
		if err := checkArtifact(key+".archive", a.URL, a.Path, a.Size, a.UploadTime, a.Hashes); err != nil {
			return err
		}
	}
	if s := p.Sdist; s != nil {
		k := key + ".sdist"
		if err := checkArtifact(k, s.URL, s.Path, s.Size, s.UploadTime, s.Hashes); err != nil {
			return err
		}
		f, err := parseSdistFilename(s.Filename())
		if err != nil {
			return problem(k, ErrFilename, "invalid sdist file name: %v", err)
		}
		if err := p.checkDistFile(k, s.Filename(), f, version); err != nil {
			return err
		}
	}
	files := map[string]int{}
	for i, w := range p.Wheels {
		k := fmt.Sprintf("%s.wheels[%d]", key, i)
		if err := checkArtifact(k, w.URL, w.Path, w.Size, w.UploadTime, w.Hashes); err != nil {
			return err
		}
		f, err := parseWheelFilename(w.Filename())
		if err != nil {
			return problem(k, ErrFilename, "invalid wheel file name: %v", err)
		}
		if err := p.checkDistFile(k, w.Filename(), f, version); err != nil {
			return err
		}
		if j, dup := files[w.Filename()]; dup {
			return problem(k, ErrInvalidValue, "wheel %q is also wheels[%d]", w.Filename(), j)
		}
		files[w.Filename()] = i
	}
	for i, a := range p.AttestationIdentities {
		k := fmt.Sprintf("%s.attestation-identities[%d]", key, i)
		kind, ok := a["kind"]
		if !ok {
			return problem(k+".kind", ErrMissingKey, `"kind" is required`)
		}
		if _, ok := kind.(string); !ok {
			return problem(k+".kind", ErrWrongType, "got %s, want string", tomlTypeName(kind))
		}
		if err := checkFreeValue(k, a); err != nil {
			return err
		}
	}
	return checkFreeValue(key+".tool", p.Tool)
}

// validateSource checks that exactly one kind of source is given.
func (p *Package) validateSource(key string) *Error {
	var direct []string
	if p.VCS != nil {
		direct = append(direct, "vcs")
	}
	if p.Directory != nil {
		direct = append(direct, "directory")
	}
	if p.Archive != nil {
		direct = append(direct, "archive")
	}
	var dists []string
	if p.Sdist != nil {
		dists = append(dists, "sdist")
	}
	if len(p.Wheels) > 0 {
		dists = append(dists, "wheels")
	}
	switch {
	case len(direct) > 0 && len(dists) > 0:
		return problem(key, ErrSource, "has both %s and %s; a package has exactly one source kind (vcs, directory, archive, or sdist and/or wheels)",
			strings.Join(direct, ", "), strings.Join(dists, " and "))
	case len(direct) > 1:
		return problem(key, ErrSource, "has %s; a package has exactly one source kind", strings.Join(direct, " and "))
	case len(direct) == 0 && len(dists) == 0:
		return problem(key, ErrSource, "has no source: one of vcs, directory, archive, sdist or wheels is required")
	}
	return nil
}

// checkDistFile checks a distribution file name against the package.
func (p *Package) checkDistFile(key, filename string, f distFile, version *pep440.Version) *Error {
	if f.name != p.Name {
		return problem(key, ErrFilename, "file %q is for project %q, not %q", filename, f.name, p.Name)
	}
	if version != nil && !f.version.Equal(*version) {
		return problem(key, ErrFilename, "file %q is version %s, not %s", filename, f.version, p.Version)
	}
	return nil
}

// gitCommit reports whether s is a full git object name (SHA-1 or SHA-256).
func gitCommit(s string) bool {
	return (len(s) == 40 || len(s) == 64) && isLowerHex(s)
}

func (v *VCS) validate(key string) *Error {
	switch v.Type {
	case "":
		return problem(key+".type", ErrMissingKey, `"type" is required`)
	case "git", "hg", "bzr", "svn":
	default:
		return problem(key+".type", ErrInvalidValue, "%q is not a registered VCS (git, hg, bzr, svn)", v.Type)
	}
	if v.URL == "" && v.Path == "" {
		return problem(key, ErrMissingKey, `"url" or "path" is required`)
	}
	if v.CommitID == "" {
		return problem(key+".commit-id", ErrMissingKey, `"commit-id" is required`)
	}
	if v.Type == "git" && !gitCommit(v.CommitID) {
		return problem(key+".commit-id", ErrInvalidValue, "%q is not a full git commit hash (40 or 64 lowercase hex digits)", v.CommitID)
	}
	return nil
}

// hexLengths are the digest lengths of the common algorithms, in hex digits.
var hexLengths = map[string]int{"md5": 32, "sha1": 40, "sha224": 56, "sha256": 64, "sha384": 96, "sha512": 128,
	"sha3_224": 56, "sha3_256": 64, "sha3_384": 96, "sha3_512": 128, "blake2b": 128, "blake2s": 64}

// checkArtifact checks what archives, sdists and wheels have in common.
func checkArtifact(key, url, path string, size int64, uploaded time.Time, hashes map[string]string) *Error {
	if url == "" && path == "" {
		return problem(key, ErrMissingKey, `"url" or "path" is required`)
	}
	if size < 0 {
		return problem(key+".size", ErrInvalidValue, "size %d is negative", size)
	}
	if _, offset := uploaded.Zone(); !uploaded.IsZero() && offset != 0 {
		return problem(key+".upload-time", ErrInvalidValue, "%s is not in UTC", uploaded.Format(time.RFC3339))
	}
	if len(hashes) == 0 {
		return problem(key+".hashes", ErrHashes, "at least one hash is required (sha256 recommended)")
	}
	for alg, h := range hashes {
		if alg == "" {
			return problem(key+".hashes", ErrHashes, "empty algorithm name")
		}
		if h == "" {
			return problem(key+".hashes."+alg, ErrHashes, "empty digest")
		}
		if n, known := hexLengths[strings.ToLower(alg)]; known && (len(h) != n || !isLowerHex(h)) {
			return problem(key+".hashes."+alg, ErrHashes, "%q is not a %s digest (%d lowercase hex digits)", h, alg, n)
		}
	}
	return nil
}

func isLowerHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// isNormalizedName reports whether s is a valid name in PEP 503 normal form.
func isNormalizedName(s string) bool {
	return pep503.Valid(s) && pep503.Normalize(s) == s
}

// checkSpecifiers checks an optional version specifier set.
func checkSpecifiers(key, s string) *Error {
	if s == "" {
		return nil
	}
	if _, err := pep440.ParseSpecifierSet(s); err != nil {
		return problem(key, ErrInvalidValue, "%v", err)
	}
	return nil
}

// checkMarker checks an environment marker superficially: not blank,
// quotes closed, parentheses balanced.
func checkMarker(m string) error {
	if strings.TrimSpace(m) == "" {
		return fmt.Errorf("empty marker")
	}
	depth := 0
	var quote rune
	for _, c := range m {
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '(':
			depth++
		case c == ')':
			depth--
			if depth < 0 {
				return fmt.Errorf("marker %q has an unmatched %q", m, ")")
			}
		}
	}
	if quote != 0 {
		return fmt.Errorf("marker %q has an unterminated string", m)
	}
	if depth != 0 {
		return fmt.Errorf("marker %q has an unclosed %q", m, "(")
	}
	return nil
}
