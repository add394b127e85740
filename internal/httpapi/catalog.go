package httpapi

import (
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/acucover/acucover/internal/catalog"
	"github.com/acucover/acucover/internal/suggest"
	"github.com/gin-gonic/gin"
)

// The wire shapes of the catalog routes. They are separate from the catalog
// types, whose JSON is the snapshot import/export format: here every field
// is always present and open-ended dates are null.

type planSummary struct {
	ID            string           `json:"id"`
	Name          string           `json:"name"`
	Payer         string           `json:"payer"`
	Type          catalog.PlanType `json:"type"`
	States        []string         `json:"states"`
	BenefitPeriod benefitPeriod    `json:"benefit_period"`
	Notes         []string         `json:"notes"`
}

type benefitPeriod struct {
	Kind       catalog.BenefitKind `json:"kind"`
	StartMonth int                 `json:"start_month"`
}

type planDetail struct {
	planSummary
	CostSharing     []costSharing `json:"cost_sharing"`
	Sources         []source      `json:"sources"`
	Rules           []ruleSummary `json:"rules"`
	CatalogRevision string        `json:"catalog_revision"`
}

type costSharing struct {
	Network            catalog.Network `json:"network"`
	EffectiveFrom      *catalog.Date   `json:"effective_from"`
	EffectiveTo        *catalog.Date   `json:"effective_to"`
	DeductibleCents    int64           `json:"deductible_cents"`
	DeductibleApplies  bool            `json:"deductible_applies"`
	CopayCents         int64           `json:"copay_cents"`
	CopaySteps         []copayStep     `json:"copay_steps"`
	CoinsurancePercent int             `json:"coinsurance_percent"`
	OOPMaxCents        *int64          `json:"oop_max_cents"`
	BalanceBilling     bool            `json:"balance_billing"`
	Note               string          `json:"note"`
}

type copayStep struct {
	AfterVisits int   `json:"after_visits"`
	CopayCents  int64 `json:"copay_cents"`
}

type source struct {
	Title string        `json:"title"`
	URL   string        `json:"url"`
	Date  *catalog.Date `json:"date"`
}

// ruleSummary's states and conditions are "all" or a list, as in the
// catalog: "all" conditions also covers conditions added later.
type ruleSummary struct {
	ID            string         `json:"id"`
	States        catalog.Scope  `json:"states"`
	Conditions    catalog.Scope  `json:"conditions"`
	Status        catalog.Status `json:"status"`
	EffectiveFrom *catalog.Date  `json:"effective_from"`
	EffectiveTo   *catalog.Date  `json:"effective_to"`
	Summary       string         `json:"summary"`
}

type conditionView struct {
	ID            string   `json:"id"`
	Name          string   `json:"name"`
	ICD10         []string `json:"icd10"`
	ICD10Families []string `json:"icd10_families"`
	Evidence      string   `json:"evidence"`
}

type stateView struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

func (a *api) listPlans(c *gin.Context) error {
	q, err := queryParams(c, "state", "type", "q")
	if err != nil {
		return err
	}
	var e requestError
	state, hasState := q["state"]
	if hasState {
		st, ok := catalog.NormalizeState(state)
		if !ok {
			e.add("state", notAState(state), catalog.ErrUnknownState)
		}
		state = st
	}
	typ, hasType := q["type"]
	if hasType && !slices.Contains(catalog.PlanTypes, catalog.PlanType(typ)) {
		e.add("type", fmt.Sprintf("%q is not a plan type (one of %s)%s", typ, planTypeList(), suggest.DidYouMean(typ, planTypeNames())), errInvalidRequest)
	}
	if err := e.err(); err != nil {
		return err
	}
	needle := strings.ToLower(q["q"])

	ix := a.store.Index()
	plans := []planSummary{}
	for i := range ix.Plans() {
		p := &ix.Plans()[i]
		if hasState && !p.States.Contains(state) ||
			hasType && string(p.Type) != typ ||
			needle != "" && !strings.Contains(strings.ToLower(p.ID+"\x00"+p.Name+"\x00"+p.Payer), needle) {
			continue
		}
		plans = append(plans, toPlanSummary(p))
	}
	c.PureJSON(http.StatusOK, gin.H{"plans": plans, "catalog_revision": ix.CatalogRevision()})
	return nil
}

