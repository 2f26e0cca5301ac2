package venvscan

import (
	"fmt"
	"strings"
)

// DuplicateError reports a distribution installed twice in the
// environment's site-packages: two .dist-info (or .egg-info) directories
// for one name, the remains of an interrupted or overlapping install.
// Which one Python sees is then a matter of directory order, so the
// environment cannot be locked as it is.
type DuplicateError struct {
	Name  string   // the normalised name
	Paths []string // the metadata directories, sorted
}

// Error names both directories and what to do.
func (e *DuplicateError) Error() string {
	return fmt.Sprintf("%s is installed more than once (%s): a broken install; reinstall it (pip install --force-reinstall %s) and delete the metadata directory that remains for the other version",
		e.Name, strings.Join(e.Paths, " and "), e.Name)
}
