package postgres

import (
	"cmp"
	"database/sql"
	"encoding/binary"
	"fmt"
	"hash/maphash"
	"slices"
	"strings"
	"time"

	"github.com/lib/pq"

	"github.com/acucover/acucover/internal/catalog"
)

// Rules are the bulk of a catalog: a million of them, with ten times as many
// rows in their child tables. So they are read in two steps. First every
// table is read into a ruleTable, which holds each rule as numbers: its id
// as a span of one byte buffer, its texts and lists as indexes into what the
// load has seen (lists of equal items are made once and shared by every rule
// that has them; see lists). Then the catalog.Rules are made from it, in
// import order, in one pass.
//
// Until that pass nothing kept per rule holds a pointer, so the garbage
// collector, which runs many times while the driver allocates for tens of
// millions of values, scans almost nothing; and each table's rows are
// matched with rules by walking the table's records in order, not by
// visiting a 464-byte catalog.Rule per row.

// textRef is an index into loader.texts.
type textRef int32

// day is a date as year<<9 | month<<5 | day of month; 0 is none.
type day int32

func dayOf(t sql.NullTime) day {
	if !t.Valid {
		return 0
	}
	y, m, d := t.Time.Date()
	return day(y<<9 | int(m)<<5 | d)
}

func (d day) date() catalog.Date {
	if d == 0 {
		return catalog.Date{}
	}
	return catalog.NewDate(int(d>>9), time.Month(d>>5&15), int(d&31))
}

// The lists of a rule, one per child table; ruleRec.lists holds their
// indexes.
const (
	listStates = iota
	listConditions
	listCriteria
	listWindows
	listExtensions
	listProviders
	listCPT
	listModifiers
	listBillingNotes
	listNotes
	listSources
	nRuleLists
)

// Rule flags.
const (
	allStates uint8 = 1 << iota
	allConditions
	discontinueWhenNotImproving
	referralRequired
	electroacupunctureSet
	electroacupuncture
	dollarCapSet
)

func flagIf(set bool, f uint8) uint8 {
	if set {
		return f
	}
	return 0
}

// ruleRec is one rule as read: pointer-free.
type ruleRec struct {
	idStart, idEnd         int // in ruleTable.ids
	ordinal                int64
	dollarCapCents         int64
	plan, status, summary  textRef
	authRequired, authNote textRef
	authAfterVisits        int32
	from, to               day
	flags                  uint8
	lists                  [nRuleLists]int32
}

// ruleTable holds the rules of one load as read, in id order, with what
// their lists are made of.
type ruleTable struct {
	recs []ruleRec
	ids  []byte // every rule's id, one after another

	// The rows of each child table come in id order too: the owner of the
	// next row is the current rule or a later one, found by stepping
	// forward from next. Should the orders ever disagree, byID finds it.
	next int
	byID map[string]int

	texts       *lists[string] // states, conditions, CPT codes and notes
	criteria    *lists[catalog.Criterion]
	windows     *lists[catalog.Window]
	extensions  *lists[catalog.Extension]
	providers   *lists[catalog.ProviderRule]
	credentials *lists[string]
	modifiers   *lists[catalog.Modifier]
	sources     *lists[catalog.Source]
}

