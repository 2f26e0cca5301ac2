package pep440

// operator is a specifier's comparison operator.
type operator uint8

const (
	opNone         operator = iota // the zero Specifier: matches everything
	opCompatible                   // ~=
	opEqual                        // ==
	opNotEqual                     // !=
	opLessEqual                    // <=
	opGreaterEqual                 // >=
	opLess                         // <
	opGreater                      // >
	opArbitrary                    // ===
)

var operatorStrings = [...]string{
	opNone:         "",
	opCompatible:   "~=",
	opEqual:        "==",
	opNotEqual:     "!=",
	opLessEqual:    "<=",
	opGreaterEqual: ">=",
	opLess:         "<",
	opGreater:      ">",
	opArbitrary:    "===",
}

func (op operator) String() string { return operatorStrings[op] }

// cutOperator splits the operator off the front of s, trying the longest
// spellings first as packaging does. ok is false when s starts with none.
func cutOperator(s string) (op operator, rest string, ok bool) {
	if len(s) >= 3 && s[:3] == "===" {
		return opArbitrary, s[3:], true
	}
	if len(s) >= 2 {
		switch s[:2] {
		case "~=":
			return opCompatible, s[2:], true
		case "==":
			return opEqual, s[2:], true
		case "!=":
			return opNotEqual, s[2:], true
		case "<=":
			return opLessEqual, s[2:], true
		case ">=":
			return opGreaterEqual, s[2:], true
		}
	}
	if len(s) >= 1 {
		switch s[0] {
		case '<':
			return opLess, s[1:], true
		case '>':
			return opGreater, s[1:], true
		}
	}
	return opNone, s, false
}
