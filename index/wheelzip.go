package index

import (
	"context"
	"errors"
	"fmt"
	"os"
)

// byteSource reads parts of an archive: a local file, or a remote one
// through HTTP range requests.
type byteSource interface {
	size() int64
	readAt(ctx context.Context, offset, length int64) ([]byte, error)
}

// readWheelMetadata reads the .dist-info/METADATA file of a wheel, reading
// only what it needs: the tail with the end records, the central
// directory, and the one entry.
func readWheelMetadata(ctx context.Context, src byteSource, wheel string) ([]byte, error) {
	size := src.size()
	tailLen := min(size, endSearchLen)
	tail, err := src.readAt(ctx, size-tailLen, tailLen)
	if err != nil {
		return nil, err
	}
	end, err := parseZipEnd(tail, size)
	if err != nil {
		return nil, err
	}
	if end.zip64 {
		if end.zip64Offset < 0 {
			if end.offset < zip64LocatorLen {
				return nil, errors.New("zip64 end-of-central-directory locator missing")
			}
			locator, err := src.readAt(ctx, end.offset-zip64LocatorLen, zip64LocatorLen)
			if err != nil {
				return nil, err
			}
			if end.zip64Offset, err = parseZip64Locator(locator); err != nil {
				return nil, err
			}
		}
		if end.zip64Offset > end.offset-zip64EndLen {
			return nil, errors.New("zip64 end-of-central-directory record outside the archive")
		}
		record, err := src.readAt(ctx, end.zip64Offset, zip64EndLen)
		if err != nil {
			return nil, err
		}
		if err := parseZip64End(record, &end); err != nil {
			return nil, err
		}
	}
	if end.directorySize > maxCentralDirectory {
		return nil, fmt.Errorf("central directory of %d bytes is larger than the %d allowed", end.directorySize, maxCentralDirectory)
	}
	if end.directoryOffset > uint64(end.offset) || end.directorySize > uint64(end.offset)-end.directoryOffset {
		return nil, errors.New("central directory outside the archive")
	}
	directory, err := src.readAt(ctx, int64(end.directoryOffset), int64(end.directorySize))
	if err != nil {
		return nil, err
	}
	entries, err := parseCentralDirectory(directory, end.entries)
	if err != nil {
		return nil, err
	}
	entry, err := findMetadataEntry(entries, wheel)
	if err != nil {
		return nil, err
	}
	limit := end.directoryOffset // entries lie before the central directory
	if entry.compressedSize > 2*maxMetadataSize || entry.localHeaderOffset > limit || limit-entry.localHeaderOffset < localHeaderLen {
		return nil, fmt.Errorf("%s: entry outside the archive", entry.name)
	}
	header, err := src.readAt(ctx, int64(entry.localHeaderOffset), localHeaderLen)
	if err != nil {
		return nil, err
	}
	dataOffset, err := localDataOffset(header)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", entry.name, err)
	}
	start := entry.localHeaderOffset + uint64(dataOffset)
	if start > limit || entry.compressedSize > limit-start {
		return nil, fmt.Errorf("%s: entry outside the archive", entry.name)
	}
	data, err := src.readAt(ctx, int64(start), int64(entry.compressedSize))
	if err != nil {
		return nil, err
	}
	return decompressEntry(entry, data)
}

// fileSource is a byteSource over a local file.
type fileSource struct {
	file   *os.File
	length int64
}

func newFileSource(file *os.File) (*fileSource, error) {
	info, err := file.Stat()
	if err != nil {
		return nil, err
	}
	return &fileSource{file: file, length: info.Size()}, nil
}

func (s *fileSource) size() int64 { return s.length }

func (s *fileSource) readAt(ctx context.Context, offset, length int64) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if offset < 0 || length < 0 || offset > s.length-length {
		return nil, fmt.Errorf("read of %d bytes at %d outside %s", length, offset, s.file.Name())
	}
	b := make([]byte, length)
	if _, err := s.file.ReadAt(b, offset); err != nil {
		return nil, err
	}
	return b, nil
}
