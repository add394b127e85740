package catalog

import (
	"fmt"
	"time"

	"gopkg.in/yaml.v3"
)

// Date is a civil date (no time of day, no zone), written as YYYY-MM-DD.
// The zero Date means "not set".
type Date struct{ t time.Time }

// NewDate returns the Date for year, month and day.
func NewDate(year int, month time.Month, day int) Date {
	return Date{time.Date(year, month, day, 0, 0, 0, 0, time.UTC)}
}

// DateOf returns the civil date of t in t's own location.
func DateOf(t time.Time) Date { return NewDate(t.Date()) }

// ParseDate parses YYYY-MM-DD. It rejects anything else, including times and
// impossible dates such as 2026-02-30, with a *DateError.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, &DateError{Value: s}
	}
	return Date{t}, nil
}

// DateError is a value that is not a calendar date in YYYY-MM-DD form. It
// reaches callers of encoding/json and yaml decoding unchanged, so they can
// tell a bad date from other decoding errors.
type DateError struct{ Value string }

func (e *DateError) Error() string {
	return fmt.Sprintf("date %q is not a calendar date in YYYY-MM-DD form", e.Value)
}

// IsZero reports whether d is unset.
func (d Date) IsZero() bool { return d.t.IsZero() }

// Time returns midnight UTC of d.
func (d Date) Time() time.Time { return d.t }

// Year, Month and Day return the parts of d.
func (d Date) Year() int          { return d.t.Year() }
func (d Date) Month() time.Month  { return d.t.Month() }
func (d Date) Day() int           { return d.t.Day() }
func (d Date) String() string     { return d.t.Format(time.DateOnly) }
func (d Date) Before(e Date) bool { return d.t.Before(e.t) }
func (d Date) After(e Date) bool  { return d.t.After(e.t) }

// AddDays returns d moved by n days (n may be negative).
func (d Date) AddDays(n int) Date { return Date{d.t.AddDate(0, 0, n)} }

// DaysSince returns the number of days from e to d (negative if d is earlier).
func (d Date) DaysSince(e Date) int { return int(d.t.Sub(e.t).Hours() / 24) }

// MarshalText implements encoding.TextMarshaler; the zero Date marshals as "".
func (d Date) MarshalText() ([]byte, error) {
	if d.IsZero() {
		return []byte{}, nil
	}
	return []byte(d.String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler.
func (d *Date) UnmarshalText(b []byte) error {
	p, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = p
	return nil
}

// UnmarshalYAML accepts a YYYY-MM-DD scalar (quoted or not).
func (d *Date) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("line %d: a date must be written as YYYY-MM-DD", n.Line)
	}
	p, err := ParseDate(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: %v", n.Line, err)
	}
	*d = p
	return nil
}

// MarshalYAML writes d as a YYYY-MM-DD string.
func (d Date) MarshalYAML() (any, error) { return d.String(), nil }
