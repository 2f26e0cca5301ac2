package wheel

import (
	"archive/zip"
	"context"
	"fmt"
	"io"
	"path/filepath"
)

// VerifyRecord checks the wheel at wheelPath as Install does and inflates
// every member Install would write, comparing its hash and size with
// RECORD; a member whose content RECORD misdescribes is a *MemberError
// wrapping ErrRecordMismatch that names the wheel, the member, RECORD's
// hash and the content's. It writes nothing.
//
// It is the other half of VerifySizes: a caller that installs with
// VerifySizes (raw copies, RECORD's hashes taken for the installed RECORD)
// runs VerifyRecord on another goroutine while the archive is written and
// gives the archive its final name only when it passed. A wheel whose
// RECORD lies is refused, as one whose RECORD gives a wrong size is: PEP
// 427 says an installer MUST verify the hashes in RECORD. pip checks
// neither (uv found published wheels with wrong RECORD hashes that pip
// installs silently); pypa/installer's WheelFile.validate_record checks
// both. A demanding user wants the RECORD shipped to the cluster to
// describe the files shipped: recomputing it instead would hide a wheel
// published broken, or built by a tool that changed files after writing
// RECORD, and the wheel's own sha256 (pinned by the lock) says only that
// it is the file the index published, not that the file is sound.
func VerifyRecord(ctx context.Context, wheelPath string) error {
	filename := filepath.Base(wheelPath)
	zr, err := zip.OpenReader(wheelPath)
	if err != nil {
		return fmt.Errorf("wheel %s: %w", filename, err)
	}
	defer zr.Close()
	a, err := openArchive(ctx, filename, &zr.Reader)
	if err != nil {
		return err
	}
	// The members Install writes, and their RECORD rows, do not depend on
	// the scheme: any valid one selects them.
	p, err := a.makePlan(VenvScheme([2]int{3, 11}, false))
	if err != nil {
		return err
	}
	c := &copier{ctx: ctx, archive: a}
	buf := make([]byte, 64<<10)
	for _, pf := range p.files {
		if err := c.verifyMember(pf, buf); err != nil {
			return err
		}
	}
	return nil
}

// verifyMember inflates one member (the zip reader checks its CRC-32 and
// size) and compares its content with RECORD.
func (c *copier) verifyMember(pf plannedFile, buf []byte) error {
	h, err := newHashers(pf.record)
	if err != nil {
		return c.archive.memberError(pf.f.Name, err)
	}
	rc, err := pf.f.Open()
	if err != nil {
		return c.archive.memberError(pf.f.Name, err)
	}
	defer rc.Close()
	n, err := io.CopyBuffer(h.check, ctxReader{c.ctx, rc}, buf)
	if err != nil {
		return c.archive.memberError(pf.f.Name, fmt.Errorf("reading: %w", err))
	}
	return c.verifyContent(pf, h.check, n)
}
