package lockfile

import "github.com/clusterpack/clusterpack/internal/redact"

// stripCredentials removes credentials from every URL of the lock's typed
// fields, as redact.Strip does: a lock is persisted. Free-form values are
// handled by normalizeValue.
func (l *Lock) stripCredentials() {
	for i := range l.Packages {
		p := &l.Packages[i]
		p.Index = redact.Strip(p.Index)
		if p.VCS != nil {
			p.VCS.URL = redact.Strip(p.VCS.URL)
		}
		if p.Archive != nil {
			p.Archive.URL = redact.Strip(p.Archive.URL)
		}
		if p.Sdist != nil {
			p.Sdist.URL = redact.Strip(p.Sdist.URL)
		}
		for j := range p.Wheels {
			p.Wheels[j].URL = redact.Strip(p.Wheels[j].URL)
		}
	}
}
