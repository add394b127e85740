package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/acucover/acucover/internal/catalog"
	"github.com/acucover/acucover/internal/history"
)

// Revision describes one stored catalog revision. It is history.Revision, so
// the HTTP API can list revisions without importing this package.
type Revision = history.Revision

// LoadCatalog reads the head revision: the catalog being served. It reads
// every table in one read-only REPEATABLE READ transaction, so the snapshot is
// one whole revision even while an import runs. Snapshot.Revision is the
// revision id. Errors wrap ErrNoCatalog before the first import and
// ErrNotMigrated before the schema exists. It is a catalog.Loader.
func (db *DB) LoadCatalog(ctx context.Context) (*catalog.Snapshot, error) {
	var s *catalog.Snapshot
	err := db.inTx(ctx, readSnapshot, func(tx *sqlx.Tx) error {
		id, err := headRevision(ctx, tx)
		if err != nil {
			return err
		}
		s, err = loadRevision(ctx, tx, id)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("load catalog: %w", err)
	}
	return s, nil
}

// LoadRevision reads the revision with id, current or not. Errors wrap
// ErrUnknownRevision if there is none.
func (db *DB) LoadRevision(ctx context.Context, id string) (*catalog.Snapshot, error) {
	var s *catalog.Snapshot
	err := db.inTx(ctx, readSnapshot, func(tx *sqlx.Tx) error {
		n, err := strconv.ParseInt(id, 10, 64)
		if err != nil {
			return fmt.Errorf("%w %q: revision ids are whole numbers", ErrUnknownRevision, id)
		}
		const q = `SELECT EXISTS (SELECT 1 FROM catalog_revisions WHERE id = $1)`
		var ok bool
		if err := tx.GetContext(ctx, &ok, q, n); err != nil {
			return notMigrated(err)
		}
		if !ok {
			return fmt.Errorf("%w %s", ErrUnknownRevision, id)
		}
		s, err = loadRevision(ctx, tx, n)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("load catalog revision %s: %w", id, err)
	}
	return s, nil
}

// HeadRevision returns the id of the revision being served. It is one cheap
// query, for polling. Errors wrap ErrNoCatalog or ErrNotMigrated.
func (db *DB) HeadRevision(ctx context.Context) (string, error) {
	id, err := headRevision(ctx, db.db)
	if err != nil {
		return "", fmt.Errorf("head revision: %w", err)
	}
	return strconv.FormatInt(id, 10), nil
}

// Revisions lists every stored revision, newest first.
func (db *DB) Revisions(ctx context.Context) ([]Revision, error) {
	const q = `
		SELECT r.id, r.created_at, r.author, r.comment, r.content_hash,
		       coalesce(h.revision_id = r.id, false) AS current
		FROM catalog_revisions r LEFT JOIN catalog_head h ON true
		ORDER BY r.id DESC`
	var rows []struct {
		ID          int64     `db:"id"`
		CreatedAt   time.Time `db:"created_at"`
		Author      string    `db:"author"`
		Comment     string    `db:"comment"`
		ContentHash string    `db:"content_hash"`
		Current     bool      `db:"current"`
	}
	if err := db.db.SelectContext(ctx, &rows, q); err != nil {
		return nil, fmt.Errorf("list revisions: %w", notMigrated(err))
	}
	out := make([]Revision, len(rows))
	for i, r := range rows {
		out[i] = Revision{ID: strconv.FormatInt(r.ID, 10), CreatedAt: r.CreatedAt, Author: r.Author,
			Comment: r.Comment, ContentHash: r.ContentHash, Current: r.Current}
	}
	return out, nil
}

func headRevision(ctx context.Context, q sqlx.QueryerContext) (int64, error) {
	const query = `SELECT revision_id FROM catalog_head`
	var id int64
	err := sqlx.GetContext(ctx, q, &id, query)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, ErrNoCatalog
	}
	if err != nil {
		return 0, notMigrated(err)
	}
	return id, nil
}

func notMigrated(err error) error {
	if undefinedTable(err) {
		return fmt.Errorf("%w (%v)", ErrNotMigrated, err)
	}
	return err
}

// Row types: one per table, scanned with sqlx; nullable columns use sql.Null*.

type planRow struct {
	ID                string `db:"id"`
	Name              string `db:"name"`
	Payer             string `db:"payer"`
	Type              string `db:"type"`
	AllStates         bool   `db:"all_states"`
	BenefitKind       string `db:"benefit_kind"`
	BenefitStartMonth int    `db:"benefit_start_month"`
}

type stateRow struct {
	Owner string `db:"owner"`
	State string `db:"state"`
}

type noteRow struct {
	Owner string `db:"owner"`
	Note  string `db:"note"`
}

type sourceRow struct {
	Owner string       `db:"owner"`
	Title string       `db:"title"`
	URL   string       `db:"url"`
	Date  sql.NullTime `db:"date"`
}

type costSharingRow struct {
	PlanID             string        `db:"plan_id"`
	Ordinal            int           `db:"ordinal"`
	Network            string        `db:"network"`
	EffectiveFrom      sql.NullTime  `db:"effective_from"`
	EffectiveTo        sql.NullTime  `db:"effective_to"`
	DeductibleCents    int64         `db:"deductible_cents"`
	DeductibleApplies  bool          `db:"deductible_applies"`
	CopayCents         int64         `db:"copay_cents"`
	CoinsurancePercent int           `db:"coinsurance_percent"`
	OOPMaxCents        sql.NullInt64 `db:"oop_max_cents"`
	BalanceBilling     bool          `db:"balance_billing"`
	Note               string        `db:"note"`
}

type copayStepRow struct {
	PlanID             string `db:"plan_id"`
	CostSharingOrdinal int    `db:"cost_sharing_ordinal"`
	AfterVisits        int    `db:"after_visits"`
	CopayCents         int64  `db:"copay_cents"`
}

type conditionRow struct {
	ID       string `db:"id"`
	Name     string `db:"name"`
	Evidence string `db:"evidence"`
}

type codeRow struct {
	Owner string `db:"owner"`
	Code  string `db:"code"`
}

type retiredRow struct {
	Owner      string         `db:"owner"`
	Code       string         `db:"code"`
	Until      time.Time      `db:"until"`
	ReplacedBy pq.StringArray `db:"replaced_by"`
}

type ruleRow struct {
	ID                          string         `db:"id"`
	PlanID                      string         `db:"plan_id"`
	AllStates                   bool           `db:"all_states"`
	AllConditions               bool           `db:"all_conditions"`
	EffectiveFrom               sql.NullTime   `db:"effective_from"`
	EffectiveTo                 sql.NullTime   `db:"effective_to"`
	Status                      string         `db:"status"`
	Summary                     string         `db:"summary"`
	DiscontinueWhenNotImproving bool           `db:"discontinue_when_not_improving"`
	PriorAuthRequired           sql.NullString `db:"prior_auth_required"`
	PriorAuthAfterVisits        int            `db:"prior_auth_after_visits"`
	PriorAuthNote               string         `db:"prior_auth_note"`
	ReferralRequired            bool           `db:"referral_required"`
	Electroacupuncture          sql.NullBool   `db:"electroacupuncture"`
	DollarCapCents              sql.NullInt64  `db:"dollar_cap_cents"`
}

type criterionRow struct {
	Owner    string `db:"owner"`
	ID       string `db:"id"`
	Test     string `db:"test"`
	Question string `db:"question"`
	Failure  string `db:"failure"`
}

type windowRow struct {
	Owner  string `db:"owner"`
	Period string `db:"period"`
	Days   int    `db:"days"`
	Visits int    `db:"visits"`
}

type extensionRow struct {
	Owner    string `db:"owner"`
	Visits   int    `db:"visits"`
	Requires string `db:"requires"`
	Question string `db:"question"`
	Modifier string `db:"modifier"`
	Note     string `db:"note"`
}

type providerRow struct {
	Owner               string         `db:"owner"`
	Type                string         `db:"type"`
	Eligible            bool           `db:"eligible"`
	SupervisionRequired bool           `db:"supervision_required"`
	Credentials         pq.StringArray `db:"credentials"`
	Modifier            string         `db:"modifier"`
	Note                string         `db:"note"`
}

type modifierRow struct {
	Owner string `db:"owner"`
	Code  string `db:"code"`
	When  string `db:"when"`
}

type feeScheduleRow struct {
	ID            string         `db:"id"`
	Name          string         `db:"name"`
	PlanID        sql.NullString `db:"plan_id"`
	Payer         sql.NullString `db:"payer"`
	Network       string         `db:"network"`
	EffectiveFrom sql.NullTime   `db:"effective_from"`
	EffectiveTo   sql.NullTime   `db:"effective_to"`
}

type amountRow struct {
	Owner string `db:"owner"`
	CPT   string `db:"cpt"`
	Cents int64  `db:"cents"`
}

type cashPriceRow struct {
	Ordinal         int            `db:"ordinal"`
	State           sql.NullString `db:"state"`
	FirstVisitCents int64          `db:"first_visit_cents"`
	FollowUpCents   int64          `db:"follow_up_cents"`
}

type cashSourceRow struct {
	Owner int          `db:"owner"`
	Title string       `db:"title"`
	URL   string       `db:"url"`
	Date  sql.NullTime `db:"date"`
}

func date(t sql.NullTime) catalog.Date {
	if !t.Valid {
		return catalog.Date{}
	}
	return catalog.NewDate(t.Time.Date())
}

func (r sourceRow) source() catalog.Source {
	return catalog.Source{Title: r.Title, URL: r.URL, Date: date(r.Date)}
}

// loader reads one revision's tables inside a transaction.
type loader struct {
	ctx context.Context
	tx  *sqlx.Tx
	rev int64
}

// selectRows runs q with the revision id as $1 and scans every row into dest.
func (l *loader) selectRows(dest any, q string) error {
	return l.tx.SelectContext(l.ctx, dest, q, l.rev)
}

// loadRevision reads revision rev into a canonical Snapshot. Lists come back
// in import order (every table has an ordinal), so the snapshot hashes as it
// did when imported.
func loadRevision(ctx context.Context, tx *sqlx.Tx, rev int64) (*catalog.Snapshot, error) {
	l := &loader{ctx: ctx, tx: tx, rev: rev}
	s := &catalog.Snapshot{Revision: strconv.FormatInt(rev, 10)}
	for _, step := range []func(*catalog.Snapshot) error{l.plans, l.conditions, l.rules, l.feeSchedules, l.cashPrices} {
		if err := step(s); err != nil {
			return nil, notMigrated(err)
		}
	}
	return canonical(s), nil
}

func (l *loader) plans(s *catalog.Snapshot) error {
	const q = `
		SELECT id, name, payer, type, all_states, benefit_kind, benefit_start_month
		FROM plans WHERE revision_id = $1 ORDER BY ordinal`
	var rows []planRow
	if err := l.selectRows(&rows, q); err != nil {
		return fmt.Errorf("plans: %w", err)
	}
	s.Plans = make([]catalog.Plan, len(rows))
	byID := make(map[string]*catalog.Plan, len(rows))
	for i, r := range rows {
		s.Plans[i] = catalog.Plan{
			ID: r.ID, Name: r.Name, Payer: r.Payer, Type: catalog.PlanType(r.Type),
			States:        catalog.Scope{All: r.AllStates},
			BenefitPeriod: catalog.BenefitPeriod{Kind: catalog.BenefitKind(r.BenefitKind), StartMonth: r.BenefitStartMonth},
		}
		byID[r.ID] = &s.Plans[i]
	}

	const qStates = `SELECT plan_id AS owner, state FROM plan_states WHERE revision_id = $1 ORDER BY plan_id, ordinal`
	var states []stateRow
	if err := l.selectRows(&states, qStates); err != nil {
		return fmt.Errorf("plan states: %w", err)
	}
	for _, r := range states {
		p := byID[r.Owner]
		p.States.Items = append(p.States.Items, r.State)
	}

	const qCost = `
		SELECT plan_id, ordinal, network, effective_from, effective_to, deductible_cents,
		       deductible_applies, copay_cents, coinsurance_percent, oop_max_cents,
		       balance_billing, note
		FROM plan_cost_sharing WHERE revision_id = $1 ORDER BY plan_id, ordinal`
	var costs []costSharingRow
	if err := l.selectRows(&costs, qCost); err != nil {
		return fmt.Errorf("plan cost sharing: %w", err)
	}
	type csKey struct {
		plan    string
		ordinal int
	}
	csIndex := map[csKey]int{} // → index in the plan's CostSharing
	for _, r := range costs {
		p := byID[r.PlanID]
		c := catalog.CostSharing{
			Network: catalog.Network(r.Network), EffectiveFrom: date(r.EffectiveFrom), EffectiveTo: date(r.EffectiveTo),
			DeductibleCents: r.DeductibleCents, DeductibleApplies: r.DeductibleApplies,
			CopayCents: r.CopayCents, CoinsurancePercent: r.CoinsurancePercent,
			BalanceBilling: r.BalanceBilling, Note: r.Note,
		}
		if r.OOPMaxCents.Valid {
			c.OOPMaxCents = &r.OOPMaxCents.Int64
		}
		csIndex[csKey{r.PlanID, r.Ordinal}] = len(p.CostSharing)
		p.CostSharing = append(p.CostSharing, c)
	}

	const qSteps = `
		SELECT plan_id, cost_sharing_ordinal, after_visits, copay_cents
		FROM plan_copay_steps WHERE revision_id = $1 ORDER BY plan_id, cost_sharing_ordinal, ordinal`
	var steps []copayStepRow
	if err := l.selectRows(&steps, qSteps); err != nil {
		return fmt.Errorf("plan copay steps: %w", err)
	}
	for _, r := range steps {
		c := &byID[r.PlanID].CostSharing[csIndex[csKey{r.PlanID, r.CostSharingOrdinal}]]
		c.CopaySteps = append(c.CopaySteps, catalog.CopayStep{AfterVisits: r.AfterVisits, CopayCents: r.CopayCents})
	}

	const qNotes = `SELECT plan_id AS owner, note FROM plan_notes WHERE revision_id = $1 ORDER BY plan_id, ordinal`
	var notes []noteRow
	if err := l.selectRows(&notes, qNotes); err != nil {
		return fmt.Errorf("plan notes: %w", err)
	}
	for _, r := range notes {
		p := byID[r.Owner]
		p.Notes = append(p.Notes, r.Note)
	}

	const qSources = `SELECT plan_id AS owner, title, url, date FROM plan_sources WHERE revision_id = $1 ORDER BY plan_id, ordinal`
	var sources []sourceRow
	if err := l.selectRows(&sources, qSources); err != nil {
		return fmt.Errorf("plan sources: %w", err)
	}
	for _, r := range sources {
		p := byID[r.Owner]
		p.Sources = append(p.Sources, r.source())
	}
	return nil
}

func (l *loader) conditions(s *catalog.Snapshot) error {
	const q = `SELECT id, name, evidence FROM conditions WHERE revision_id = $1 ORDER BY ordinal`
	var rows []conditionRow
	if err := l.selectRows(&rows, q); err != nil {
		return fmt.Errorf("conditions: %w", err)
	}
	s.Conditions = make([]catalog.Condition, len(rows))
	byID := make(map[string]*catalog.Condition, len(rows))
	for i, r := range rows {
		s.Conditions[i] = catalog.Condition{ID: r.ID, Name: r.Name, Evidence: r.Evidence}
		byID[r.ID] = &s.Conditions[i]
	}

	const qCodes = `
		SELECT condition_id AS owner, code FROM condition_icd10_codes
		WHERE revision_id = $1 ORDER BY condition_id, ordinal`
	var codes []codeRow
	if err := l.selectRows(&codes, qCodes); err != nil {
		return fmt.Errorf("condition icd10 codes: %w", err)
	}
	for _, r := range codes {
		c := byID[r.Owner]
		c.ICD10 = append(c.ICD10, r.Code)
	}

	const qFamilies = `
		SELECT condition_id AS owner, family AS code FROM condition_icd10_families
		WHERE revision_id = $1 ORDER BY condition_id, ordinal`
	var families []codeRow
	if err := l.selectRows(&families, qFamilies); err != nil {
		return fmt.Errorf("condition icd10 families: %w", err)
	}
	for _, r := range families {
		c := byID[r.Owner]
		c.ICD10Families = append(c.ICD10Families, r.Code)
	}

	const qRetired = `
		SELECT condition_id AS owner, code, until, replaced_by FROM condition_retired_codes
		WHERE revision_id = $1 ORDER BY condition_id, ordinal`
	var retired []retiredRow
	if err := l.selectRows(&retired, qRetired); err != nil {
		return fmt.Errorf("condition retired codes: %w", err)
	}
	for _, r := range retired {
		c := byID[r.Owner]
		c.RetiredICD10 = append(c.RetiredICD10, catalog.RetiredCode{
			Code: r.Code, Until: catalog.NewDate(r.Until.Date()), ReplacedBy: []string(r.ReplacedBy)})
	}

	const qSources = `
		SELECT condition_id AS owner, title, url, date FROM condition_sources
		WHERE revision_id = $1 ORDER BY condition_id, ordinal`
	var sources []sourceRow
	if err := l.selectRows(&sources, qSources); err != nil {
		return fmt.Errorf("condition sources: %w", err)
	}
	for _, r := range sources {
		c := byID[r.Owner]
		c.Sources = append(c.Sources, r.source())
	}
	return nil
}

func (l *loader) rules(s *catalog.Snapshot) error {
	const q = `
		SELECT id, plan_id, all_states, all_conditions, effective_from, effective_to, status,
		       summary, discontinue_when_not_improving, prior_auth_required,
		       prior_auth_after_visits, prior_auth_note, referral_required,
		       electroacupuncture, dollar_cap_cents
		FROM rules WHERE revision_id = $1 ORDER BY ordinal`
	var rows []ruleRow
	if err := l.selectRows(&rows, q); err != nil {
		return fmt.Errorf("rules: %w", err)
	}
	s.Rules = make([]catalog.Rule, len(rows))
	byID := make(map[string]*catalog.Rule, len(rows))
	for i, r := range rows {
		rule := catalog.Rule{
			ID: r.ID, Plan: r.PlanID,
			States:        catalog.Scope{All: r.AllStates},
			Conditions:    catalog.Scope{All: r.AllConditions},
			EffectiveFrom: date(r.EffectiveFrom), EffectiveTo: date(r.EffectiveTo),
			Status: catalog.Status(r.Status), Summary: r.Summary,
			DiscontinueWhenNotImproving: r.DiscontinueWhenNotImproving,
			PriorAuthorization: catalog.PriorAuth{
				Required: catalog.AuthWhen(r.PriorAuthRequired.String), AfterVisits: r.PriorAuthAfterVisits, Note: r.PriorAuthNote},
			ReferralRequired: r.ReferralRequired,
		}
		if r.Electroacupuncture.Valid {
			rule.Electroacupuncture = &r.Electroacupuncture.Bool
		}
		if r.DollarCapCents.Valid {
			rule.Limits.DollarCapCents = &r.DollarCapCents.Int64
		}
		s.Rules[i] = rule
		byID[r.ID] = &s.Rules[i]
	}

	const qStates = `SELECT rule_id AS owner, state FROM rule_states WHERE revision_id = $1 ORDER BY rule_id, ordinal`
	var states []stateRow
	if err := l.selectRows(&states, qStates); err != nil {
		return fmt.Errorf("rule states: %w", err)
	}
	for _, r := range states {
		rule := byID[r.Owner]
		rule.States.Items = append(rule.States.Items, r.State)
	}

	const qConds = `
		SELECT rule_id AS owner, condition_id AS state FROM rule_conditions
		WHERE revision_id = $1 ORDER BY rule_id, ordinal`
	var conds []stateRow
	if err := l.selectRows(&conds, qConds); err != nil {
		return fmt.Errorf("rule conditions: %w", err)
	}
	for _, r := range conds {
		rule := byID[r.Owner]
		rule.Conditions.Items = append(rule.Conditions.Items, r.State)
	}

	const qCriteria = `
		SELECT rule_id AS owner, id, test, question, failure FROM rule_criteria
		WHERE revision_id = $1 ORDER BY rule_id, ordinal`
	var criteria []criterionRow
	if err := l.selectRows(&criteria, qCriteria); err != nil {
		return fmt.Errorf("rule criteria: %w", err)
	}
	for _, r := range criteria {
		rule := byID[r.Owner]
		rule.Criteria = append(rule.Criteria, catalog.Criterion{ID: r.ID, Test: r.Test, Question: r.Question, Failure: r.Failure})
	}

	const qWindows = `
		SELECT rule_id AS owner, period, days, visits FROM rule_limit_windows
		WHERE revision_id = $1 ORDER BY rule_id, ordinal`
	var windows []windowRow
	if err := l.selectRows(&windows, qWindows); err != nil {
		return fmt.Errorf("rule limit windows: %w", err)
	}
	for _, r := range windows {
		rule := byID[r.Owner]
		rule.Limits.Windows = append(rule.Limits.Windows, catalog.Window{Period: catalog.Period(r.Period), Days: r.Days, Visits: r.Visits})
	}

	const qExtensions = `
		SELECT rule_id AS owner, visits, requires, question, modifier, note FROM rule_extensions
		WHERE revision_id = $1 ORDER BY rule_id, ordinal`
	var extensions []extensionRow
	if err := l.selectRows(&extensions, qExtensions); err != nil {
		return fmt.Errorf("rule extensions: %w", err)
	}
	for _, r := range extensions {
		rule := byID[r.Owner]
		rule.Limits.Extensions = append(rule.Limits.Extensions, catalog.Extension{
			Visits: r.Visits, Requires: r.Requires, Question: r.Question, Modifier: r.Modifier, Note: r.Note})
	}

	const qProviders = `
		SELECT rule_id AS owner, type, eligible, supervision_required, credentials, modifier, note
		FROM rule_providers WHERE revision_id = $1 ORDER BY rule_id, ordinal`
	var providers []providerRow
	if err := l.selectRows(&providers, qProviders); err != nil {
		return fmt.Errorf("rule providers: %w", err)
	}
	for _, r := range providers {
		rule := byID[r.Owner]
		rule.Providers = append(rule.Providers, catalog.ProviderRule{
			Type: r.Type, Eligible: r.Eligible, SupervisionRequired: r.SupervisionRequired,
			Credentials: []string(r.Credentials), Modifier: r.Modifier, Note: r.Note})
	}

	const qCPT = `SELECT rule_id AS owner, code FROM rule_billing_cpt WHERE revision_id = $1 ORDER BY rule_id, ordinal`
	var cpts []codeRow
	if err := l.selectRows(&cpts, qCPT); err != nil {
		return fmt.Errorf("rule billing cpt: %w", err)
	}
	for _, r := range cpts {
		rule := byID[r.Owner]
		rule.Billing.CPT = append(rule.Billing.CPT, r.Code)
	}

	const qModifiers = `
		SELECT rule_id AS owner, code, "when" FROM rule_billing_modifiers
		WHERE revision_id = $1 ORDER BY rule_id, ordinal`
	var modifiers []modifierRow
	if err := l.selectRows(&modifiers, qModifiers); err != nil {
		return fmt.Errorf("rule billing modifiers: %w", err)
	}
	for _, r := range modifiers {
		rule := byID[r.Owner]
		rule.Billing.Modifiers = append(rule.Billing.Modifiers, catalog.Modifier{Code: r.Code, When: r.When})
	}

	const qBillingNotes = `
		SELECT rule_id AS owner, note FROM rule_billing_notes
		WHERE revision_id = $1 ORDER BY rule_id, ordinal`
	var billingNotes []noteRow
	if err := l.selectRows(&billingNotes, qBillingNotes); err != nil {
		return fmt.Errorf("rule billing notes: %w", err)
	}
	for _, r := range billingNotes {
		rule := byID[r.Owner]
		rule.Billing.Notes = append(rule.Billing.Notes, r.Note)
	}

	const qNotes = `SELECT rule_id AS owner, note FROM rule_notes WHERE revision_id = $1 ORDER BY rule_id, ordinal`
	var notes []noteRow
	if err := l.selectRows(&notes, qNotes); err != nil {
		return fmt.Errorf("rule notes: %w", err)
	}
	for _, r := range notes {
		rule := byID[r.Owner]
		rule.Notes = append(rule.Notes, r.Note)
	}

	const qSources = `
		SELECT rule_id AS owner, title, url, date FROM rule_sources
		WHERE revision_id = $1 ORDER BY rule_id, ordinal`
	var sources []sourceRow
	if err := l.selectRows(&sources, qSources); err != nil {
		return fmt.Errorf("rule sources: %w", err)
	}
	for _, r := range sources {
		rule := byID[r.Owner]
		rule.Sources = append(rule.Sources, r.source())
	}
	return nil
}

func (l *loader) feeSchedules(s *catalog.Snapshot) error {
	const q = `
		SELECT id, name, plan_id, payer, network, effective_from, effective_to
		FROM fee_schedules WHERE revision_id = $1 ORDER BY ordinal`
	var rows []feeScheduleRow
	if err := l.selectRows(&rows, q); err != nil {
		return fmt.Errorf("fee schedules: %w", err)
	}
	s.FeeSchedules = make([]catalog.FeeSchedule, len(rows))
	byID := make(map[string]*catalog.FeeSchedule, len(rows))
	for i, r := range rows {
		s.FeeSchedules[i] = catalog.FeeSchedule{
			ID: r.ID, Name: r.Name, Plan: r.PlanID.String, Payer: r.Payer.String,
			Network: catalog.Network(r.Network), EffectiveFrom: date(r.EffectiveFrom), EffectiveTo: date(r.EffectiveTo),
			AmountsCents: map[string]int64{},
		}
		byID[r.ID] = &s.FeeSchedules[i]
	}

	const qAmounts = `
		SELECT fee_schedule_id AS owner, cpt, cents FROM fee_schedule_amounts
		WHERE revision_id = $1`
	var amounts []amountRow
	if err := l.selectRows(&amounts, qAmounts); err != nil {
		return fmt.Errorf("fee schedule amounts: %w", err)
	}
	for _, r := range amounts {
		byID[r.Owner].AmountsCents[r.CPT] = r.Cents
	}

	const qNotes = `
		SELECT fee_schedule_id AS owner, note FROM fee_schedule_notes
		WHERE revision_id = $1 ORDER BY fee_schedule_id, ordinal`
	var notes []noteRow
	if err := l.selectRows(&notes, qNotes); err != nil {
		return fmt.Errorf("fee schedule notes: %w", err)
	}
	for _, r := range notes {
		f := byID[r.Owner]
		f.Notes = append(f.Notes, r.Note)
	}

	const qSources = `
		SELECT fee_schedule_id AS owner, title, url, date FROM fee_schedule_sources
		WHERE revision_id = $1 ORDER BY fee_schedule_id, ordinal`
	var sources []sourceRow
	if err := l.selectRows(&sources, qSources); err != nil {
		return fmt.Errorf("fee schedule sources: %w", err)
	}
	for _, r := range sources {
		f := byID[r.Owner]
		f.Sources = append(f.Sources, r.source())
	}
	return nil
}

func (l *loader) cashPrices(s *catalog.Snapshot) error {
	const q = `
		SELECT ordinal, state, first_visit_cents, follow_up_cents
		FROM cash_prices WHERE revision_id = $1 ORDER BY ordinal`
	var rows []cashPriceRow
	if err := l.selectRows(&rows, q); err != nil {
		return fmt.Errorf("cash prices: %w", err)
	}
	s.CashPrices = make([]catalog.CashPrice, len(rows))
	byOrdinal := make(map[int]*catalog.CashPrice, len(rows))
	for i, r := range rows {
		s.CashPrices[i] = catalog.CashPrice{State: r.State.String, FirstVisitCents: r.FirstVisitCents, FollowUpCents: r.FollowUpCents}
		byOrdinal[r.Ordinal] = &s.CashPrices[i]
	}

	const qSources = `
		SELECT cash_price_ordinal AS owner, title, url, date FROM cash_price_sources
		WHERE revision_id = $1 ORDER BY cash_price_ordinal, ordinal`
	var sources []cashSourceRow
	if err := l.selectRows(&sources, qSources); err != nil {
		return fmt.Errorf("cash price sources: %w", err)
	}
	for _, r := range sources {
		c := byOrdinal[r.Owner]
		c.Sources = append(c.Sources, catalog.Source{Title: r.Title, URL: r.URL, Date: date(r.Date)})
	}
	return nil
}
