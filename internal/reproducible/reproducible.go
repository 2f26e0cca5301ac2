// Package reproducible holds the fixed values that make clusterpack's
// archives and installed trees the same bytes on every machine: one
// timestamp for every entry and two file modes. The zip writers of pack/,
// the tar.gz lock/ makes of a project directory, the test index's wheels
// and sdists, and the SOURCE_DATE_EPOCH build backends are given all use
// it, which is why it lives under internal/ and not pack/internal/.
package reproducible

import (
	"archive/zip"
	"io/fs"
	"time"
)

// SourceDateEpoch is Epoch as Unix seconds, the value of the
// SOURCE_DATE_EPOCH variable that build backends honour.
const SourceDateEpoch = "315532800"

// dosEpochDate is Epoch in a zip header's MS-DOS date field:
// (year-1980)<<9 | month<<5 | day.
const dosEpochDate = (1980-1980)<<9 | 1<<5 | 1

// Epoch returns 1980-01-01 00:00:00 UTC, the earliest time a zip archive
// can record, the modification time of every entry clusterpack writes.
func Epoch() time.Time {
	return time.Date(1980, time.January, 1, 0, 0, 0, 0, time.UTC)
}

// SetZipEpoch dates fh Epoch in the MS-DOS fields only. Setting
// fh.Modified instead makes zip.Writer.CreateHeader add an
// extended-timestamp field that CreateRaw (which ignores Modified) does
// not, so the same member would not give the same bytes both ways.
func SetZipEpoch(fh *zip.FileHeader) {
	fh.Modified = time.Time{}
	fh.ModifiedDate = dosEpochDate
	fh.ModifiedTime = 0
}

// Mode returns the mode a file gets whatever the umask or the archive
// said: 0o755 when any execute bit of m is set, else 0o644.
func Mode(m fs.FileMode) fs.FileMode {
	if m&0o111 != 0 {
		return 0o755
	}
	return 0o644
}
