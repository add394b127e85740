package httpapi

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gin-contrib/cors"
	"github.com/gin-gonic/gin"
)

// allowCrossOrigin lets pages on the listed origins call the API from a
// browser (the <acucover-check> widget on a clinic's site). No origins means
// no cross-origin access: the middleware does nothing and browsers refuse
// the answers. Credentials are never allowed, since the API needs none.
// It panics on an origin CheckCORSOrigin refuses, a wiring mistake the
// binary's config validation reports first.
func allowCrossOrigin(origins []string) gin.HandlerFunc {
	if len(origins) == 0 {
		return func(c *gin.Context) { c.Next() }
	}
	for _, o := range origins {
		if err := CheckCORSOrigin(o); err != nil {
			panic("httpapi.New: " + err.Error())
		}
	}
	listed := make(map[string]bool, len(origins))
	for _, o := range origins {
		listed[o] = true
	}
	allow := cors.New(cors.Config{
		AllowOrigins: origins,
		AllowMethods: []string{http.MethodGet, http.MethodPost, http.MethodOptions},
		AllowHeaders: []string{"Content-Type"},
		MaxAge:       time.Hour,
	})
	return func(c *gin.Context) {
		if o := header(c, "Origin"); o != "" && !listed[o] {
			// Not ours to allow: answer as for any client, without CORS
			// headers, and let the browser refuse the page the answer.
			// (gin-contrib/cors would send a bare 403, not a problem.)
			c.Header("Vary", "Origin")
			c.Next()
			return
		}
		allow(c)
	}
}

// CheckCORSOrigin returns an error unless o is one exact origin, as a
// browser sends it: http or https, a lower-case host, an optional port, and
// nothing else (no path, no trailing slash). "*" and patterns are refused.
func CheckCORSOrigin(o string) error {
	if o == "*" || strings.ContainsAny(o, "*^$\\ ") {
		return fmt.Errorf("CORS origin %q is a pattern; list each site's exact origin, e.g. https://clinic.example", o)
	}
	u, err := url.Parse(o)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" ||
		u.Path != "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil || strings.ContainsAny(o, "?#") || u.String() != strings.ToLower(o) {
		return fmt.Errorf("CORS origin %q is not an exact http(s)://host[:port] origin (no path or trailing slash)", o)
	}
	return nil
}
