package httpapi

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/acucover/acucover/internal/catalog"
	"github.com/acucover/acucover/internal/coverage"
)

// Errors of the HTTP layer itself; domain errors come from catalog and
// coverage. Each has a row in problems.
var (
	errInvalidRequest   = errors.New("invalid request")
	errTooLarge         = errors.New("request body too large")
	errUnsupportedMedia = errors.New("unsupported media type")
	errNoRoute          = errors.New("no such resource")
	errNoMethod         = errors.New("method not allowed")
	errNotReady         = errors.New("not ready")
)

const (
	problemContentType = "application/problem+json"
	problemTypePrefix  = "urn:acucover:problem:"
)

// problems is the one table from error to answer, walked in order with
// errors.Is. A row's kind names the problem type (urn:acucover:problem:kind)
// and title is the same for every problem of that type, as RFC 9457 asks.
var problems = []struct {
	err    error
	status int
	kind   string
	title  string
}{
	{errInvalidRequest, http.StatusBadRequest, "invalid-request", "Invalid request"},
	{coverage.ErrInvalidInput, http.StatusBadRequest, "invalid-input", "Invalid input"},
	{catalog.ErrUnknownState, http.StatusBadRequest, "unknown-state", "Unknown state"},
	{catalog.ErrMalformedCode, http.StatusBadRequest, "malformed-code", "Malformed ICD-10-CM code"},
	{catalog.ErrUnknownPlan, http.StatusNotFound, "unknown-plan", "Unknown plan"},
	{catalog.ErrUnknownCondition, http.StatusNotFound, "unknown-condition", "Unknown condition"},
	{errNoRoute, http.StatusNotFound, "not-found", "Not found"},
	{errNoMethod, http.StatusMethodNotAllowed, "method-not-allowed", "Method not allowed"},
	{errTooLarge, http.StatusRequestEntityTooLarge, "body-too-large", "Request body too large"},
	{errUnsupportedMedia, http.StatusUnsupportedMediaType, "unsupported-media-type", "Unsupported media type"},
	{catalog.ErrPlanNotOffered, http.StatusUnprocessableEntity, "plan-not-offered", "Plan not offered in state"},
	{catalog.ErrRetiredCode, http.StatusUnprocessableEntity, "retired-code", "Retired ICD-10-CM code"},
	{coverage.ErrContradictory, http.StatusUnprocessableEntity, "contradictory-input", "Contradictory input"},
	{errNotReady, http.StatusServiceUnavailable, "not-ready", "Service not ready"},
	{errUnauthorized, http.StatusUnauthorized, "unauthorized", "Unauthorized"},
	{errForbidden, http.StatusForbidden, "forbidden", "Forbidden"},
	{errUnknownResource, http.StatusNotFound, "unknown-resource", "Unknown resource"},
	{errUnknownClinic, http.StatusNotFound, "unknown-clinic", "Unknown clinic"},
	{errInUse, http.StatusConflict, "in-use", "Resource in use"},
	{errNotAcceptable, http.StatusNotAcceptable, "not-acceptable", "Not acceptable"},
	{errConflict, http.StatusConflict, "conflict", "Resource exists"},
	{errPreconditionFailed, http.StatusPreconditionFailed, "precondition-failed", "Precondition failed"},
	{errInvalidCatalog, http.StatusUnprocessableEntity, "invalid-catalog", "Invalid catalog"},
	{errPreconditionRequired, http.StatusPreconditionRequired, "precondition-required", "Precondition required"},
	{errRateLimited, http.StatusTooManyRequests, "rate-limited", "Too many requests"},
	{errNeedsDatabase, http.StatusServiceUnavailable, "needs-database", "Needs PostgreSQL"},
	{errUnavailable, http.StatusServiceUnavailable, "unavailable", "Temporarily unavailable"},
	{errBusy, http.StatusServiceUnavailable, "busy", "Too busy"},
	{errTimeout, http.StatusRequestTimeout, "request-timeout", "Request timeout"},
	{errClientClosed, StatusClientClosed, "client-closed-request", "Client closed request"},
}

// internalProblem is the row for every error the table does not know.
var internalProblem = struct {
	status      int
	kind, title string
}{http.StatusInternalServerError, "internal", "Internal Server Error"}

// statusFor returns the HTTP status err answers with: its row in problems,
// else 500.
func statusFor(err error) int {
	status, _, _ := classify(err)
	return status
}

func classify(err error) (status int, kind, title string) {
	status, kind, title, _ = lookup(err)
	return status, kind, title
}

// lookup is classify plus the detail: err's message without its sentinel's
// prefix, which would only repeat the title ("unknown plan: no plan …").
func lookup(err error) (status int, kind, title, detail string) {
	for _, p := range problems {
		if errors.Is(err, p.err) {
			return p.status, p.kind, p.title, strings.TrimPrefix(err.Error(), p.err.Error()+": ")
		}
	}
	return internalProblem.status, internalProblem.kind, internalProblem.title, err.Error()
}

