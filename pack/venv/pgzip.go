package venv

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io"
)

// gzipBlockSize is how much uncompressed data each compression job
// takes. The output depends on it, so it is fixed: changing it changes
// every tar.gz clusterpack writes (bump the layout version with it).
const gzipBlockSize = 1 << 20

// gzipDictSize is the deflate window: each block is compressed with the
// last 32 KiB of the previous block as its preset dictionary.
const gzipDictSize = 32 << 10

// parallelGzip writes one gzip member (RFC 1952) holding one deflate
// stream (RFC 1951), compressed in parallel as pigz does:
//
//   - the input is cut into blocks of gzipBlockSize bytes;
//   - each block is deflated on its own goroutine by a flate.Writer primed
//     with the previous block's last 32 KiB as its dictionary, so matches
//     may reach back across the cut exactly as a sequential compressor's
//     could;
//   - every block but the last ends with a sync flush (an empty stored
//     block), which leaves the output byte-aligned and not final; the last
//     block ends with the final block that Close writes;
//   - the blocks' outputs are concatenated in input order, which is a
//     single valid deflate stream because each part starts on a byte
//     boundary and only the last holds a final block.
//
// The header is the fixed 10 bytes 1f 8b 08 00 00000000 00 ff: no file
// name, no comment, modification time 0, OS "unknown"; the trailer is the
// CRC-32 (computed sequentially as the data arrives, at memory speed) and
// the length modulo 2^32. The bytes depend only on the input, never on
// the parallelism or on scheduling: a reader sees an ordinary
// single-member gzip file (gzip -d, Python's gzip and tarfile, Java's
// GZIPInputStream, Go's compress/gzip).
type parallelGzip struct {
	w       io.Writer
	level   int
	cur     []byte
	dict    []byte // the last gzipDictSize bytes of the previous block
	crc     uint32
	size    uint32
	queue   chan *gzipJob // jobs in input order, waiting to be written
	done    chan struct{} // closed when the output goroutine ends
	werr    error         // the output goroutine's error, valid after done
	started bool
	closed  bool
}

// gzipJob is one block being compressed.
type gzipJob struct {
	in, dict []byte
	final    bool
	out      bytes.Buffer
	err      error
	ready    chan struct{}
}

// newParallelGzip returns a writer compressing to w with up to
// parallelism blocks in flight (at least 1).
func newParallelGzip(w io.Writer, parallelism, level int) *parallelGzip {
	if parallelism < 1 {
		parallelism = 1
	}
	return &parallelGzip{
		w:     w,
		level: level,
		cur:   make([]byte, 0, gzipBlockSize),
		queue: make(chan *gzipJob, parallelism),
		done:  make(chan struct{}),
	}
}

func (z *parallelGzip) start() {
	z.started = true
	go func() {
		defer close(z.done)
		// Header: magic, deflate, no flags, mtime 0, no extra flags, OS unknown.
		_, err := z.w.Write([]byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff})
		for j := range z.queue {
			<-j.ready
			if err == nil {
				err = j.err
			}
			if err == nil {
				_, err = z.w.Write(j.out.Bytes())
			}
		}
		z.werr = err
	}()
}

// Write buffers p, handing each full block to a compressing goroutine.
// It blocks while parallelism blocks are in flight.
func (z *parallelGzip) Write(p []byte) (int, error) {
	if z.closed {
		return 0, errors.New("gzip: write after close")
	}
	if !z.started {
		z.start()
	}
	n := len(p)
	z.crc = crc32.Update(z.crc, crc32.IEEETable, p)
	z.size += uint32(n)
	for len(p) > 0 {
		k := copy(z.cur[len(z.cur):cap(z.cur)], p)
		z.cur = z.cur[:len(z.cur)+k]
		p = p[k:]
		if len(z.cur) == cap(z.cur) {
			if err := z.submit(false); err != nil {
				return n - len(p), err
			}
		}
	}
	return n, nil
}

// submit hands the current block to a goroutine.
func (z *parallelGzip) submit(final bool) error {
	select {
	case <-z.done:
		return z.werr
	default:
	}
	j := &gzipJob{in: z.cur, dict: z.dict, final: final, ready: make(chan struct{})}
	if len(z.cur) >= gzipDictSize {
		z.dict = append([]byte(nil), z.cur[len(z.cur)-gzipDictSize:]...)
	} else {
		z.dict = append(append([]byte(nil), z.dict...), z.cur...)
		if len(z.dict) > gzipDictSize {
			z.dict = z.dict[len(z.dict)-gzipDictSize:]
		}
	}
	z.cur = make([]byte, 0, gzipBlockSize)
	go j.compress(z.level)
	z.queue <- j
	return nil
}

func (j *gzipJob) compress(level int) {
	defer close(j.ready)
	fw, err := flate.NewWriterDict(&j.out, level, j.dict)
	if err != nil {
		j.err = err
		return
	}
	if _, err := fw.Write(j.in); err != nil {
		j.err = err
		return
	}
	if j.final {
		j.err = fw.Close()
	} else {
		j.err = fw.Flush()
	}
}

// Close compresses what is buffered as the last block, waits for every
// block to be written and writes the trailer. It does not close the
// underlying writer.
func (z *parallelGzip) Close() error {
	if z.closed {
		return nil
	}
	if !z.started {
		z.start()
	}
	err := z.submit(true)
	z.closed = true
	close(z.queue)
	<-z.done
	if err == nil {
		err = z.werr
	}
	if err != nil {
		return err
	}
	var trailer [8]byte
	binary.LittleEndian.PutUint32(trailer[:4], z.crc)
	binary.LittleEndian.PutUint32(trailer[4:], z.size)
	_, err = z.w.Write(trailer[:])
	return err
}

// abort stops the output goroutine without writing a trailer, after an
// error elsewhere.
func (z *parallelGzip) abort() {
	if z.closed {
		return
	}
	z.closed = true
	if z.started {
		close(z.queue)
		<-z.done
	}
}
