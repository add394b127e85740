package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/acucover/acucover/internal/coverage"
	"github.com/acucover/acucover/internal/suggest"
	"github.com/gin-gonic/gin"
)

// readBody reads the whole (limited) request body.
func readBody(c *gin.Context) ([]byte, error) { return readBodyInto(c, nil) }

// readBodyInto reads the whole (limited) request body, appending it to dst:
// at once when the client declared its length.
func readBodyInto(c *gin.Context, dst []byte) ([]byte, error) {
	body := c.Request.Body
	if body == nil {
		return dst, nil
	}
	if n := c.Request.ContentLength; n > 0 && n < 1<<30 {
		dst = slices.Grow(dst, int(n)+1) // +1: the read that finds EOF needs room
	}
	for {
		if len(dst) == cap(dst) {
			dst = slices.Grow(dst, 512)
		}
		n, err := body.Read(dst[len(dst):cap(dst)])
		dst = dst[:len(dst)+n]
		if err == io.EOF {
			return dst, nil
		}
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return nil, fmt.Errorf("%w: the body is larger than the limit of %d bytes", errTooLarge, tooLarge.Limit)
		}
		if isTimeout(err) {
			return nil, fmt.Errorf("%w: the body did not arrive in time; send it at once", errTimeout)
		}
		if err != nil {
			return nil, fmt.Errorf("%w: reading the body failed: %v", errInvalidRequest, err)
		}
	}
}

// coverageRequest is the body of POST /v1/coverage. Date is a string so a
// bad one is reported against its field.
type coverageRequest struct {
	Plan      string             `json:"plan"`
	State     string             `json:"state"`
	Condition string             `json:"condition"`
	Date      *string            `json:"date"`
	Patient   *coverage.Patient  `json:"patient"`
	Usage     *coverage.Usage    `json:"usage"`
	Provider  *coverage.Provider `json:"provider"`
}

// getQuery is a GET /v1/coverage query.
type getQuery struct {
	plan, state, condition, date string
	hasDate                      bool
}

// fastCoverageQuery parses the usual GET /v1/coverage query — each of
// plan, state, condition and date at most once, valid escapes and UTF-8 —
// without allocating unless a value is escaped. It reports false, leaving
// the query to the strict queryParams and its errors, for anything else:
// an unknown or repeated name, an escaped name, a bad escape or invalid
// UTF-8, a ';', an empty part. FuzzFastCoverageQuery checks it agrees with
// queryParams.
func fastCoverageQuery(raw string) (q getQuery, ok bool) {
	var seen [4]bool
	for raw != "" {
		var part string
		part, raw, _ = strings.Cut(raw, "&")
		if part == "" {
			return q, false // fine, but url.ParseQuery counts them against its limit
		}
		name, value, _ := strings.Cut(part, "=")
		var dst *string
		i := 0
		switch name {
		case "plan":
			dst = &q.plan
		case "state":
			dst, i = &q.state, 1
		case "condition":
			dst, i = &q.condition, 2
		case "date":
			dst, i = &q.date, 3
			q.hasDate = true
		default:
			return q, false
		}
		if seen[i] || strings.IndexByte(value, ';') >= 0 {
			return q, false
		}
		seen[i] = true
		if strings.IndexByte(value, '%') >= 0 || strings.IndexByte(value, '+') >= 0 {
			v, err := url.QueryUnescape(value)
			if err != nil {
				return q, false
			}
			value = v
		}
		if !utf8.ValidString(value) {
			return q, false
		}
		*dst = value
	}
	return q, true
}

// readJSON reads the request body, which must be declared as JSON, strictly
// into v (see decodeStrict).
func readJSON(c *gin.Context, v any) error {
	body, err := readJSONBody(c, nil)
	if err != nil {
		return err
	}
	return decodeStrict(body, v)
}

// readJSONFast is readJSON for a body that fast, a decoder for its plain
// form (fastjson.go), usually decodes; where fast gives up, v is zeroed and
// decoded strictly, with decodeStrict's errors.
func readJSONFast[T any](c *gin.Context, v *T, fast func([]byte, *T) bool) error {
	// Both decoders copy what they keep, so the body can be read into a
	// pooled buffer.
	buf := newJSONBody()
	defer buf.release()
	body, err := readJSONBody(c, buf.b)
	if err != nil {
		return err
	}
	buf.b = body
	if fast(body, v) {
		return nil
	}
	var zero T
	*v = zero
	return decodeStrict(body, v)
}

// readJSONBody reads the request body, which must be declared as JSON,
// appending it to dst.
func readJSONBody(c *gin.Context, dst []byte) ([]byte, error) {
	if err := requireJSON(header(c, "Content-Type")); err != nil {
		return nil, err
	}
	return readBodyInto(c, dst)
}

// requireJSON accepts application/json and any application/*+json type, with
// no charset or charset=utf-8 (JSON is UTF-8, RFC 8259).
func requireJSON(contentType string) error {
	switch contentType {
	case "application/json", jsonContentType:
		return nil // what clients send, without parsing it
	case "":
		return fmt.Errorf("%w: the body must be JSON; send Content-Type: application/json", errUnsupportedMedia)
	}
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil || !(mt == "application/json" || (strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json"))) {
		return fmt.Errorf("%w: Content-Type %q is not JSON; send Content-Type: application/json", errUnsupportedMedia, contentType)
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
		return fmt.Errorf("%w: charset %q is not supported; JSON must be UTF-8", errUnsupportedMedia, cs)
	}
	return nil
}

// decodeStrict decodes body, a single JSON object, into v: unknown fields,
// wrong types, invalid UTF-8, an empty body, data after the object, keys
// given twice and keys that match only when case is ignored are all errors
// naming what is wrong (checkKeys).
func decodeStrict(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return fmt.Errorf("%w: the body is empty; send a JSON object", errInvalidRequest)
	}
	// encoding/json would quietly replace invalid UTF-8 with U+FFFD.
	if !utf8.Valid(body) {
		return fmt.Errorf("%w: the body is not valid UTF-8", errInvalidRequest)
	}
	if err := checkKeys(body, reflect.TypeOf(v)); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(body, err)
	}
	if err := dec.Decode(new(json.RawMessage)); !errors.Is(err, io.EOF) {
		return fmt.Errorf("%w: the body has data after the JSON object; send exactly one object", errInvalidRequest)
	}
	return nil
}

