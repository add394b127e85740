package eligibility

import (
	"fmt"
	"strconv"

	"github.com/acucover/acucover/internal/coverage"
	"github.com/acucover/acucover/internal/x12"
)

// Catalog is the catalog's view of the same plan, as plain values. A nil
// pointer is a value the catalog does not know.
type Catalog struct {
	// Status is the catalog decision: covered, not_covered, conditional or
	// unknown.
	Status string
	// NotCoveredByLaw, when not empty, says why not_covered is required by
	// law or regulation (e.g. "Original Medicare covers acupuncture only for
	// chronic low back pain (NCD 30.3.3)"). A payer's eligibility response
	// does not change that answer.
	NotCoveredByLaw    string
	VisitsPerYear      *int64
	DeductibleCents    *int64
	CopayCents         *int64
	CoinsurancePercent *int64
	OOPMaxCents        *int64
}

// Conflict kinds, also the label values of the conflicts metric (Kinds
// lists them all).
const (
	KindCoverage      = "coverage"
	KindVisits        = "visits"
	KindDeductible    = "deductible"
	KindOutOfPocket   = "out_of_pocket"
	KindCopay         = "copay"
	KindCoinsurance   = "coinsurance"
	KindAuthorization = "authorization"
	// KindUsage: the payer's count or amount met differs from the one the
	// request gave (usage or accumulators).
	KindUsage = "usage"
)

// Kinds lists every conflict kind.
var Kinds = []string{KindCoverage, KindVisits, KindDeductible, KindOutOfPocket, KindCopay, KindCoinsurance, KindAuthorization, KindUsage}

// Used says which side's value an answer uses.
const (
	UsedPayer   = "payer"
	UsedCatalog = "catalog"
)

// Conflict is a disagreement between the payer's statement about this
// member and the catalog's rule, with the side used and why (the answer's
// conflicts[]).
type Conflict = coverage.Conflict

const payerWins = "the payer's statement about this member wins over the catalog's general rule for amounts and counts"

// Compare lists every conflict between the payer facts and the catalog's
// view, in a stable order (coverage, visits, deductible, out of
// pocket, copay, coinsurance). The payer wins for amounts, counts and this member's
// coverage, except that a catalog not_covered required by law still wins.
// Values one side does not state are not conflicts.
func Compare(f Facts, c Catalog) []Conflict {
	var out []Conflict
	catalogCovers := c.Status == "covered" || c.Status == "conditional"
	switch {
	case f.CoverageInactive != nil && f.CoverageInactive.Value && catalogCovers:
		out = append(out, Conflict{Kind: KindCoverage, Payer: "coverage inactive", PayerSource: f.CoverageInactive.Source,
			Catalog: c.Status, Used: UsedPayer, Why: "the payer says this member's coverage is inactive"})
	case f.NotCovered != nil && f.NotCovered.Value && catalogCovers:
		out = append(out, Conflict{Kind: KindCoverage, Payer: "acupuncture not covered", PayerSource: f.NotCovered.Source,
			Catalog: c.Status, Used: UsedPayer, Why: "the payer says acupuncture is not covered for this member"})
	case f.NotCovered != nil && !f.NotCovered.Value && c.Status == "not_covered" && activeOrUnknown(f):
		cf := Conflict{Kind: KindCoverage, Payer: "acupuncture covered", PayerSource: f.NotCovered.Source, Catalog: c.Status}
		if c.NotCoveredByLaw != "" {
			cf.Used, cf.Why = UsedCatalog, "not covered by law: "+c.NotCoveredByLaw+"; an eligibility response does not change that"
		} else {
			cf.Used, cf.Why = UsedPayer, "the payer states an acupuncture benefit for this member"
		}
		out = append(out, cf)
	}
	count := func(kind string, payer *Fact[int64], catalog *int64, what string) {
		if payer != nil && catalog != nil && payer.Value != *catalog {
			out = append(out, Conflict{Kind: kind, Payer: strconv.FormatInt(payer.Value, 10) + what, PayerSource: payer.Source,
				Catalog: strconv.FormatInt(*catalog, 10) + what, Used: UsedPayer, Why: payerWins})
		}
	}
	money := func(kind string, payer *Fact[int64], catalog *int64) {
		if payer != nil && catalog != nil && payer.Value != *catalog {
			out = append(out, Conflict{Kind: kind, Payer: "$" + x12.FormatCents(payer.Value), PayerSource: payer.Source,
				Catalog: "$" + x12.FormatCents(*catalog), Used: UsedPayer, Why: payerWins})
		}
	}
	count(KindVisits, f.VisitsAllowed, c.VisitsPerYear, " visits a year")
	money(KindDeductible, f.DeductibleTotal, c.DeductibleCents)
	money(KindOutOfPocket, f.OOPTotal, c.OOPMaxCents)
	money(KindCopay, f.Copay, c.CopayCents)
	if f.Coinsurance != nil && c.CoinsurancePercent != nil && int64(f.Coinsurance.Value) != *c.CoinsurancePercent*100 {
		out = append(out, Conflict{Kind: KindCoinsurance, Payer: f.Coinsurance.Value.String(), PayerSource: f.Coinsurance.Source,
			Catalog: fmt.Sprintf("%d%%", *c.CoinsurancePercent), Used: UsedPayer, Why: payerWins})
	}
	return out
}

func activeOrUnknown(f Facts) bool { return f.CoverageInactive == nil || !f.CoverageInactive.Value }
