package runner

import "bytes"

// rowBatch runs a batch of Map rows (a jobRows) with one C call per row,
// the call of the function, where row() makes five: the rows' strs are
// made together, in two calls for the batch (the rows joined by newlines,
// then str.split); a str result of ASCII text is read in place
// (objects.go); and the results are released together with the batch, in
// one call, from a list that holds them meanwhile. Each row's Result is
// still handed over as soon as its call returned, so a crash loses no row
// that finished, as with row().
type rowBatch struct {
	fn            uintptr // the callable of each row
	args, results uintptr // lists: the rows' strs; the results kept to release
	raw           bool
	reuse         bool // MapOptions.ReuseValues
	// texts, when the rows' strs are made one by one (rows longer than
	// splitRow: str.split compares byte by byte, slower than a call):
	// each row's text (a plain JSON string's without its quotes).
	texts [][]byte
}

const (
	// batchBytes bounds the rows' text a batch joins: larger batches go
	// row by row, so that a large row is not copied twice more.
	batchBytes = 1 << 20
	// keptResult bounds the size of a str result released with the
	// batch: a larger one is released at once, so that memory stays
	// bounded by one large value.
	keptResult = 64 << 10
	// splitRow is the longest mean row the batch makes by str.split.
	splitRow = 128
)

// batch prepares the rows of j, when they are the kind it runs: a raw
// Map's rows, or a function Map's rows that are all plain JSON strings,
// on an interpreter whose objects the runner reads directly. nil means
// that the rows go one by one through row(), which also reports any
// error of the set-up.
func (w *worker) batch(j *job) *rowBatch {
	m := j.m
	f := &w.py.f
	if w.py.layout.asciiData == 0 || w.p.opts.rowByRow || len(j.rows) < 2 || !m.raw && !m.function {
		return nil
	}
	if w.mapSetup(m) != nil {
		return nil
	}
	n := len(j.rows) - 1
	for _, row := range j.rows {
		n += len(row)
		if n > batchBytes {
			return nil
		}
	}
	texts := w.texts[:0]
	for _, row := range j.rows {
		text := row
		switch {
		case m.raw:
		case j.plain: // the reader found it plain
			text = row[1 : len(row)-1]
		default:
			var ok bool
			if text, ok = plainString(row); !ok {
				return nil
			}
		}
		texts = append(texts, text)
	}
	w.texts = texts
	fn := w.mapFn
	if !m.raw {
		var perr *PyError
		if fn, perr = w.strFn(m); perr != nil {
			return nil
		}
	}
	b := &rowBatch{fn: fn, raw: m.raw, reuse: m.reuse}
	if n > splitRow*len(j.rows) {
		b.texts = texts // each row's str made by row()
		if b.args = w.py.hiddenList(len(j.rows)); b.args == 0 {
			return nil
		}
	} else if b.args = w.splitRows(texts); b.args == 0 {
		return nil
	}
	if b.results = w.py.hiddenList(len(j.rows)); b.results == 0 {
		call(f.decRef, b.args)
		return nil
	}
	return b
}

// splitRows makes the strs of texts with two calls, the texts joined by
// newlines and then str.split: a list of them, or 0 when that cannot be
// done (a text with a newline, or not UTF-8: row() says which row).
func (w *worker) splitRows(texts [][]byte) uintptr {
	f := &w.py.f
	buf := w.joined[:0]
	for i, text := range texts {
		if bytes.IndexByte(text, '\n') >= 0 {
			return 0
		}
		if i > 0 {
			buf = append(buf, '\n')
		}
		buf = append(buf, text...)
	}
	w.joined = buf
	if w.newline == 0 {
		if w.newline = w.unicode([]byte{'\n'}); w.newline == 0 {
			call(f.errClear)
			return 0
		}
	}
	s := w.unicode(buf)
	if s == 0 {
		call(f.errClear)
		return 0
	}
	l := call(f.unicodeSplit, s, w.newline, ^uintptr(0))
	call(f.decRef, s)
	if l == 0 {
		call(f.errClear)
		return 0
	}
	if listLen(l) != len(texts) {
		call(f.decRef, l)
		return 0
	}
	return l
}

// row runs row i of the batch, as row() would.
func (b *rowBatch) row(w *worker, i int) Result {
	if b.texts != nil {
		a := w.unicode(b.texts[i])
		if a == 0 {
			return Result{Error: w.fetchError()}
		}
		listSetItem(b.args, i, a) // released with the batch
	}
	r := w.callOne(b.fn, listItem(b.args, i))
	if r == 0 {
		return Result{Error: w.fetchError()}
	}
	if s, ok := w.py.asciiStr(r); ok && len(s) <= keptResult {
		listSetItem(b.results, i, r) // released with the batch
	} else {
		defer call(w.py.f.decRef, r)
	}
	w.reuse = b.reuse
	defer func() { w.reuse = false }()
	if b.raw {
		return w.rawResult(r)
	}
	return w.strResult(r)
}

// release releases the rows' strs and the results kept (nil: nothing).
func (b *rowBatch) release(w *worker) {
	if b == nil {
		return
	}
	call(w.py.f.decRef, b.results)
	call(w.py.f.decRef, b.args)
}
