package catalog

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"unicode/utf8"
)

// The YAML document writer writes each item from its JSON (encoding/json,
// whose field names and omissions are the YAML ones) as block YAML of its
// own: yaml.v3's encoder costs about ten times as much, which at a million
// rules is minutes. Strings are plain where that cannot read back as
// anything else, and double-quoted (JSON escapes, which YAML reads alike)
// otherwise.

// appendYAMLItem appends js (one JSON value) as a YAML list item ("- …")
// at indentation indent.
func appendYAMLItem(b []byte, js []byte, indent int) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.UseNumber()
	t, err := dec.Token()
	if err != nil {
		return b, err
	}
	b = appendSpaces(b, indent)
	b = append(b, "- "...)
	return yamlAfterDash(b, dec, t, indent+2)
}

func appendSpaces(b []byte, n int) []byte {
	for range n {
		b = append(b, ' ')
	}
	return b
}

// yamlAfterDash appends value t (its first token) after a "- " whose
// content starts at column ind.
func yamlAfterDash(b []byte, dec *json.Decoder, t json.Token, ind int) ([]byte, error) {
	switch t {
	case json.Delim('{'):
		if !dec.More() {
			dec.Token()
			return append(b, "{}\n"...), nil
		}
		return yamlMapping(b, dec, ind, true)
	case json.Delim('['):
		if !dec.More() {
			dec.Token()
			return append(b, "[]\n"...), nil
		}
		b = append(b[:len(b)-1], '\n') // "-" then the list below
		return yamlSequence(b, dec, ind)
	}
	b, err := yamlScalar(b, t)
	return append(b, '\n'), err
}

// yamlMapping appends an object's members (its "{" read) at indentation
// ind, the first one on the current line if inline.
func yamlMapping(b []byte, dec *json.Decoder, ind int, inline bool) ([]byte, error) {
	for first := true; dec.More(); first = false {
		t, err := dec.Token()
		if err != nil {
			return b, err
		}
		key, ok := t.(string)
		if !ok {
			return b, fmt.Errorf("object key %v is not a string", t)
		}
		if !first || !inline {
			b = appendSpaces(b, ind)
		}
		b = appendYAMLString(b, key)
		b = append(b, ':')
		if t, err = dec.Token(); err != nil {
			return b, err
		}
		switch t {
		case json.Delim('{'):
			if !dec.More() {
				dec.Token()
				b = append(b, " {}\n"...)
				continue
			}
			b = append(b, '\n')
			b, err = yamlMapping(b, dec, ind+2, false)
		case json.Delim('['):
			if !dec.More() {
				dec.Token()
				b = append(b, " []\n"...)
				continue
			}
			b = append(b, '\n')
			b, err = yamlSequence(b, dec, ind+2)
		default:
			b = append(b, ' ')
			b, err = yamlScalar(b, t)
			b = append(b, '\n')
		}
		if err != nil {
			return b, err
		}
	}
	_, err := dec.Token() // }
	return b, err
}

// yamlSequence appends an array's elements (its "[" read) as "- " items
// at indentation ind.
func yamlSequence(b []byte, dec *json.Decoder, ind int) ([]byte, error) {
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return b, err
		}
		b = appendSpaces(b, ind)
		b = append(b, "- "...)
		if b, err = yamlAfterDash(b, dec, t, ind+2); err != nil {
			return b, err
		}
	}
	_, err := dec.Token() // ]
	return b, err
}

func yamlScalar(b []byte, t json.Token) ([]byte, error) {
	switch v := t.(type) {
	case string:
		return appendYAMLString(b, v), nil
	case json.Number:
		return append(b, v...), nil
	case bool:
		return strconv.AppendBool(b, v), nil
	case nil:
		return append(b, "null"...), nil
	}
	return b, fmt.Errorf("unexpected JSON token %v", t)
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
