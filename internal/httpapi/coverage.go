package httpapi

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/acucover/acucover/internal/catalog"
	"github.com/acucover/acucover/internal/coverage"
	"github.com/acucover/acucover/internal/eligibility"
	"github.com/gin-gonic/gin"
)

// GET /v1/coverage, POST /v1/coverage and each check of POST
// /v1/coverage/batch (batch.go) ask the same question, and answer it the
// same way: the request is read into a coverageRequest (request.go),
// answerCoverage checks it and decides it, and the decision is written
// (answer.go). GET answers are also kept, encoded, in the snapshot's answer
// cache (cache.go), so a repeated GET is answered from its raw query string
// alone.

func (a *api) getCoverage(c *gin.Context) error {
	ix := a.store.Index()
	cache := answersFor(ix)
	raw := c.Request.URL.RawQuery
	// A repeated question: no parsing, no checks, no clock unless the
	// question left the date to today.
	if ans := cache.byQuery(raw, a.now); ans != nil {
		a.sendAnswer(c, ans)
		return nil
	}
	req, err := readCoverageQuery(c)
	if err != nil {
		return err
	}
	q, d, err := a.answerCoverage(ix, req)
	if err != nil {
		return err // errors are never cached
	}
	k := answerKey{q.Plan, q.State, q.Condition, q.Date}
	ans := cache.get(k)
	if ans == nil {
		ans = encodeAnswer(d)
		cache.put(k, ans)
	}
	var today catalog.Date
	if req.Date == nil {
		today = q.Date
	}
	cache.putQuery(raw, ans, today)
	a.sendAnswer(c, ans)
	return nil
}

func (a *api) postCoverage(c *gin.Context) error {
	// Answers depend on patient facts; no cache should keep them.
	c.Writer.Header()["Cache-Control"] = noStore
	var req coverageRequest
	if err := readJSONFast(c, &req, fastCoverageRequest); err != nil {
		return err
	}
	_, d, err := a.answerCoverage(a.store.Index(), req)
	if err != nil {
		return err
	}
	countDecision(d)
	if wantsFHIR(header(c, "Accept")) {
		return a.writeCoverageFHIR(c, &d)
	}
	jb := newJSONBody()
	jb.b = append(d.AppendJSON(jb.b), '\n') // as PureJSON writes it
	jb.send(c, http.StatusOK)
	return nil
}

// answerCoverage is the one path from a coverage question to its decision,
// for GET, POST and batch alike: the request becomes a coverage.Query
// (toQuery: the date parsed, or today's), coverage.Decide checks it
// (coverage.Query.Validate, every problem at once) and answers it against
// ix, and its errors are pointed at the field they are about (withField).
// It returns the question as decided (state upper-cased, date defaulted)
// too. Counting the decision is the caller's: a GET counts each answer it
// serves, cached or not (sendAnswer).
func (a *api) answerCoverage(ix *catalog.Index, req coverageRequest) (coverage.Query, coverage.Decision, error) {
	q, dateErr := a.toQuery(req)
	if dateErr != nil {
		// The date's problem, in the place of the missing date, with
		// every other problem of the question.
		errs := q.Validate()
		for i, e := range errs {
			if e.Field == "date" {
				errs[i] = dateErr
			}
		}
		return q, coverage.Decision{}, withField(errs.Err())
	}
	var d coverage.Decision
	var err error
	if req.Eligibility != nil {
		d, err = eligibility.Decide(ix, q, *req.Eligibility)
		countConflicts(d.Conflicts)
	} else {
		d, err = coverage.Decide(ix, q)
	}
	if err != nil {
		return q, coverage.Decision{}, withField(err)
	}
	q.State = d.State
	return q, d, nil
}

// countDecision counts a decision answered.
func countDecision(d coverage.Decision) {
	decisionCounters.get(decisionLabels{string(d.Status), string(d.Plan.Type)}).inc()
}

// notAState is the error message for a state parameter that is not one.
func notAState(s string) string { return catalog.NotAState(s) }

