package runner

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
)

//go:embed arrow.py
var arrowSource string

// Batch is what the function of RunArrow gets for each record batch.
type Batch string

const (
	// BatchPandas is one pandas.DataFrame (the default).
	BatchPandas Batch = "pandas"
	// BatchSeries is one pandas.Series per column, as positional
	// arguments: how Spark calls a pandas UDF (mean_fn(v: pd.Series)).
	BatchSeries Batch = "series"
	// BatchArrow is the pyarrow.RecordBatch itself.
	BatchArrow Batch = "arrow"
)

// ParseBatch checks a Batch name.
func ParseBatch(s string) (Batch, error) {
	switch b := Batch(s); b {
	case BatchPandas, BatchSeries, BatchArrow:
		return b, nil
	case "":
		return BatchPandas, nil
	}
	return "", fmt.Errorf("batch type %q: want pandas, series or arrow", s)
}

// ArrowFile is an Arrow IPC file as ReadArrowFile found it.
type ArrowFile struct {
	Path string
	// Format is "stream" (the IPC streaming format, .arrows) or "file"
	// (the random-access file format, ARROW1 magic, .arrow/.feather v2).
	Format string
	// Batches is the number of record batches.
	Batches int
}

// ReadArrowFile reads the framing of an Arrow IPC stream or file (not the
// data): its format and how many record batches it has. A file that is
// neither is an error naming it.
func ReadArrowFile(path string) (*ArrowFile, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	af := &ArrowFile{Path: path, Format: "stream"}
	var magic [8]byte
	if _, rerr := f.ReadAt(magic[:], 0); rerr == nil && bytes.Equal(magic[:6], []byte("ARROW1")) {
		af.Format = "file"
		af.Batches, err = fileBatches(f, st.Size())
	} else {
		af.Batches, err = streamBatches(io.NewSectionReader(f, 0, st.Size()))
	}
	if err != nil {
		return nil, fmt.Errorf("%s is not a readable Arrow IPC %s: %w", path, af.Format, err)
	}
	return af, nil
}

// Arrow IPC message header types (Message.fbs, union MessageHeader).
const (
	arrowSchema      = 1
	arrowRecordBatch = 3
)

// streamBatches counts the record batches of an IPC stream: each message
// is a 0xFFFFFFFF continuation (absent before Arrow 0.15), the int32
// length of its flatbuffer Message, the Message, and bodyLength bytes of
// body; a zero length ends the stream.
func streamBatches(r *io.SectionReader) (int, error) {
	var off int64
	n, seenSchema := 0, false
	for {
		var word [4]byte
		if _, err := r.ReadAt(word[:], off); err != nil {
			if err == io.EOF && seenSchema {
				return n, nil // a stream may end without its end marker
			}
			return 0, fmt.Errorf("at byte %d: %w", off, eofUnexpected(err))
		}
		off += 4
		size := binary.LittleEndian.Uint32(word[:])
		if size == 0xFFFFFFFF {
			if _, err := r.ReadAt(word[:], off); err != nil {
				return 0, fmt.Errorf("at byte %d: %w", off, eofUnexpected(err))
			}
			off += 4
			size = binary.LittleEndian.Uint32(word[:])
		}
		if size == 0 {
			if !seenSchema {
				return 0, errors.New("the stream ends before its schema")
			}
			return n, nil
		}
		if int64(size) > r.Size()-off {
			return 0, fmt.Errorf("at byte %d: a message header of %d bytes, past the end", off-4, size)
		}
		meta := make([]byte, size)
		if _, err := r.ReadAt(meta, off); err != nil {
			return 0, fmt.Errorf("at byte %d: %w", off, eofUnexpected(err))
		}
		off += int64(size)
		kind, body, err := arrowMessage(meta)
		if err != nil {
			return 0, fmt.Errorf("the message at byte %d: %w", off-int64(size), err)
		}
		if !seenSchema && kind != arrowSchema {
			return 0, errors.New("it does not start with a schema message")
		}
		seenSchema = true
		if kind == arrowRecordBatch {
			n++
		}
		if body < 0 || off+body > r.Size() {
			return 0, fmt.Errorf("the message at byte %d has a body of %d bytes past the end", off-int64(size), body)
		}
		off += body
	}
}

