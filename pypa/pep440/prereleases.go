package pep440

// Prereleases says how Contains and Filter treat pre-releases (versions
// with a pre-release or development segment).
type Prereleases int

const (
	// PrereleasesDefault is packaging's prereleases=None. Contains admits
	// a pre-release (packaging ≥ 26: a single version has no
	// alternative); Filter admits pre-releases when a clause names one
	// (">=1.0rc1"), and otherwise only when no final release matches.
	PrereleasesDefault Prereleases = iota
	// PrereleasesAllow is prereleases=True: pre-releases are treated like
	// any other version.
	PrereleasesAllow
	// PrereleasesExclude is prereleases=False: pre-releases never match,
	// even when a clause names one.
	PrereleasesExclude
)

// String returns the Python spelling of the setting: "None", "True" or
// "False".
func (p Prereleases) String() string {
	switch p {
	case PrereleasesAllow:
		return "True"
	case PrereleasesExclude:
		return "False"
	}
	return "None"
}