// toQuery makes the request a coverage.Query: its date parsed, or today's
// (UTC) when it has none. A date that does not parse is the error, and the
// query's date is left zero.
func (a *api) toQuery(r coverageRequest) (coverage.Query, *coverage.InputError) {
	q := coverage.Query{Plan: r.Plan, State: r.State, Condition: r.Condition, Patient: r.Patient, Usage: r.Usage, Provider: r.Provider}
	if r.Date == nil {
		q.Date = catalog.DateOf(a.now().UTC())
		return q, nil
	}
	d, err := catalog.ParseDate(*r.Date)
	if err != nil {
		return q, &coverage.InputError{Kind: errInvalidRequest, Field: "date", Msg: err.Error()}
	}
	q.Date = d
	return q, nil
}

// withField makes an error from Decide or Estimate a requestError listing
// the fields it is about, so the problem's errors[] points a form at them:
// input errors and catalog lookup errors each name their field.
func withField(err error) error {
	var ies coverage.InputErrors
	if errors.As(err, &ies) {
		e := &requestError{fields: make([]coverage.InputError, len(ies))}
		for i, ie := range ies {
			e.fields[i] = *ie
		}
		return e
	}
	var ie *coverage.InputError
	if errors.As(err, &ie) {
		return &requestError{fields: []coverage.InputError{*ie}}
	}
	var le *catalog.LookupError
	if errors.As(err, &le) {
		return fieldErr(le.Field, le.Msg, le.Kind)
	}
	return err
}

// getCacheControl lets browsers and shared caches keep a GET answer for a
// minute. The answer holds no patient data (facts go by POST, which is
// no-store) and is the same for every caller; a minute bounds how long a
// client may show an answer from a catalog that has since been replaced,
// and the ETag makes revalidating after that a cheap 304.
var getCacheControl = []string{"public, max-age=60"}

// privateCacheControl replaces it in key mode (PublicKey): the answer is
// only for a caller with a key, so no shared cache may keep it, and the
// answers vary with Authorization (publicGate says so).
var privateCacheControl = []string{"private, max-age=60"}

// encodeAnswer encodes d exactly as gin's PureJSON does (HTML characters
// unescaped, a trailing newline; see Decision.AppendJSON) and derives its
// strong ETag from the bytes, which carry the catalog revision.
func encodeAnswer(d coverage.Decision) *answer {
	jb := newJSONBody()
	jb.b = append(d.AppendJSON(jb.b), '\n')
	body := bytes.Clone(jb.b) // kept per snapshot: exactly sized
	jb.release()
	sum := sha256.Sum256(body)
	return &answer{
		body:      body,
		etag:      []string{`"` + hex.EncodeToString(sum[:12]) + `"`},
		length:    []string{strconv.Itoa(len(body))},
		decisions: decisionCounters.get(decisionLabels{string(d.Status), string(d.Plan.Type)}),
	}
}

// sendAnswer writes a cached answer, or 304 if the client has it.
func (a *api) sendAnswer(c *gin.Context, ans *answer) {
	ans.decisions.inc()
	// Shared, never modified header values: set without allocating.
	h := c.Writer.Header()
	h["Cache-Control"] = getCacheControl
	if a.publicAccess == PublicKey {
		h["Cache-Control"] = privateCacheControl
	}
	h["Etag"] = ans.etag
	if etagMatches(header(c, "If-None-Match"), ans.etag[0]) {
		c.Status(http.StatusNotModified)
		return
	}
	writeJSON(c, http.StatusOK, ans.body, ans.length)
}

// etagMatches reports whether an If-None-Match header value matches etag,
// by the weak comparison RFC 9110 §13.1.2 prescribes for it: "*", or any
// listed tag equal to etag with W/ ignored.
func etagMatches(header, etag string) bool {
	for tag := range strings.SplitSeq(header, ",") {
		tag = strings.TrimSpace(tag)
		if tag == "*" || strings.TrimPrefix(tag, "W/") == etag {
			return true
		}
	}
	return false
}