// jsonError turns an encoding/json error into a request error.
func jsonError(body []byte, err error) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		return fmt.Errorf("%w: the body is not valid JSON: %v (at byte %d)", errInvalidRequest, syntax, syntax.Offset)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("%w: the body is not valid JSON: it ends before the object is complete", errInvalidRequest)
	case errors.As(err, &typ):
		if typ.Field == "" {
			return fmt.Errorf("%w: the body must be a JSON object, not %s", errInvalidRequest, typ.Value)
		}
		return fieldErr(typ.Field, fmt.Sprintf("must be %s, not %s", jsonTypeName(typ.Type), typ.Value), errInvalidRequest)
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		name = strings.Trim(name, `"`)
		return fieldErr(unknownFieldPath(body, name), "is not a known field", errInvalidRequest) // checkKeys names most
	}
	return fmt.Errorf("%w: the body is not a valid request: %w", errInvalidRequest, err)
}

// jsonTypeName names the JSON type a Go type decodes from.
func jsonTypeName(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.String:
		return "a string"
	case reflect.Slice, reflect.Array:
		return "an array"
	}
	return "an object"
}

// unknownFieldPath finds where an unknown field sits in body, since
// encoding/json names only the field: "patient.foo" rather than "foo".
func unknownFieldPath(body []byte, name string) string {
	var top map[string]json.RawMessage
	if json.Unmarshal(body, &top) != nil {
		return name
	}
	if _, ok := top[name]; ok {
		return name
	}
	for _, parent := range []string{"patient", "usage", "provider", "course", "accumulators"} {
		var obj map[string]json.RawMessage
		if json.Unmarshal(top[parent], &obj) == nil {
			if _, ok := obj[name]; ok {
				return parent + "." + name
			}
		}
	}
	return name
}

// cacheBuster is the query parameter that cache-busting clients (jQuery's
// cache: false, many widgets) add with a timestamp: ignored, not refused.
const cacheBuster = "_"

// queryParams parses the raw query strictly: valid encoding and UTF-8, only
// the allowed names (and the ignored cacheBuster), each at most once. An
// unknown name gets the closest allowed one as a hint. Every problem is
// reported at once.
func queryParams(c *gin.Context, allowed ...string) (map[string]string, error) {
	return strictQuery(c.Request.URL.RawQuery, pathTemplate(c.FullPath()), allowed...)
}

// strictQuery is queryParams on the raw query of route.
func strictQuery(raw, route string, allowed ...string) (map[string]string, error) {
	vals, err := parseQuery(raw)
	if err != nil {
		return nil, err
	}
	var e requestError
	out := make(map[string]string, len(vals))
	names := make([]string, 0, len(vals))
	for k := range vals {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		vs := vals[k]
		switch {
		case !utf8.ValidString(k):
			e.add(strings.ToValidUTF8(k, "\uFFFD"), "is not valid UTF-8", errInvalidRequest)
		case k == cacheBuster && !slices.Contains(allowed, k):
			// jQuery's cache: false and similar add _=<timestamp>.
		case !slices.Contains(allowed, k):
			e.add(k, "is not a parameter of "+route+suggest.DidYouMean(k, allowed)+" (allowed: "+strings.Join(allowed, ", ")+")", errInvalidRequest)
		case len(vs) > 1:
			e.add(k, fmt.Sprintf("is given %d times; give it once", len(vs)), errInvalidRequest)
		case !utf8.ValidString(vs[0]):
			e.add(k, "is not valid UTF-8", errInvalidRequest)
		default:
			out[k] = vs[0]
		}
	}
	return out, e.err()
}

// parseQuery is url.ParseQuery, with its error made a request error.
func parseQuery(raw string) (map[string][]string, error) {
	vals, err := url.ParseQuery(raw)
	if err != nil {
		return nil, fmt.Errorf("%w: the query string is not valid URL encoding: %v", errInvalidRequest, err)
	}
	return vals, nil
}

// header returns the first value of a request header given by its
// canonical name (TestHeaderNamesAreCanonical), without canonicalizing the
// name again per call as c.GetHeader does.
func header(c *gin.Context, canonical string) string {
	if v := c.Request.Header[canonical]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// isTimeout reports whether a body read failed because the server's read
// deadline passed (a slow or stalled client).
func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// readCoverageQuery reads a GET /v1/coverage question: the usual query by
// fastCoverageQuery, anything else strictly by queryParams, with its errors.
func readCoverageQuery(c *gin.Context) (coverageRequest, error) {
	q, ok := fastCoverageQuery(c.Request.URL.RawQuery)
	if !ok {
		m, err := queryParams(c, "plan", "state", "condition", "date")
		if err != nil {
			return coverageRequest{}, err
		}
		_, hasDate := m["date"]
		q = getQuery{plan: m["plan"], state: m["state"], condition: m["condition"], date: m["date"], hasDate: hasDate}
	}
	req := coverageRequest{Plan: q.plan, State: q.state, Condition: q.condition}
	if q.hasDate {
		req.Date = &q.date
	}
	return req, nil
}
