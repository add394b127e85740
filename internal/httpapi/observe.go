package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
)

// requestIDHeader carries a request's id: accepted from the client when it is
// a sane token, generated otherwise, and always echoed back.
const requestIDHeader = "X-Request-Id"

// observe gives every request an id, then records its metrics and one JSON
// log line: route template, method, status, latency, bytes, id. Query
// strings and bodies are never logged — they may carry a condition or
// patient facts.
func (a *api) observe() gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		id := header(c, requestIDHeader)
		if !saneRequestID(id) {
			id = newRequestID()
		}
		c.Writer.Header()[requestIDHeader] = []string{id}
		c.Next()

		end := time.Now()
		elapsed := end.Sub(start)
		route := routeLabel(c.FullPath())
		status := c.Writer.Status()
		if (status >= 500 || !c.Writer.Written()) && clientGone(c) || writeFailed(c) {
			// The client closed the request before its answer: not a
			// server error, whatever the handler made of the cancelled
			// context ("cannot verify API key … context canceled"). Nor
			// is an answer whose write failed the status its handler set:
			// the client never got it.
			status = StatusClientClosed
		}
		method := knownMethod(c.Request.Method)
		httpMetrics.get(httpLabels{route, method, statusClass(status), statusCode(status)}).observe(elapsed.Seconds())
		level := slog.LevelInfo
		switch {
		case status >= 500:
			level = slog.LevelError
		case route == "/healthz" || route == "/readyz":
			level = slog.LevelDebug // probes every few seconds would drown the log
		}
		ctx := c.Request.Context()
		if !a.log.Enabled(ctx, level) {
			return
		}
		line := accessLine{time: end, level: level, id: id, method: method, route: route,
			status: status, micros: elapsed.Microseconds(), bytes: max(c.Writer.Size(), 0)}
		if a.accessLog == nil {
			line.logTo(ctx, a.log)
			return
		}
		buf := accessBufs.Get().(*[]byte)
		*buf = line.appendJSON((*buf)[:0])
		_, _ = a.accessLog.Write(*buf)
		accessBufs.Put(buf)
	}
}

// accessLine is one request's access log record.
type accessLine struct {
	time          time.Time
	level         slog.Level
	id            string
	method, route string
	status        int
	micros        int64
	bytes         int
}

// logTo logs the line through log.
func (l *accessLine) logTo(ctx context.Context, log *slog.Logger) {
	log.LogAttrs(ctx, l.level, "request", l.attrs()...)
}

func (l *accessLine) attrs() []slog.Attr {
	return []slog.Attr{
		slog.String("request_id", l.id),
		slog.String("method", l.method),
		slog.String("route", l.route),
		slog.Int("status", l.status),
		slog.Float64("latency_ms", float64(l.micros)/1000),
		slog.Int("bytes", l.bytes),
	}
}

// appendJSON appends the line exactly as slog's JSONHandler writes the
// record logTo logs (TestAccessLineIsSlogJSON), at a fraction of the cost:
// it is written once per request.
func (l *accessLine) appendJSON(b []byte) []byte {
	b = append(b, `{"time":"`...)
	b = appendTime(b, l.time)
	b = append(b, `","level":`...)
	b = appendLogString(b, l.level.String())
	b = append(b, `,"msg":"request","request_id":`...)
	b = appendLogString(b, l.id)
	b = append(b, `,"method":`...)
	b = appendLogString(b, l.method)
	b = append(b, `,"route":`...)
	b = appendLogString(b, l.route)
	b = append(b, `,"status":`...)
	b = strconv.AppendInt(b, int64(l.status), 10)
	b = append(b, `,"latency_ms":`...)
	b = appendMillis(b, l.micros)
	b = append(b, `,"bytes":`...)
	b = strconv.AppendInt(b, int64(l.bytes), 10)
	return append(b, "}\n"...)
}

// appendTime appends t as t.AppendFormat(b, time.RFC3339Nano) does, from
// the formatted second it falls in (kept for the next line, which almost
// always falls in the same second) and its nanoseconds.
func appendTime(b []byte, t time.Time) []byte {
	sec, loc := t.Unix(), t.Location()
	st := lastSecond.Load()
	if st == nil || st.sec != sec || st.loc != loc {
		whole := t.Truncate(time.Second)
		formatted := whole.AppendFormat(nil, time.RFC3339) // "2006-01-02T15:04:05Z07:00"
		n := len("2006-01-02T15:04:05")
		st = &formattedSecond{sec: sec, loc: loc, date: string(formatted[:n]), zone: string(formatted[n:])}
		lastSecond.Store(st)
	}
	b = append(b, st.date...)
	if ns := t.Nanosecond(); ns != 0 {
		var frac [10]byte
		frac[0] = '.'
		for i := 9; i >= 1; i-- {
			frac[i] = byte('0' + ns%10)
			ns /= 10
		}
		n := 10
		for frac[n-1] == '0' {
			n--
		}
		b = append(b, frac[:n]...)
	}
	return append(b, st.zone...)
}

