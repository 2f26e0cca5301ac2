package build

import (
	"io"
	"os"
	"sync"

	"github.com/clusterpack/clusterpack/internal/progress"
)

// downloadReport adds up the bytes of the lock's files as they arrive
// and as each is in the cache, and reports the sum of the total the lock
// records.
type downloadReport struct {
	report progress.Func
	total  int64

	mu       sync.Mutex
	bytes    int64
	received map[string]int64 // by file name, what arrived so far
}

func newDownloadReport(arts []Artifact, report progress.Func) *downloadReport {
	d := &downloadReport{report: report, received: map[string]int64{}}
	for _, a := range arts {
		if a.Size <= 0 {
			d.total = 0 // one unknown size: the total is unknown
			break
		}
		d.total += a.Size
	}
	return d
}

// arrived reports n bytes of filename downloaded (the index client's
// callback).
func (d *downloadReport) arrived(filename string, n int64) {
	d.mu.Lock()
	d.bytes += n
	d.received[filename] += n
	e := progress.Event{Step: progress.Download, Name: filename, Done: d.bytes, Total: d.total}
	d.mu.Unlock()
	d.report(e)
}

// done reports that a is in the cache: downloaded (its bytes arrived
// already) or there before.
func (d *downloadReport) done(a Artifact) {
	if d.report == nil {
		return
	}
	d.mu.Lock()
	if a.Size > 0 { // else what arrived is all that is known
		d.bytes += a.Size - d.received[a.Filename]
		d.received[a.Filename] = a.Size
	}
	e := progress.Event{Step: progress.Download, Name: a.Filename, Done: d.bytes, Total: d.total}
	d.mu.Unlock()
	d.report(e)
}

// writeCounter reports the bytes written through it.
type writeCounter struct {
	w      io.Writer
	name   string
	total  int64
	report progress.Func
	n      int64
}

func (c *writeCounter) Write(b []byte) (int, error) {
	n, err := c.w.Write(b)
	c.n += int64(n)
	c.report.Report(progress.Event{Step: progress.Write, Name: c.name, Done: c.n, Total: c.total})
	return n, err
}

// wheelBytes is the sum of the wheels' sizes: about what an archive of
// their compressed entries comes to.
func wheelBytes(wheels []string) int64 {
	var sum int64
	for _, w := range wheels {
		if fi, err := os.Stat(w); err == nil {
			sum += fi.Size()
		}
	}
	return sum
}
