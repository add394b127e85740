package console

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/acucover/acucover/internal/access"
	"github.com/acucover/acucover/internal/catalog"
	"github.com/acucover/acucover/internal/history"
)

// revisionsPage is how many revisions one page lists.
const revisionsPage = 50

// auditPage is how many audit entries one page lists.
const auditPage = 25

// maxDiffItems bounds the items a revision diff shows in full.
const maxDiffItems = 200

type revisionsView struct {
	Revisions []history.Revision
	Next      string // the before cursor of the next page, or ""
	Paged     bool   // this is not the first page
	From, To  string // the default comparison
	Restored  string
}

type itemChange struct {
	Kind, ID, Action string
	Fields           []fieldChange
	Raw              string // an entry that is not a catalog item: its JSON
}

type diffView struct {
	From, To   string
	Changes    []itemChange
	Total      int
	Restore    bool   // the restore confirmation, not a plain diff
	Head       string // restore: the head revision the page was made from
	Comment    string
	TopError   string
	CanRestore bool
}

type auditView struct {
	Key, Kind, ID, From, To string
	Kinds                   []string
	Errs                    map[string]string
	Entries                 []auditRow
	Next                    string // a URL, or ""
	First                   string // the first page's URL when paged
}

type auditRow struct {
	history.Entry
	When   string
	Change itemChange
}

// auditKinds are the audit log's resource kinds, as the API filters them.
var auditKinds = []string{catalog.KindPlan, catalog.KindCondition, catalog.KindRule, catalog.KindFeeSchedule, catalog.KindCashPrice, "catalog", "api_key"}

func (s *server) revisionsPage(w http.ResponseWriter, r *http.Request, x *session) {
	if !s.roleRequired(w, r, x, access.Editor) || !s.needDB(w, r, x) {
		return
	}
	revs, err := s.history.Revisions(r.Context())
	if err != nil {
		s.unavailable(w, r, x, err)
		return
	}
	v := &revisionsView{}
	if rev := r.URL.Query().Get("restored"); rev != "" && len(rev) < 30 {
		v.Restored = rev
	}
	before, _ := strconv.ParseInt(r.URL.Query().Get("before"), 10, 64)
	v.Paged = before > 0
	for _, rv := range revs { // newest first
		if n, _ := strconv.ParseInt(rv.ID, 10, 64); before > 0 && n >= before {
			continue
		}
		if len(v.Revisions) == revisionsPage {
			v.Next = v.Revisions[revisionsPage-1].ID
			break
		}
		v.Revisions = append(v.Revisions, rv)
	}
	if len(v.Revisions) > 0 {
		v.To = v.Revisions[0].ID
		v.From = v.To
		if len(v.Revisions) > 1 {
			v.From = v.Revisions[1].ID
		}
	}
	s.render(w, r, http.StatusOK, "revisions", page{Title: "Revisions", Session: x, Nav: "revisions", Revisions: v})
}

// changesOf lists the item changes from a to b with their field diffs.
func changesOf(a, b *catalog.Snapshot) ([]itemChange, int, error) {
	chs, err := catalog.Diff(a, b)
	if err != nil {
		return nil, 0, err
	}
	var out []itemChange
	for i, ch := range chs {
		if i == maxDiffItems {
			break
		}
		out = append(out, itemChange{Kind: ch.Kind, ID: ch.ID, Action: ch.Action, Fields: fieldDiff(ch.Before, ch.After)})
	}
	return out, len(chs), nil
}

func (s *server) loadRevision(ctx context.Context, id string) (*catalog.Snapshot, bool, error) {
	revs, err := s.history.Revisions(ctx)
	if err != nil {
		return nil, false, err
	}
	if !slices.ContainsFunc(revs, func(r history.Revision) bool { return r.ID == id }) {
		return nil, false, nil
	}
	snap, err := s.history.LoadRevision(ctx, id)
	return snap, err == nil, err
}

