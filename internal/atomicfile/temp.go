package atomicfile

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// CreateTemp creates a new temporary file in dir, named prefix followed
// by "tmp-<pid>-<random>": the process id lets RemoveStale tell the
// files of a process that died (kill -9, a crash, a power cut) from those
// of one still writing.
func CreateTemp(dir, prefix string) (*os.File, error) {
	return os.CreateTemp(dir, fmt.Sprintf("%stmp-%d-*", prefix, os.Getpid()))
}

// MkdirTemp creates a new temporary directory in dir, named as CreateTemp
// names files, so that RemoveStale takes it (and what is in it) once its
// process is gone.
func MkdirTemp(dir, prefix string) (string, error) {
	return os.MkdirTemp(dir, fmt.Sprintf("%stmp-%d-*", prefix, os.Getpid()))
}

// tempName is the end CreateTemp gives a name, after a prefix that
// ends the name before it with '.' or '-' (or is all of it).
var tempName = regexp.MustCompile(`(^|[.-])tmp-([0-9]+)-[0-9]+$`)

// tempPID is the process id in a name CreateTemp made with a prefix that
// starts with prefix.
func tempPID(name, prefix string) (int, bool) {
	rest, ok := strings.CutPrefix(name, prefix)
	if !ok {
		return 0, false
	}
	m := tempName.FindStringSubmatch(rest)
	if m == nil {
		return 0, false
	}
	pid, err := strconv.Atoi(m[2])
	return pid, err == nil
}

// quiet is how long a dead process's temporary file must have been left
// untouched before RemoveStale takes it: a process of another machine on
// a shared file system is invisible to the liveness check, but one that
// is still writing keeps moving the modification time.
const quiet = time.Minute

// abandoned is how old a temporary file must be to be removed even when
// its process looks alive (a reused pid): no write takes a day.
const abandoned = 24 * time.Hour

// RemoveStale removes the temporary files CreateTemp made in dir with a
// prefix starting with prefix (and the directories MkdirTemp made, with
// what they hold; a directory's own modification time is its age) whose
// process is gone and which have not changed for a minute,
// and any such file untouched for a day. It never removes the file of a
// live process of this machine that is younger than that, and returns
// the paths it removed. Errors are ignored: a file left now is taken by
// a later run.
func RemoveStale(dir, prefix string) []string {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var removed []string
	self := os.Getpid()
	for _, e := range entries {
		pid, ok := tempPID(e.Name(), prefix)
		if !ok || pid == self || !(e.Type().IsRegular() || e.IsDir()) {
			continue
		}
		fi, err := e.Info()
		if err != nil {
			continue
		}
		age := time.Since(fi.ModTime())
		if age < quiet || (age < abandoned && processAlive(pid)) {
			continue
		}
		p := filepath.Join(dir, e.Name())
		rm := os.Remove
		if e.IsDir() {
			rm = os.RemoveAll
		}
		if rm(p) == nil {
			removed = append(removed, p)
		}
	}
	return removed
}
