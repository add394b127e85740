package httpapi

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
)

// errTimeout is a request whose body did not arrive within the server's
// read timeout.
var errTimeout = errors.New("request timeout")

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

// isTimeout reports whether a body read failed because the server's read
// deadline passed (a slow or stalled client).
func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
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
