package httpapi

import (
	"errors"
	"net/http"

	"github.com/acucover/acucover/internal/catalog"
	"github.com/acucover/acucover/internal/cost"
	"github.com/gin-gonic/gin"
)

// postEstimate answers POST /v1/estimates: what a course will cost, visit by
// visit. The body is cost.Request, decoded strictly.
func (a *api) postEstimate(c *gin.Context) error {
	// Answers depend on patient facts and accumulators; no cache should keep them.
	c.Writer.Header()["Cache-Control"] = noStore
	var req cost.Request
	if err := readJSONFast(c, &req, fastEstimateRequest); err != nil {
		// encoding/json does not say which field a bad date was in;
		// start_date is the request's only date.
		var de *catalog.DateError
		if errors.As(err, &de) {
			return fieldErr("start_date", de.Error(), errInvalidRequest)
		}
		return err
	}
	if req.State != "" {
		st, ok := catalog.NormalizeState(req.State)
		if !ok {
			return fieldErr("state", notAState(req.State), catalog.ErrUnknownState)
		}
		req.State = st
	}
	b, err := a.estimate(c, a.store.Index(), req)
	if err != nil {
		return withField(err)
	}
	estimateCounters.get(string(b.Coverage.Plan.Type)).inc()
	jb := newJSONBody()
	jb.b = append(b.AppendJSON(jb.b), '\n') // as PureJSON writes it
	jb.send(c, http.StatusOK)
	return nil
}
