// Package httpapi serves acucover's JSON API with Gin: coverage decisions
// (GET and POST /v1/coverage, and batches of up to maxBatch checks as JSON
// or CSV at POST /v1/coverage/batch), course cost estimates (POST
// /v1/estimates), the catalog's plans, conditions and states, the editing
// API for billing staff (/v1/admin/…: plans, conditions, rules, fee
// schedules, the whole catalog, revisions and the audit log), the
// benefit-check widget's script and demo page, health and readiness probes,
// and the API's own OpenAPI 3.0 document (GET /openapi.json).
//
// Callers are identified by API keys with a role (reader, editor, admin):
// the editing API always needs one, the public routes only if configured,
// and per-client rate limits apply when set. Keys and editing need the
// PostgreSQL store of record (Deps.Keys, Deps.Editor); without it the
// editing API answers 503.
//
// The request path is kept cheap (the figures are in the README's
// Performance section): repeated GET questions are answered from the
// snapshot's cache of encoded answers, with their ETag and Content-Length
// made once (cache.go), and new ones parsed without allocating; POST bodies
// are read at their declared length into pooled buffers and decoded by a
// reader for the plain form clients send (fastjson.go); metric
// children are resolved once per label set and kept per core (metrics.go);
// the access log line is encoded by hand, byte for byte what slog's JSON
// handler writes (observe.go); headers are set from shared values; and
// middleware with nothing to do (CORS without origins, rate limiting off)
// is left out of the chain.
//
// Every error is an RFC 9457 problem (application/problem+json) whose type
// is a URN such as urn:acucover:problem:unknown-plan. Bad input of any kind
// is answered with a 4xx problem, never a 5xx.
package httpapi

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"runtime/debug"
	"slices"
	"time"

	"github.com/acucover/acucover/internal/apidocs"
	"github.com/acucover/acucover/internal/catalog"
	"github.com/acucover/acucover/internal/clinic"
	"github.com/acucover/acucover/internal/console"
	"github.com/acucover/acucover/internal/gfe"
	"github.com/acucover/acucover/internal/widget"
	"github.com/gin-gonic/gin"
)

// Deps are what the API needs from its binary.
type Deps struct {
	// Store holds the catalog in force; required.
	Store *catalog.Store
	// Logger receives errors and recovered panics; nil discards them.
	Logger *slog.Logger
	// AccessLog, if set, receives the access log: one line per request,
	// exactly as Logger's slog.JSONHandler would write it, written whole
	// with one Write, when Logger is enabled at the line's level (Info;
	// Debug for probes, Error for 5xx). Nil sends the lines through Logger,
	// which costs several times as much per request.
	AccessLog io.Writer
	// Version is the build's version, reported by /readyz.
	Version string
	// Now gives the current time; a coverage question without a date is
	// asked for Now's date in UTC. Nil means time.Now.
	Now func() time.Time
	// MaxBodyBytes bounds a request body; larger bodies get 413. Zero or
	// less means 1 MiB.
	MaxBodyBytes int64
	// Ready, if set, must also report true for /readyz to answer 200: an
	// extra readiness condition for an embedding binary. acucover serve sets
	// none, since it loads the first catalog before it listens.
	Ready func() bool
	// Keys verifies API keys and Editor reads and changes the catalog in
	// its store of record (both *postgres.DB); nil without a database, when
	// the admin routes answer 503 and no key is valid.
	Keys   KeyStore
	Editor CatalogEditor
	// PublicAccess is PublicOpen (the default) or PublicKey: whether the
	// public read routes need a key (any role). PublicKey needs Keys.
	PublicAccess string
	// RateLimit is each client's sustained requests per second, RateBurst
	// its burst; RateLimit 0 disables rate limiting.
	RateLimit float64
	RateBurst int
	// MaxBatches bounds the batches (POST /v1/coverage/batch) answered at
	// once; past it a batch gets 503 with Retry-After. Zero or less means
	// two per core, at least four.
	MaxBatches int
	// TrustedProxies are the proxy addresses or CIDRs whose
	// X-Forwarded-For names the client; none by default.
	TrustedProxies []string
	// CORSOrigins are the exact origins (https://clinic.example) whose
	// pages may call the API from a browser, e.g. with the widget. Empty
	// means no cross-origin access. See CheckCORSOrigin.
	CORSOrigins []string
	// Clinics reads the clinics (PostgreSQL's, editable through
	// /v1/admin/clinics when it is a clinic.Editor, or a --clinics file's,
	// read-only); nil: no clinics. GFEs stores Good Faith Estimates (the
	// *postgres.DB); nil without a database, when /v1/gfe answers 503.
	Clinics clinic.Reader
	GFEs    gfe.Store
}

const defaultMaxBodyBytes = 1 << 20