func newRuleTable(l *loader, n int) *ruleTable {
	t := &ruleTable{recs: make([]ruleRec, 0, n)}
	t.texts = newLists(hashString, l.intern)
	t.criteria = newLists(func(h *maphash.Hash, c catalog.Criterion) {
		hashString(h, c.ID)
		hashString(h, c.Test)
		hashString(h, c.Question)
		hashString(h, c.Failure)
	}, func(c catalog.Criterion) catalog.Criterion {
		return catalog.Criterion{ID: l.intern(c.ID), Test: l.intern(c.Test), Question: l.intern(c.Question), Failure: l.intern(c.Failure)}
	})
	t.windows = newLists(func(h *maphash.Hash, w catalog.Window) {
		hashString(h, string(w.Period))
		hashInt(h, int64(w.Days))
		hashInt(h, int64(w.Visits))
	}, func(w catalog.Window) catalog.Window {
		w.Period = catalog.Period(l.intern(string(w.Period)))
		return w
	})
	t.extensions = newLists(func(h *maphash.Hash, e catalog.Extension) {
		hashInt(h, int64(e.Visits))
		hashString(h, e.Requires)
		hashString(h, e.Question)
		hashString(h, e.Modifier)
		hashString(h, e.Note)
	}, func(e catalog.Extension) catalog.Extension {
		return catalog.Extension{Visits: e.Visits, Requires: l.intern(e.Requires), Question: l.intern(e.Question),
			Modifier: l.intern(e.Modifier), Note: l.intern(e.Note)}
	})
	t.credentials = newLists(hashString, l.intern)
	t.providers = newListsFunc(func(h *maphash.Hash, p catalog.ProviderRule) {
		hashString(h, p.Type)
		hashBool(h, p.Eligible)
		hashBool(h, p.SupervisionRequired)
		for _, c := range p.Credentials {
			hashString(h, c)
		}
		hashString(h, p.Modifier)
		hashString(h, p.Note)
	}, func(a, b catalog.ProviderRule) bool {
		return a.Type == b.Type && a.Eligible == b.Eligible && a.SupervisionRequired == b.SupervisionRequired &&
			slices.Equal(a.Credentials, b.Credentials) && a.Modifier == b.Modifier && a.Note == b.Note
	}, func(p catalog.ProviderRule) catalog.ProviderRule {
		return catalog.ProviderRule{Type: l.intern(p.Type), Eligible: p.Eligible, SupervisionRequired: p.SupervisionRequired,
			Credentials: t.credentials.list(t.credentials.of(p.Credentials)), Modifier: l.intern(p.Modifier), Note: l.intern(p.Note)}
	})
	t.modifiers = newLists(func(h *maphash.Hash, m catalog.Modifier) {
		hashString(h, m.Code)
		hashString(h, m.When)
	}, func(m catalog.Modifier) catalog.Modifier {
		return catalog.Modifier{Code: l.intern(m.Code), When: l.intern(m.When)}
	})
	t.sources = newLists(func(h *maphash.Hash, s catalog.Source) {
		hashString(h, s.Title)
		hashString(h, s.URL)
		hashInt(h, s.Date.Time().Unix())
	}, func(s catalog.Source) catalog.Source {
		return catalog.Source{Title: l.intern(s.Title), URL: l.intern(s.URL), Date: s.Date}
	})
	return t
}

// is reports whether rule i has id.
func (t *ruleTable) is(i int, id string) bool {
	return string(t.ids[t.recs[i].idStart:t.recs[i].idEnd]) == id
}

// find returns the index of the rule with id, or -1.
func (t *ruleTable) find(id string) int {
	if t.byID == nil {
		for ; t.next < len(t.recs); t.next++ {
			if t.is(t.next, id) {
				t.next++
				return t.next - 1
			}
		}
		t.byID = make(map[string]int, len(t.recs))
		for i, r := range t.recs {
			t.byID[string(t.ids[r.idStart:r.idEnd])] = i
		}
	}
	if i, ok := t.byID[id]; ok {
		return i
	}
	return -1
}

// readLists reads a child table of rules in which each row is one item of
// its rule's list, ordered by rule id and ordinal, and sets list col of
// each rule that has rows. ORDER BY rule_id makes each rule's rows one run,
// so its list is whole when the next rule's rows begin.
func readLists[I, T any, R childRow[T]](l *loader, t *ruleTable, col int, q, what string, ls *lists[I], item func(*T) I) error {
	t.next = 0
	cur := -1
	done := func() {
		if cur >= 0 {
			t.recs[cur].lists[col] = ls.take()
		}
	}
	err := each[T, R](l, q, what, func(r *T) error {
		if id := R(r).owner(); cur < 0 || !t.is(cur, id) {
			done()
			if cur = t.find(id); cur < 0 {
				return fmt.Errorf("a row of unknown owner %q", id)
			}
			// Were a rule's rows ever split in two runs, the second
			// would extend the list, not replace it.
			ls.cur = append(ls.cur, ls.list(t.recs[cur].lists[col])...)
		}
		ls.add(item(r))
		return nil
	})
	if err != nil {
		return err
	}
	done()
	return nil
}

