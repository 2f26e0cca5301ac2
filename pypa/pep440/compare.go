package pep440

// Compare returns -1, 0 or +1 as v sorts before, equal to or after w, in
// packaging's order: epoch, then release (trailing zeros insignificant),
// then dev-only < a < b < rc < final, then post-releases, then dev
// releases before the release they belong to, then the local label
// (a version without one sorts first).
func (v Version) Compare(w Version) int { return compareVersions(&v, &w) }

// compareVersions is Compare on pointers, which spares copying two large
// structs in the matching loops.
func compareVersions(v, w *Version) int {
	if c := comparePublic(v, w); c != 0 {
		return c
	}
	switch {
	case v.local == nil && w.local == nil:
		return 0
	case v.local == nil:
		return -1
	case w.local == nil:
		return 1
	}
	return compareLocal(v.local, w.local)
}

// Equal reports whether v and w compare equal (e.g. "1.0" and "1.0.0").
func (v Version) Equal(w Version) bool { return v.Compare(w) == 0 }

// Less reports whether v sorts before w; it suits slices.SortFunc-style
// helpers that want a boolean.
func (v Version) Less(w Version) bool { return v.Compare(w) < 0 }

// comparePublic compares v and w ignoring their local labels.
func comparePublic(v, w *Version) int {
	if c := compareBase(v, w); c != 0 {
		return c
	}
	vr, wr := v.preRank(), w.preRank()
	if vr != wr {
		return cmpInt(int(vr), int(wr))
	}
	if c := v.preN.cmp(w.preN); c != 0 {
		return c
	}
	if v.hasPost != w.hasPost {
		if v.hasPost {
			return 1
		}
		return -1
	}
	if c := v.post.cmp(w.post); c != 0 {
		return c
	}
	if v.hasDev != w.hasDev {
		if v.hasDev {
			return -1
		}
		return 1
	}
	return v.dev.cmp(w.dev)
}

// compareBase compares epochs, then releases padded with zeros.
func compareBase(v, w *Version) int {
	if c := v.epoch.cmp(w.epoch); c != 0 {
		return c
	}
	return compareRelease(v.release, w.release)
}

// compareRelease compares two release segments as if the shorter were
// padded with zeros.
func compareRelease(a, b []num) int {
	n := max(len(a), len(b))
	for i := 0; i < n; i++ {
		var x, y num
		if i < len(a) {
			x = a[i]
		}
		if i < len(b) {
			y = b[i]
		}
		if c := x.cmp(y); c != 0 {
			return c
		}
	}
	return 0
}

// preRank orders the pre-release kinds: a development release with neither
// pre- nor post-release sorts before alphas, a final after release
// candidates.
func (v *Version) preRank() int8 {
	switch {
	case v.pre != preNone:
		return int8(v.pre) - 1 // a=0, b=1, rc=2
	case !v.hasPost && v.hasDev:
		return -1
	}
	return 3
}
