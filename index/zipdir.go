package index

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"strings"

	"github.com/clusterpack/clusterpack/pypa/pep503"
)

// Zip format constants (APPNOTE.TXT).
const (
	localHeaderSignature   = 0x04034b50
	centralHeaderSignature = 0x02014b50
	endSignature           = 0x06054b50
	zip64EndSignature      = 0x06064b50
	zip64LocatorSignature  = 0x07064b50

	localHeaderLen   = 30
	centralHeaderLen = 46
	endLen           = 22
	zip64EndLen      = 56
	zip64LocatorLen  = 20
	zip64ExtraID     = 0x0001

	// endSearchLen is how far from its end an archive's end record can be:
	// the record and the longest comment, plus the zip64 locator before it.
	endSearchLen = endLen + 0xffff + zip64LocatorLen

	methodStored   = 0
	methodDeflated = 8
)

// Limits that keep a hostile archive from exhausting memory.
const (
	maxCentralDirectory = 64 << 20
	maxMetadataSize     = 16 << 20
)

// zipEnd is what the end of a zip archive says about its central directory.
type zipEnd struct {
	// offset is where the end record starts in the archive.
	offset int64
	// directoryOffset, directorySize and entries describe the central
	// directory; with zip64 the record only says to look elsewhere.
	directoryOffset, directorySize, entries uint64
	// zip64 is set when the values are saturated and the zip64 end record
	// holds the real ones; zip64Offset then says where the record is, or
	// -1 when the locator is not in the tail given.
	zip64       bool
	zip64Offset int64
}

// parseZipEnd finds the end-of-central-directory record in tail, the last
// len(tail) bytes of an archive of size bytes.
func parseZipEnd(tail []byte, size int64) (zipEnd, error) {
	tailStart := size - int64(len(tail))
	if tailStart < 0 {
		return zipEnd{}, errors.New("zip tail longer than the archive")
	}
	for i := len(tail) - endLen; i >= 0; i-- {
		if binary.LittleEndian.Uint32(tail[i:]) != endSignature {
			continue
		}
		record := tail[i:]
		commentLen := int(binary.LittleEndian.Uint16(record[20:]))
		if endLen+commentLen > len(record) {
			continue // a signature inside a comment or data
		}
		end := zipEnd{
			offset:          tailStart + int64(i),
			entries:         uint64(binary.LittleEndian.Uint16(record[10:])),
			directorySize:   uint64(binary.LittleEndian.Uint32(record[12:])),
			directoryOffset: uint64(binary.LittleEndian.Uint32(record[16:])),
			zip64Offset:     -1,
		}
		if end.entries == 0xffff || end.directorySize == 0xffffffff || end.directoryOffset == 0xffffffff {
			end.zip64 = true
			if i >= zip64LocatorLen {
				offset, err := parseZip64Locator(tail[i-zip64LocatorLen : i])
				if err != nil {
					return zipEnd{}, err
				}
				end.zip64Offset = offset
			}
		}
		return end, nil
	}
	return zipEnd{}, errors.New("no end-of-central-directory record: not a zip archive")
}

// parseZip64Locator returns the offset of the zip64 end record.
func parseZip64Locator(b []byte) (int64, error) {
	if len(b) < zip64LocatorLen || binary.LittleEndian.Uint32(b) != zip64LocatorSignature {
		return 0, errors.New("zip64 end-of-central-directory locator missing")
	}
	offset := binary.LittleEndian.Uint64(b[8:])
	if offset > 1<<62 {
		return 0, errors.New("zip64 end-of-central-directory locator points outside the archive")
	}
	return int64(offset), nil
}

// parseZip64End reads the central directory's location from a zip64 end
// record into end.
func parseZip64End(b []byte, end *zipEnd) error {
	if len(b) < zip64EndLen || binary.LittleEndian.Uint32(b) != zip64EndSignature {
		return errors.New("malformed zip64 end-of-central-directory record")
	}
	end.entries = binary.LittleEndian.Uint64(b[32:])
	end.directorySize = binary.LittleEndian.Uint64(b[40:])
	end.directoryOffset = binary.LittleEndian.Uint64(b[48:])
	return nil
}

// zipEntry is a central-directory entry.
type zipEntry struct {
	name                 string
	flags, method        uint16
	crc                  uint32
	compressedSize, size uint64
	localHeaderOffset    uint64
}

