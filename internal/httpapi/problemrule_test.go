package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
)

// TestOneProblemRule: a whole answer and a batch item build their problem
// the same way (newProblem): a 5xx other than 503 says only "internal
// error" and is logged; a 503 says why; a 400 about no single field points
// errors[] at the part it is about.
func TestOneProblemRule(t *testing.T) {
	t.Parallel()
	var logs syncBuffer
	a := &api{log: slog.New(slog.NewTextHandler(&logs, nil))}
	c, _ := gin.CreateTestContext(httptest.NewRecorder())
	c.Request = httptest.NewRequest(http.MethodPost, "/v1/coverage/batch", nil)
	for _, where := range []struct{ instance, part string }{
		{"/v1/coverage/batch", "body"},
		{"/v1/coverage/batch#/checks/3", "checks[3]"},
	} {
		internal := a.newProblem(c, errors.New("secret: pool exhausted at 10.0.0.7"), where.instance, where.part)
		if internal.Status != 500 || internal.Detail != "internal error" || internal.Errors != nil {
			t.Errorf("%s: internal error answered %+v; want 500, detail hidden", where.instance, internal)
		}
		busy := a.newProblem(c, fmt.Errorf("%w: too many batches at once; retry shortly", errBusy), where.instance, where.part)
		if busy.Status != 503 || !strings.Contains(busy.Detail, "too many batches") {
			t.Errorf("%s: 503 answered %+v; want its detail kept", where.instance, busy)
		}
		bad := a.newProblem(c, fmt.Errorf("%w: the body is not valid JSON", errInvalidRequest), where.instance, where.part)
		if bad.Status != 400 || len(bad.Errors) != 1 || bad.Errors[0].Field != where.part || bad.Instance != where.instance {
			t.Errorf("%s: 400 answered %+v; want errors[] at %s", where.instance, bad, where.part)
		}
	}
	if n := strings.Count(logs.String(), "pool exhausted"); n != 2 {
		t.Errorf("internal errors logged %d times, want 2 (one each):\n%s", n, logs.String())
	}
	if strings.Contains(logs.String(), "too many batches") {
		t.Errorf("a 503 was logged as an internal error:\n%s", logs.String())
	}
}

// TestEveryFieldErrorListed: a coverage question with several bad values
// lists each in errors[] at its path, from one validator
// (coverage.Query.Validate), for POST and for a batch check alike.
func TestEveryFieldErrorListed(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, mustDefault(t))
	check := `{"plan":"medicare-part-b","state":"CA","condition":"chronic_low_back_pain","date":"2026-03-10",` +
		`"patient":{"pain_weeks":-1},"provider":{"type":"shaman"}}`
	want := []string{"patient.pain_weeks", "provider.type"}
	rec := s.do(t, post(check))
	var p problem
	if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil || rec.Code != http.StatusBadRequest {
		t.Fatalf("POST = %d %s", rec.Code, rec.Body)
	}
	var batch struct {
		Results []batchItem `json:"results"`
	}
	rec = s.do(t, request{method: http.MethodPost, target: "/v1/coverage/batch", body: `{"checks":[` + check + `]}`})
	if err := json.Unmarshal(rec.Body.Bytes(), &batch); err != nil || len(batch.Results) != 1 || batch.Results[0].Problem == nil {
		t.Fatalf("batch = %d %s", rec.Code, rec.Body)
	}
	for name, got := range map[string][]fieldError{"POST": p.Errors, "batch": batch.Results[0].Problem.Errors} {
		if len(got) != len(want) {
			t.Errorf("%s: errors[] = %+v, want one at each of %v", name, got, want)
			continue
		}
		for i := range want {
			if got[i].Field != want[i] {
				t.Errorf("%s: errors[%d] at %q, want %q", name, i, got[i].Field, want[i])
			}
		}
	}
}
