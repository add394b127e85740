package console

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/acucover/acucover/internal/access"
	"github.com/acucover/acucover/internal/catalog"
	"github.com/acucover/acucover/internal/clinic"
	"github.com/acucover/acucover/internal/cost"
	"github.com/acucover/acucover/internal/gfe"
)

// Clinics and Good Faith Estimates on the "Check and estimate" page. With a
// clinic chosen the course is priced at the clinic's own rates through
// cost.EstimateAt, as POST /v1/estimates with "clinic" does; a
// clinic-scoped key sees and may choose only its own clinic (refused here
// too, not only hidden). Editors and above make a Good Faith Estimate from
// the same form through gfe.Create, the call POST /v1/gfe makes, and get
// its printable page and PDF from /console/gfe/{id}. Patient names and
// dates of birth are never logged.

// clinicChoices lists the clinics x may choose, by name; the reason there
// are none when there are none.
func (s *server) clinicChoices(ctx context.Context, x *session) ([]option, string) {
	if s.clinics == nil {
		return nil, "No clinics are set up on this server (acucover clinics import, or serve --clinics FILE)."
	}
	cs, err := s.clinics.Clinics(ctx)
	if err != nil {
		s.log.Error("console: cannot list clinics", "error", err.Error())
		return nil, "The clinics cannot be read right now."
	}
	var out []option
	for _, c := range cs {
		if x.principal.CanSeeClinic(c.ID) {
			out = append(out, option{c.ID, c.Name})
		}
	}
	slices.SortFunc(out, func(a, b option) int { return strings.Compare(a.Label, b.Label) })
	if len(out) == 0 {
		return nil, "No clinic is set up that your key may use."
	}
	return out, ""
}

// setClinics fills the view's clinic chooser and the GFE form's state for x.
func (s *server) setClinics(ctx context.Context, v *checkView, x *session) {
	v.Clinics, v.ClinicNote = s.clinicChoices(ctx, x)
	v.ClinicLocked = x.principal.Clinic != ""
	if v.ClinicLocked && v.Form.Clinic == "" {
		v.Form.Clinic = x.principal.Clinic
	}
	switch {
	case !x.principal.Role.Allows(access.Editor):
		// Readers are not shown the form at all.
	case s.gfes == nil:
		v.GFENote = "Good Faith Estimates are stored in PostgreSQL, and this server runs without a database, so none can be made here."
	case len(v.Clinics) == 0:
		v.GFENote = "A Good Faith Estimate needs a clinic, and none is set up that your key may use."
	default:
		v.CanGFE = true
	}
}

// priceAt returns the clinic f names, for x: nil when none is chosen. An
// unknown clinic or one x may not use is a problem on the clinic field.
func (s *server) priceAt(ctx context.Context, x *session, id string, errs map[string]string) (*clinic.Clinic, int) {
	if id == "" {
		return nil, 0
	}
	if !x.principal.CanSeeClinic(id) {
		errs["clinic"] = fmt.Sprintf("Your key is for clinic %q and cannot price for another clinic.", x.principal.Clinic)
		return nil, http.StatusForbidden
	}
	if s.clinics == nil {
		errs["clinic"] = "No clinics are set up on this server."
		return nil, http.StatusUnprocessableEntity
	}
	c, _, err := s.clinics.Clinic(ctx, id)
	if errors.Is(err, clinic.ErrUnknown) {
		errs["clinic"] = "Choose a clinic from the list."
		return nil, http.StatusUnprocessableEntity
	}
	if err != nil {
		s.log.Error("console: cannot read clinic", "error", err.Error())
		errs["clinic"] = "The clinic cannot be read right now. Try again shortly."
		return nil, http.StatusServiceUnavailable
	}
	return &c, 0
}

// estimateFor prices req: at clinic c's rates when one is chosen.
func estimateFor(ix *catalog.Index, req cost.Request, c *clinic.Clinic) (cost.Breakdown, error) {
	if c == nil {
		return cost.Estimate(ix, req)
	}
	return cost.EstimateAt(ix, req, c)
}

