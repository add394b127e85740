package postgres

// The version-1 schema (sql/migrations/0001_catalog.up.sql) stored every
// revision as a full relational copy of the catalog. Migration 0003 reads
// each stored revision with this loader, frozen as it was, and stores it as
// items; nothing else uses it.

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/acucover/acucover/internal/catalog"
)

// loader reads one revision's tables inside a transaction. Rows are scanned
// with database/sql into one reused row value per query (no reflection, no
// allocation per row beyond the driver's), and strings that many rows share
// (state codes, condition ids, CPT codes, texts and sources repeated across
// rules) are interned, so a catalog of a million rules holds each distinct
// text once. So are the lists of rules (see lists) and the values that
// rules point to.
type loader struct {
	ctx   context.Context
	tx    *sqlx.Tx
	rev   int64
	texts []string           // every distinct string read that is kept
	refs  map[string]textRef // index in texts
	bools [2]*bool
	cents map[int64]*int64
}

// boolPtr returns the one *bool this load keeps for b.
func (l *loader) boolPtr(b bool) *bool {
	i := 0
	if b {
		i = 1
	}
	if l.bools[i] == nil {
		l.bools[i] = ptr(b)
	}
	return l.bools[i]
}

// centsPtr returns the one *int64 this load keeps for c.
func (l *loader) centsPtr(c int64) *int64 {
	p, ok := l.cents[c]
	if !ok {
		p = ptr(c)
		l.cents[c] = p
	}
	return p
}

// intern returns the one copy of s this load keeps.
func (l *loader) intern(s string) string { return l.texts[l.ref(s)] }

// ref returns the index in l.texts of s, adding it if it is new.
func (l *loader) ref(s string) textRef {
	if i, ok := l.refs[s]; ok {
		return i
	}
	i := textRef(len(l.texts))
	l.texts = append(l.texts, s)
	l.refs[s] = i
	return i
}

// scanRow is a row type (as a pointer) that lists the addresses of its
// fields in the order of its query's select list.
type scanRow[T any] interface {
	*T
	dests() []any
}

// childRow is the row of a child table: it names the id of its owner.
type childRow[T any] interface {
	scanRow[T]
	owner() string
}

