package postgres

// The version-1 writer, kept for the tests of migration 0003: it stores a
// revision as 0001_catalog's tables did.

import (
	"context"
	"fmt"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/acucover/acucover/internal/catalog"
)

// WriteLegacyRevision stores snap as a new version-1 revision and makes it
// head, on a database migrated to version 2.
func WriteLegacyRevision(ctx context.Context, db *DB, snap *catalog.Snapshot, author string) (int64, error) {
	c := catalog.Canonical(snap)
	var id int64
	err := db.inTx(ctx, nil, func(tx *sqlx.Tx) error {
		h, err := catalog.ContentHash(c)
		if err != nil {
			return err
		}
		const q = `INSERT INTO catalog_revisions (author, comment, content_hash) VALUES ($1, '', $2) RETURNING id`
		if err := tx.GetContext(ctx, &id, q, author, h); err != nil {
			return err
		}
		w := &writer{ctx: ctx, tx: tx, rev: id}
		for _, step := range []func(*catalog.Snapshot) error{w.plans, w.conditions, w.rules, w.feeSchedules, w.cashPrices} {
			if err := step(c); err != nil {
				return err
			}
		}
		const qHead = `
			INSERT INTO catalog_head (revision_id) VALUES ($1)
			ON CONFLICT (singleton) DO UPDATE SET revision_id = excluded.revision_id`
		_, err = tx.ExecContext(ctx, qHead, id)
		return err
	})
	return id, err
}

// SetLegacyHead points catalog_head at revision id.
func SetLegacyHead(ctx context.Context, db *DB, id int64) error {
	_, err := db.db.ExecContext(ctx, `UPDATE catalog_head SET revision_id = $1`, id)
	return err
}

// writer streams one revision's rows into the tables with COPY, which is an
// order of magnitude faster than INSERTs for a large catalog.
type writer struct {
	ctx      context.Context
	tx       *sqlx.Tx
	rev      int64
	progress func(Progress)
	tables   []string // written so far
}

// copyIn runs the COPY statement q for table and calls rows with an emit
// function that sends one row (the revision id is prepended). The server
// checks constraints as rows arrive; errors surface at the latest when the
// stream is flushed.
func (w *writer) copyIn(table, q string, rows func(emit func(vals ...any) error) error) error {
	w.tables = append(w.tables, table)
	stmt, err := w.tx.PrepareContext(w.ctx, q)
	if err != nil {
		return fmt.Errorf("%s: %w", table, err)
	}
	defer stmt.Close()
	n := 0
	emit := func(vals ...any) error {
		if _, err := stmt.ExecContext(w.ctx, append([]any{w.rev}, vals...)...); err != nil {
			return err
		}
		n++
		if w.progress != nil && n%progressEvery == 0 {
			w.progress(Progress{Table: table, Rows: n})
		}
		return nil
	}
	if err := rows(emit); err != nil {
		return fmt.Errorf("%s: %w", table, err)
	}
	if _, err := stmt.ExecContext(w.ctx); err != nil { // flush and wait for the server
		return fmt.Errorf("%s: %w", table, err)
	}
	if w.progress != nil {
		w.progress(Progress{Table: table, Rows: n, Done: true})
	}
	return nil
}

// dateVal is a Date as a COPY value: NULL for an open bound.
func dateVal(d catalog.Date) any {
	if d.IsZero() {
		return nil
	}
	return d.String()
}

// nullable is *v or NULL.
func nullable[T any](v *T) any {
	if v == nil {
		return nil
	}
	return *v
}

