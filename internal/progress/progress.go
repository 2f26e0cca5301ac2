// Package progress is the event a long step reports while it runs, so a
// command can show it. The steps (lock, resolve, build, upload) know no
// terminal: they call a Func given in their options, which may be nil.
package progress

// Step names what is under way.
type Step string

const (
	// Resolve: Done packages have been resolved so far; Name is the last.
	Resolve Step = "resolve"
	// Download: Done of Total bytes of artifacts are in the cache (Total is
	// 0 when the sizes are not known); Name is the last file.
	Download Step = "download"
	// Build: the source distribution Name is being built (into metadata
	// while locking, into a wheel while building).
	Build Step = "build"
	// Write: Done bytes of the archive Name are written; Total is an
	// estimate (the sum of the inputs' sizes), 0 when unknown.
	Write Step = "write"
	// Upload: Done of Total bytes of the object Name are sent.
	Upload Step = "upload"
)

// Event is one report.
type Event struct {
	Step  Step
	Name  string
	Done  int64
	Total int64
}

// Func receives events. It may be called from several goroutines at once
// and must return quickly.
type Func func(Event)

// Report calls f with e, unless f is nil.
func (f Func) Report(e Event) {
	if f != nil {
		f(e)
	}
}
