package x12

import (
	"bytes"
	"strings"
)

// isaElements is the number of elements an ISA segment carries (ISA01–ISA16).
const isaElements = 16

// Split reads the delimiters from the ISA segment at the start of data and
// returns every segment of the interchange, numbered from 1 (the ISA).
// A byte-order mark and whitespace before the ISA and a CR and/or LF after
// each segment terminator are allowed; empty segments ("~~") are skipped and
// not counted.
func Split(data []byte) (Delimiters, []Segment, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	data = bytes.TrimLeft(data, " \t\r\n")
	d, isaEnd, err := delimiters(data)
	if err != nil {
		return Delimiters{}, nil, err
	}
	isa := string(data[:isaEnd])
	segs := []Segment{{Num: 1, Elements: strings.Split(isa, string(d.Element)), Raw: isa}}
	num := 1
	for pos := isaEnd + 1; pos < len(data); {
		var piece []byte
		idx := bytes.IndexByte(data[pos:], d.Segment)
		terminated := idx >= 0
		if terminated {
			piece, pos = data[pos:pos+idx], pos+idx+1
		} else {
			piece, pos = data[pos:], len(data)
		}
		text := strings.Trim(string(piece), "\r\n")
		if !terminated {
			text = strings.TrimSpace(text)
		}
		if text == "" {
			continue
		}
		num++
		last := segs[len(segs)-1].ID()
		if last == "IEA" {
			return d, nil, &Error{Segment: num, Msg: "data after the IEA segment: " + clip(text)}
		}
		if !terminated {
			return d, nil, &Error{Segment: num, Msg: "segment " + clip(text) + " has no segment terminator " + quote(d.Segment) + " (truncated input?)"}
		}
		els := strings.Split(text, string(d.Element))
		if !validID(els[0]) {
			return d, nil, &Error{Segment: num, Msg: "segment identifier " + clip(els[0]) + " is not 2-3 upper-case letters or digits"}
		}
		segs = append(segs, Segment{Num: num, Elements: els, Raw: text})
	}
	return d, segs, nil
}

// delimiters reads the element separator (byte 3), the repetition separator
// (ISA11), the component separator (ISA16) and the segment terminator (the
// byte after ISA16) and returns them with the ISA's length.
func delimiters(data []byte) (Delimiters, int, error) {
	if len(data) < 4 || string(data[:3]) != "ISA" {
		return Delimiters{}, 0, &Error{Segment: 1, Msg: "input does not start with an ISA segment"}
	}
	var d Delimiters
	d.Element = data[3]
	if !isDelimiter(d.Element) {
		return d, 0, &Error{Segment: 1, ID: "ISA", Msg: "element separator " + quote(d.Element) + " (byte 4) is a letter, digit or space"}
	}
	// Walk the separators rather than trusting the fixed 106-byte layout:
	// some senders trim the padded ISA fields.
	seps := 0
	i := 3
	var isa11 []byte
	lastSep := 0
	for ; i < len(data) && seps < isaElements; i++ {
		if data[i] == d.Element {
			seps++
			if seps == 12 {
				isa11 = data[lastSep+1 : i]
			}
			lastSep = i
		}
	}
	if seps < isaElements || i+1 >= len(data) {
		return d, 0, &Error{Segment: 1, ID: "ISA", Msg: "ISA segment is cut short: it needs 16 elements, the component separator and a segment terminator"}
	}
	d.Component = data[i]
	d.Segment = data[i+1]
	if !isDelimiter(d.Component) || d.Component == d.Element {
		return d, 0, &Error{Segment: 1, ID: "ISA", Element: 16, Msg: "component separator " + quote(d.Component) + " must be a punctuation byte different from the element separator"}
	}
	if (!isDelimiter(d.Segment) && d.Segment != '\n' && d.Segment != '\r') || d.Segment == d.Element || d.Segment == d.Component {
		return d, 0, &Error{Segment: 1, ID: "ISA", Msg: "segment terminator " + quote(d.Segment) + " (the byte after ISA16) must differ from the element and component separators and not be a letter or digit"}
	}
	if len(isa11) != 1 {
		return d, 0, &Error{Segment: 1, ID: "ISA", Element: 11, Msg: "ISA11 must be one character (the repetition separator)"}
	}
	if isDelimiter(isa11[0]) {
		d.Repetition = isa11[0]
		if d.Repetition == d.Element || d.Repetition == d.Component || d.Repetition == d.Segment {
			return d, 0, &Error{Segment: 1, ID: "ISA", Element: 11, Msg: "repetition separator " + quote(d.Repetition) + " repeats another delimiter"}
		}
	}
	return d, i + 1, nil
}

// isDelimiter reports whether b may separate elements or components: not a
// letter, digit or space, and no control character other than the classic
// information separators IS1-IS4 (0x1c-0x1f).
func isDelimiter(b byte) bool {
	switch {
	case b >= 'a' && b <= 'z', b >= 'A' && b <= 'Z', b >= '0' && b <= '9', b == ' ', b == 0x7f:
		return false
	case b < 0x20:
		return b >= 0x1c
	}
	return true
}

func validID(id string) bool {
	if len(id) < 2 || len(id) > 3 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return id[0] >= 'A' && id[0] <= 'Z'
}

func quote(b byte) string {
	if b >= 0x20 && b < 0x7f {
		return "'" + string(rune(b)) + "'"
	}
	return "0x" + string("0123456789abcdef"[b>>4]) + string("0123456789abcdef"[b&15])
}

// clip shortens untrusted text quoted in an error message.
func clip(s string) string {
	const maxLen = 20
	if len(s) > maxLen {
		s = s[:maxLen] + "…"
	}
	return strings.ToValidUTF8(strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return '?'
		}
		return r
	}, s), "?")
}
