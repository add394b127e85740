package httpapi

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/acucover/acucover/internal/access"
	"github.com/gin-gonic/gin"
)

// authKey is where authenticate leaves its authResult in the Gin context.
const authKey = "acucover.auth"

// authResult is what the request's Authorization header proved. Without a
// header, presented is false and the request is anonymous.
type authResult struct {
	presented bool
	principal access.Principal
	err       error // errUnauthorized or errUnavailable when presented
}

func authOf(c *gin.Context) authResult {
	v, _ := c.Get(authKey)
	r, _ := v.(authResult)
	return r
}

// unauthenticatedPaths never look at keys: probes must not depend on the
// database, and the API description is public.
var unauthenticatedPaths = map[string]bool{"/healthz": true, "/readyz": true, "/openapi.json": true}

// authenticate verifies the Authorization header, if any, and records the
// result for the rate limiter and the gates after it. It never answers
// itself: whether a key is needed depends on the route.
func (a *api) authenticate() gin.HandlerFunc {
	return func(c *gin.Context) {
		h := header(c, "Authorization")
		if h == "" || unauthenticatedPaths[c.FullPath()] {
			c.Next()
			return
		}
		res := authResult{presented: true}
		tok, ok := access.BearerToken(h)
		switch {
		case !ok:
			res.err = fmt.Errorf("%w: the Authorization header must be \"Bearer <key>\"", errUnauthorized)
		case a.keys == nil:
			res.err = fmt.Errorf("%w: this server has no database, so it has no API keys", errUnauthorized)
		default:
			p, err := a.keys.Authenticate(c.Request.Context(), tok)
			switch {
			case errors.Is(err, access.ErrInvalidKey):
				res.err = fmt.Errorf("%w: the API key is not valid: unknown, revoked or malformed", errUnauthorized)
			case err != nil && clientGone(c):
				// Not a server error: observe records the abort (499).
				a.log.Info("client closed the request while its API key was verified", "path", c.Request.URL.Path)
				res.err = fmt.Errorf("%w: while the API key was verified", errClientClosed)
			case err != nil:
				// The key itself is never logged.
				a.log.Error("cannot verify API key", "path", c.Request.URL.Path, "error", err.Error())
				res.err = fmt.Errorf("%w: the API key cannot be verified right now; retry shortly", errUnavailable)
			default:
				res.principal = p
			}
		}
		c.Set(authKey, res)
		c.Next()
	}
}

// publicGate applies the public access mode to the public /v1 routes: with
// PublicKey they need a valid key; with PublicOpen anyone may read, but a
// key that was sent and is wrong is still refused, so a misconfigured client
// learns of it instead of being served anonymously. Admin routes have their
// own gate (require).
func (a *api) publicGate() gin.HandlerFunc {
	return func(c *gin.Context) {
		if a.publicAccess == PublicOpen && header(c, "Authorization") == "" {
			c.Next() // anyone may read, and no key was sent to check
			return
		}
		p := c.FullPath()
		if !strings.HasPrefix(p, "/v1/") || strings.HasPrefix(p, "/v1/admin/") {
			c.Next()
			return
		}
		if a.publicAccess == PublicKey {
			// Whether and what a cache may keep depends on the key.
			c.Writer.Header().Add("Vary", "Authorization")
		}
		res := authOf(c)
		switch {
		case res.err != nil:
			a.abort(c, res.err)
		case a.publicAccess == PublicKey && !res.presented:
			a.abort(c, fmt.Errorf("%w: this server requires an API key: send Authorization: Bearer <key>", errUnauthorized))
		default:
			c.Next()
		}
	}
}

// require is the gate of the admin routes: a database, then a valid key,
// then a role at least min.
func (a *api) require(min access.Role) gin.HandlerFunc {
	return func(c *gin.Context) {
		res := authOf(c)
		switch {
		case a.editor == nil || a.keys == nil:
			a.abort(c, fmt.Errorf("%w: %s needs the PostgreSQL store of record (set DATABASE_URL); this server serves a catalog file or the embedded default", errNeedsDatabase, pathTemplate(c.FullPath())))
		case !res.presented:
			a.abort(c, fmt.Errorf("%w: send Authorization: Bearer <key> with a key of role %s or higher", errUnauthorized, min))
		case res.err != nil:
			a.abort(c, res.err)
		case !res.principal.Role.Allows(min):
			a.abort(c, fmt.Errorf("%w: key %q has role %s; %s %s needs role %s or higher", errForbidden, res.principal.Name, res.principal.Role, c.Request.Method, pathTemplate(c.FullPath()), min))
		case res.principal.Clinic != "" && !clinicRoute(c.FullPath()):
			// A clinic's key reaches its clinic only, not the shared catalog.
			a.abort(c, fmt.Errorf("%w: key %q is scoped to clinic %q and reaches only its clinic's routes (/v1/admin/clinics, /v1/gfe), not %s %s", errForbidden, res.principal.Name, res.principal.Clinic, c.Request.Method, pathTemplate(c.FullPath())))
		default:
			c.Next()
		}
	}
}

// abort answers err as a problem and stops the chain. A 401 carries
// WWW-Authenticate (RFC 6750), as HTTP requires.
func (a *api) abort(c *gin.Context, err error) {
	if statusFor(err) == http.StatusUnauthorized {
		v := `Bearer realm="acucover"`
		if authOf(c).presented {
			v += `, error="invalid_token"`
		}
		c.Header("WWW-Authenticate", v)
	}
	a.writeProblem(c, err)
	c.Abort()
}

// principal is the verified key of an admin request (require ran).
func principal(c *gin.Context) access.Principal { return authOf(c).principal }
