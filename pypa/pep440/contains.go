package pep440

// Contains reports whether v satisfies the clause. With
// PrereleasesExclude a pre-release never does; with PrereleasesDefault
// and PrereleasesAllow pre-releases are matched like other versions, as
// packaging ≥ 26 does for a single version. It neither parses nor
// allocates (except for "===", which compares v's normal form).
func (s Specifier) Contains(v Version, pre Prereleases) bool {
	if pre == PrereleasesExclude && v.IsPrerelease() {
		return false
	}
	return s.matches(&v)
}

// matches reports whether v is in the clause's range, regardless of the
// pre-release policy.
func (s *Specifier) matches(v *Version) bool {
	switch s.op {
	case opGreaterEqual:
		return compareVersions(v, &s.version) >= 0
	case opLessEqual:
		// V and all its local versions: v's public part is at most V.
		return comparePublic(v, &s.version) <= 0
	case opEqual:
		return s.matchesEqual(v)
	case opNotEqual:
		return !s.matchesEqual(v)
	case opGreater:
		if !s.afterPosts {
			return compareVersions(v, &s.lower) >= 0
		}
		return compareVersions(v, &s.version) > 0 && !sameReleaseAndPre(v, &s.version)
	case opLess:
		return !s.empty && compareVersions(v, &s.upper) < 0
	case opCompatible:
		return compareVersions(v, &s.version) >= 0 && compareVersions(v, &s.upper) < 0
	case opArbitrary:
		return arbitraryEqual(s.raw, v)
	}
	return true
}

func (s *Specifier) matchesEqual(v *Version) bool {
	switch {
	case s.wildcard:
		return compareVersions(v, &s.lower) >= 0 && compareVersions(v, &s.upper) < 0
	case s.hasLocal:
		return compareVersions(v, &s.version) == 0
	}
	return comparePublic(v, &s.version) == 0
}

// sameReleaseAndPre reports whether v is in w's post-release family: the
// same epoch, release and pre-release, whatever the post-release, dev
// release and local label.
func sameReleaseAndPre(v, w *Version) bool {
	return compareBase(v, w) == 0 && v.pre == w.pre && v.preN.cmp(w.preN) == 0
}

// arbitraryEqual reports whether spec and v's normal form are equal once
// lower-cased as Python's str.lower() does. v's normal form is lower-case
// ASCII, and the only non-ASCII character whose lower case is ASCII is
// the Kelvin sign.
func arbitraryEqual(spec string, v *Version) bool {
	var buf [64]byte
	got := v.appendTo(buf[:0])
	i := 0
	for _, r := range spec {
		switch {
		case r == '\u212a':
			r = 'k'
		case 'A' <= r && r <= 'Z':
			r += 'a' - 'A'
		case r >= 0x80:
			return false
		}
		if i >= len(got) || got[i] != byte(r) {
			return false
		}
		i++
	}
	return i == len(got)
}
