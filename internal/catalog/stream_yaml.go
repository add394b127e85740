package catalog

import (
	"encoding/json"
	"fmt"
	"unicode/utf8"
)

// The YAML document writer writes each item from its JSON (encoding/json,
// whose field names and omissions are the YAML ones) as block YAML of its
// own: yaml.v3's encoder costs about ten times as much, which at a million
// rules is minutes. Strings are plain where that cannot read back as
// anything else, and double-quoted (JSON escapes, which YAML reads alike)
// otherwise.

// appendYAMLItem appends js (one JSON value as encoding/json writes it:
// compact and valid) as a YAML list item ("- …") at indentation indent.
func appendYAMLItem(b []byte, js []byte, indent int) ([]byte, error) {
	y := yamlOut{js: js, b: b}
	y.b = appendSpaces(y.b, indent)
	y.b = append(y.b, "- "...)
	y.afterDash(indent + 2)
	if y.err == nil && y.i != len(js) {
		y.fail()
	}
	return y.b, y.err
}

// yamlOut walks compact JSON (js from position i) and appends YAML to b.
type yamlOut struct {
	js  []byte
	i   int
	b   []byte
	err error
}

func (y *yamlOut) fail() {
	if y.err == nil {
		y.err = fmt.Errorf("unexpected JSON at byte %d", y.i)
	}
	y.i = len(y.js)
}

func (y *yamlOut) peek() byte {
	if y.i >= len(y.js) {
		y.fail()
		return 0
	}
	return y.js[y.i]
}

func appendSpaces(b []byte, n int) []byte {
	for range n {
		b = append(b, ' ')
	}
	return b
}

// empty consumes an empty object or array ("{}" or "[]") if one is next.
func (y *yamlOut) empty() bool {
	if y.i+1 < len(y.js) && (y.js[y.i] == '{' && y.js[y.i+1] == '}' || y.js[y.i] == '[' && y.js[y.i+1] == ']') {
		y.b = append(y.b, y.js[y.i:y.i+2]...)
		y.i += 2
		return true
	}
	return false
}

// afterDash appends the next value after a "- " whose content starts at
// column ind.
func (y *yamlOut) afterDash(ind int) {
	switch {
	case y.empty():
		y.b = append(y.b, '\n')
	case y.peek() == '{':
		y.i++
		y.mapping(ind, true)
	case y.peek() == '[':
		y.i++
		y.b = append(y.b[:len(y.b)-1], '\n') // "-" then the list below
		y.sequence(ind)
	default:
		y.scalar()
		y.b = append(y.b, '\n')
	}
}

// mapping appends an object's members (its "{" read) at indentation ind,
// the first one on the current line if inline.
func (y *yamlOut) mapping(ind int, inline bool) {
	for first := true; y.err == nil; first = false {
		if !first || !inline {
			y.b = appendSpaces(y.b, ind)
		}
		if y.peek() != '"' {
			y.fail()
			return
		}
		y.str()
		if y.peek() != ':' {
			y.fail()
			return
		}
		y.i++
		y.b = append(y.b, ':')
		switch {
		case y.peek() == '{' || y.peek() == '[':
			y.b = append(y.b, ' ')
			if y.empty() {
				y.b = append(y.b, '\n')
				break
			}
			y.b[len(y.b)-1] = '\n'
			if y.js[y.i] == '{' {
				y.i++
				y.mapping(ind+2, false)
			} else {
				y.i++
				y.sequence(ind + 2)
			}
		default:
			y.b = append(y.b, ' ')
			y.scalar()
			y.b = append(y.b, '\n')
		}
		switch y.peek() {
		case ',':
			y.i++
		case '}':
			y.i++
			return
		default:
			y.fail()
		}
	}
}

// sequence appends an array's elements (its "[" read) as "- " items at
// indentation ind.
func (y *yamlOut) sequence(ind int) {
	for y.err == nil {
		y.b = appendSpaces(y.b, ind)
		y.b = append(y.b, "- "...)
		y.afterDash(ind + 2)
		switch y.peek() {
		case ',':
			y.i++
		case ']':
			y.i++
			return
		default:
			y.fail()
		}
	}
}

// scalar appends a string, number, true, false or null.
func (y *yamlOut) scalar() {
	if y.peek() == '"' {
		y.str()
		return
	}
	start := y.i
	for y.i < len(y.js) && y.js[y.i] != ',' && y.js[y.i] != '}' && y.js[y.i] != ']' {
		y.i++
	}
	if y.i == start {
		y.fail()
		return
	}
	y.b = append(y.b, y.js[start:y.i]...) // JSON numbers, booleans and null read alike in YAML
}

// str appends the JSON string at i as a YAML string.
func (y *yamlOut) str() {
	start := y.i
	y.i++
	escaped := false
	for y.i < len(y.js) && y.js[y.i] != '"' {
		if y.js[y.i] == '\\' {
			escaped = true
			y.i++
		}
		y.i++
	}
	if y.i >= len(y.js) {
		y.fail()
		return
	}
	y.i++
	lit := y.js[start:y.i]
	if !escaped {
		y.b = appendYAMLString(y.b, string(lit[1:len(lit)-1]))
		return
	}
	var v string
	if err := json.Unmarshal(lit, &v); err != nil {
		y.err = err
		y.i = len(y.js)
		return
	}
	y.b = appendYAMLString(y.b, v)
}

// appendYAMLString appends s plain if it can only read back as that
// string, else double-quoted.
func appendYAMLString(b []byte, s string) []byte {
	if plainYAML(s) {
		return append(b, s...)
	}
	b = append(b, '"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b = append(b, '\\', byte(r))
		case r == '\n':
			b = append(b, '\\', 'n')
		case r == '\t':
			b = append(b, '\\', 't')
		case r == '\r':
			b = append(b, '\\', 'r')
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f) || r == 0xfeff || r == 0x2028 || r == 0x2029 || r == utf8.RuneError:
			b = append(b, fmt.Sprintf("\\u%04x", r)...)
		default:
			b = utf8.AppendRune(b, r)
		}
	}
	return append(b, '"')
}

// plainYAML: s starts with a letter, holds only letters, digits and
// " _.,()'/+-", does not end in a space, and is no word YAML reads as a
// boolean or null.
func plainYAML(s string) bool {
	if s == "" || !(s[0] >= 'a' && s[0] <= 'z' || s[0] >= 'A' && s[0] <= 'Z') || s[len(s)-1] == ' ' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			switch c {
			case ' ', '_', '.', ',', '(', ')', '\'', '/', '+', '-':
			default:
				return false
			}
		}
	}
	if len(s) <= 5 {
		switch s {
		case "y", "Y", "n", "N", "yes", "Yes", "YES", "no", "No", "NO", "on", "On", "ON", "off", "Off", "OFF",
			"true", "True", "TRUE", "false", "False", "FALSE", "null", "Null", "NULL":
			return false
		}
	}
	return true
}
