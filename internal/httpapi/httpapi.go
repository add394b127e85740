// Package httpapi serves acucover's JSON API with Gin:
//
//   - coverage decisions: GET and POST /v1/coverage, and batches of up to
//     maxBatch checks as JSON or CSV at POST /v1/coverage/batch;
//   - course cost estimates: POST /v1/estimates;
//   - the catalog, read: plans, conditions, states and the catalog summary;
//   - the editing API for billing staff (/v1/admin/…: plans, conditions,
//     rules, fee schedules, the whole catalog, revisions and the audit
//     log), behind API keys with a role (reader, editor, admin);
//   - clinics (/v1/admin/clinics…), estimates priced at a clinic (clinic
//     on POST /v1/estimates) and stored Good Faith Estimates (POST /v1/gfe,
//     GET and DELETE /v1/gfe/{id}); a clinic-scoped key reaches only its
//     clinic;
//   - pages served by their own packages: the benefit-check widget's script
//     and demo page (internal/widget), the billing console (internal/console)
//     and the API docs (internal/apidocs, at / and its path);
//   - health and readiness probes, and the API's own OpenAPI 3.0 document
//     (GET /openapi.json).
//
// Callers are identified by API keys: the editing API always needs one, the
// public routes only if configured (Deps.PublicAccess), and per-client rate
// limits apply when set. Keys and editing need the PostgreSQL store of
// record (Deps.Keys, Deps.Editor); without it the editing API answers 503.
//
// Every error is an RFC 9457 problem (application/problem+json) whose type
// is a URN such as urn:acucover:problem:unknown-plan. Bad input of any kind
// is answered with a 4xx problem, never a 5xx.
//
// # Layout
//
// The files are in layers; a file uses what is in its own layer or below,
// never above (except that the api state holds the rate limiters and batch
// slots, whose types live with their middleware):
//
//  1. routes.go: New, the middleware chain and the route table — every
//     route of the API is registered there, by its full path.
//  2. Handlers, one file per area: coverage.go (GET and POST /v1/coverage,
//     and answerCoverage, the one path from a coverage question to its
//     decision), batch.go, estimates.go, catalog.go and summary.go (the
//     catalog, read), admin.go (editing), clinics.go and gfe.go (clinics
//     and Good Faith Estimates), probes.go (probes and /openapi.json). Middleware: observe.go (request ids, metrics, access
//     log), inputs.go (body limit, panics, refused inputs), cors.go,
//     ratelimit.go, batchlimit.go, auth.go (keys and roles).
//  3. request.go reads requests: bodies, JSON (a fast reader for the plain
//     form, fastjson.go, with the strict decoder as fallback, strictkeys.go),
//     query parameters and headers. answer.go writes answers: pooled JSON
//     buffers, writeJSON, and newProblem, the one problem builder for whole
//     answers and batch items; handle turns a handler's error into it.
//  4. problem.go (the error → status/type table, field errors), cache.go
//     (encoded GET answers per snapshot), metrics.go, and httpapi.go (Deps
//     and the api state).
//
// # Adding a route
//
// Write the handler as a method func (a *api) getThing(c *gin.Context)
// error in the file of its area (or a new one): read the request with
// request.go's functions (queryParams, readJSON), return an error for
// anything wrong (a sentinel from problem.go wrapped with fmt.Errorf, or a
// requestError listing fields), and write the answer with answer.go's
// writeJSON or a jsonBody. Register it in the table in routes.go with its
// full path, wrapped in a.handle (plus a.require(role) for a key), add its
// operation to openapi.json (TestOpenAPIDocumentIsValid checks every route
// has one), and give any new error a row in problems. Its problems then
// have the same shape as every other (newProblem), and observe logs and
// counts it under its route template.
//
// The request path is kept cheap (the figures are in cmd/loadtest's
// README): repeated GET questions are answered from the snapshot's cache of
// encoded answers, with their ETag and Content-Length made once, and new
// ones parsed without allocating; POST bodies are read at their declared
// length into pooled buffers and decoded by a reader for the plain form
// clients send; metric children are resolved once per label set and kept
// per core; the access log line is encoded by hand, byte for byte what
// slog's JSON handler writes; headers are set from shared values; and
// middleware with nothing to do (CORS without origins, rate limiting off)
// is left out of the chain.
package httpapi

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/acucover/acucover/internal/access"
	"github.com/acucover/acucover/internal/catalog"
	"github.com/acucover/acucover/internal/clinic"
	"github.com/acucover/acucover/internal/gfe"
	"github.com/acucover/acucover/internal/history"
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
	// read-only); nil: no clinics, unless Editor is also a clinic.Reader.
	// GFEs stores Good Faith Estimates; nil: Editor's, if it is a
	// gfe.Store (the *postgres.DB), else none, when /v1/gfe answers 503.
	Clinics clinic.Reader
	GFEs    gfe.Store
}

const defaultMaxBodyBytes = 1 << 20

// api is the state every handler and middleware shares, set from Deps by
// newAPI.
type api struct {
	store     *catalog.Store
	log       *slog.Logger
	accessLog io.Writer
	version   string
	now       func() time.Time
	ready     func() bool
	bodyLimit int64      // Deps.MaxBodyBytes, defaulted
	batches   batchSlots // POST /v1/coverage/batch in progress

	// keys verifies API keys; nil without a database (auth.go).
	keys KeyStore
	// editor is the catalog's store of record; nil without a database,
	// when the editing API answers 503 (admin.go).
	editor CatalogEditor
	// publicAccess is PublicOpen or PublicKey (auth.go).
	publicAccess string
	// limits are the per-client rate limiters; nil: no rate limit
	// (ratelimit.go).
	limits *limiters
	// trustedProxies may name the client in X-Forwarded-For.
	trustedProxies []string
	// clin holds the clinics and Good Faith Estimates (clinics.go, gfe.go).
	clin clinicState
}

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

// KeyStore verifies API keys. *postgres.DB implements it. Authenticate
// returns access.ErrInvalidKey for a malformed, unknown or revoked key, and
// any other error when it could not check (the database is down).
type KeyStore interface {
	Authenticate(ctx context.Context, secret string) (access.Principal, error)
}

// Public access modes (Deps.PublicAccess).
const (
	// PublicOpen serves the public read endpoints to anyone.
	PublicOpen = "open"
	// PublicKey serves them only to requests with a valid key of any role.
	PublicKey = "key"
)

// CatalogEditor reads and changes the catalog in its store of record, and
// reads the audit log. *postgres.DB implements it.
//
// Edit loads the head revision, passes it to fn and stores fn's result as
// the new head with an audit entry per changed resource, in one transaction
// during which no other writer runs; it returns the head revision after the
// edit and the changes. An invalid result is catalog.Problems; an error of
// fn is returned wrapped.
type CatalogEditor interface {
	HeadRevision(ctx context.Context) (string, error)
	LoadCatalog(ctx context.Context) (*catalog.Snapshot, error)
	LoadRevision(ctx context.Context, id string) (*catalog.Snapshot, error)
	Revisions(ctx context.Context) ([]history.Revision, error)
	Edit(ctx context.Context, actor, operation, comment string, fn func(cur *catalog.Snapshot) (*catalog.Snapshot, error)) (string, []catalog.Change, error)
	Audit(ctx context.Context, f history.Filter) ([]history.Entry, error)
}