// gfeFields maps a gfe.Problems field to the form field that shows it.
func gfeField(f string) string {
	switch {
	case f == "patient.name":
		return "gfe_name"
	case f == "patient.date_of_birth":
		return "gfe_dob"
	case f == "diagnoses" || strings.HasPrefix(f, "diagnoses["):
		return "condition"
	case f == "scheduled_date" || f == "issued" || f == "period_end":
		return "date"
	case f == "clinic" || f == "location":
		return "clinic"
	case f == "sliding_scale_eligible":
		return "gfe_sliding"
	}
	if ff := fieldFor[f]; ff != "" {
		return ff
	}
	return ""
}

// makeGFE answers POST /console/gfe: the check form's course, diagnosis,
// date and clinic with the patient's name and date of birth, stored as a
// Good Faith Estimate through gfe.Create; then its page.
func (s *server) makeGFE(w http.ResponseWriter, r *http.Request, x *session) {
	if !s.roleRequired(w, r, x, access.Editor) {
		return
	}
	ix := s.store.Index()
	f := readForm(r)
	v := s.newCheckView(ix, f)
	s.setClinics(r.Context(), v, x)
	status := http.StatusUnprocessableEntity
	if !v.CanGFE {
		v.TopError = v.GFENote
		s.render(w, r, http.StatusServiceUnavailable, "check", page{Title: "Check and estimate", Session: x, Nav: "check", Check: v})
		return
	}
	if f.Clinic == "" {
		v.Errs["clinic"] = "Choose the clinic the estimate is from."
	} else if !x.principal.CanSeeClinic(f.Clinic) {
		v.Errs["clinic"] = fmt.Sprintf("Your key is for clinic %q and cannot make estimates for another clinic.", x.principal.Clinic)
		status = http.StatusForbidden
	}
	if f.GFEName == "" {
		v.Errs["gfe_name"] = "Enter the patient's name."
	}
	dob, err := catalog.ParseDate(f.GFEDOB)
	if err != nil {
		v.Errs["gfe_dob"] = "Enter the date of birth as YYYY-MM-DD."
	}
	sched, err := catalog.ParseDate(f.Date)
	if err != nil {
		v.Errs["date"] = "Enter the date of the first visit as YYYY-MM-DD."
	}
	num := func(field, s string) *int {
		if s == "" {
			return nil
		}
		n, err := strconv.Atoi(s)
		if err != nil {
			v.Errs[field] = "Enter a whole number."
			return nil
		}
		return &n
	}
	in := gfe.Input{Clinic: f.Clinic, Patient: gfe.Patient{Name: f.GFEName, DateOfBirth: dob},
		Diagnoses: []string{f.Condition}, ScheduledDate: sched, SlidingScaleEligible: f.GFESliding,
		Course: gfe.Course{VisitsPerWeek: num("visits_per_week", f.VisitsPerWeek), Weeks: num("weeks", f.Weeks),
			MinutesPerVisit: num("minutes", f.Minutes), Electroacupuncture: f.Electro}}
	if len(v.Errs) == 0 {
		rec, err := gfe.Create(r.Context(), s.gfes, ix, in, x.principal.Clinic, catalog.DateOf(s.now().UTC()), x.principal.Name)
		var ps gfe.Problems
		switch {
		case err == nil:
			http.Redirect(w, r, "/console/gfe/"+strconv.FormatInt(rec.ID, 10), http.StatusSeeOther)
			return
		case errors.As(err, &ps):
			for _, p := range ps {
				field := gfeField(p.Field)
				if field == "" {
					v.TopError = p.Msg
					continue
				}
				if v.Errs[field] == "" {
					v.Errs[field] = upperFirst(p.Msg)
				}
			}
		case errors.Is(err, gfe.ErrOtherClinic):
			v.Errs["clinic"] = "Your key cannot make estimates for another clinic."
			status = http.StatusForbidden
		case errors.Is(err, clinic.ErrUnknown):
			v.Errs["clinic"] = "Choose a clinic from the list."
		default:
			// The error may quote nothing of the patient: gfe.Create's
			// other errors come from the store.
			s.log.Error("console: cannot make a good faith estimate", "error", err.Error())
			v.TopError = "The estimate could not be stored right now. Try again shortly."
			status = http.StatusServiceUnavailable
		}
	}
	if v.TopError == "" {
		v.TopError = "The Good Faith Estimate was not made: some answers need fixing; each is marked below."
	}
	s.render(w, r, status, "check", page{Title: "Check and estimate", Session: x, Nav: "check", Check: v})
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// gfeView is a stored estimate's console page: its number and links.
type gfeView struct {
	ID                   int64
	Number, Clinic, Date string
	TotalCents           int64
}

// loadGFE reads the stored estimate {id} for x (another clinic's is not
// found), rendering the page that says why when it cannot.
func (s *server) loadGFE(w http.ResponseWriter, r *http.Request, x *session) (gfe.Record, bool) {
	if s.gfes == nil {
		s.render(w, r, http.StatusServiceUnavailable, "error", page{Title: "Good Faith Estimates are unavailable", Session: x,
			Message: "Good Faith Estimates are stored in PostgreSQL, and this server runs without a database."})
		return gfe.Record{}, false
	}
	id, err := strconv.ParseInt(strings.TrimPrefix(strings.ToUpper(r.PathValue("id")), "GFE-"), 10, 64)
	if err == nil && id > 0 {
		var rec gfe.Record
		rec, err = s.gfes.GFE(r.Context(), id, x.principal.Clinic)
		if err == nil {
			return rec, true
		}
		if !errors.Is(err, gfe.ErrNotFound) {
			s.log.Error("console: cannot read a good faith estimate", "error", err.Error())
			s.render(w, r, http.StatusServiceUnavailable, "error", page{Title: "Try again shortly", Session: x,
				Message: "The estimate cannot be read right now. Try again shortly."})
			return gfe.Record{}, false
		}
	}
	s.notFound(w, r)
	return gfe.Record{}, false
}

// gfePage shows a stored estimate's number, total and links to its
// printable page and PDF (any role, as GET /v1/gfe/{id}).
func (s *server) gfePage(w http.ResponseWriter, r *http.Request, x *session) {
	rec, ok := s.loadGFE(w, r, x)
	if !ok {
		return
	}
	v := &gfeView{ID: rec.ID, Number: rec.GFE.Number, Clinic: rec.Clinic, Date: rec.GFE.Issued.String(), TotalCents: rec.GFE.TotalCents}
	s.render(w, r, http.StatusOK, "gfe", page{Title: "Good Faith Estimate " + v.Number, Session: x, Nav: "check", GFE: v})
}

// gfeDoc serves a stored estimate's printable page or PDF, made by the
// same gfe.HTML and gfe.PDF as GET /v1/gfe/{id}.
func (s *server) gfeDoc(w http.ResponseWriter, r *http.Request, x *session) {
	rec, ok := s.loadGFE(w, r, x)
	if !ok {
		return
	}
	var body []byte
	var err error
	switch r.PathValue("form") {
	case "print":
		body, err = gfe.HTML(rec.GFE)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		// The page has no scripts and no outside files, and styles itself.
		w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'")
	case "pdf":
		body, err = gfe.PDF(rec.GFE)
		w.Header().Set("Content-Type", "application/pdf")
		w.Header().Set("Content-Disposition", `inline; filename="`+rec.GFE.Number+`.pdf"`)
	default:
		s.notFound(w, r)
		return
	}
	if err != nil {
		s.log.Error("console: cannot render a good faith estimate", "error", err.Error())
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Write(body)
}