// api is the state every handler shares.
type api struct {
	store     *catalog.Store
	log       *slog.Logger
	accessLog io.Writer
	version   string
	now       func() time.Time
	ready     func() bool
	batches   batchSlots  // POST /v1/coverage/batch in progress
	billing               // keys, editing, rate limits (auth.go, admin.go, ratelimit.go)
	clin      clinicState // clinics and Good Faith Estimates (clinics.go, gfe.go)
}

// New returns the API handler. It panics if d.Store is nil, a wiring
// mistake no request could recover from.
func New(d Deps) http.Handler { return headAsGet(newEngine(d)) }

// NewServer returns the http.Server acucover serves h with, less its Addr
// and ErrorLog. Its timeouts bound what a slow or stalled client can hold:
// 5 s to send the headers, 15 s for the whole request with its body, 30 s
// for the answer to be written, 120 s for an idle keep-alive connection.
// They cost every request something (net/http moves the connection's read
// and write deadlines four times per request; see README Performance), and
// the load harness serves its baseline with the same server, so its ratios
// measure the handler alone.
func NewServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
	}
}

// newEngine is New with the concrete engine, so tests can mount extra routes
// behind the real middleware chain.
func newEngine(d Deps) *gin.Engine {
	if d.Store == nil {
		panic("httpapi.New: Deps.Store is nil")
	}
	a := &api{store: d.Store, log: d.Logger, accessLog: d.AccessLog, version: d.Version, now: d.Now, ready: d.Ready}
	a.billing.init(d)
	a.clin = newClinicState(d)
	n := d.MaxBatches
	if n <= 0 {
		n = defaultMaxBatches()
	}
	a.batches = make(batchSlots, n)
	if a.log == nil {
		a.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if a.now == nil {
		a.now = time.Now
	}
	limit := d.MaxBodyBytes
	if limit <= 0 {
		limit = defaultMaxBodyBytes
	}

	// Release mode: no route dump or debug warnings on stderr.
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.HandleMethodNotAllowed = true // 405 with Allow, instead of 404
	// Redirects would answer a typo with a non-problem 301/307; a 404
	// problem says what is wrong.
	r.RedirectTrailingSlash = false
	r.RedirectFixedPath = false

	// Outside recovery, so the 500 a recovered panic answers is logged
	// and counted too.
	r.Use(a.observe(), a.recoverPanics())
	if len(d.CORSOrigins) > 0 {
		r.Use(allowCrossOrigin(d.CORSOrigins))
	}
	r.Use(a.limitBody(limit), a.refuseInputs())
	// The rate limit comes before key verification, so a flood of bogus
	// keys is throttled by IP before it can reach the database.
	if a.limits != nil {
		r.Use(a.rateLimit())
	}
	r.Use(a.authenticate())
	r.Use(a.publicGate())
	r.NoRoute(a.handle(func(c *gin.Context) error {
		return fmt.Errorf("%w: no resource at %s (GET /openapi.json describes the API)", errNoRoute, c.Request.URL.Path)
	}))
	r.NoMethod(a.handle(func(c *gin.Context) error {
		return fmt.Errorf("%w: %s is not allowed on %s; allowed: %s", errNoMethod, c.Request.Method, c.Request.URL.Path, c.Writer.Header().Get("Allow"))
	}))
	a.routes(r)
	return r
}

// routes registers every route of the API.
func (a *api) routes(r *gin.Engine) {
	r.GET("/v1/coverage", a.handle(a.getCoverage))
	r.POST("/v1/coverage", a.handle(a.postCoverage))
	r.POST("/v1/estimates", a.handle(a.postEstimate))
	r.GET("/v1/plans", a.handle(a.listPlans))
	r.GET("/v1/plans/:id", a.handle(a.getPlan))
	r.GET("/v1/conditions", a.handle(a.listConditions))
	r.GET("/v1/states", a.handle(a.listStates))
	r.GET("/v1/catalog/summary", a.handle(a.getCatalogSummary))
	r.GET("/healthz", a.handle(a.healthz))
	r.GET("/readyz", a.handle(a.readyz))
	r.GET("/openapi.json", a.handle(serveOpenAPI))
	r.GET("/", gin.WrapH(apidocs.Index(openAPIDoc, a.version)))
	r.GET(apidocs.Path, gin.WrapH(apidocs.New(openAPIDoc)))
	a.mountBilling(r) // /v1/admin/… and /v1/coverage/batch (admin.go, batch.go)
	a.clinicRoutes(r) // /v1/admin/clinics…, /v1/gfe… (clinics.go, gfe.go)
	r.GET(widget.ScriptPath, gin.WrapH(widget.Script))
	r.GET(widget.DemoPath, gin.WrapH(widget.Demo))
	r.Match([]string{http.MethodGet, http.MethodPost}, console.Prefix+"*page", gin.WrapH(console.New(console.Deps{Store: a.store, Keys: a.keys, Logger: a.log, Now: a.now})))
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