// each runs q with the revision id as $1 and calls add for every row, scanned
// into one reused T (add must copy what it keeps). what names the rows in
// errors.
func each[T any, R scanRow[T]](l *loader, q, what string, add func(*T) error) error {
	rows, err := l.tx.QueryContext(l.ctx, q, l.rev)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	defer rows.Close()
	var r T
	dests := R(&r).dests()
	for rows.Next() {
		r = *new(T) // no value (such as a reused array's backing store) carries over
		if err := rows.Scan(dests...); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		if err := add(&r); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

// children runs q, which selects the child rows of one table for the
// revision ($1) ordered by owner and then ordinal, and calls add with each
// row's owner, found by find (nil if there is none), so each owner's list is
// appended in order. Consecutive rows of one owner look it up once.
func children[O, T any, R childRow[T]](l *loader, q, what string, find func(id string) *O, add func(*O, *T)) error {
	var last string
	var o *O
	return each[T, R](l, q, what, func(r *T) error {
		if id := R(r).owner(); o == nil || id != last {
			if o = find(id); o == nil {
				return fmt.Errorf("a row of unknown owner %q", id)
			}
			last = id
		}
		add(o, r)
		return nil
	})
}

// byID finds owners in a map from id.
func byID[O any](m map[string]*O) func(string) *O {
	return func(id string) *O { return m[id] }
}

// Row types: one per table (or shape of table); nullable columns use
// sql.Null*, whole numbers int64 (which database/sql assigns without
// formatting and parsing).

type planRow struct {
	ID, Name, Payer, Type string
	AllStates             bool
	BenefitKind           string
	BenefitStartMonth     int64
}

func (r *planRow) dests() []any {
	return []any{&r.ID, &r.Name, &r.Payer, &r.Type, &r.AllStates, &r.BenefitKind, &r.BenefitStartMonth}
}

// textRow is a child row with one text column: a state, note or code.
type textRow struct{ Owner, Text string }

func (r *textRow) dests() []any  { return []any{&r.Owner, &r.Text} }
func (r *textRow) owner() string { return r.Owner }

type sourceRow struct {
	Owner, Title, URL string
	Date              sql.NullTime
}

func (r *sourceRow) dests() []any  { return []any{&r.Owner, &r.Title, &r.URL, &r.Date} }
func (r *sourceRow) owner() string { return r.Owner }

type costSharingRow struct {
	Owner              string
	Ordinal            int64
	Network            string
	EffectiveFrom      sql.NullTime
	EffectiveTo        sql.NullTime
	DeductibleCents    int64
	DeductibleApplies  bool
	CopayCents         int64
	CoinsurancePercent int64
	OOPMaxCents        sql.NullInt64
	BalanceBilling     bool
	Note               string
}

func (r *costSharingRow) dests() []any {
	return []any{&r.Owner, &r.Ordinal, &r.Network, &r.EffectiveFrom, &r.EffectiveTo, &r.DeductibleCents,
		&r.DeductibleApplies, &r.CopayCents, &r.CoinsurancePercent, &r.OOPMaxCents, &r.BalanceBilling, &r.Note}
}
func (r *costSharingRow) owner() string { return r.Owner }

type copayStepRow struct {
	PlanID                                      string
	CostSharingOrdinal, AfterVisits, CopayCents int64
}

func (r *copayStepRow) dests() []any {
	return []any{&r.PlanID, &r.CostSharingOrdinal, &r.AfterVisits, &r.CopayCents}
}

type conditionRow struct{ ID, Name, Evidence string }

func (r *conditionRow) dests() []any { return []any{&r.ID, &r.Name, &r.Evidence} }

type retiredRow struct {
	Owner, Code string
	Until       time.Time
	ReplacedBy  pq.StringArray
}

func (r *retiredRow) dests() []any  { return []any{&r.Owner, &r.Code, &r.Until, &r.ReplacedBy} }
func (r *retiredRow) owner() string { return r.Owner }

type ruleRow struct {
	ID, PlanID                  string
	AllStates, AllConditions    bool
	EffectiveFrom, EffectiveTo  sql.NullTime
	Status, Summary             string
	DiscontinueWhenNotImproving bool
	PriorAuthRequired           sql.NullString
	PriorAuthAfterVisits        int64
	PriorAuthNote               string
	ReferralRequired            bool
	Electroacupuncture          sql.NullBool
	DollarCapCents              sql.NullInt64
	Ordinal                     int64
}

func (r *ruleRow) dests() []any {
	return []any{&r.ID, &r.PlanID, &r.AllStates, &r.AllConditions, &r.EffectiveFrom, &r.EffectiveTo, &r.Status,
		&r.Summary, &r.DiscontinueWhenNotImproving, &r.PriorAuthRequired, &r.PriorAuthAfterVisits,
		&r.PriorAuthNote, &r.ReferralRequired, &r.Electroacupuncture, &r.DollarCapCents, &r.Ordinal}
}

type criterionRow struct{ Owner, ID, Test, Question, Failure string }

func (r *criterionRow) dests() []any  { return []any{&r.Owner, &r.ID, &r.Test, &r.Question, &r.Failure} }
func (r *criterionRow) owner() string { return r.Owner }

type windowRow struct {
	Owner, Period string
	Days, Visits  int64
}

func (r *windowRow) dests() []any  { return []any{&r.Owner, &r.Period, &r.Days, &r.Visits} }
func (r *windowRow) owner() string { return r.Owner }

type extensionRow struct {
	Owner                              string
	Visits                             int64
	Requires, Question, Modifier, Note string
}

func (r *extensionRow) dests() []any {
	return []any{&r.Owner, &r.Visits, &r.Requires, &r.Question, &r.Modifier, &r.Note}
}
func (r *extensionRow) owner() string { return r.Owner }

type providerRow struct {
	Owner, Type                   string
	Eligible, SupervisionRequired bool
	Credentials                   sql.RawBytes // a text[], parsed only when not empty
	Modifier, Note                string
}

func (r *providerRow) dests() []any {
	return []any{&r.Owner, &r.Type, &r.Eligible, &r.SupervisionRequired, &r.Credentials, &r.Modifier, &r.Note}
}
func (r *providerRow) owner() string { return r.Owner }

type modifierRow struct{ Owner, Code, When string }

func (r *modifierRow) dests() []any  { return []any{&r.Owner, &r.Code, &r.When} }
func (r *modifierRow) owner() string { return r.Owner }

type feeScheduleRow struct {
	ID, Name                   string
	PlanID, Payer              sql.NullString
	Network                    string
	EffectiveFrom, EffectiveTo sql.NullTime
}

func (r *feeScheduleRow) dests() []any {
	return []any{&r.ID, &r.Name, &r.PlanID, &r.Payer, &r.Network, &r.EffectiveFrom, &r.EffectiveTo}
}

type amountRow struct {
	Owner, CPT string
	Cents      int64
}

func (r *amountRow) dests() []any  { return []any{&r.Owner, &r.CPT, &r.Cents} }
func (r *amountRow) owner() string { return r.Owner }

type cashPriceRow struct {
	Ordinal                        int64
	State                          sql.NullString
	FirstVisitCents, FollowUpCents int64
}

func (r *cashPriceRow) dests() []any {
	return []any{&r.Ordinal, &r.State, &r.FirstVisitCents, &r.FollowUpCents}
}

type cashSourceRow struct {
	Owner      int64
	Title, URL string
	Date       sql.NullTime
}

func (r *cashSourceRow) dests() []any { return []any{&r.Owner, &r.Title, &r.URL, &r.Date} }

// ptr returns a pointer to a copy of v (row values are reused from row to
// row, so never point into one).
func ptr[T any](v T) *T { return &v }

func date(t sql.NullTime) catalog.Date {
	if !t.Valid {
		return catalog.Date{}
	}
	return catalog.NewDate(t.Time.Date())
}

func (l *loader) source(title, url string, d sql.NullTime) catalog.Source {
	return catalog.Source{Title: l.intern(title), URL: l.intern(url), Date: date(d)}
}

// loadSettings apply to the load transaction only. Every child query asks
// for its rows by owner and ordinal, which is the order of the table's
// primary key: walking that index costs nothing per row, where sorting a
// million rows (the planner's choice for a whole revision) costs most of the
// query, and more under a linguistic collation.
const loadSettings = `SET LOCAL enable_sort = off`

// loadLegacyRevision reads version-1 revision rev into a canonical Snapshot. Lists come back
// in import order (every table has an ordinal), so the snapshot hashes as it
// did when imported.
func loadLegacyRevision(ctx context.Context, tx *sqlx.Tx, rev int64) (*catalog.Snapshot, error) {
	if _, err := tx.ExecContext(ctx, loadSettings); err != nil {
		return nil, err
	}
	l := &loader{ctx: ctx, tx: tx, rev: rev, refs: map[string]textRef{}, cents: map[int64]*int64{}}
	s := &catalog.Snapshot{Revision: strconv.FormatInt(rev, 10)}
	for _, step := range []func(*catalog.Snapshot) error{l.plans, l.conditions, l.rules, l.feeSchedules, l.cashPrices} {
		if err := step(s); err != nil {
			return nil, notMigrated(err)
		}
	}
	return catalog.Canonical(s), nil
}

func (l *loader) plans(s *catalog.Snapshot) error {
	const q = `
		SELECT id, name, payer, type, all_states, benefit_kind, benefit_start_month
		FROM plans WHERE revision_id = $1 ORDER BY ordinal`
	owner := map[string]*catalog.Plan{}
	err := each(l, q, "plans", func(r *planRow) error {
		s.Plans = append(s.Plans, catalog.Plan{
			ID: r.ID, Name: r.Name, Payer: l.intern(r.Payer), Type: catalog.PlanType(l.intern(r.Type)),
			States: catalog.Scope{All: r.AllStates},
			BenefitPeriod: catalog.BenefitPeriod{
				Kind: catalog.BenefitKind(l.intern(r.BenefitKind)), StartMonth: int(r.BenefitStartMonth)},
		})
		return nil
	})
	if err != nil {
		return err
	}
	for i := range s.Plans {
		owner[s.Plans[i].ID] = &s.Plans[i]
	}

	const qStates = `
		SELECT plan_id, state FROM plan_states
		WHERE revision_id = $1 ORDER BY plan_id, ordinal`
	err = children(l, qStates, "plan states", byID(owner), func(p *catalog.Plan, r *textRow) {
		p.States.Items = append(p.States.Items, l.intern(r.Text))
	})
	if err != nil {
		return err
	}

	const qCost = `
		SELECT plan_id, ordinal, network, effective_from, effective_to, deductible_cents,
		       deductible_applies, copay_cents, coinsurance_percent, oop_max_cents,
		       balance_billing, note
		FROM plan_cost_sharing WHERE revision_id = $1 ORDER BY plan_id, ordinal`
	type csKey struct {
		plan    string
		ordinal int64
	}
	csIndex := map[csKey]int{} // → index in the plan's CostSharing
	err = children(l, qCost, "plan cost sharing", byID(owner), func(p *catalog.Plan, r *costSharingRow) {
		c := catalog.CostSharing{
			Network: catalog.Network(l.intern(r.Network)), EffectiveFrom: date(r.EffectiveFrom), EffectiveTo: date(r.EffectiveTo),
			DeductibleCents: r.DeductibleCents, DeductibleApplies: r.DeductibleApplies,
			CopayCents: r.CopayCents, CoinsurancePercent: int(r.CoinsurancePercent),
			BalanceBilling: r.BalanceBilling, Note: l.intern(r.Note),
		}
		if r.OOPMaxCents.Valid {
			c.OOPMaxCents = ptr(r.OOPMaxCents.Int64)
		}
		csIndex[csKey{p.ID, r.Ordinal}] = len(p.CostSharing)
		p.CostSharing = append(p.CostSharing, c)
	})
	if err != nil {
		return err
	}

	const qSteps = `
		SELECT plan_id, cost_sharing_ordinal, after_visits, copay_cents
		FROM plan_copay_steps WHERE revision_id = $1 ORDER BY plan_id, cost_sharing_ordinal, ordinal`
	err = each(l, qSteps, "plan copay steps", func(r *copayStepRow) error {
		p := owner[r.PlanID]
		i, ok := csIndex[csKey{r.PlanID, r.CostSharingOrdinal}]
		if p == nil || !ok {
			return fmt.Errorf("a row of unknown cost sharing %s/%d", r.PlanID, r.CostSharingOrdinal)
		}
		c := &p.CostSharing[i]
		c.CopaySteps = append(c.CopaySteps, catalog.CopayStep{AfterVisits: int(r.AfterVisits), CopayCents: r.CopayCents})
		return nil
	})
	if err != nil {
		return err
	}

	const qNotes = `
		SELECT plan_id, note FROM plan_notes
		WHERE revision_id = $1 ORDER BY plan_id, ordinal`
	err = children(l, qNotes, "plan notes", byID(owner), func(p *catalog.Plan, r *textRow) {
		p.Notes = append(p.Notes, l.intern(r.Text))
	})
	if err != nil {
		return err
	}

	const qSources = `
		SELECT plan_id, title, url, date FROM plan_sources
		WHERE revision_id = $1 ORDER BY plan_id, ordinal`
	return children(l, qSources, "plan sources", byID(owner), func(p *catalog.Plan, r *sourceRow) {
		p.Sources = append(p.Sources, l.source(r.Title, r.URL, r.Date))
	})
}

func (l *loader) conditions(s *catalog.Snapshot) error {
	const q = `SELECT id, name, evidence FROM conditions WHERE revision_id = $1 ORDER BY ordinal`
	err := each(l, q, "conditions", func(r *conditionRow) error {
		s.Conditions = append(s.Conditions, catalog.Condition{ID: l.intern(r.ID), Name: r.Name, Evidence: r.Evidence})
		return nil
	})
	if err != nil {
		return err
	}
	owner := make(map[string]*catalog.Condition, len(s.Conditions))
	for i := range s.Conditions {
		owner[s.Conditions[i].ID] = &s.Conditions[i]
	}

	const qCodes = `
		SELECT condition_id, code FROM condition_icd10_codes
		WHERE revision_id = $1 ORDER BY condition_id, ordinal`
	err = children(l, qCodes, "condition icd10 codes", byID(owner), func(c *catalog.Condition, r *textRow) {
		c.ICD10 = append(c.ICD10, r.Text)
	})
	if err != nil {
		return err
	}

	const qFamilies = `
		SELECT condition_id, family FROM condition_icd10_families
		WHERE revision_id = $1 ORDER BY condition_id, ordinal`
	err = children(l, qFamilies, "condition icd10 families", byID(owner), func(c *catalog.Condition, r *textRow) {
		c.ICD10Families = append(c.ICD10Families, r.Text)
	})
	if err != nil {
		return err
	}

	const qRetired = `
		SELECT condition_id, code, until, replaced_by FROM condition_retired_codes
		WHERE revision_id = $1 ORDER BY condition_id, ordinal`
	err = children(l, qRetired, "condition retired codes", byID(owner), func(c *catalog.Condition, r *retiredRow) {
		c.RetiredICD10 = append(c.RetiredICD10, catalog.RetiredCode{
			Code: r.Code, Until: catalog.NewDate(r.Until.Date()), ReplacedBy: []string(r.ReplacedBy)})
	})
	if err != nil {
		return err
	}

	const qSources = `
		SELECT condition_id, title, url, date FROM condition_sources
		WHERE revision_id = $1 ORDER BY condition_id, ordinal`
	return children(l, qSources, "condition sources", byID(owner), func(c *catalog.Condition, r *sourceRow) {
		c.Sources = append(c.Sources, l.source(r.Title, r.URL, r.Date))
	})
}

func (l *loader) feeSchedules(s *catalog.Snapshot) error {
	const q = `
		SELECT id, name, plan_id, payer, network, effective_from, effective_to
		FROM fee_schedules WHERE revision_id = $1 ORDER BY ordinal`
	err := each(l, q, "fee schedules", func(r *feeScheduleRow) error {
		s.FeeSchedules = append(s.FeeSchedules, catalog.FeeSchedule{
			ID: r.ID, Name: r.Name, Plan: l.intern(r.PlanID.String), Payer: l.intern(r.Payer.String),
			Network: catalog.Network(l.intern(r.Network)), EffectiveFrom: date(r.EffectiveFrom), EffectiveTo: date(r.EffectiveTo),
			AmountsCents: map[string]int64{},
		})
		return nil
	})
	if err != nil {
		return err
	}
	owner := make(map[string]*catalog.FeeSchedule, len(s.FeeSchedules))
	for i := range s.FeeSchedules {
		owner[s.FeeSchedules[i].ID] = &s.FeeSchedules[i]
	}

	const qAmounts = `
		SELECT fee_schedule_id, cpt, cents FROM fee_schedule_amounts
		WHERE revision_id = $1 ORDER BY fee_schedule_id`
	err = children(l, qAmounts, "fee schedule amounts", byID(owner), func(f *catalog.FeeSchedule, r *amountRow) {
		f.AmountsCents[l.intern(r.CPT)] = r.Cents
	})
	if err != nil {
		return err
	}

	const qNotes = `
		SELECT fee_schedule_id, note FROM fee_schedule_notes
		WHERE revision_id = $1 ORDER BY fee_schedule_id, ordinal`
	err = children(l, qNotes, "fee schedule notes", byID(owner), func(f *catalog.FeeSchedule, r *textRow) {
		f.Notes = append(f.Notes, l.intern(r.Text))
	})
	if err != nil {
		return err
	}

	const qSources = `
		SELECT fee_schedule_id, title, url, date FROM fee_schedule_sources
		WHERE revision_id = $1 ORDER BY fee_schedule_id, ordinal`
	return children(l, qSources, "fee schedule sources", byID(owner), func(f *catalog.FeeSchedule, r *sourceRow) {
		f.Sources = append(f.Sources, l.source(r.Title, r.URL, r.Date))
	})
}

func (l *loader) cashPrices(s *catalog.Snapshot) error {
	const q = `
		SELECT ordinal, state, first_visit_cents, follow_up_cents
		FROM cash_prices WHERE revision_id = $1 ORDER BY ordinal`
	var ordinals []int64
	err := each(l, q, "cash prices", func(r *cashPriceRow) error {
		s.CashPrices = append(s.CashPrices, catalog.CashPrice{
			State: l.intern(r.State.String), FirstVisitCents: r.FirstVisitCents, FollowUpCents: r.FollowUpCents})
		ordinals = append(ordinals, r.Ordinal)
		return nil
	})
	if err != nil {
		return err
	}
	byOrdinal := make(map[int64]*catalog.CashPrice, len(s.CashPrices))
	for i, o := range ordinals {
		byOrdinal[o] = &s.CashPrices[i]
	}

	const qSources = `
		SELECT cash_price_ordinal, title, url, date FROM cash_price_sources
		WHERE revision_id = $1 ORDER BY cash_price_ordinal, ordinal`
	return each(l, qSources, "cash price sources", func(r *cashSourceRow) error {
		c := byOrdinal[r.Owner]
		if c == nil {
			return fmt.Errorf("a row of unknown cash price %d", r.Owner)
		}
		c.Sources = append(c.Sources, l.source(r.Title, r.URL, r.Date))
		return nil
	})
}
