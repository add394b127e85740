package httpapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/acucover/acucover/internal/access"
	"github.com/acucover/acucover/internal/catalog"
	"github.com/acucover/acucover/internal/clinic"
	"github.com/acucover/acucover/internal/cost"
	"github.com/acucover/acucover/internal/gfe"
)

// Clinics and their Good Faith Estimates (this file and gfe.go):
//
//   - /v1/admin/clinics and /v1/admin/clinics/{id}: the clinics, with the
//     catalog's roles (editor; deleting a clinic needs admin), ETags
//     (clinic.ETag; If-Match required to change one) and audit (by the
//     store, in the change's transaction);
//   - clinic on POST /v1/estimates: priced at the clinic's own rates
//     (cost.EstimateAt);
//   - POST /v1/gfe, GET and DELETE /v1/gfe/{id}: stored Good Faith
//     Estimates (gfe.Create), read as JSON, a printable page, a PDF or a
//     FHIR Bundle.
//
// A clinic-scoped key (access.Principal.Clinic) reaches only its own
// clinic on every route: another clinic's record is 403, another clinic's
// estimate 404 (as if it did not exist, so ids cannot be probed).

// clinicState is what the clinic routes need from Deps.
type clinicState struct {
	clinics clinic.Reader // nil: no clinics set up
	editor  clinic.Editor // nil: clinics read-only (a file) or none
	gfes    gfe.Store     // nil: no database
}

func newClinicState(d Deps) clinicState {
	s := clinicState{clinics: d.Clinics, gfes: d.GFEs}
	// The catalog's store of record keeps the clinics and estimates too
	// (the *postgres.DB), unless Deps says otherwise.
	if s.clinics == nil {
		s.clinics, _ = d.Editor.(clinic.Reader)
	}
	if s.gfes == nil {
		s.gfes, _ = d.Editor.(gfe.Store)
	}
	s.editor, _ = s.clinics.(clinic.Editor)
	return s
}

// Errors of the clinic routes; each has a row in problems.
var (
	errUnknownClinic = errors.New("unknown clinic")
	errInUse         = errors.New("resource in use")
	errNotAcceptable = errors.New("not acceptable")
)

// clinicRoute reports whether route (Gin's full path) is one a
// clinic-scoped key may use among those needing a key: its clinic's record
// and estimates. The catalog's editing API, revisions and audit log are
// shared by every clinic, so they are not.
func clinicRoute(route string) bool {
	return route == "/v1/admin/clinics" || strings.HasPrefix(route, "/v1/admin/clinics/") ||
		route == "/v1/gfe" || strings.HasPrefix(route, "/v1/gfe/")
}

// ownClinic refuses a clinic-scoped key another clinic's record.
func ownClinic(p access.Principal, id string) error {
	if !p.CanSeeClinic(id) {
		return fmt.Errorf("%w: key %q is scoped to clinic %q and cannot reach clinic %q", errForbidden, p.Name, p.Clinic, id)
	}
	return nil
}

// clinicEditor is the store's editor, or a 503 saying why there is none.
func (a *api) clinicEditor() (clinic.Editor, error) {
	if a.clin.editor == nil {
		return nil, fmt.Errorf("%w: clinics are edited in the PostgreSQL store of record (set DATABASE_URL); this server's clinics are read-only", errNeedsDatabase)
	}
	return a.clin.editor, nil
}

// clinicErr maps a clinic store error to the API's.
func clinicErr(err error) error {
	var ps clinic.Problems
	var stale *clinic.StaleError
	switch {
	case errors.As(err, &ps):
		var re requestError
		for _, p := range ps {
			field := p.Path
			if field == "" {
				field = "body"
			}
			re.add(field, p.Msg, errInvalidRequest)
		}
		return re.err()
	case errors.As(err, &stale):
		return fmt.Errorf("%w: the clinic changed since you read it (its ETag is now %s); GET it again and reapply your change", errPreconditionFailed, stale.Current)
	case errors.Is(err, clinic.ErrUnknown):
		return fmt.Errorf("%w: %v", errUnknownClinic, err)
	case errors.Is(err, clinic.ErrExists):
		return fmt.Errorf("%w: %v; change it with PUT and If-Match", errConflict, err)
	case errors.Is(err, clinic.ErrInUse):
		return fmt.Errorf("%w: %v (DELETE /v1/gfe/{id}, or acucover gfe delete)", errInUse, err)
	}
	return err
}

// listClinics answers GET /v1/admin/clinics: every clinic the key may see.
func (a *api) listClinics(c *gin.Context) error {
	if _, err := queryParams(c); err != nil {
		return err
	}
	ed, err := a.clinicEditor()
	if err != nil {
		return err
	}
	cs, err := ed.Clinics(c.Request.Context())
	if err != nil {
		return err
	}
	p := principal(c)
	out := make([]clinic.Clinic, 0, len(cs))
	for _, cl := range cs {
		if p.CanSeeClinic(cl.ID) {
			out = append(out, cl)
		}
	}
	c.Header("Cache-Control", "no-store")
	c.PureJSON(http.StatusOK, gin.H{"clinics": out})
	return nil
}