// ranks returns where each of the rules read goes in import order: rank[i]
// is the rank of ordinals[i] among them.
func ranks(ordinals []int64) []int {
	rank := make([]int, len(ordinals))
	// Import numbers rules 0…n-1, so the rank is usually the ordinal
	// itself.
	dense := make([]bool, len(ordinals))
	for i, o := range ordinals {
		if o < 0 || o >= int64(len(ordinals)) || dense[o] {
			dense = nil
			break
		}
		dense[o] = true
		rank[i] = int(o)
	}
	if dense == nil {
		order := make([]int, len(ordinals))
		for i := range order {
			order[i] = i
		}
		slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(ordinals[a], ordinals[b]) })
		for r, i := range order {
			rank[i] = r
		}
	}
	return rank
}

// rule makes the catalog.Rule of record i; ids is string(t.ids).
func (t *ruleTable) rule(l *loader, i int, ids string) catalog.Rule {
	r := &t.recs[i]
	rule := catalog.Rule{
		ID:   ids[r.idStart:r.idEnd],
		Plan: l.texts[r.plan],
		States: catalog.Scope{All: r.flags&allStates != 0,
			Items: t.texts.list(r.lists[listStates])},
		Conditions: catalog.Scope{All: r.flags&allConditions != 0,
			Items: t.texts.list(r.lists[listConditions])},
		EffectiveFrom: r.from.date(), EffectiveTo: r.to.date(),
		Status: catalog.Status(l.texts[r.status]), Summary: l.texts[r.summary],
		Criteria: t.criteria.list(r.lists[listCriteria]),
		Limits: catalog.Limits{
			Windows:    t.windows.list(r.lists[listWindows]),
			Extensions: t.extensions.list(r.lists[listExtensions]),
		},
		DiscontinueWhenNotImproving: r.flags&discontinueWhenNotImproving != 0,
		PriorAuthorization: catalog.PriorAuth{Required: catalog.AuthWhen(l.texts[r.authRequired]),
			AfterVisits: int(r.authAfterVisits), Note: l.texts[r.authNote]},
		ReferralRequired: r.flags&referralRequired != 0,
		Providers:        t.providers.list(r.lists[listProviders]),
		Billing: catalog.Billing{
			CPT:       t.texts.list(r.lists[listCPT]),
			Modifiers: t.modifiers.list(r.lists[listModifiers]),
			Notes:     t.texts.list(r.lists[listBillingNotes]),
		},
		Notes:   t.texts.list(r.lists[listNotes]),
		Sources: t.sources.list(r.lists[listSources]),
	}
	if r.flags&electroacupunctureSet != 0 {
		rule.Electroacupuncture = l.boolPtr(r.flags&electroacupuncture != 0)
	}
	if r.flags&dollarCapSet != 0 {
		rule.Limits.DollarCapCents = l.centsPtr(r.dollarCapCents)
	}
	return rule
}