// nullString is s or NULL when empty.
func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// copyList copies a child table: for each owner, every item of its list,
// each row starting with key(i, owner) and the item's ordinal in the list
// (0, 1, …), then row(item).
func copyList[O, T any](w *writer, table, q string, owners []O, key func(i int, o *O) any, list func(*O) []T, row func(T) []any) error {
	return w.copyIn(table, q, func(emit func(...any) error) error {
		var vals []any
		for i := range owners {
			o := &owners[i]
			for j, item := range list(o) {
				vals = append(append(vals[:0], key(i, o), j), row(item)...)
				if err := emit(vals...); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// Keys of owners in child rows.
func planID(_ int, p *catalog.Plan) any           { return p.ID }
func conditionID(_ int, c *catalog.Condition) any { return c.ID }
func ruleID(_ int, r *catalog.Rule) any           { return r.ID }
func feeScheduleID(_ int, f *catalog.FeeSchedule) any {
	return f.ID
}
func cashPriceOrdinal(i int, _ *catalog.CashPrice) any { return i }

// text and source are the row values of a list of strings and of sources.
func text(s string) []any { return []any{s} }
func source(src catalog.Source) []any {
	return []any{src.Title, src.URL, dateVal(src.Date)}
}

func (w *writer) plans(s *catalog.Snapshot) error {
	const q = `COPY plans (revision_id, id, ordinal, name, payer, type, all_states, benefit_kind, benefit_start_month) FROM STDIN`
	err := w.copyIn("plans", q, func(emit func(...any) error) error {
		for i, p := range s.Plans {
			if err := emit(p.ID, i, p.Name, p.Payer, string(p.Type), p.States.All, string(p.BenefitPeriod.Kind), p.BenefitPeriod.StartMonth); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	const qStates = `COPY plan_states (revision_id, plan_id, ordinal, state) FROM STDIN`
	err = copyList(w, "plan_states", qStates, s.Plans, planID, func(p *catalog.Plan) []string { return p.States.Items }, text)
	if err != nil {
		return err
	}
	const qCost = `
		COPY plan_cost_sharing (revision_id, plan_id, ordinal, network, effective_from, effective_to,
			deductible_cents, deductible_applies, copay_cents, coinsurance_percent, oop_max_cents,
			balance_billing, note) FROM STDIN`
	err = copyList(w, "plan_cost_sharing", qCost, s.Plans, planID, func(p *catalog.Plan) []catalog.CostSharing { return p.CostSharing },
		func(c catalog.CostSharing) []any {
			return []any{string(c.Network), dateVal(c.EffectiveFrom), dateVal(c.EffectiveTo),
				c.DeductibleCents, c.DeductibleApplies, c.CopayCents, c.CoinsurancePercent,
				nullable(c.OOPMaxCents), c.BalanceBilling, c.Note}
		})
	if err != nil {
		return err
	}
	const qSteps = `COPY plan_copay_steps (revision_id, plan_id, cost_sharing_ordinal, ordinal, after_visits, copay_cents) FROM STDIN`
	err = w.copyIn("plan_copay_steps", qSteps, func(emit func(...any) error) error {
		for _, p := range s.Plans {
			for j, c := range p.CostSharing {
				for k, st := range c.CopaySteps {
					if err := emit(p.ID, j, k, st.AfterVisits, st.CopayCents); err != nil {
						return err
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	const qNotes = `COPY plan_notes (revision_id, plan_id, ordinal, note) FROM STDIN`
	err = copyList(w, "plan_notes", qNotes, s.Plans, planID, func(p *catalog.Plan) []string { return p.Notes }, text)
	if err != nil {
		return err
	}
	const qSources = `COPY plan_sources (revision_id, plan_id, ordinal, title, url, date) FROM STDIN`
	return copyList(w, "plan_sources", qSources, s.Plans, planID, func(p *catalog.Plan) []catalog.Source { return p.Sources }, source)
}

func (w *writer) conditions(s *catalog.Snapshot) error {
	const q = `COPY conditions (revision_id, id, ordinal, name, evidence) FROM STDIN`
	err := w.copyIn("conditions", q, func(emit func(...any) error) error {
		for i, c := range s.Conditions {
			if err := emit(c.ID, i, c.Name, c.Evidence); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	const qCodes = `COPY condition_icd10_codes (revision_id, condition_id, ordinal, code) FROM STDIN`
	err = copyList(w, "condition_icd10_codes", qCodes, s.Conditions, conditionID, func(c *catalog.Condition) []string { return c.ICD10 }, text)
	if err != nil {
		return err
	}
	const qFamilies = `COPY condition_icd10_families (revision_id, condition_id, ordinal, family) FROM STDIN`
	err = copyList(w, "condition_icd10_families", qFamilies, s.Conditions, conditionID, func(c *catalog.Condition) []string { return c.ICD10Families }, text)
	if err != nil {
		return err
	}
	const qRetired = `COPY condition_retired_codes (revision_id, condition_id, ordinal, code, until, replaced_by) FROM STDIN`
	err = copyList(w, "condition_retired_codes", qRetired, s.Conditions, conditionID, func(c *catalog.Condition) []catalog.RetiredCode { return c.RetiredICD10 },
		func(r catalog.RetiredCode) []any {
			return []any{r.Code, dateVal(r.Until), pq.StringArray(r.ReplacedBy)}
		})
	if err != nil {
		return err
	}
	const qSources = `COPY condition_sources (revision_id, condition_id, ordinal, title, url, date) FROM STDIN`
	return copyList(w, "condition_sources", qSources, s.Conditions, conditionID, func(c *catalog.Condition) []catalog.Source { return c.Sources }, source)
}

func (w *writer) rules(s *catalog.Snapshot) error {
	rules := make([]catalog.Rule, len(s.Rules))
	for i, r := range s.Rules {
		rules[i] = *r
	}
	const q = `
		COPY rules (revision_id, id, ordinal, plan_id, all_states, all_conditions, effective_from,
			effective_to, status, summary, discontinue_when_not_improving, prior_auth_required,
			prior_auth_after_visits, prior_auth_note, referral_required, electroacupuncture,
			dollar_cap_cents) FROM STDIN`
	err := w.copyIn("rules", q, func(emit func(...any) error) error {
		for i, r := range rules {
			pa := r.PriorAuthorization
			if err := emit(r.ID, i, r.Plan, r.States.All, r.Conditions.All, dateVal(r.EffectiveFrom),
				dateVal(r.EffectiveTo), string(r.Status), r.Summary, r.DiscontinueWhenNotImproving,
				nullString(string(pa.Required)), pa.AfterVisits, pa.Note, r.ReferralRequired,
				nullable(r.Electroacupuncture), nullable(r.Limits.DollarCapCents)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	// Each child table is one pass over the rules; children of one rule are
	// numbered from 0 in list order.
	const qStates = `COPY rule_states (revision_id, rule_id, ordinal, state) FROM STDIN`
	if err := copyList(w, "rule_states", qStates, rules, ruleID, func(r *catalog.Rule) []string { return r.States.Items }, text); err != nil {
		return err
	}
	const qConds = `COPY rule_conditions (revision_id, rule_id, ordinal, condition_id) FROM STDIN`
	if err := copyList(w, "rule_conditions", qConds, rules, ruleID, func(r *catalog.Rule) []string { return r.Conditions.Items }, text); err != nil {
		return err
	}
	const qCriteria = `COPY rule_criteria (revision_id, rule_id, ordinal, id, test, question, failure) FROM STDIN`
	err = copyList(w, "rule_criteria", qCriteria, rules, ruleID, func(r *catalog.Rule) []catalog.Criterion { return r.Criteria },
		func(c catalog.Criterion) []any { return []any{c.ID, c.Test, c.Question, c.Failure} })
	if err != nil {
		return err
	}
	const qWindows = `COPY rule_limit_windows (revision_id, rule_id, ordinal, period, days, visits) FROM STDIN`
	err = copyList(w, "rule_limit_windows", qWindows, rules, ruleID, func(r *catalog.Rule) []catalog.Window { return r.Limits.Windows },
		func(win catalog.Window) []any { return []any{string(win.Period), win.Days, win.Visits} })
	if err != nil {
		return err
	}
	const qExtensions = `COPY rule_extensions (revision_id, rule_id, ordinal, visits, requires, question, modifier, note) FROM STDIN`
	err = copyList(w, "rule_extensions", qExtensions, rules, ruleID, func(r *catalog.Rule) []catalog.Extension { return r.Limits.Extensions },
		func(e catalog.Extension) []any { return []any{e.Visits, e.Requires, e.Question, e.Modifier, e.Note} })
	if err != nil {
		return err
	}
	const qProviders = `COPY rule_providers (revision_id, rule_id, ordinal, type, eligible, supervision_required, credentials, modifier, note) FROM STDIN`
	err = copyList(w, "rule_providers", qProviders, rules, ruleID, func(r *catalog.Rule) []catalog.ProviderRule { return r.Providers },
		func(p catalog.ProviderRule) []any {
			return []any{p.Type, p.Eligible, p.SupervisionRequired, pq.StringArray(append([]string{}, p.Credentials...)), p.Modifier, p.Note}
		})
	if err != nil {
		return err
	}
	const qCPT = `COPY rule_billing_cpt (revision_id, rule_id, ordinal, code) FROM STDIN`
	if err := copyList(w, "rule_billing_cpt", qCPT, rules, ruleID, func(r *catalog.Rule) []string { return r.Billing.CPT }, text); err != nil {
		return err
	}
	const qModifiers = `COPY rule_billing_modifiers (revision_id, rule_id, ordinal, code, "when") FROM STDIN`
	err = copyList(w, "rule_billing_modifiers", qModifiers, rules, ruleID, func(r *catalog.Rule) []catalog.Modifier { return r.Billing.Modifiers },
		func(m catalog.Modifier) []any { return []any{m.Code, m.When} })
	if err != nil {
		return err
	}
	const qBillingNotes = `COPY rule_billing_notes (revision_id, rule_id, ordinal, note) FROM STDIN`
	if err := copyList(w, "rule_billing_notes", qBillingNotes, rules, ruleID, func(r *catalog.Rule) []string { return r.Billing.Notes }, text); err != nil {
		return err
	}
	const qNotes = `COPY rule_notes (revision_id, rule_id, ordinal, note) FROM STDIN`
	if err := copyList(w, "rule_notes", qNotes, rules, ruleID, func(r *catalog.Rule) []string { return r.Notes }, text); err != nil {
		return err
	}
	const qSources = `COPY rule_sources (revision_id, rule_id, ordinal, title, url, date) FROM STDIN`
	return copyList(w, "rule_sources", qSources, rules, ruleID, func(r *catalog.Rule) []catalog.Source { return r.Sources }, source)
}

func (w *writer) feeSchedules(s *catalog.Snapshot) error {
	const q = `COPY fee_schedules (revision_id, id, ordinal, name, plan_id, payer, network, effective_from, effective_to) FROM STDIN`
	err := w.copyIn("fee_schedules", q, func(emit func(...any) error) error {
		for i, f := range s.FeeSchedules {
			if err := emit(f.ID, i, f.Name, nullString(f.Plan), nullString(f.Payer), string(f.Network),
				dateVal(f.EffectiveFrom), dateVal(f.EffectiveTo)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	const qAmounts = `COPY fee_schedule_amounts (revision_id, fee_schedule_id, cpt, cents) FROM STDIN`
	err = w.copyIn("fee_schedule_amounts", qAmounts, func(emit func(...any) error) error {
		for _, f := range s.FeeSchedules {
			for cpt, cents := range f.AmountsCents { // a map: order does not matter
				if err := emit(f.ID, cpt, cents); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	const qNotes = `COPY fee_schedule_notes (revision_id, fee_schedule_id, ordinal, note) FROM STDIN`
	err = copyList(w, "fee_schedule_notes", qNotes, s.FeeSchedules, feeScheduleID, func(f *catalog.FeeSchedule) []string { return f.Notes }, text)
	if err != nil {
		return err
	}
	const qSources = `COPY fee_schedule_sources (revision_id, fee_schedule_id, ordinal, title, url, date) FROM STDIN`
	return copyList(w, "fee_schedule_sources", qSources, s.FeeSchedules, feeScheduleID, func(f *catalog.FeeSchedule) []catalog.Source { return f.Sources }, source)
}

func (w *writer) cashPrices(s *catalog.Snapshot) error {
	const q = `COPY cash_prices (revision_id, ordinal, state, first_visit_cents, follow_up_cents) FROM STDIN`
	err := w.copyIn("cash_prices", q, func(emit func(...any) error) error {
		for i, c := range s.CashPrices {
			if err := emit(i, nullString(c.State), c.FirstVisitCents, c.FollowUpCents); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	const qSources = `COPY cash_price_sources (revision_id, cash_price_ordinal, ordinal, title, url, date) FROM STDIN`
	return copyList(w, "cash_price_sources", qSources, s.CashPrices, cashPriceOrdinal, func(c *catalog.CashPrice) []catalog.Source { return c.Sources }, source)
}

// LoadLegacyRevision reads version-1 revision id, as migration 0003 does.
func LoadLegacyRevision(ctx context.Context, db *DB, id int64) (*catalog.Snapshot, error) {
	var s *catalog.Snapshot
	err := db.inTx(ctx, readSnapshot, func(tx *sqlx.Tx) (err error) {
		s, err = loadLegacyRevision(ctx, tx, id)
		return err
	})
	return s, err
}
