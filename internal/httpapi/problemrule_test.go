package httpapi

import (
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