func eofUnexpected(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// fileBatches counts the record batches the footer of an IPC file lists:
// the file ends with the Footer flatbuffer, its int32 length and ARROW1.
func fileBatches(f io.ReaderAt, size int64) (int, error) {
	if size < 8+10 {
		return 0, io.ErrUnexpectedEOF
	}
	var tail [10]byte
	if _, err := f.ReadAt(tail[:], size-10); err != nil {
		return 0, err
	}
	if !bytes.Equal(tail[4:], []byte("ARROW1")) {
		return 0, errors.New("it does not end with ARROW1 (cut short?)")
	}
	n := int64(binary.LittleEndian.Uint32(tail[:4]))
	if n <= 0 || n > size-18 {
		return 0, fmt.Errorf("a footer of %d bytes", n)
	}
	footer := make([]byte, n)
	if _, err := f.ReadAt(footer, size-10-n); err != nil {
		return 0, err
	}
	fb := flatTable{buf: footer}
	if err := fb.root(); err != nil {
		return 0, fmt.Errorf("the footer: %w", err)
	}
	// Footer: version, schema, dictionaries, recordBatches ([Block]).
	count, err := fb.vectorLen(3)
	if err != nil {
		return 0, fmt.Errorf("the footer: %w", err)
	}
	return count, nil
}

// arrowMessage reads a Message flatbuffer's header type and bodyLength.
func arrowMessage(meta []byte) (kind int, body int64, err error) {
	m := flatTable{buf: meta}
	if err := m.root(); err != nil {
		return 0, 0, err
	}
	// Message: version (short), header_type (ubyte), header, bodyLength (long).
	t, err := m.field(1, 1)
	if err != nil {
		return 0, 0, err
	}
	if t >= 0 {
		kind = int(meta[t])
	}
	b, err := m.field(3, 8)
	if err != nil {
		return 0, 0, err
	}
	if b >= 0 {
		body = int64(binary.LittleEndian.Uint64(meta[b:]))
	}
	return kind, body, nil
}

// flatTable reads fields of a flatbuffer table.
type flatTable struct {
	buf []byte
	pos int // the table
	vt  int // its vtable
}

func (t *flatTable) u32(at int) (int, error) {
	if at < 0 || at+4 > len(t.buf) {
		return 0, errors.New("a flatbuffer offset out of range")
	}
	return int(binary.LittleEndian.Uint32(t.buf[at:])), nil
}

// root points t at the buffer's root table.
func (t *flatTable) root() error {
	p, err := t.u32(0)
	if err != nil {
		return err
	}
	so, err := t.u32(p)
	if err != nil {
		return err
	}
	t.pos, t.vt = p, p-int(int32(so))
	if t.vt < 0 || t.vt+4 > len(t.buf) {
		return errors.New("a flatbuffer vtable out of range")
	}
	return nil
}

// field is the position of field id (of size bytes), -1 when absent.
func (t *flatTable) field(id, size int) (int, error) {
	vtSize := int(binary.LittleEndian.Uint16(t.buf[t.vt:]))
	at := 4 + 2*id
	if at+2 > vtSize || t.vt+at+2 > len(t.buf) {
		return -1, nil
	}
	off := int(binary.LittleEndian.Uint16(t.buf[t.vt+at:]))
	if off == 0 {
		return -1, nil
	}
	p := t.pos + off
	if p+size > len(t.buf) {
		return 0, errors.New("a flatbuffer field out of range")
	}
	return p, nil
}

// vectorLen is the length of the vector field id (0 when absent).
func (t *flatTable) vectorLen(id int) (int, error) {
	p, err := t.field(id, 4)
	if err != nil || p < 0 {
		return 0, err
	}
	rel, err := t.u32(p)
	if err != nil {
		return 0, err
	}
	return t.u32(p + rel)
}

// batchIndexes yields 0, 1, ... n-1, one row per record batch.
type batchIndexes struct{ i, n int }

func (b *batchIndexes) Next() ([]byte, error) {
	if b.i >= b.n {
		return nil, io.EOF
	}
	b.i++
	return strconv.AppendInt(nil, int64(b.i-1), 10), nil
}

// ArrowOptions control RunArrow.
type ArrowOptions struct {
	// Batch is what the function gets; default BatchPandas.
	Batch Batch
}

// RunArrow runs c.Function once per record batch of the Arrow IPC file at
// input (stream or file format), the way Spark hands batches to a pandas
// UDF, through Run with opts: Result.Index is the batch's index, one
// Result per batch, and the rules of Run's rows hold (an exception is that
// batch's record, a batch past the timeout a straggler, the run always
// ends). Python memory-maps the file (pyarrow.memory_map) and reads each
// batch from the mapping without a copy; opts.Batch says whether the
// function gets a pandas.DataFrame, a pandas.Series per column or the
// pyarrow.RecordBatch. The value is JSON as Run's are, a pandas DataFrame
// its rows (a list of objects), a Series or an Arrow array its values, an
// Arrow batch or table its rows.
//
// The archive needs pyarrow (and pandas unless Batch is BatchArrow): a
// *SetupError naming the package to add otherwise. NumPy, pandas and
// pyarrow use single-phase initialisation and cannot run in
// sub-interpreters, so IsolationAuto means threads here.
func RunArrow(ctx context.Context, archive string, c Call, input string, aopts ArrowOptions, opts RunOptions) (MapStats, error) {
	var st MapStats
	if c.Function == "" || c.File != "" || c.Eval != "" || len(c.Exec) > 0 || len(c.Args) > 0 {
		return st, errors.New("record batches go to a function call (module:function) without other arguments")
	}
	batch, err := ParseBatch(string(aopts.Batch))
	if err != nil {
		return st, err
	}
	af, err := ReadArrowFile(input)
	if err != nil {
		return st, err
	}
	abs, err := filepath.Abs(input)
	if err != nil {
		return st, err
	}
	cfg, _ := json.Marshal(map[string]string{"file": abs, "format": af.Format, "batch": string(batch), "function": c.Function})
	lit, _ := json.Marshal(string(cfg)) // a JSON string is a Python string literal
	src, _ := json.Marshal(arrowSource)
	opts.Setup = append(append([]string(nil), opts.Setup...),
		"exec(compile("+string(src)+", '<clusterpack>', 'exec'))\n_cp_arrow_init("+string(lit)+")")
	if opts.Pool.Isolation == IsolationAuto {
		opts.Pool.Isolation = IsolationThreads
	}
	opts.Rows = &batchIndexes{n: af.Batches}
	opts.Map = MapOptions{}
	return Run(ctx, archive, Call{Eval: "_cp_arrow_batch(row)"}, opts)
}