func (l *loader) rules(s *catalog.Snapshot) error {
	// Sized first: growing the records of a million rules by appending
	// would copy them over and over.
	const qCount = `SELECT count(*) FROM rules WHERE revision_id = $1`
	var n int
	if err := l.tx.GetContext(l.ctx, &n, qCount, l.rev); err != nil {
		return fmt.Errorf("rules: %w", err)
	}
	t := newRuleTable(l, n)
	const q = `
		SELECT id, plan_id, all_states, all_conditions, effective_from, effective_to, status,
		       summary, discontinue_when_not_improving, prior_auth_required,
		       prior_auth_after_visits, prior_auth_note, referral_required,
		       electroacupuncture, dollar_cap_cents, ordinal
		FROM rules WHERE revision_id = $1 ORDER BY id`
	err := each(l, q, "rules", func(r *ruleRow) error {
		rec := ruleRec{
			idStart: len(t.ids), idEnd: len(t.ids) + len(r.ID), ordinal: r.Ordinal,
			plan: l.ref(r.PlanID), status: l.ref(r.Status), summary: l.ref(r.Summary),
			authRequired: l.ref(r.PriorAuthRequired.String), authNote: l.ref(r.PriorAuthNote),
			authAfterVisits: int32(r.PriorAuthAfterVisits),
			from:            dayOf(r.EffectiveFrom), to: dayOf(r.EffectiveTo),
		}
		t.ids = append(t.ids, r.ID...)
		rec.flags = flagIf(r.AllStates, allStates) | flagIf(r.AllConditions, allConditions) |
			flagIf(r.DiscontinueWhenNotImproving, discontinueWhenNotImproving) |
			flagIf(r.ReferralRequired, referralRequired) |
			flagIf(r.Electroacupuncture.Valid, electroacupunctureSet) | flagIf(r.Electroacupuncture.Bool, electroacupuncture) |
			flagIf(r.DollarCapCents.Valid, dollarCapSet)
		rec.dollarCapCents = r.DollarCapCents.Int64
		t.recs = append(t.recs, rec)
		return nil
	})
	if err != nil {
		return err
	}

	item := func(r *textRow) string { return r.Text }
	// The rules' text lists: one table each, of (rule_id, ordinal, text).
	for _, c := range []struct {
		col           int
		table, column string
	}{
		{listStates, "rule_states", "state"},
		{listConditions, "rule_conditions", "condition_id"},
		{listCPT, "rule_billing_cpt", "code"},
		{listBillingNotes, "rule_billing_notes", "note"},
		{listNotes, "rule_notes", "note"},
	} {
		q := "SELECT rule_id, " + c.column + " FROM " + c.table + " WHERE revision_id = $1 ORDER BY rule_id, ordinal"
		if err := readLists(l, t, c.col, q, strings.ReplaceAll(c.table, "_", " "), t.texts, item); err != nil {
			return err
		}
	}

	const qCriteria = `
		SELECT rule_id, id, test, question, failure FROM rule_criteria
		WHERE revision_id = $1 ORDER BY rule_id, ordinal`
	err = readLists(l, t, listCriteria, qCriteria, "rule criteria", t.criteria, func(r *criterionRow) catalog.Criterion {
		return catalog.Criterion{ID: r.ID, Test: r.Test, Question: r.Question, Failure: r.Failure}
	})
	if err != nil {
		return err
	}

	const qWindows = `
		SELECT rule_id, period, days, visits FROM rule_limit_windows
		WHERE revision_id = $1 ORDER BY rule_id, ordinal`
	err = readLists(l, t, listWindows, qWindows, "rule limit windows", t.windows, func(r *windowRow) catalog.Window {
		return catalog.Window{Period: catalog.Period(r.Period), Days: int(r.Days), Visits: int(r.Visits)}
	})
	if err != nil {
		return err
	}

	const qExtensions = `
		SELECT rule_id, visits, requires, question, modifier, note FROM rule_extensions
		WHERE revision_id = $1 ORDER BY rule_id, ordinal`
	err = readLists(l, t, listExtensions, qExtensions, "rule extensions", t.extensions, func(r *extensionRow) catalog.Extension {
		return catalog.Extension{Visits: int(r.Visits), Requires: r.Requires, Question: r.Question, Modifier: r.Modifier, Note: r.Note}
	})
	if err != nil {
		return err
	}

	const qProviders = `
		SELECT rule_id, type, eligible, supervision_required, credentials, modifier, note
		FROM rule_providers WHERE revision_id = $1 ORDER BY rule_id, ordinal`
	var credErr error
	err = readLists(l, t, listProviders, qProviders, "rule providers", t.providers, func(r *providerRow) catalog.ProviderRule {
		p := catalog.ProviderRule{Type: r.Type, Eligible: r.Eligible, SupervisionRequired: r.SupervisionRequired,
			Modifier: r.Modifier, Note: r.Note}
		if len(r.Credentials) > 0 && string(r.Credentials) != "{}" {
			var a pq.StringArray
			if err := a.Scan([]byte(r.Credentials)); err != nil && credErr == nil {
				credErr = fmt.Errorf("rule providers: credentials: %w", err)
			}
			p.Credentials = a
		}
		return p
	})
	if err = cmp.Or(err, credErr); err != nil {
		return err
	}

	const qModifiers = `
		SELECT rule_id, code, "when" FROM rule_billing_modifiers
		WHERE revision_id = $1 ORDER BY rule_id, ordinal`
	err = readLists(l, t, listModifiers, qModifiers, "rule billing modifiers", t.modifiers, func(r *modifierRow) catalog.Modifier {
		return catalog.Modifier{Code: r.Code, When: r.When}
	})
	if err != nil {
		return err
	}

	const qSources = `
		SELECT rule_id, title, url, date FROM rule_sources
		WHERE revision_id = $1 ORDER BY rule_id, ordinal`
	err = readLists(l, t, listSources, qSources, "rule sources", t.sources, func(r *sourceRow) catalog.Source {
		return catalog.Source{Title: r.Title, URL: r.URL, Date: date(r.Date)}
	})
	if err != nil {
		return err
	}

	// Every table is read: make the rules, in import order.
	ordinals := make([]int64, len(t.recs))
	for i := range t.recs {
		ordinals[i] = t.recs[i].ordinal
	}
	rank := ranks(ordinals)
	ids := string(t.ids) // one string for every id: the rules' ids are parts of it
	rules := make([]catalog.Rule, len(t.recs))
	for i := range t.recs {
		rules[rank[i]] = t.rule(l, i, ids)
	}
	s.Rules = make([]*catalog.Rule, len(rules))
	for i := range rules {
		s.Rules[i] = &rules[i]
	}
	return nil
}

