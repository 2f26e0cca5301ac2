package runner

import (
	"unsafe"
)

// Reading CPython objects' memory directly, as C extensions do through
// the macros of CPython's headers (PyUnicode_DATA, PyList_GET_ITEM,
// PyList_SET_ITEM): a call through purego costs about 100 ns, more than
// the str.upper of 100 bytes it would wrap, so the runner's hot paths read
// a str's characters and a list's items without one.
//
// The layouts are those of the standard (not free-threaded) builds of
// CPython 3.9-3.13, which are the only ones the runner accepts:
//
//	PyObject      ob_refcnt @0, ob_type @8
//	PyVarObject   ob_size @16
//	PyListObject  ob_item @24 (PyObject **)
//	PyASCIIObject length @16, hash @24, state @32 (bit fields, first
//	              bit lowest: interned:2, kind:3, compact:1, ascii:1),
//	              then wstr @40 up to 3.11 (removed in 3.12); a compact
//	              ASCII str's characters follow the struct, at 48 up to
//	              3.11 and at 40 from 3.12.
//
// objectLayout checks them against the API once, when the interpreter
// starts; a version it does not know, or a check that fails, turns the
// direct reads off (every read then goes through the API).
type objectLayout struct {
	// asciiData is where a compact ASCII str's characters start; 0 when
	// direct reads are off.
	asciiData uintptr
}

const (
	offType     = 8
	offSize     = 16
	offListItem = 24
	offStrLen   = 16
	offStrState = 32

	strCompactASCII = 1<<5 | 1<<6 // state bits compact and ascii
)

// layoutFor is the layout of CPython v, unchecked.
func layoutFor(v [2]int) objectLayout {
	switch {
	case v[0] == 3 && v[1] >= 9 && v[1] <= 11:
		return objectLayout{asciiData: 48}
	case v[0] == 3 && (v[1] == 12 || v[1] == 13):
		return objectLayout{asciiData: 40}
	}
	return objectLayout{}
}

// word reads the pointer-sized field of object o at offset off.
func word(o, off uintptr) uintptr { return *(*uintptr)(cPtr(o + off)) }

// typeOf is o's ob_type.
func typeOf(o uintptr) uintptr { return word(o, offType) }

// asciiStr is the characters of o when o is an exact str whose
// characters are compact ASCII (every str Python makes of ASCII text), in
// Python's memory: valid while o lives. ok is false for any other object,
// which the API must read.
func (py *Python) asciiStr(o uintptr) (s []byte, ok bool) {
	if py.layout.asciiData == 0 || py.unicodeType == 0 || typeOf(o) != py.unicodeType {
		return nil, false
	}
	if *(*uint32)(cPtr(o + offStrState))&strCompactASCII != strCompactASCII {
		return nil, false
	}
	n := int(word(o, offStrLen))
	if n == 0 {
		return []byte{}, true
	}
	return unsafe.Slice((*byte)(cPtr(o+py.layout.asciiData)), n), true
}

// listLen is the length of the list l.
func listLen(l uintptr) int { return int(word(l, offSize)) }

// listItem is item i of the list l, a borrowed reference.
func listItem(l uintptr, i int) uintptr {
	return word(word(l, offListItem), uintptr(i)*unsafe.Sizeof(uintptr(0)))
}

// hiddenList is a new list of n empty slots that Python code cannot
// reach: untracked by the garbage collector, it is in no
// gc.get_objects() (whose callers would read its empty slots before Go
// fills them); 0 after an error, cleared. Its items are strs, which make
// no reference cycles (GIL held).
func (py *Python) hiddenList(n int) uintptr {
	l := call(py.f.listNew, uintptr(n))
	if l == 0 {
		call(py.f.errClear)
		return 0
	}
	call(py.f.gcUnTrack, l)
	return l
}

// listSetItem puts o in the slot i of the list l, which PyList_New made
// empty, taking over the reference o is (PyList_SET_ITEM).
func listSetItem(l uintptr, i int, o uintptr) {
	*(*uintptr)(cPtr(word(l, offListItem) + uintptr(i)*unsafe.Sizeof(uintptr(0)))) = o
}

// checkLayout turns direct reads on when they give what the API gives for
// a few objects made through the API (GIL held).
func (py *Python) checkLayout() {
	py.layout = layoutFor(py.version)
	if py.layout.asciiData == 0 || !py.layoutAgrees() {
		py.layout = objectLayout{}
	}
}

func (py *Python) layoutAgrees() bool {
	f := &py.f
	var scratch [1]uintptr
	str := func(s string) uintptr {
		b := append([]byte(s), 0) // a byte to point at, for ""
		return call(f.unicodeFromStringAndSize, uintptr(unsafe.Pointer(&b[0])), uintptr(len(s)))
	}
	utf8 := func(o uintptr) string {
		scratch[0] = 0
		p := call(f.unicodeAsUTF8AndSize, o, uintptr(unsafe.Pointer(&scratch[0])))
		if p == 0 {
			call(f.errClear)
			return "\x00error"
		}
		return string(unsafe.Slice((*byte)(cPtr(p)), int(scratch[0])))
	}
	texts := []string{"", "a", "clusterpack", "abcdefghij0123456789abcdefghij0123456789abcdefghij0123456789abcdefghij", "é", "naïve text", "→", "😀 emoji"}
	list := py.hiddenList(len(texts))
	if list == 0 {
		return false
	}
	defer call(f.decRef, list)
	for i, t := range texts {
		o := str(t)
		if o == 0 {
			call(f.errClear)
			return false
		}
		listSetItem(list, i, o)
		s, fast := py.asciiStr(o)
		ascii := true
		for j := 0; j < len(t); j++ {
			ascii = ascii && t[j] < 0x80
		}
		if fast != ascii || (fast && string(s) != t) || utf8(o) != t {
			return false
		}
	}
	if listLen(list) != len(texts) {
		return false
	}
	for i, t := range texts {
		if utf8(listItem(list, i)) != t {
			return false
		}
	}
	return true
}
