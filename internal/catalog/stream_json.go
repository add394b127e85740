package catalog

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// jsonScan splits a JSON catalog into its top-level keys and its lists'
// items without decoding them: it tracks only strings and brackets, so it
// costs a pass over the bytes. Items are decoded (and checked, strictly)
// by the decoders; what the scan lets through that is not JSON, they
// refuse.
type jsonScan struct {
	r   *bufio.Reader
	off int64  // bytes read
	buf []byte // the value being scanned
}

var errEOF = errors.New("unexpected end of JSON input")

func (j *jsonScan) next() (byte, error) {
	c, err := j.r.ReadByte()
	if err != nil {
		return 0, errEOF
	}
	j.off++
	return c, nil
}

// space returns the next byte that is not white space.
func (j *jsonScan) space() (byte, error) {
	for {
		c, err := j.next()
		if err != nil {
			return 0, err
		}
		if c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			return c, nil
		}
	}
}

// value scans the value that starts with c into j.buf.
func (j *jsonScan) value(c byte) error {
	j.buf = j.buf[:0]
	return j.appendValue(c)
}

// appendValue scans the value that starts with c onto the end of j.buf.
func (j *jsonScan) appendValue(c byte) error {
	j.buf = append(j.buf, c)
	switch c {
	case '"':
		return j.str()
	case '{', '[':
		return j.nested()
	}
	for {
		p, err := j.r.Peek(1)
		if err != nil || strings.IndexByte(",]} \t\r\n", p[0]) >= 0 {
			return nil
		}
		b, _ := j.next()
		j.buf = append(j.buf, b)
	}
}

// nested scans the rest of an object or list whose opening bracket is in
// j.buf, a buffer's worth of bytes at a time.
func (j *jsonScan) nested() error {
	depth := 1
	for {
		if j.r.Buffered() == 0 {
			if _, err := j.r.Peek(1); err != nil {
				return errEOF
			}
		}
		buf, _ := j.r.Peek(j.r.Buffered())
		i := 0
	scan:
		for i < len(buf) {
			switch buf[i] {
			case '"':
				// The string's closing quote: the next one that an odd
				// number of backslashes does not escape.
				k := i + 1
				for {
					q := bytes.IndexByte(buf[k:], '"')
					if q < 0 {
						// The string goes on past the buffer.
						j.take(buf, i+1)
						if err := j.str(); err != nil {
							return err
						}
						break scan
					}
					k += q
					n := 0
					for b := k - 1; b > i && buf[b] == '\\'; b-- {
						n++
					}
					k++
					if n%2 == 0 {
						break
					}
				}
				i = k
				continue
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					j.take(buf, i+1)
					return nil
				}
			}
			i++
		}
		if i == len(buf) {
			j.take(buf, i)
		}
	}
}

// take moves the first n bytes of buf (the reader's buffered bytes) to
// j.buf.
func (j *jsonScan) take(buf []byte, n int) {
	j.buf = append(j.buf, buf[:n]...)
	j.r.Discard(n)
	j.off += int64(n)
}

// str scans the rest of a string whose opening quote is in j.buf.
func (j *jsonScan) str() error {
	for {
		// The bytes up to the next quote, read at once.
		chunk, err := j.r.ReadSlice('"')
		j.off += int64(len(chunk))
		j.buf = append(j.buf, chunk...)
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if err != nil {
			return errEOF
		}
		// The quote ends the string unless an odd number of
		// backslashes escapes it.
		n := 0
		for i := len(j.buf) - 2; i >= 0 && j.buf[i] == '\\'; i-- {
			n++
		}
		if n%2 == 0 {
			return nil
		}
	}
}