// lists makes the lists of one child table's owners (each rule's sources,
// say), one owner at a time, and keeps one of each: rules repeat the same
// sources, criteria, providers and billing lists, and a million rules would
// otherwise hold a million copies of each. A list being made is matched
// with those kept by a hash of its items and then item by item; only a new
// one is copied, with its strings interned (own). A list it gives out has no
// spare capacity, so appending to it copies it: the catalog's lists are
// never changed in place (catalog.Index, DB.Edit).
type lists[T any] struct {
	h     maphash.Hash // reused: passed to hash, it would escape and be allocated each time
	hash  func(*maphash.Hash, T)
	equal func(a, b T) bool
	own   func(T) T

	cur   []T              // the list being made
	made  [][]T            // every list kept; made[0] is the empty list
	index map[uint64]int32 // into made, by hash
}

func newLists[T comparable](hash func(*maphash.Hash, T), own func(T) T) *lists[T] {
	return newListsFunc(hash, func(a, b T) bool { return a == b }, own)
}

func newListsFunc[T any](hash func(*maphash.Hash, T), equal func(a, b T) bool, own func(T) T) *lists[T] {
	return &lists[T]{hash: hash, equal: equal, own: own, made: [][]T{nil}, index: map[uint64]int32{}}
}

// add appends item to the list being made.
func (ls *lists[T]) add(item T) { ls.cur = append(ls.cur, item) }

// take returns the index of the list made since the last take, and starts
// a new one.
func (ls *lists[T]) take() int32 {
	i := ls.of(ls.cur)
	clear(ls.cur) // drop the row's strings
	ls.cur = ls.cur[:0]
	return i
}

// of returns the index of the list equal to items, keeping a copy of items
// if there is none.
func (ls *lists[T]) of(items []T) int32 {
	if len(items) == 0 {
		return 0
	}
	ls.h.Reset()
	for _, it := range items {
		ls.hash(&ls.h, it)
	}
	k := ls.h.Sum64()
	i, ok := ls.index[k]
	if ok && slices.EqualFunc(ls.made[i], items, ls.equal) {
		return i
	}
	kept := make([]T, len(items))
	for j, it := range items {
		kept[j] = ls.own(it)
	}
	if !ok { // on a hash collision the first list keeps the slot
		ls.index[k] = int32(len(ls.made))
	}
	ls.made = append(ls.made, kept)
	return int32(len(ls.made) - 1)
}

// list returns the list with index i.
func (ls *lists[T]) list(i int32) []T { return ls.made[i] }

func hashString(h *maphash.Hash, s string) {
	h.WriteString(s)
	h.WriteByte(0) // PostgreSQL text never holds a NUL: it ends the string
}

func hashInt(h *maphash.Hash, n int64) {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], uint64(n))
	h.Write(b[:])
}

func hashBool(h *maphash.Hash, b bool) {
	if b {
		h.WriteByte(1)
	} else {
		h.WriteByte(0)
	}
}
