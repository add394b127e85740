package httpapi

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/acucover/acucover/internal/catalog"
)

// getCatalogSummary answers GET /v1/catalog/summary: what the catalog knows,
// state by state (catalog.Summary), on ?date= (default today, UTC), for every
// state and DC or only ?state=.
func (a *api) getCatalogSummary(c *gin.Context) error {
	q, err := queryParams(c, "date", "state")
	if err != nil {
		return err
	}
	var e requestError
	d := catalog.DateOf(a.now().UTC())
	if s, ok := q["date"]; ok {
		if d, err = catalog.ParseDate(s); err != nil {
			e.add("date", err.Error(), errInvalidRequest)
		}
	}
	state, hasState := q["state"]
	if hasState {
		st, ok := catalog.NormalizeState(state)
		if !ok {
			e.add("state", notAState(state), catalog.ErrUnknownState)
		}
		state = st
	}
	if err := e.err(); err != nil {
		return err
	}
	sum := a.store.Index().Summary(d)
	if hasState {
		for _, ss := range sum.States {
			if ss.State == state {
				sum.States = []catalog.StateSummary{ss}
				break
			}
		}
	}
	c.PureJSON(http.StatusOK, sum)
	return nil
}
