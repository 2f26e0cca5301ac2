package pep440

import (
	"math"
	"strconv"
)

// num is a non-negative integer of any size. Values that fit in a uint64
// are held in small; larger ones are held as their decimal digits (no
// leading zeros) in big, with small unused.
type num struct {
	small uint64
	big   string
}

// parseNum converts a non-empty string of ASCII digits to a num. Leading
// zeros are insignificant, as they are for Python's int().
func parseNum(digits string) num {
	i := 0
	for i < len(digits)-1 && digits[i] == '0' {
		i++
	}
	digits = digits[i:]
	var v uint64
	for j := 0; j < len(digits); j++ {
		d := uint64(digits[j] - '0')
		if v > (math.MaxUint64-d)/10 {
			return num{big: digits}
		}
		v = v*10 + d
	}
	return num{small: v}
}

func smallNum(v uint64) num { return num{small: v} }

func (n num) isZero() bool { return n.big == "" && n.small == 0 }

// cmp returns -1, 0 or +1 as n is less than, equal to or greater than m.
func (n num) cmp(m num) int {
	switch {
	case n.big == "" && m.big == "":
		switch {
		case n.small < m.small:
			return -1
		case n.small > m.small:
			return 1
		}
		return 0
	case n.big == "":
		return -1
	case m.big == "":
		return 1
	case len(n.big) != len(m.big):
		if len(n.big) < len(m.big) {
			return -1
		}
		return 1
	case n.big < m.big:
		return -1
	case n.big > m.big:
		return 1
	}
	return 0
}

// plusOne returns n+1.
func (n num) plusOne() num {
	if n.big == "" {
		if n.small < math.MaxUint64 {
			return num{small: n.small + 1}
		}
		return num{big: strconv.FormatUint(math.MaxUint64, 10)}.plusOne()
	}
	b := []byte(n.big)
	i := len(b) - 1
	for i >= 0 && b[i] == '9' {
		b[i] = '0'
		i--
	}
	if i < 0 {
		return num{big: "1" + string(b)}
	}
	b[i]++
	return num{big: string(b)}
}

// String returns the decimal representation of n.
func (n num) String() string {
	if n.big != "" {
		return n.big
	}
	return strconv.FormatUint(n.small, 10)
}

// appendTo appends the decimal representation of n to b.
func (n num) appendTo(b []byte) []byte {
	if n.big != "" {
		return append(b, n.big...)
	}
	return strconv.AppendUint(b, n.small, 10)
}

// saturatedInt returns n as an int, or math.MaxInt when it does not fit.
func (n num) saturatedInt() int {
	if n.big != "" || n.small > math.MaxInt {
		return math.MaxInt
	}
	return int(n.small)
}
