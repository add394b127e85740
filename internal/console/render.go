package console

import (
	"bytes"
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"strings"

	"github.com/acucover/acucover/internal/access"
	"github.com/acucover/acucover/internal/catalog"
	"github.com/acucover/acucover/internal/coverage"
)

// page is what every template gets; a page sets the fields it uses.
type page struct {
	Title     string
	Session   *session
	CSRF      string // the form token: the session's, or the sign-in page's
	NoKeys    bool
	Notice    string
	Error     string
	Message   string
	Nav       string // the current navigation entry
	Check     *checkView
	Catalog   *catalogView
	Plan      *planView
	Edit      *editView
	Revisions *revisionsView
	Diff      *diffView
	Audit     *auditView
	Batch     *batchView
}

// CanEdit and CanRestore say what the signed-in role may do, so pages show
// only that.
func (p page) CanEdit() bool {
	return p.Session != nil && p.Session.principal.Role.Allows(access.Editor)
}
func (p page) CanRestore() bool {
	return p.Session != nil && p.Session.principal.Role.Allows(access.Admin)
}

// Who names the signed-in key and its role.
func (p page) Who() string {
	if p.Session == nil {
		return ""
	}
	return fmt.Sprintf("%s (%s)", p.Session.principal.Name, p.Session.principal.Role)
}

var funcs = template.FuncMap{
	"dollars":   dollars,
	"centsp":    func(c *int64) string { return dollars(*c) },
	"join":      strings.Join,
	"scope":     scopeText,
	"date":      dateText,
	"stateName": func(s string) string { return catalog.StateNames[s] },
	"status":    statusText,
	"window":    coverage.WindowText,
	"fieldErr":  fieldErr,
	"span":      spanText,
	"planType":  func(t catalog.PlanType) string { return planTypes[t] },
	"has":       func(xs []string, x string) bool { return slices.Contains(xs, x) },
	"list":      func(xs ...string) []string { return xs },
	"before":    func(s string) string { b, _, _ := strings.Cut(s, ":"); return b },
	"after":     func(s string) string { _, a, _ := strings.Cut(s, ":"); return a },
	"formValue": formValue,
	"deref":     deref,
	"inc":       func(n int) int { return n + 1 },
	"when":      when,
	"plural":    plural,
	"short":     shortText,
	"action":    actionText,
	"dict": func(kv ...any) map[string]any {
		m := map[string]any{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	},
	"showOf": showOf,
	"providerName": func(t string) string {
		if l := providerLabels[t]; l != "" {
			return l
		}
		return t
	},
}

var planTypes = map[catalog.PlanType]string{
	catalog.OriginalMedicare: "Original Medicare", catalog.MedicareAdvantage: "Medicare Advantage",
	catalog.Medicaid: "Medicaid", catalog.Commercial: "Commercial", catalog.Marketplace: "ACA Marketplace",
}

// fieldError is a form field's problem, for the template.
type fieldError struct{ ID, Msg string }

func fieldErr(c *checkView, name string) *fieldError {
	if m := c.Errs[name]; m != "" {
		return &fieldError{name, m}
	}
	return nil
}

// formValue is the typed value of the form's text field id.
func formValue(f checkForm, id string) string {
	return map[string]string{
		"visits_year": f.VisitsYear, "visits_90": f.Visits90, "visits_month": f.VisitsMonth,
		"visits_per_week": f.VisitsPerWeek, "weeks": f.Weeks, "minutes": f.Minutes,
		"charge": f.Charge, "deductible_met": f.DeductibleMet, "oop_met": f.OOPMet,
	}[id]
}

// deref is the value a *bool or *int points to.
func deref(v any) any {
	switch p := v.(type) {
	case *bool:
		return *p
	case *int:
		return *p
	}
	return v
}

// parsePages parses each page template with the layout.
func parsePages() map[string]*template.Template {
	out := map[string]*template.Template{}
	for _, name := range []string{"signin", "check", "catalog", "plan", "error", "notfound", "edit", "revisions", "revdiff", "audit", "batch"} {
		out[name] = template.Must(template.New("layout.html").Funcs(funcs).
			ParseFS(templateFS, "templates/layout.html", "templates/changes.html", "templates/"+name+".html"))
	}
	return out
}

// render writes page name. A signed-in page takes the session's CSRF token
// for the sign-out form.
func (s *server) render(w http.ResponseWriter, r *http.Request, status int, name string, p page) {
	if p.Session != nil && p.CSRF == "" {
		p.CSRF = p.Session.csrf
	}
	var buf bytes.Buffer
	if err := s.pages[name].Execute(&buf, p); err != nil {
		s.log.Error("console: render", "page", name, "error", err.Error())
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// dollars formats cents as $1,234.56.
func dollars(cents int64) string {
	sign := ""
	if cents < 0 {
		sign, cents = "-", -cents
	}
	s := fmt.Sprintf("%d", cents/100)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return fmt.Sprintf("%s$%s.%02d", sign, s, cents%100)
}

func scopeText(s catalog.Scope) string {
	if s.All {
		return "all"
	}
	return strings.Join(s.Items, ", ")
}

// spanText says when [from, to) is in force, in words.
func spanText(from, to catalog.Date) string {
	switch {
	case from.IsZero() && to.IsZero():
		return "always (no dates set)"
	case from.IsZero():
		return "until " + to.AddDays(-1).String()
	case to.IsZero():
		return "from " + from.String()
	}
	return from.String() + " to " + to.AddDays(-1).String()
}

// dateText is a span's bound, or "—" when open.
func dateText(d catalog.Date) string {
	if d.IsZero() {
		return "—"
	}
	return d.String()
}

// actionText says what happened to an item, in words.
func actionText(a string) string {
	switch a {
	case catalog.Create:
		return "added"
	case catalog.Delete:
		return "removed"
	case catalog.Update:
		return "changed"
	case "replace":
		return "whole catalog replaced"
	}
	return a
}

// shortText is the start of a long cell, for its summary: about 40
// characters, cut at a space.
func shortText(s string) string {
	r := []rune(s)
	if len(r) <= 48 {
		return s
	}
	cut := 40
	for i := 40; i > 20; i-- {
		if r[i] == ' ' {
			cut = i
			break
		}
	}
	return string(r[:cut]) + "…"
}
