package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/gin-gonic/gin"
)

const jsonContentType = "application/json; charset=utf-8"

var jsonContentTypeHeader = []string{jsonContentType}

// maxPooledBody bounds the buffers kept for reuse: a year-long estimate is
// a few hundred KiB; anything larger goes to the garbage collector.
const maxPooledBody = 1 << 20

// jsonBody is a pooled response buffer.
type jsonBody struct{ b []byte }

var jsonBodies = sync.Pool{New: func() any { return &jsonBody{b: make([]byte, 0, 16<<10)} }}

// newJSONBody returns an empty buffer from the pool; append the body to its
// b, then send it.
func newJSONBody() *jsonBody {
	jb := jsonBodies.Get().(*jsonBody)
	jb.b = jb.b[:0]
	return jb
}

// send writes jb's bytes as a JSON response with status and returns jb to
// the pool (the ResponseWriter does not keep them: io.Writer may not retain
// p).
func (jb *jsonBody) send(c *gin.Context, status int) {
	writeJSON(c, status, jb.b, nil)
	jb.release()
}

// flushAfter is the body size from which writeJSON flushes the answer.
// net/http writes a connection's output through a 4 KiB buffer, so an
// answer that does not fit in it with its header leaves Write with its
// first 4 KiB sent and its tail buffered; the tail would then wait for the
// request's bookkeeping (metrics, access log) and any preemption on the
// way, with the client already woken for the first part (make load measures
// the difference: README, Performance). Smaller answers go out in one write
// either way.
const flushAfter = 3 << 10

// writeJSON writes body as c.Data(status, jsonContentType, body) does,
// without its per-call allocations: the Content-Type value is shared, and
// length, if not nil, is the Content-Length header's value. An answer of
// flushAfter bytes or more is sent whole before writeJSON returns.
func writeJSON(c *gin.Context, status int, body []byte, length []string) {
	h := c.Writer.Header()
	h["Content-Type"] = jsonContentTypeHeader
	if length == nil {
		length = []string{strconv.Itoa(len(body))}
	}
	h["Content-Length"] = length
	c.Status(status)
	if _, err := c.Writer.Write(body); err != nil {
		noteWriteFailed(c, err) // the client's loss; observe logs it as such
		return
	}
	if len(body) >= flushAfter {
		c.Writer.Flush() // with Content-Length set, no chunking
	}
}

// release returns jb to the pool; its bytes must no longer be used.
func (jb *jsonBody) release() {
	if cap(jb.b) <= maxPooledBody {
		jsonBodies.Put(jb)
	}
}

// writeProblem answers err as a problem (newProblem) about the request's
// path, with Retry-After when the database is expected back.
func (a *api) writeProblem(c *gin.Context, err error) {
	p := a.newProblem(c, err, c.Request.URL.Path, requestPart(c))
	var body bytes.Buffer
	enc := json.NewEncoder(&body)
	enc.SetEscapeHTML(false) // details quote catalog text such as "Medicare & Medicaid"
	if mErr := enc.Encode(p); mErr != nil {
		// A problem holds only strings and ints; this cannot happen, but
		// the caller still gets a status.
		c.Status(p.Status)
		return
	}
	if errors.Is(err, errUnavailable) && c.Writer.Header().Get("Retry-After") == "" {
		c.Header("Retry-After", "1") // the database is expected back
	}
	c.Header("Content-Type", problemContentType)
	c.Data(p.Status, problemContentType, body.Bytes())
}

// newProblem is the problem err answers with, for every answer: a whole
// request's (writeProblem) and each check of a batch (instance
// /v1/coverage/batch#/checks/3). The rules, the same for both:
//   - status, type and title come from err's row in problems;
//   - a requestError lists its fields in errors[] (problemErrors);
//   - a 400 that is about no single field points errors[] at part ("body",
//     "query", "checks[3]"), so a form always has somewhere to show it;
//   - a 5xx other than 503 says only "internal error", and err is logged
//     (unless the client has gone): its detail may name internals a caller
//     has no use for. A 503 says why (busy, needs PostgreSQL), which the
//     caller can act on.
func (a *api) newProblem(c *gin.Context, err error, instance, part string) *problem {
	status, kind, title, detail := lookup(err)
	p := &problem{Type: problemTypePrefix + kind, Title: title, Status: status, Detail: detail, Instance: instance}
	var re *requestError
	if errors.As(err, &re) {
		p.Errors, p.Omitted = problemErrors(re.fields)
	}
	if p.Errors == nil && status == http.StatusBadRequest {
		p.Errors = []fieldError{{Field: part, Message: cutText(detail)}}
	}
	if len(p.Detail) > 4*maxProblemText {
		p.Detail = p.Detail[:4*maxProblemText] + "…"
		p.Detail = strings.ToValidUTF8(p.Detail, "")
	}
	if status >= 500 && status != http.StatusServiceUnavailable {
		if !clientGone(c) {
			// Only the path is logged: query strings and bodies can carry
			// patient facts.
			a.log.Error("internal error", "method", c.Request.Method, "path", c.Request.URL.Path, "instance", instance, "error", err.Error())
		}
		p.Detail = "internal error"
		p.Errors, p.Omitted = nil, 0
	}
	return p
}

// handlerFunc is a handler that returns its error instead of writing it, so
// "wrote the error, forgot to return" cannot happen.
type handlerFunc func(c *gin.Context) error

// handle adapts h to Gin: an error becomes a problem response, unless h
// already started the response (then only logging is possible).
func (a *api) handle(h handlerFunc) gin.HandlerFunc {
	return func(c *gin.Context) {
		err := h(c)
		if err == nil {
			return
		}
		if c.Writer.Written() {
			a.log.Error("error after response started", "method", c.Request.Method, "path", c.Request.URL.Path, "error", err.Error())
			return
		}
		a.writeProblem(c, err)
	}
}

// requestPart names the part of the request a 400 that is about no single
// field is about: "body" for a request that has one, else "query".
func requestPart(c *gin.Context) string {
	switch c.Request.Method {
	case http.MethodPost, http.MethodPut, http.MethodPatch:
		return "body"
	}
	if c.Request.ContentLength > 0 {
		return "body"
	}
	return "query"
}

// clientGone reports whether c's client closed the request: its context
// was cancelled (net/http cancels it when the connection goes away).
func clientGone(c *gin.Context) bool {
	return errors.Is(c.Request.Context().Err(), context.Canceled)
}

// noStore is the Cache-Control of answers that depend on patient facts.
var noStore = []string{"no-store"}

// errWriteFailed marks a request whose answer could not be written whole:
// the client went away, or did not read it in time. observe records such a
// request as StatusClientClosed, not as the status its handler set, since
// the client never got that answer.
var errWriteFailed = errors.New("response write failed")

// noteWriteFailed records, for observe, that writing c's answer failed.
func noteWriteFailed(c *gin.Context, err error) {
	_ = c.Error(fmt.Errorf("%w: %w", errWriteFailed, err))
}

// writeFailed reports whether writing c's answer failed. Every entry in
// c.Errors is such a failure: this package records nothing else there, and
// gin's renderer (c.Data) records its write errors there.
func writeFailed(c *gin.Context) bool { return len(c.Errors) > 0 }
