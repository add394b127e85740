// Package console serves the billing console: server-rendered HTML pages
// under /console/ for billing staff, signed in with an API key.
//
// Pages: sign-in; "Check and estimate" (a coverage decision and a course
// estimate from one form, in plain words, printable); "Tomorrow's patients"
// (a CSV sent to the API's own batch endpoint in process, so its answers
// are the API's; batch.go); the catalog, with editing of plans, rules and
// fee schedules for editors (a form built from the catalog's types by
// reflection, or YAML; problems on their fields; a field-level diff; saved
// only over the version the form was loaded with; edit.go, form.go,
// problems.go); revisions with diffs, restore for admins, and the audit log
// (history.go). Pages are html/template with embedded CSS and one small
// progressive-enhancement script; everything but table sorting works with
// JavaScript off. A page shows only what the session's role may do, and
// the handlers refuse the rest (a 403 page).
//
// Sessions: signing in verifies the key through the same KeyStore the API
// uses. The browser gets only a random session id, in an HttpOnly,
// SameSite=Strict cookie scoped to /console/ (Secure when the request came
// over TLS). Sessions live in memory: at most MaxSessions, each ending 8
// hours after sign-in (AbsoluteLifetime) or 30 minutes after its last
// request (IdleTimeout), whichever is first, or at sign-out. The key is
// re-verified every ReverifyEvery, so a revoked key's sessions end within
// that time and a changed role shows. A restart signs everyone out.
//
// Every form carries a CSRF token (per session; before sign-in, per browser
// in a short-lived cookie) compared in constant time; a POST without the
// right one is 403. Every response carries a Content-Security-Policy that
// allows only the console's own script and style, frame-ancestors 'none',
// nosniff and no-referrer; signed-in pages are never cached.
package console

import (
	"context"
	"embed"
	"html/template"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"time"

	"github.com/acucover/acucover/internal/access"
	"github.com/acucover/acucover/internal/catalog"
)

// Prefix is the path the console is served under.
const Prefix = "/console/"

// Session bounds; see the package comment.
const (
	AbsoluteLifetime = 8 * time.Hour
	IdleTimeout      = 30 * time.Minute
	ReverifyEvery    = 5 * time.Minute
	MaxSessions      = 1000
)

// KeyStore verifies API keys: the same interface as httpapi.KeyStore
// (*postgres.DB implements it). Authenticate returns access.ErrInvalidKey for
// a malformed, unknown or revoked key, and any other error when it could not
// check.
type KeyStore interface {
	Authenticate(ctx context.Context, secret string) (access.Principal, error)
}

// Deps are what the console needs.
type Deps struct {
	// Store holds the catalog in force; required.
	Store *catalog.Store
	// Keys verifies API keys; nil without a database, when nobody can sign
	// in and the sign-in page says why.
	Keys KeyStore
	// Editor changes the catalog in its store of record and History reads
	// its revisions and audit log; nil without a database, when the
	// editing, revisions and audit pages say why they are unavailable.
	// *postgres.DB implements both.
	Editor  Editor
	History History
	// API is the API's own handler: the console sends batch checks to its
	// POST /v1/coverage/batch in process, so their answers are the API's.
	// nil: no batch page.
	API http.Handler
	// Logger receives errors; nil discards them. Keys and patient answers
	// are never logged.
	Logger *slog.Logger
	// Now gives the current time (sessions, the form's default date); nil
	// means time.Now.
	Now func() time.Time
}

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// server is the console's state.
type server struct {
	store    *catalog.Store
	keys     KeyStore
	editor   Editor
	history  History
	api      http.Handler
	log      *slog.Logger
	now      func() time.Time
	sessions *sessions
	pages    map[string]*template.Template
}

// New returns the console's handler, which expects requests for paths under
// Prefix. It panics if d.Store is nil, a wiring mistake.
func New(d Deps) http.Handler {
	if d.Store == nil {
		panic("console.New: Deps.Store is nil")
	}
	s := &server{store: d.Store, keys: d.Keys, editor: d.Editor, history: d.History, api: d.API, log: d.Logger, now: d.Now}
	if s.log == nil {
		s.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if s.now == nil {
		s.now = time.Now
	}
	s.sessions = newSessions(s.now)
	s.pages = parsePages()

	static, _ := fs.Sub(staticFS, "static")
	mux := http.NewServeMux()
	mux.Handle("GET /console/static/", http.StripPrefix("/console/static/", staticFiles(http.FileServerFS(static))))
	mux.HandleFunc("GET /console/{$}", s.home)
	mux.HandleFunc("GET /console/signin", s.signinPage)
	mux.HandleFunc("POST /console/signin", s.signin)
	mux.HandleFunc("POST /console/signout", s.signedIn(s.signout))
	mux.HandleFunc("GET /console/check", s.signedIn(s.checkPage))
	mux.HandleFunc("POST /console/check", s.signedIn(s.check))
	mux.HandleFunc("GET /console/catalog", s.signedIn(s.catalogPage))
	mux.HandleFunc("GET /console/catalog/plans/{id}", s.signedIn(s.planPage))
	mux.HandleFunc("GET /console/catalog/{kind}/{id}/edit", s.signedIn(s.editPage))
	mux.HandleFunc("POST /console/catalog/{kind}/{id}/edit", s.signedIn(s.editPost))
	mux.HandleFunc("GET /console/batch", s.signedIn(s.batchPage))
	mux.HandleFunc("POST /console/batch", s.signedIn(s.batch))
	mux.HandleFunc("POST /console/batch/download", s.signedIn(s.batchDownload))
	mux.HandleFunc("GET /console/revisions", s.signedIn(s.revisionsPage))
	mux.HandleFunc("GET /console/revisions/diff", s.signedIn(s.revisionDiffPage))
	mux.HandleFunc("GET /console/revisions/{id}/restore", s.signedIn(s.restorePage))
	mux.HandleFunc("POST /console/revisions/{id}/restore", s.signedIn(s.restore))
	mux.HandleFunc("GET /console/audit", s.signedIn(s.auditPage))
	mux.HandleFunc("/console/", s.notFound)
	return securityHeaders(mux)
}

// csp allows the console's own script and stylesheet and nothing inline;
// forms post only to the console; no page may frame it.
const csp = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; " +
	"form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

func securityHeaders(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", csp)
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Referrer-Policy", "no-referrer")
		hd.Set("Cross-Origin-Opener-Policy", "same-origin")
		hd.Set("Cache-Control", "no-store")
		h.ServeHTTP(w, r)
	})
}

// staticFiles lets the embedded assets be cached briefly: they hold nothing
// private and change only with the binary.
func staticFiles(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		h.ServeHTTP(w, r)
	})
}

func (s *server) home(w http.ResponseWriter, r *http.Request) {
	if s.sessions.get(r) == nil {
		http.Redirect(w, r, "/console/signin", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/console/check", http.StatusSeeOther)
}

func (s *server) notFound(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusNotFound, "notfound", page{Title: "Not found", Session: s.sessions.get(r)})
}