func readJSON(r *bufio.Reader, progress func(int)) (*Snapshot, error) {
	j := &jsonScan{r: r}
	problem := func(msg string) error {
		return Problems{{Where: fmt.Sprintf("byte %d", j.off), Msg: msg}}
	}
	syntax := func(err error, what string) error {
		if err != nil {
			return problem(err.Error())
		}
		return problem(what)
	}
	if c, err := j.space(); err != nil || c != '{' {
		return nil, problem("the catalog must be a JSON object")
	}
	kinds := streamKinds()
	s := &Snapshot{}
	n := 0
	d := newDecoders()
	defer d.close()
	c, err := j.space()
	if err != nil {
		return nil, syntax(err, "")
	}
	for c != '}' {
		if c != '"' {
			return nil, syntax(nil, fmt.Sprintf("invalid character %q looking for beginning of object key string", c))
		}
		if err := j.value(c); err != nil {
			return nil, syntax(err, "")
		}
		var key string
		if err := json.Unmarshal(j.buf, &key); err != nil {
			return nil, problem(strings.TrimPrefix(err.Error(), "json: "))
		}
		if c, err = j.space(); err != nil || c != ':' {
			return nil, syntax(err, "expected a colon after object key "+string(j.buf))
		}
		if c, err = j.space(); err != nil {
			return nil, syntax(err, "")
		}
		k, ok := kinds[key]
		switch {
		case key == "revision":
			if err := j.value(c); err != nil {
				return nil, syntax(err, "")
			}
			if err := json.Unmarshal(j.buf, &s.Revision); err != nil {
				return nil, problem("revision: " + strings.TrimPrefix(err.Error(), "json: "))
			}
		case !ok:
			return nil, problem(fmt.Sprintf("unknown field %q", key))
		case c == 'n':
			if err := j.value(c); err != nil || string(j.buf) != "null" {
				return nil, problem(key + " must be a list")
			}
		case c != '[':
			return nil, problem(key + " must be a list")
		default:
			if err := j.list(s, k, key, d, &n, progress); err != nil {
				return nil, err
			}
		}
		if c, err = j.space(); err != nil {
			return nil, syntax(err, "")
		}
		switch c {
		case ',':
			if c, err = j.space(); err != nil {
				return nil, syntax(err, "")
			}
			if c == '}' {
				return nil, problem("invalid character '}' looking for beginning of object key string")
			}
		case '}':
		default:
			return nil, problem(fmt.Sprintf("invalid character %q after object key:value pair", c))
		}
	}
	if _, err := j.space(); !errors.Is(err, errEOF) {
		return nil, problem("the catalog must be a single JSON object")
	}
	return s, nil
}

// list reads the items of list key (kind k), its "[" read, and appends
// them to s.
func (j *jsonScan) list(s *Snapshot, k streamKind, key string, d *decoders, n *int, progress func(int)) error {
	l := &list{d: d, kind: k}
	// Where a bad item is reported: the end of its text.
	var ends []int64
	ended := func() error {
		first, err := l.wait()
		if err != nil {
			return Problems{{Where: fmt.Sprintf("byte %d", ends[first]),
				Msg: fmt.Sprintf("%s[%d]: %s", key, k.Len(s)+first, strings.TrimPrefix(err.Error(), "json: "))}}
		}
		return nil
	}
	fail := func(msg string) error {
		if err := ended(); err != nil {
			return err
		}
		return Problems{{Where: fmt.Sprintf("byte %d", j.off), Msg: fmt.Sprintf("%s[%d]: %s", key, k.Len(s)+len(ends), msg)}}
	}
	c, err := j.space()
	if err != nil {
		return fail(err.Error())
	}
	// Items are scanned straight into their batch's text.
	keep := j.buf
	defer func() { j.buf = keep }()
	last := 0 // the last item's size
	for c != ']' {
		j.buf = l.text(last)
		start := len(j.buf)
		if err := j.appendValue(c); err != nil {
			return fail(err.Error())
		}
		last = len(j.buf) - start
		l.added(j.buf)
		ends = append(ends, j.off)
		if *n++; progress != nil && *n%10_000 == 0 {
			progress(*n)
		}
		if c, err = j.space(); err != nil {
			return fail(err.Error())
		}
		switch c {
		case ',':
			if c, err = j.space(); err != nil {
				return fail(err.Error())
			}
			if c == ']' {
				return fail("invalid character ']' looking for beginning of value")
			}
		case ']':
		default:
			return fail(fmt.Sprintf("invalid character %q after array element", c))
		}
	}
	if err := ended(); err != nil {
		return err
	}
	k.appendBatches(s, l.done)
	return nil
}
