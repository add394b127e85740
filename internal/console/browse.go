package console

import (
	"net/http"
	"slices"
	"strings"

	"github.com/acucover/acucover/internal/catalog"
)

// catalogView is the catalog page: plans matching the search.
type catalogView struct {
	Query    string
	Plans    []planRow
	Total    int
	Revision string
}

type planRow struct {
	ID, Name, Payer, Type, States string
	Rules, Fees                   int
}

// planView is one plan with its rules and fee schedules.
type planView struct {
	Plan       *catalog.Plan
	Rules      []*catalog.Rule
	Fees       []feeView
	Conditions map[string]string // condition id → name
}

type feeView struct {
	catalog.FeeSchedule
	Amounts []option // CPT code → dollars, by code
}

// maxQuery bounds the search text.
const maxQuery = 200

func (s *server) catalogPage(w http.ResponseWriter, r *http.Request, x *session) {
	ix := s.store.Index()
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	if len(q) > maxQuery {
		q = q[:maxQuery]
	}
	snap := ix.Snapshot()
	v := &catalogView{Query: q, Total: len(snap.Plans), Revision: ix.Revision()}
	for i := range snap.Plans {
		p := &snap.Plans[i]
		rules, fees := plansRules(ix, p), plansFees(snap, p)
		if q != "" && !matches(q, p, rules) {
			continue
		}
		v.Plans = append(v.Plans, planRow{ID: p.ID, Name: p.Name, Payer: p.Payer, Type: planTypes[p.Type],
			States: scopeText(p.States), Rules: len(rules), Fees: len(fees)})
	}
	slices.SortFunc(v.Plans, func(a, b planRow) int { return strings.Compare(a.Name, b.Name) })
	s.render(w, r, http.StatusOK, "catalog", page{Title: "Catalog", Session: x, Nav: "catalog", Catalog: v})
}

// matches reports whether the search text q (case-insensitive, every word)
// appears in the plan or its rules.
func matches(q string, p *catalog.Plan, rules []*catalog.Rule) bool {
	var b strings.Builder
	for _, s := range []string{p.ID, p.Name, p.Payer, string(p.Type), planTypes[p.Type], scopeText(p.States)} {
		b.WriteString(s + " ")
	}
	for _, r := range rules {
		for _, s := range []string{r.ID, r.Summary, scopeText(r.Conditions), scopeText(r.States)} {
			b.WriteString(s + " ")
		}
	}
	hay := strings.ToLower(b.String())
	for _, w := range strings.Fields(strings.ToLower(q)) {
		if !strings.Contains(hay, w) {
			return false
		}
	}
	return true
}

// plansRules returns the rules of plan p of ix, in catalog order. The
// rules of every plan are listed once per Index: the catalog page asks for
// each plan's, and a catalog of a million rules has about ten thousand
// plans.
func plansRules(ix *catalog.Index, p *catalog.Plan) []*catalog.Rule {
	byPlan := ix.Memo(rulesByPlanMemo{}, func() any {
		m := map[string][]*catalog.Rule{}
		for _, r := range ix.Snapshot().Rules {
			m[r.Plan] = append(m[r.Plan], r)
		}
		return m
	}).(map[string][]*catalog.Rule)
	return byPlan[p.ID]
}

// rulesByPlanMemo is plansRules' Index.Memo key.
type rulesByPlanMemo struct{}

func plansFees(s *catalog.Snapshot, p *catalog.Plan) []catalog.FeeSchedule {
	var out []catalog.FeeSchedule
	for _, f := range s.FeeSchedules {
		if f.Plan == p.ID || (f.Plan == "" && f.Payer == p.Payer) {
			out = append(out, f)
		}
	}
	return out
}

func (s *server) planPage(w http.ResponseWriter, r *http.Request, x *session) {
	ix := s.store.Index()
	p, err := ix.Plan(r.PathValue("id"))
	if err != nil {
		s.notFound(w, r)
		return
	}
	snap := ix.Snapshot()
	v := &planView{Plan: p, Rules: plansRules(ix, p), Conditions: map[string]string{}}
	for _, c := range snap.Conditions {
		v.Conditions[c.ID] = c.Name
	}
	for _, f := range plansFees(snap, p) {
		fv := feeView{FeeSchedule: f}
		for code, c := range f.AmountsCents {
			fv.Amounts = append(fv.Amounts, option{code, dollars(c)})
		}
		slices.SortFunc(fv.Amounts, func(a, b option) int { return strings.Compare(a.Value, b.Value) })
		v.Fees = append(v.Fees, fv)
	}
	s.render(w, r, http.StatusOK, "plan", page{Title: p.Name, Session: x, Nav: "catalog", Plan: v})
}