func (a *api) getPlan(c *gin.Context) error {
	if _, err := queryParams(c); err != nil {
		return err
	}
	ix := a.store.Index()
	p, err := ix.Plan(c.Param("id"))
	if err != nil {
		return withField(err)
	}
	out := planDetail{
		planSummary:     toPlanSummary(p),
		CostSharing:     []costSharing{},
		Sources:         toSources(p.Sources),
		Rules:           []ruleSummary{},
		CatalogRevision: ix.CatalogRevision(),
	}
	for _, cs := range p.CostSharing {
		v := costSharing{
			Network: cs.Network, EffectiveFrom: datePtr(cs.EffectiveFrom), EffectiveTo: datePtr(cs.EffectiveTo),
			DeductibleCents: cs.DeductibleCents, DeductibleApplies: cs.DeductibleApplies,
			CopayCents: cs.CopayCents, CopaySteps: []copayStep{}, CoinsurancePercent: cs.CoinsurancePercent,
			OOPMaxCents: cs.OOPMaxCents, BalanceBilling: cs.BalanceBilling, Note: cs.Note,
		}
		for _, s := range cs.CopaySteps {
			v.CopaySteps = append(v.CopaySteps, copayStep{s.AfterVisits, s.CopayCents})
		}
		out.CostSharing = append(out.CostSharing, v)
	}
	for _, r := range ix.Snapshot().Rules {
		if r.Plan != p.ID {
			continue
		}
		out.Rules = append(out.Rules, ruleSummary{
			ID: r.ID, States: r.States, Conditions: r.Conditions, Status: r.Status,
			EffectiveFrom: datePtr(r.EffectiveFrom), EffectiveTo: datePtr(r.EffectiveTo), Summary: r.Summary,
		})
	}
	c.PureJSON(http.StatusOK, out)
	return nil
}

func (a *api) listConditions(c *gin.Context) error {
	if _, err := queryParams(c); err != nil {
		return err
	}
	ix := a.store.Index()
	out := []conditionView{}
	for _, cd := range ix.Conditions() {
		out = append(out, conditionView{
			ID: cd.ID, Name: cd.Name, ICD10: orEmpty(cd.ICD10), ICD10Families: orEmpty(cd.ICD10Families), Evidence: cd.Evidence,
		})
	}
	c.PureJSON(http.StatusOK, gin.H{"conditions": out, "catalog_revision": ix.CatalogRevision()})
	return nil
}

func (a *api) listStates(c *gin.Context) error {
	if _, err := queryParams(c); err != nil {
		return err
	}
	out := make([]stateView, 0, len(catalog.States))
	for _, s := range catalog.States {
		out = append(out, stateView{s, catalog.StateNames[s]})
	}
	c.PureJSON(http.StatusOK, gin.H{"states": out})
	return nil
}

func toPlanSummary(p *catalog.Plan) planSummary {
	return planSummary{
		ID: p.ID, Name: p.Name, Payer: p.Payer, Type: p.Type,
		States:        orEmpty(p.OfferedIn()),
		BenefitPeriod: benefitPeriod{Kind: p.BenefitPeriod.Kind, StartMonth: startMonth(p.BenefitPeriod)},
		Notes:         orEmpty(p.Notes),
	}
}

// startMonth is the month the benefit year starts: 1 for a calendar year.
func startMonth(b catalog.BenefitPeriod) int {
	if b.Kind == catalog.PlanYear {
		return b.StartMonth
	}
	return 1
}

func toSources(ss []catalog.Source) []source {
	out := make([]source, 0, len(ss))
	for _, s := range ss {
		out = append(out, source{Title: s.Title, URL: s.URL, Date: datePtr(s.Date)})
	}
	return out
}

func datePtr(d catalog.Date) *catalog.Date {
	if d.IsZero() {
		return nil
	}
	return &d
}

func planTypeList() string {
	names := make([]string, len(catalog.PlanTypes))
	for i, t := range catalog.PlanTypes {
		names[i] = string(t)
	}
	return strings.Join(names, ", ")
}

func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// planTypeNames lists the plan types as strings, for did-you-mean hints.
func planTypeNames() []string {
	names := make([]string, len(catalog.PlanTypes))
	for i, t := range catalog.PlanTypes {
		names[i] = string(t)
	}
	return names
}
