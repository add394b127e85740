package jsonenc

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/acucover/acucover/internal/catalog"
)

// std is encoding/json with HTML escaping off, without the newline.
func std(tb testing.TB, v any) []byte {
	tb.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		tb.Fatal(err)
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

func checkString(tb testing.TB, s string) {
	tb.Helper()
	if got, want := String(nil, s), std(tb, s); !bytes.Equal(got, want) {
		tb.Fatalf("String(%q) = %s, encoding/json writes %s", s, got, want)
	}
}

// TestStringBytes compares every string of one and two bytes, and each of
// them placed at every offset of a word-sized run of plain text (so both
// the eight-byte scan and the tail check meet it).
func TestStringBytes(t *testing.T) {
	t.Parallel()
	pad := "abcdefghijklmnopq"
	for a := range 256 {
		one := string([]byte{byte(a)})
		checkString(t, one)
		for off := 0; off <= 9; off++ {
			checkString(t, pad[:off]+one+pad[off:])
			checkString(t, pad[:off]+one)
		}
		for b := range 256 {
			checkString(t, string([]byte{byte(a), byte(b)}))
		}
	}
}

// TestStringRunes compares every code point (surrogates come out of the
// conversion as U+FFFD), at a varying offset in plain text, and every
// truncation of its UTF-8 encoding.
func TestStringRunes(t *testing.T) {
	t.Parallel()
	pad := "0123456789"
	for r := rune(0); r <= utf8.MaxRune; r++ {
		off := int(r % 10)
		s := string(r)
		checkString(t, pad[:off]+s+pad[off:])
		if r >= 0x80 && r%61 == 0 {
			for n := 1; n < len(s); n++ {
				checkString(t, pad[:off]+s[:n]+pad)
			}
		}
	}
	for _, s := range []string{"\xed\xa0\x80", "\xed\xbf\xbf", "\xc0\x80", "\xe0\x80\xaf", "\xf8\x88\x80\x80\x80", "\xe2\x80\xa8\xe2\x80\xa9\xe2\x80"} {
		checkString(t, s)
		checkString(t, strings.Repeat(s+"plain text ", 3))
	}
}

func FuzzString(f *testing.F) {
	for _, s := range []string{"", "plain", `"\`, "\x00\x1f\x7f", "<&>", "\u2028\u2029", "\xff\xfe", "é🦷", strings.Repeat("x", 40) + "\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkString(t, s)
		if got, want := Strings(nil, []string{s, s + s}), std(t, []string{s, s + s}); !bytes.Equal(got, want) {
			t.Fatalf("Strings: %s, want %s", got, want)
		}
	})
}

func TestScalars(t *testing.T) {
	t.Parallel()
	yes, no, n, n64 := true, false, -42, int64(1)<<62
	cases := []struct {
		got []byte
		v   any
	}{
		{Strings(nil, nil), []string(nil)},
		{Strings(nil, []string{}), []string{}},
		{Strings(nil, []string{"a", "", "<b>"}), []string{"a", "", "<b>"}},
		{Bool(nil, true), true},
		{Bool(nil, false), false},
		{BoolPtr(nil, nil), (*bool)(nil)},
		{BoolPtr(nil, &yes), &yes},
		{BoolPtr(nil, &no), &no},
		{Int(nil, -1<<63), int64(-1 << 63)},
		{Int(nil, 0), 0},
		{IntPtr(nil, nil), (*int)(nil)},
		{IntPtr(nil, &n), &n},
		{Int64Ptr(nil, nil), (*int64)(nil)},
		{Int64Ptr(nil, &n64), &n64},
	}
	for _, c := range cases {
		if want := std(t, c.v); !bytes.Equal(c.got, want) {
			t.Errorf("%#v: got %s, want %s", c.v, c.got, want)
		}
	}
}

// TestDate compares Date with catalog.Date's MarshalText through
// encoding/json for every day of 1990–2110, the zero date, and years
// outside four digits.
func TestDate(t *testing.T) {
	t.Parallel()
	check := func(d catalog.Date) {
		if got, want := Date(nil, d), std(t, d); !bytes.Equal(got, want) {
			t.Fatalf("Date(%v) = %s, want %s", d, got, want)
		}
	}
	check(catalog.Date{})
	for d := catalog.NewDate(1990, 1, 1); d.Before(catalog.NewDate(2110, 1, 1)); d = d.AddDays(1) {
		check(d)
	}
	for _, y := range []int{-10000, -1, 0, 1, 9, 99, 999, 9999, 10000, 123456} {
		check(catalog.NewDate(y, 1, 1))
		check(catalog.NewDate(y, 12, 31))
	}
}
