package httpapi

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/acucover/acucover/internal/catalog"
	"github.com/acucover/acucover/internal/coverage"
	"github.com/gin-gonic/gin"
)

// maxIDLength bounds plan and condition values: real ones are far shorter,
// and the error detail echoes them.
const maxIDLength = 128

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
	jb := newJSONBody()
	jb.b = append(d.AppendJSON(jb.b), '\n') // as PureJSON writes it
	jb.send(c, http.StatusOK)
	return nil
}

// answerCoverage is the one path from a coverage question to its decision,
// for GET, POST and batch alike: the request's own fields are checked
// (toQuery, every problem at once), then coverage.Decide answers against
// ix, its errors pointed at the field they are about (withField). It
// returns the question as checked (state normalized, date defaulted) too.
// Counting the decision is the caller's: a GET counts each answer it
// serves, cached or not (sendAnswer).
func (a *api) answerCoverage(ix *catalog.Index, req coverageRequest) (coverage.Query, coverage.Decision, error) {
	q, err := a.toQuery(req)
	if err != nil {
		return q, coverage.Decision{}, err
	}
	d, err := coverage.Decide(ix, q)
	if err != nil {
		return q, coverage.Decision{}, withField(err)
	}
	return q, d, nil
}

// countDecision counts a decision answered.
func countDecision(d coverage.Decision) {
	decisionCounters.get(decisionLabels{string(d.Status), string(d.Plan.Type)}).inc()
}

// notAState is the error message for a state parameter that is not one.
func notAState(s string) string {
	return fmt.Sprintf("%q is not a US state code (two letters, e.g. CA; DC is included)", s)
}

// toQuery checks the request's own fields, reporting every problem at once;
// the catalog lookups and patient checks are Decide's.
func (a *api) toQuery(r coverageRequest) (coverage.Query, error) {
	var e requestError
	q := coverage.Query{Plan: r.Plan, Condition: r.Condition, Patient: r.Patient, Usage: r.Usage, Provider: r.Provider}
	for _, f := range []struct{ name, v string }{{"plan", r.Plan}, {"state", r.State}, {"condition", r.Condition}} {
		switch {
		case f.v == "":
			e.add(f.name, "is required", errInvalidRequest)
		case len(f.v) > maxIDLength:
			e.add(f.name, fmt.Sprintf("must be at most %d characters", maxIDLength), errInvalidRequest)
		}
	}
	// A value that can be neither is a typo, not a lookup miss: 400, not 404.
	if r.Condition != "" && len(r.Condition) <= maxIDLength && !catalog.ValidID(r.Condition) && !catalog.LooksLikeICD10(r.Condition) {
		e.add("condition", fmt.Sprintf("%q is neither a condition id (e.g. chronic_low_back_pain) nor an ICD-10-CM code (e.g. M54.50)", r.Condition), catalog.ErrMalformedCode)
	}
	if r.State != "" && len(r.State) <= maxIDLength {
		st, ok := catalog.NormalizeState(r.State)
		if !ok {
			e.add("state", notAState(r.State), catalog.ErrUnknownState)
		}
		q.State = st
	}
	if r.Date == nil {
		q.Date = catalog.DateOf(a.now().UTC())
	} else if d, err := catalog.ParseDate(*r.Date); err != nil {
		e.add("date", err.Error(), errInvalidRequest)
	} else {
		q.Date = d
	}
	return q, e.err()
}

// withField attaches the request field an error from Decide or Estimate is
// about, so the problem's errors[] points a form at it: input errors carry
// their field; catalog lookups are about the field they look up.
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
	for _, m := range []struct {
		sentinel error
		field    string
	}{
		{catalog.ErrUnknownPlan, "plan"},
		{catalog.ErrPlanNotOffered, "plan"},
		{catalog.ErrUnknownState, "state"},
		{catalog.ErrUnknownCondition, "condition"},
		{catalog.ErrMalformedCode, "condition"},
		{catalog.ErrRetiredCode, "condition"},
	} {
		if errors.Is(err, m.sentinel) {
			return fieldErr(m.field, strings.TrimPrefix(err.Error(), m.sentinel.Error()+": "), m.sentinel)
		}
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
