// Package jsonenc holds the append-based building blocks of acucover's
// hand-written response encoders (coverage.Decision, cost.Breakdown). Each
// function appends exactly the bytes encoding/json writes for the value with
// SetEscapeHTML(false), which is what gin's PureJSON used: the encoders'
// tests compare them byte for byte with encoding/json.
package jsonenc

import (
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/acucover/acucover/internal/catalog"
)

// safe marks the bytes encoding/json writes as they are when HTML escaping
// is off: ASCII from 0x20 up except '"' and '\\' (bytes from 0x80 up start
// a UTF-8 sequence that needs a closer look).
var safe = func() (t [256]bool) {
	for b := 0x20; b < utf8.RuneSelf; b++ {
		t[b] = b != '"' && b != '\\'
	}
	return t
}()

const hex = "0123456789abcdef"

// String appends s as a JSON string, escaped as encoding/json escapes it with
// HTML escaping off: '"' and '\\' escaped, control characters as \b \f \n
// \r \t or \u00XX, invalid UTF-8 as \ufffd, U+2028 and U+2029 as \u2028 and
// \u2029, everything else (including <, > and &) as is.
func String(dst []byte, s string) []byte {
	dst = append(dst, '"')
	if len(s) < 8 {
		// Short strings (ids, codes, states): one pass of the table.
		i := 0
		for i < len(s) && safe[s[i]] {
			i++
		}
		if i == len(s) {
			dst = append(dst, s...)
			return append(dst, '"')
		}
	}
	start, i := 0, 0
	for i < len(s) {
		// Skip eight bytes at a time while none needs a closer look.
		for i+8 <= len(s) && !special(load8(s, i)) {
			i += 8
		}
		// The last few bytes, checked as the word that ends the string
		// (overlapping bytes already known to be plain).
		if i < len(s) && i+8 > len(s) && len(s) >= 8 && !special(load8(s, len(s)-8)) {
			i = len(s)
		}
		if i == len(s) {
			break
		}
		b := s[i]
		if b < utf8.RuneSelf {
			if safe[b] {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '\\', '"':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hex[b>>4], hex[b&0xF])
			}
			i++
			start = i
			continue
		}
		c, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case c == utf8.RuneError && size == 1:
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
		case c == '\u2028' || c == '\u2029':
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hex[c&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// load8 reads s[i:i+8] as a little-endian word (the compiler makes it one
// load).
func load8(s string, i int) uint64 {
	s = s[i : i+8]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

const (
	lsb = 0x0101010101010101
	msb = 0x8080808080808080
)

// special reports whether any byte of x is below 0x20, '"', '\\' or 0x80
// and up: whether the eight bytes need more than copying. Each test is the
// classic exact "has a byte less than n" / "has a zero byte" word trick.
func special(x uint64) bool {
	ctl := (x - lsb*0x20) &^ x
	q := x ^ (lsb * '"')
	q = (q - lsb) &^ q
	bs := x ^ (lsb * '\\')
	bs = (bs - lsb) &^ bs
	return (ctl|q|bs|x)&msb != 0
}

// Strings appends ss as a JSON array of strings; nil is null.
func Strings(dst []byte, ss []string) []byte {
	if ss == nil {
		return append(dst, "null"...)
	}
	dst = append(dst, '[')
	for i, s := range ss {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = String(dst, s)
	}
	return append(dst, ']')
}

// Bool appends true or false.
func Bool(dst []byte, v bool) []byte {
	if v {
		return append(dst, "true"...)
	}
	return append(dst, "false"...)
}

// BoolPtr appends *p, or null when p is nil.
func BoolPtr(dst []byte, p *bool) []byte {
	if p == nil {
		return append(dst, "null"...)
	}
	return Bool(dst, *p)
}

// Int appends v in decimal.
func Int(dst []byte, v int64) []byte {
	if uint64(v) < 10 {
		return append(dst, byte('0'+v))
	}
	return strconv.AppendInt(dst, v, 10)
}

// IntPtr appends *p, or null when p is nil.
func IntPtr(dst []byte, p *int) []byte {
	if p == nil {
		return append(dst, "null"...)
	}
	return Int(dst, int64(*p))
}

// Int64Ptr appends *p, or null when p is nil.
func Int64Ptr(dst []byte, p *int64) []byte {
	if p == nil {
		return append(dst, "null"...)
	}
	return Int(dst, *p)
}

// Date appends d as its MarshalText writes it, quoted: "YYYY-MM-DD", or ""
// for the zero Date.
func Date(dst []byte, d catalog.Date) []byte {
	if d.IsZero() {
		return append(dst, '"', '"')
	}
	t := d.Time()
	y, m, day := t.Date()
	if y < 0 || y > 9999 {
		// Outside four digits: what time.Format writes, which has no
		// character that needs escaping.
		dst = append(dst, '"')
		dst = t.AppendFormat(dst, time.DateOnly)
		return append(dst, '"')
	}
	return append(dst, '"',
		byte('0'+y/1000), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10), '-',
		byte('0'+int(m)/10), byte('0'+int(m)%10), '-',
		byte('0'+day/10), byte('0'+day%10), '"')
}