// problem is an RFC 9457 problem details object.
type problem struct {
	Type     string       `json:"type"`
	Title    string       `json:"title"`
	Status   int          `json:"status"`
	Detail   string       `json:"detail"`
	Instance string       `json:"instance"`
	Errors   []fieldError `json:"errors,omitempty"`
	// Omitted counts the field errors left out of Errors (problemErrors).
	Omitted int `json:"errors_omitted,omitempty"`
}

// fieldError is a problem's errors[] entry: what is wrong with one request
// field, a query parameter name or a dotted path into the JSON body such as
// "usage.visits_this_year". It is the wire shape of a coverage.InputError.
type fieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// requestError collects every field problem of a request, so a caller fixes
// them in one round trip. Its fields are coverage.InputError, the one
// field-error type of a request, whether the HTTP layer found it (Kind
// errInvalidRequest, …) or the domain did (coverage.ErrInvalidInput, …).
// It unwraps to the shared Kind of its fields (which decides the status),
// or to errInvalidRequest when they differ.
type requestError struct{ fields []coverage.InputError }

func (e *requestError) add(field, msg string, cause error) {
	e.fields = append(e.fields, coverage.InputError{Field: field, Msg: msg, Kind: cause})
}

// err returns e as an error, or nil when it holds no problems. (A copy, so
// a requestError collected in a local variable stays on the stack.)
func (e *requestError) err() error {
	if len(e.fields) == 0 {
		return nil
	}
	return &requestError{fields: e.fields}
}

func (e *requestError) Error() string {
	fields := e.fields[:min(len(e.fields), maxProblemErrors)]
	parts := make([]string, len(fields), len(fields)+1)
	for i, f := range fields {
		parts[i] = f.Field + ": " + f.Msg
		// Domain messages often start with the field already.
		if strings.HasPrefix(f.Msg, f.Field+" ") || strings.HasPrefix(f.Msg, f.Field+":") {
			parts[i] = f.Msg
		}
	}
	if n := len(e.fields) - len(fields); n > 0 {
		parts = append(parts, fmt.Sprintf("and %d more problem(s) not listed", n))
	}
	return strings.Join(parts, "; ")
}

// A problem lists at most maxProblemErrors field errors, and no text in it
// is longer than maxProblemText bytes: a request with thousands of bad
// parameters, or one huge one, must not get an answer many times its size.
const (
	maxProblemErrors = 20
	maxProblemText   = 512
)

// problemErrors returns the field errors a problem lists: the first
// maxProblemErrors, each cut to maxProblemText, and how many were left out.
func problemErrors(fields []coverage.InputError) (listed []fieldError, omitted int) {
	listed = make([]fieldError, min(len(fields), maxProblemErrors))
	for i := range listed {
		listed[i] = fieldError{Field: cutText(fields[i].Field), Message: cutText(fields[i].Msg)}
	}
	return listed, len(fields) - len(listed)
}

// cutText cuts s to at most maxProblemText bytes, on a rune boundary, and
// marks the cut.
func cutText(s string) string {
	if len(s) <= maxProblemText {
		return s
	}
	cut := maxProblemText
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

func (e *requestError) Unwrap() error {
	cause := e.fields[0].Kind
	for _, f := range e.fields[1:] {
		if f.Kind != cause {
			return errInvalidRequest
		}
	}
	return cause
}

// fieldErr is a requestError with a single field.
func fieldErr(field, msg string, cause error) error {
	e := &requestError{}
	e.add(field, msg, cause)
	return e
}

// pathTemplate writes a Gin route ("/v1/plans/:id") as the OpenAPI document
// does ("/v1/plans/{id}"), for messages a client compares with the spec.
func pathTemplate(route string) string {
	if strings.IndexByte(route, ':') < 0 && strings.IndexByte(route, '*') < 0 {
		return route
	}
	parts := strings.Split(route, "/")
	for i, p := range parts {
		if len(p) > 1 && (p[0] == ':' || p[0] == '*') {
			parts[i] = "{" + p[1:] + "}"
		}
	}
	return strings.Join(parts, "/")
}

// Errors of authentication and authorization; each has a row in problems.
var (
	errUnauthorized  = errors.New("unauthorized")
	errForbidden     = errors.New("forbidden")
	errNeedsDatabase = errors.New("needs PostgreSQL")
	errUnavailable   = errors.New("temporarily unavailable")
	errClientClosed  = errors.New("client closed the request")
)

// errTimeout is a request whose body did not arrive within the server's
// read timeout.
var errTimeout = errors.New("request timeout")

// errBusy is a batch refused because Deps.MaxBatches batches are running.
var errBusy = errors.New("busy")

var errRateLimited = errors.New("rate limited")

// Errors of the editing API; each has a row in problems.
var (
	errUnknownResource      = errors.New("unknown resource")
	errConflict             = errors.New("resource exists")
	errPreconditionFailed   = errors.New("precondition failed")
	errPreconditionRequired = errors.New("precondition required")
	errInvalidCatalog       = errors.New("invalid catalog")
)

// StatusClientClosed is the status the metrics and the access log record
// for a request whose client went away before its answer, or whose answer
// could not be written to it (nginx's 499).
// No client ever receives it.
const StatusClientClosed = 499
