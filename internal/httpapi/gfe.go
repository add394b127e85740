package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/acucover/acucover/internal/catalog"
	"github.com/acucover/acucover/internal/clinic"
	"github.com/acucover/acucover/internal/gfe"
)

// Good Faith Estimates hold the patient's name and date of birth (PHI):
// their answers are never cached (Cache-Control: no-store), and nothing of
// the request or the estimate is logged (the access log has the path,
// whose id is a number).

// needGFEStore answers 503 before any key check when the server has no
// database to keep estimates in (serve --clinics FILE), saying so.
func (a *api) needGFEStore() gin.HandlerFunc {
	return func(c *gin.Context) {
		if a.clin.gfes == nil {
			a.abort(c, fmt.Errorf("%w: %v", errNeedsDatabase, gfe.ErrNoStore))
			return
		}
		c.Next()
	}
}

// gfeErr maps gfe.Create's and the store's errors to the API's.
func gfeErr(err error) error {
	var ps gfe.Problems
	switch {
	case errors.As(err, &ps):
		var re requestError
		for _, p := range ps {
			re.add(p.Field, p.Msg, errInvalidRequest)
		}
		return re.err()
	case errors.Is(err, gfe.ErrOtherClinic):
		return fieldErr("clinic", err.Error(), errForbidden)
	case errors.Is(err, clinic.ErrUnknown):
		return fieldErr("clinic", err.Error(), errUnknownClinic)
	case errors.Is(err, gfe.ErrNotFound):
		return fmt.Errorf("%w: %v", errUnknownResource, err)
	case errors.Is(err, gfe.ErrNoStore):
		return fmt.Errorf("%w: %v", errNeedsDatabase, err)
	}
	return err
}

// postGFE answers POST /v1/gfe: builds and stores a Good Faith Estimate
// (gfe.Input, decoded strictly) and answers 201 with the stored record and
// its Location.
func (a *api) postGFE(c *gin.Context) error {
	c.Writer.Header()["Cache-Control"] = noStore
	var in gfe.Input
	if err := readJSON(c, &in); err != nil {
		var de *catalog.DateError
		if errors.As(err, &de) {
			return fieldErr("body", de.Error()+" (dates are YYYY-MM-DD)", errInvalidRequest)
		}
		return err
	}
	p := principal(c)
	today := catalog.DateOf(a.now().UTC())
	rec, err := gfe.Create(c.Request.Context(), a.clin.gfes, a.store.Index(), in, p.Clinic, today, p.Name)
	if err != nil {
		return gfeErr(err)
	}
	b, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	c.Header("Location", "/v1/gfe/"+strconv.FormatInt(rec.ID, 10))
	c.Data(http.StatusCreated, jsonContentType, append(b, '\n'))
	return nil
}

// gfeID reads the {id} of /v1/gfe/{id}: 42, or the printed GFE-000042.
func gfeID(c *gin.Context) (int64, error) {
	s := c.Param("id")
	id, err := strconv.ParseInt(strings.TrimPrefix(strings.ToUpper(s), "GFE-"), 10, 64)
	if err != nil || id < 1 {
		return 0, fmt.Errorf("%w: %q is not a good faith estimate id (42, or its number GFE-000042)", errUnknownResource, s)
	}
	return id, nil
}

// The forms a stored estimate is answered in, by Accept.
const (
	gfeJSON = "application/json"
	gfeHTML = "text/html"
	gfePDF  = "application/pdf"
	gfeFHIR = "application/fhir+json"
)

// gfeFormat picks the form for an Accept header: the acceptable type with
// the highest q, JSON when anything goes (no Accept, */*, application/*).
func gfeFormat(accept string) (string, error) {
	if strings.TrimSpace(accept) == "" {
		return gfeJSON, nil
	}
	best, bestQ := "", 0.0
	for part := range strings.SplitSeq(accept, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		q := 1.0
		if v, ok := params["q"]; ok {
			if q, err = strconv.ParseFloat(v, 64); err != nil {
				continue
			}
		}
		var form string
		switch mt {
		case gfeJSON, gfeHTML, gfePDF, gfeFHIR:
			form = mt
		case "*/*", "application/*":
			form = gfeJSON
		case "text/*":
			form = gfeHTML
		}
		if form != "" && q > bestQ {
			best, bestQ = form, q
		}
	}
	if best == "" {
		return "", fmt.Errorf("%w: a good faith estimate is served as %s, %s (a printable page), %s or %s (a Da Vinci PCT GFE Bundle); Accept: %q allows none of them",
			errNotAcceptable, gfeJSON, gfeHTML, gfePDF, gfeFHIR, accept)
	}
	return best, nil
}

// getGFE answers GET /v1/gfe/{id} in the form Accept asks for.
func (a *api) getGFE(c *gin.Context) error {
	c.Writer.Header()["Cache-Control"] = noStore
	c.Header("Vary", "Accept, Authorization")
	if _, err := queryParams(c); err != nil {
		return err
	}
	id, err := gfeID(c)
	if err != nil {
		return err
	}
	form, err := gfeFormat(c.GetHeader("Accept"))
	if err != nil {
		return err
	}
	rec, err := a.clin.gfes.GFE(c.Request.Context(), id, principal(c).Clinic)
	if err != nil {
		return gfeErr(err)
	}
	var body []byte
	contentType := form
	switch form {
	case gfeHTML:
		body, err = gfe.HTML(rec.GFE)
		contentType = "text/html; charset=utf-8"
		// The page has no scripts and no outside files: nothing else may run.
		c.Header("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:")
	case gfePDF:
		body, err = gfe.PDF(rec.GFE)
		c.Header("Content-Disposition", `inline; filename="`+rec.GFE.Number+`.pdf"`)
	case gfeFHIR:
		body, err = gfe.FHIR(rec.GFE)
	default:
		body, err = json.Marshal(rec)
		body = append(body, '\n')
		contentType = jsonContentType
	}
	if err != nil {
		return err
	}
	c.Data(http.StatusOK, contentType, body)
	return nil
}

// deleteGFE answers DELETE /v1/gfe/{id}: 204; the patient's data is gone.
func (a *api) deleteGFE(c *gin.Context) error {
	id, err := gfeID(c)
	if err != nil {
		return err
	}
	p := principal(c)
	if err := a.clin.gfes.DeleteGFE(c.Request.Context(), id, p.Clinic, p.Name); err != nil {
		return gfeErr(err)
	}
	c.Status(http.StatusNoContent)
	return nil
}