// formattedSecond is one second of one location, formatted as RFC 3339:
// the date and time, and the zone.
type formattedSecond struct {
	sec        int64
	loc        *time.Location
	date, zone string
}

var lastSecond atomic.Pointer[formattedSecond]

// appendMillis appends µs/1000 as encoding/json writes the float64: the
// shortest decimal, which for a whole number of µs is the exact one with
// its trailing zeros dropped (0.12, 3, 1234.567).
func appendMillis(b []byte, micros int64) []byte {
	if micros < 0 {
		b = append(b, '-')
		micros = -micros
	}
	b = strconv.AppendInt(b, micros/1000, 10)
	frac := micros % 1000
	if frac == 0 {
		return b
	}
	digits := [3]byte{byte('0' + frac/100), byte('0' + frac/10%10), byte('0' + frac%10)}
	n := 3
	for digits[n-1] == '0' {
		n--
	}
	b = append(b, '.')
	return append(b, digits[:n]...)
}

// appendLogString appends s as a JSON string, escaped as slog escapes it:
// '"' and '\\', \n \r \t, other control bytes as \u00XX (encoding/json
// would write \b and \f), invalid UTF-8 as \ufffd, U+2028 and U+2029 as
// \u2028 and \u2029, everything else as is. The access log's strings are
// route templates, standard methods, level names and sane request ids, so
// the loop usually just copies.
func appendLogString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c < utf8.RuneSelf && c != '"' && c != '\\' {
			i++
			continue
		}
		r, size := rune(c), 1
		if c >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(s[i:])
			if !(r == utf8.RuneError && size == 1) && r != '\u2028' && r != '\u2029' {
				i += size
				continue
			}
		}
		b = append(b, s[start:i]...)
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c == '\n':
			b = append(b, `\n`...)
		case c == '\r':
			b = append(b, `\r`...)
		case c == '\t':
			b = append(b, `\t`...)
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', "0123456789abcdef"[c>>4], "0123456789abcdef"[c&0xF])
		case r == utf8.RuneError:
			b = append(b, `\ufffd`...)
		default: // U+2028, U+2029
			b = append(b, '\\', 'u', '2', '0', '2', "0123456789abcdef"[r&0xF])
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// accessBufs are the buffers access log lines are encoded in.
var accessBufs = sync.Pool{New: func() any { b := make([]byte, 0, 256); return &b }}

// saneRequestID accepts 1–128 characters of [A-Za-z0-9._:-], so a client's
// id can never inject anything into logs or headers.
func saneRequestID(s string) bool {
	if len(s) == 0 || len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		b := s[i]
		if !(b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b == '.' || b == '_' || b == ':' || b == '-') {
			return false
		}
	}
	return true
}

// statusCodes are the status codes' label values, formatted once.
var statusCodes = func() (s [600]string) {
	for i := 100; i < len(s); i++ {
		s[i] = strconv.Itoa(i)
	}
	return s
}()

// statusCode is status's label value: its three digits, or "other".
func statusCode(status int) string {
	if status >= 100 && status < len(statusCodes) {
		return statusCodes[status]
	}
	return "other"
}

// routeLabels maps a Gin route template to its label: the OpenAPI form
// (/v1/plans/:id → /v1/plans/{id}), "unmatched" for none. Routes are
// few, so the map is bounded.
var routeLabels = newChildren(func(route string) string {
	if route == "" {
		return "unmatched" // keeps label cardinality bounded
	}
	parts := strings.Split(route, "/")
	for i, p := range parts {
		if strings.HasPrefix(p, ":") || strings.HasPrefix(p, "*") {
			parts[i] = "{" + p[1:] + "}"
		}
	}
	return strings.Join(parts, "/")
})

func routeLabel(fullPath string) string { return routeLabels.get(fullPath) }

// statusClass names a status's class for metric labels, without
// formatting a string per request.
func statusClass(status int) string {
	if k := status / 100; k >= 1 && k <= 5 {
		return [...]string{1: "1xx", 2: "2xx", 3: "3xx", 4: "4xx", 5: "5xx"}[k]
	}
	return "other"
}

// Request ids are a random per-process prefix, a shard and the shard's
// counter: unique across replicas in practice, cheap per request (two
// requests on different cores seldom count on the same cache line; see
// metricShards), and not secret (they only join log lines). 24 hex
// digits, like the ids clients may send.
var (
	requestIDPrefix = func() string {
		var b [6]byte
		_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
		return hex.EncodeToString(b[:])
	}()
	requestIDCounters [metricShards]paddedUint64
)

func newRequestID() string {
	var b [24]byte
	copy(b[:], requestIDPrefix)
	i := shard()
	n := uint64(i)<<44 | requestIDCounters[i].Add(1)&(1<<44-1) // 12 hex digits: the shard, 11 of count
	for i := 23; i >= 12; i-- {
		b[i] = "0123456789abcdef"[n&0xf]
		n >>= 4
	}
	return string(b[:])
}

// knownMethod maps a method to itself if it is standard, else "OTHER", so a
// client cannot mint label values.
func knownMethod(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions:
		return m
	}
	return "OTHER"
}
