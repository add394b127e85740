package httpapi

import (
	"fmt"
	"net/http"
	"runtime/debug"
	"strings"

	"github.com/gin-gonic/gin"
)

// refuseInputs refuses, before any handler, what no route accepts: a body
// with a Content-Encoding (gzip and friends are not decoded; a compressed
// body would only fail later as invalid JSON, or inflate past the body
// limit) and a NUL in the path or the query, which no identifier, filter
// or date holds and PostgreSQL cannot store.
func (a *api) refuseInputs() gin.HandlerFunc {
	return func(c *gin.Context) {
		r := c.Request
		if ce := header(c, "Content-Encoding"); ce != "" && !strings.EqualFold(ce, "identity") && r.ContentLength != 0 {
			a.writeProblem(c, fmt.Errorf("%w: Content-Encoding %q is not supported; send the body uncompressed", errUnsupportedMedia, ce))
			c.Abort()
			return
		}
		if strings.Contains(r.URL.RawQuery, "%00") || strings.ContainsRune(r.URL.Path, 0) {
			a.writeProblem(c, fmt.Errorf("%w: the path or query contains a NUL character (%%00)", errInvalidRequest))
			c.Abort()
			return
		}
		c.Next()
	}
}

// headAsGet answers HEAD on every GET route: Gin routes HEAD only where it
// is registered, so h is given the request as a GET; net/http, which still
// sees the HEAD, sends the headers (Content-Length included) and drops the
// body.
func headAsGet(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodHead {
			get := *r
			get.Method = http.MethodGet
			r = &get
		}
		h.ServeHTTP(w, r)
	})
}

// recoverPanics turns a panic below it into a logged 500 problem, so one bad
// request cannot take the process down or leak a stack trace.
func (a *api) recoverPanics() gin.HandlerFunc {
	return func(c *gin.Context) {
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler {
				panic(v) // net/http's deliberate abort; it handles it quietly
			}
			a.log.Error("panic serving request", "method", c.Request.Method, "path", c.Request.URL.Path,
				"panic", fmt.Sprint(v), "stack", string(debug.Stack()))
			if !c.Writer.Written() {
				a.writeProblem(c, fmt.Errorf("panic: %v", v))
			}
			c.Abort()
		}()
		c.Next()
	}
}

// limitBody caps the request body at n bytes. A declared Content-Length over
// the cap is refused before reading; a body that grows past it fails its
// read with *http.MaxBytesError, which readBody turns into 413.
func (a *api) limitBody(n int64) gin.HandlerFunc {
	return func(c *gin.Context) {
		if c.Request.ContentLength > n {
			a.writeProblem(c, fmt.Errorf("%w: the body is %d bytes; the limit is %d", errTooLarge, c.Request.ContentLength, n))
			c.Abort()
			return
		}
		if c.Request.Body != nil && c.Request.Body != http.NoBody {
			c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, n)
		}
		c.Next()
	}
}