// parseCentralDirectory parses entries central-directory records from b.
func parseCentralDirectory(b []byte, entries uint64) ([]zipEntry, error) {
	if entries > uint64(len(b))/centralHeaderLen {
		return nil, fmt.Errorf("central directory of %d bytes cannot hold %d entries", len(b), entries)
	}
	list := make([]zipEntry, 0, entries)
	for n := uint64(0); n < entries; n++ {
		if len(b) < centralHeaderLen || binary.LittleEndian.Uint32(b) != centralHeaderSignature {
			return nil, fmt.Errorf("central directory entry %d: bad signature", n)
		}
		nameLen := int(binary.LittleEndian.Uint16(b[28:]))
		extraLen := int(binary.LittleEndian.Uint16(b[30:]))
		commentLen := int(binary.LittleEndian.Uint16(b[32:]))
		recordLen := centralHeaderLen + nameLen + extraLen + commentLen
		if len(b) < recordLen {
			return nil, fmt.Errorf("central directory entry %d: truncated", n)
		}
		e := zipEntry{
			flags:             binary.LittleEndian.Uint16(b[8:]),
			method:            binary.LittleEndian.Uint16(b[10:]),
			crc:               binary.LittleEndian.Uint32(b[16:]),
			compressedSize:    uint64(binary.LittleEndian.Uint32(b[20:])),
			size:              uint64(binary.LittleEndian.Uint32(b[24:])),
			localHeaderOffset: uint64(binary.LittleEndian.Uint32(b[42:])),
			name:              string(b[centralHeaderLen : centralHeaderLen+nameLen]),
		}
		if err := e.applyZip64Extra(b[centralHeaderLen+nameLen : centralHeaderLen+nameLen+extraLen]); err != nil {
			return nil, fmt.Errorf("central directory entry %q: %w", e.name, err)
		}
		list = append(list, e)
		b = b[recordLen:]
	}
	return list, nil
}

// applyZip64Extra replaces the saturated sizes and offset of e by those of
// the zip64 extra field, which holds exactly the saturated ones, in order.
func (e *zipEntry) applyZip64Extra(extra []byte) error {
	for len(extra) >= 4 {
		id := binary.LittleEndian.Uint16(extra)
		fieldLen := int(binary.LittleEndian.Uint16(extra[2:]))
		if len(extra) < 4+fieldLen {
			return errors.New("truncated extra field")
		}
		field := extra[4 : 4+fieldLen]
		extra = extra[4+fieldLen:]
		if id != zip64ExtraID {
			continue
		}
		for _, value := range []*uint64{&e.size, &e.compressedSize, &e.localHeaderOffset} {
			if *value != 0xffffffff {
				continue
			}
			if len(field) < 8 {
				return errors.New("zip64 extra field too short")
			}
			*value = binary.LittleEndian.Uint64(field)
			field = field[8:]
		}
		return nil
	}
	return nil
}

// localDataOffset returns how far after the start of a local file header
// the entry's data begins.
func localDataOffset(header []byte) (int64, error) {
	if len(header) < localHeaderLen || binary.LittleEndian.Uint32(header) != localHeaderSignature {
		return 0, errors.New("bad local file header signature")
	}
	nameLen := int64(binary.LittleEndian.Uint16(header[26:]))
	extraLen := int64(binary.LittleEndian.Uint16(header[28:]))
	return localHeaderLen + nameLen + extraLen, nil
}

// decompressEntry returns the content of e given its compressed data,
// checking its size and CRC-32.
func decompressEntry(e zipEntry, data []byte) ([]byte, error) {
	if e.flags&0x1 != 0 {
		return nil, fmt.Errorf("%s is encrypted", e.name)
	}
	if e.size > maxMetadataSize {
		return nil, fmt.Errorf("%s is %d bytes, more than the %d allowed", e.name, e.size, maxMetadataSize)
	}
	var content []byte
	switch e.method {
	case methodStored:
		content = data
	case methodDeflated:
		reader := flate.NewReader(bytes.NewReader(data))
		defer reader.Close()
		var err error
		content, err = io.ReadAll(io.LimitReader(reader, int64(e.size)+1))
		if err != nil {
			return nil, fmt.Errorf("inflating %s: %w", e.name, err)
		}
	default:
		return nil, fmt.Errorf("%s uses compression method %d; only stored and deflated are supported", e.name, e.method)
	}
	if uint64(len(content)) != e.size {
		return nil, fmt.Errorf("%s has %d bytes, the central directory says %d", e.name, len(content), e.size)
	}
	if crc32.ChecksumIEEE(content) != e.crc {
		return nil, fmt.Errorf("%s fails its CRC-32 check", e.name)
	}
	return content, nil
}

// findMetadataEntry picks the <name>-<version>.dist-info/METADATA entry of
// a wheel: the only one, or the one matching the wheel's file name.
func findMetadataEntry(entries []zipEntry, wheel string) (zipEntry, error) {
	var candidates []zipEntry
	for _, e := range entries {
		dir, file, ok := strings.Cut(e.name, "/")
		if ok && file == "METADATA" && strings.HasSuffix(dir, ".dist-info") {
			candidates = append(candidates, e)
		}
	}
	switch len(candidates) {
	case 0:
		return zipEntry{}, fmt.Errorf("%s has no .dist-info/METADATA file", wheel)
	case 1:
		return candidates[0], nil
	}
	parts := strings.SplitN(wheel, "-", 3)
	if len(parts) == 3 {
		want := pep503.Normalize(parts[0] + "-" + parts[1])
		for _, e := range candidates {
			dir, _, _ := strings.Cut(e.name, "/")
			if pep503.Normalize(strings.TrimSuffix(dir, ".dist-info")) == want {
				return e, nil
			}
		}
	}
	return zipEntry{}, fmt.Errorf("%s has %d .dist-info directories and none matches its name", wheel, len(candidates))
}