func (s *server) revisionDiffPage(w http.ResponseWriter, r *http.Request, x *session) {
	if !s.roleRequired(w, r, x, access.Editor) || !s.needDB(w, r, x) {
		return
	}
	q := r.URL.Query()
	from, to := q.Get("from"), q.Get("to")
	a, okA, err := s.loadRevision(r.Context(), from)
	if err != nil {
		s.unavailable(w, r, x, err)
		return
	}
	b, okB, err := s.loadRevision(r.Context(), to)
	if err != nil {
		s.unavailable(w, r, x, err)
		return
	}
	if !okA || !okB {
		s.render(w, r, http.StatusNotFound, "error", page{Title: "No such revision", Session: x,
			Message: "Choose two revisions from the list to compare."})
		return
	}
	v := &diffView{From: from, To: to}
	if v.Changes, v.Total, err = changesOf(a, b); err != nil {
		s.unavailable(w, r, x, err)
		return
	}
	s.render(w, r, http.StatusOK, "revdiff", page{Title: "Revision " + from + " → " + to, Session: x, Nav: "revisions", Diff: v})
}

// restorePage confirms a restore: what it would change from the head.
func (s *server) restorePage(w http.ResponseWriter, r *http.Request, x *session) {
	if !s.roleRequired(w, r, x, access.Admin) || !s.needDB(w, r, x) {
		return
	}
	s.restoreView(w, r, x, http.StatusOK, "", "")
}

func (s *server) restoreView(w http.ResponseWriter, r *http.Request, x *session, status int, comment, topErr string) {
	id := r.PathValue("id")
	old, ok, err := s.loadRevision(r.Context(), id)
	if err != nil {
		s.unavailable(w, r, x, err)
		return
	}
	if !ok {
		s.notFound(w, r)
		return
	}
	head, err := s.current(r.Context())
	if err != nil {
		s.unavailable(w, r, x, err)
		return
	}
	v := &diffView{From: head.Revision, To: id, Restore: true, Head: head.Revision, Comment: comment, TopError: topErr}
	if v.Changes, v.Total, err = changesOf(head, old); err != nil {
		s.unavailable(w, r, x, err)
		return
	}
	s.render(w, r, status, "revdiff", page{Title: "Restore revision " + id, Session: x, Nav: "revisions", Diff: v})
}

var errMoved = errors.New("the catalog changed")

// restore makes an old revision's content the new head, if the head is still
// the one the confirmation page showed.
func (s *server) restore(w http.ResponseWriter, r *http.Request, x *session) {
	if !s.roleRequired(w, r, x, access.Admin) || !s.needDB(w, r, x) {
		return
	}
	id := r.PathValue("id")
	comment := r.PostFormValue("comment")
	if msg := commentProblem(comment); msg != "" {
		s.restoreView(w, r, x, http.StatusUnprocessableEntity, comment, "The comment "+msg+".")
		return
	}
	old, ok, err := s.loadRevision(r.Context(), id)
	if err != nil {
		s.unavailable(w, r, x, err)
		return
	}
	if !ok {
		s.notFound(w, r)
		return
	}
	old.Revision = ""
	head := r.PostFormValue("head")
	ctx, cancel := context.WithTimeout(r.Context(), editBudget)
	defer cancel()
	rev, _, err := s.editor.Edit(ctx, x.principal.Name, "restore", comment, func(cur *catalog.Snapshot) (*catalog.Snapshot, error) {
		if cur.Revision != head {
			return nil, errMoved
		}
		return old, nil
	})
	var ps catalog.Problems
	switch {
	case errors.Is(err, errMoved):
		s.restoreView(w, r, x, http.StatusConflict, comment, "Someone changed the catalog after you opened this page, so nothing was restored. Below is what restoring would change now; confirm again if it is still what you want.")
		return
	case errors.As(err, &ps):
		s.restoreView(w, r, x, http.StatusUnprocessableEntity, comment, "That revision is not valid under today's checks, so it was not restored: "+ps.Error())
		return
	case err != nil:
		s.unavailable(w, r, x, err)
		return
	}
	if _, err := s.store.Refresh(r.Context(), s.editor); err != nil {
		s.log.Warn("console: reload after a restore failed; the watcher will retry", "error", err.Error())
	}
	http.Redirect(w, r, "/console/revisions?restored="+url.QueryEscape(rev), http.StatusSeeOther)
}