// getClinic answers GET /v1/admin/clinics/{id} with its ETag.
func (a *api) getClinic(c *gin.Context) error {
	id := c.Param("id")
	if err := ownClinic(principal(c), id); err != nil {
		return err
	}
	ed, err := a.clinicEditor()
	if err != nil {
		return err
	}
	cl, etag, err := ed.Clinic(c.Request.Context(), id)
	if err != nil {
		return clinicErr(err)
	}
	c.Header("ETag", etag)
	c.Header("Cache-Control", "no-store")
	c.PureJSON(http.StatusOK, cl)
	return nil
}

// createClinic answers POST /v1/admin/clinics: 201 with the clinic, its
// ETag and Location.
func (a *api) createClinic(c *gin.Context) error {
	var cl clinic.Clinic
	if err := readJSON(c, &cl); err != nil {
		return err
	}
	if err := ownClinic(principal(c), cl.ID); err != nil {
		return err
	}
	ed, err := a.clinicEditor()
	if err != nil {
		return err
	}
	etag, err := ed.CreateClinic(c.Request.Context(), cl, principal(c).Name)
	if err != nil {
		return clinicErr(err)
	}
	c.Header("ETag", etag)
	c.Header("Location", "/v1/admin/clinics/"+cl.ID)
	c.PureJSON(http.StatusCreated, cl)
	return nil
}

// replaceClinic answers PUT /v1/admin/clinics/{id} (If-Match required).
func (a *api) replaceClinic(c *gin.Context) error {
	id := c.Param("id")
	p := principal(c)
	if err := ownClinic(p, id); err != nil {
		return err
	}
	tags, err := ifMatch(c)
	if err != nil {
		return err
	}
	var cl clinic.Clinic
	if err := readJSON(c, &cl); err != nil {
		return err
	}
	switch cl.ID {
	case "":
		cl.ID = id
	case id:
	default:
		return fieldErr("id", fmt.Sprintf("the body's id %q is not the path's %q: a clinic's id cannot change", cl.ID, id), errInvalidRequest)
	}
	ed, err := a.clinicEditor()
	if err != nil {
		return err
	}
	etag, err := ed.UpdateClinic(c.Request.Context(), cl, tags, p.Name)
	if err != nil {
		return clinicErr(err)
	}
	c.Header("ETag", etag)
	c.PureJSON(http.StatusOK, cl)
	return nil
}

// deleteClinic answers DELETE /v1/admin/clinics/{id} (If-Match required):
// 204. The clinic's keys are revoked; a clinic with stored estimates is
// 409 until they are deleted.
func (a *api) deleteClinic(c *gin.Context) error {
	id := c.Param("id")
	p := principal(c)
	if err := ownClinic(p, id); err != nil {
		return err
	}
	tags, err := ifMatch(c)
	if err != nil {
		return err
	}
	ed, err := a.clinicEditor()
	if err != nil {
		return err
	}
	if err := ed.DeleteClinic(c.Request.Context(), id, tags, p.Name); err != nil {
		return clinicErr(err)
	}
	c.Status(http.StatusNoContent)
	return nil
}

// lookupClinic finds the clinic an estimate names, for the caller.
func (a *api) lookupClinic(ctx context.Context, p access.Principal, id string) (*clinic.Clinic, error) {
	if !p.CanSeeClinic(id) {
		return nil, fieldErr("clinic", fmt.Sprintf("key %q is scoped to clinic %q and cannot price for clinic %q", p.Name, p.Clinic, id), errForbidden)
	}
	if a.clin.clinics == nil {
		return nil, fieldErr("clinic", fmt.Sprintf("clinic %q is not known: this server has no clinics set up (acucover clinics import, or serve --clinics FILE)", id), errUnknownClinic)
	}
	cl, _, err := a.clin.clinics.Clinic(ctx, id)
	if errors.Is(err, clinic.ErrUnknown) {
		return nil, fieldErr("clinic", fmt.Sprintf("clinic %q is not known", id), errUnknownClinic)
	}
	if err != nil {
		return nil, err
	}
	return &cl, nil
}

// estimate prices req: at its clinic's own rates when it names one.
func (a *api) estimate(c *gin.Context, ix *catalog.Index, req cost.Request) (cost.Breakdown, error) {
	if req.Clinic == "" {
		return cost.Estimate(ix, req)
	}
	cl, err := a.lookupClinic(c.Request.Context(), authOf(c).principal, req.Clinic)
	if err != nil {
		return cost.Breakdown{}, err
	}
	return cost.EstimateAt(ix, req, cl)
}
