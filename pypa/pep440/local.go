package pep440

// localPart is one dot-separated part of a local label: a number or a
// lower-case alphanumeric string.
type localPart struct {
	isNum bool
	n     num
	s     string
}

// parseLocal splits a local label that has already been validated (ASCII
// alphanumeric parts separated by '.', '_' or '-') into its parts.
// Parts made only of digits are numbers; others are lower-cased.
func parseLocal(s string) []localPart {
	var parts []localPart
	start := 0
	for i := 0; i <= len(s); i++ {
		if i < len(s) && !isSeparator(s[i]) {
			continue
		}
		parts = append(parts, newLocalPart(s[start:i]))
		start = i + 1
	}
	return parts
}

func newLocalPart(p string) localPart {
	for i := 0; i < len(p); i++ {
		if !isDigit(p[i]) {
			return localPart{s: asciiLower(p)}
		}
	}
	return localPart{isNum: true, n: parseNum(p)}
}

func appendLocal(b []byte, parts []localPart) []byte {
	for i, p := range parts {
		if i > 0 {
			b = append(b, '.')
		}
		if p.isNum {
			b = p.n.appendTo(b)
		} else {
			b = append(b, p.s...)
		}
	}
	return b
}

// compareLocal orders local labels as packaging does: part by part,
// strings before numbers, strings lexically, numbers numerically, and a
// label before any longer label it is a prefix of.
func compareLocal(a, b []localPart) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		if c := compareLocalPart(a[i], b[i]); c != 0 {
			return c
		}
	}
	return cmpInt(len(a), len(b))
}

func compareLocalPart(a, b localPart) int {
	switch {
	case a.isNum && b.isNum:
		return a.n.cmp(b.n)
	case a.isNum:
		return 1
	case b.isNum:
		return -1
	case a.s < b.s:
		return -1
	case a.s > b.s:
		return 1
	}
	return 0
}

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func asciiLower(s string) string {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if 'A' <= b[j] && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}