func (s *server) auditPage(w http.ResponseWriter, r *http.Request, x *session) {
	if !s.roleRequired(w, r, x, access.Editor) || !s.needDB(w, r, x) {
		return
	}
	q := r.URL.Query()
	clip := func(s string) string {
		s = strings.TrimSpace(s)
		if len(s) > maxQuery {
			s = s[:maxQuery]
		}
		return s
	}
	v := &auditView{Key: clip(q.Get("key")), Kind: q.Get("kind"), ID: clip(q.Get("id")), From: q.Get("from"), To: q.Get("to"),
		Kinds: auditKinds, Errs: map[string]string{}}
	f := history.Filter{Actor: v.Key, ResourceID: v.ID, Limit: auditPage}
	if v.Kind != "" {
		if !slices.Contains(auditKinds, v.Kind) {
			v.Errs["kind"] = "choose a kind from the list"
		}
		f.Resource = v.Kind
	}
	if v.From != "" {
		d, err := catalog.ParseDate(v.From)
		if err != nil {
			v.Errs["from"] = "must be a date, YYYY-MM-DD"
		}
		f.From = d.Time()
	}
	if v.To != "" {
		d, err := catalog.ParseDate(v.To)
		if err != nil {
			v.Errs["to"] = "must be a date, YYYY-MM-DD"
		}
		f.To = d.AddDays(1).Time() // the day itself is included
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.To.After(f.From) {
		v.Errs["to"] = "must not be before the from date"
	}
	if b := q.Get("before"); b != "" {
		n, err := strconv.ParseInt(b, 10, 64)
		if err == nil && n > 0 {
			f.Before = n
		}
	}
	status := http.StatusOK
	if len(v.Errs) > 0 {
		status = http.StatusUnprocessableEntity
	} else {
		entries, err := s.history.Audit(r.Context(), f)
		if err != nil {
			s.unavailable(w, r, x, err)
			return
		}
		for _, e := range entries {
			v.Entries = append(v.Entries, auditRow{Entry: e, When: e.At.UTC().Format("2006-01-02 15:04:05 UTC"), Change: entryChange(e)})
		}
		filter := url.Values{}
		for k, val := range map[string]string{"key": v.Key, "kind": v.Kind, "id": v.ID, "from": v.From, "to": v.To} {
			if val != "" {
				filter.Set(k, val)
			}
		}
		if f.Before > 0 {
			v.First = "/console/audit?" + filter.Encode()
		}
		if len(entries) == auditPage {
			filter.Set("before", strconv.FormatInt(entries[len(entries)-1].ID, 10))
			v.Next = "/console/audit?" + filter.Encode()
		}
	}
	s.render(w, r, status, "audit", page{Title: "Audit log", Session: x, Nav: "audit", Audit: v})
}

// entryChange is an audit entry's field-level diff, for a catalog item, or
// its JSON otherwise.
func entryChange(e history.Entry) itemChange {
	c := itemChange{Kind: e.Resource, ID: e.ResourceID, Action: e.Action}
	k := catalog.ItemKindNamed(e.Resource)
	decode := func(b json.RawMessage) (any, bool) {
		if len(b) == 0 || string(b) == "null" {
			return nil, true
		}
		v, err := k.DecodeJSON(b)
		return v, err == nil
	}
	if k != nil {
		before, ok1 := decode(e.Before)
		after, ok2 := decode(e.After)
		if ok1 && ok2 {
			c.Fields = fieldDiff(before, after)
			return c
		}
	}
	var parts []string
	if len(e.Before) > 0 {
		parts = append(parts, "before: "+string(e.Before))
	}
	if len(e.After) > 0 {
		parts = append(parts, "after: "+string(e.After))
	}
	c.Raw = strings.Join(parts, "\n")
	return c
}

// when formats a revision's time.
func when(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") }
