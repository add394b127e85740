package console

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"github.com/acucover/acucover/internal/access"
	"github.com/acucover/acucover/internal/catalog"
	"github.com/acucover/acucover/internal/history"
)

// Editor changes the catalog in its store of record: the same methods as
// httpapi.CatalogEditor's (*postgres.DB implements them). Edit passes the
// head revision to fn and stores what fn returns as the new head, with an
// audit entry per changed item, in one transaction during which no other
// writer runs; an invalid result is catalog.Problems, and an error of fn is
// returned wrapped.
type Editor interface {
	HeadRevision(ctx context.Context) (string, error)
	LoadCatalog(ctx context.Context) (*catalog.Snapshot, error)
	Edit(ctx context.Context, actor, operation, comment string, fn func(cur *catalog.Snapshot) (*catalog.Snapshot, error)) (string, []catalog.Change, error)
}

// History reads the stored catalog revisions and the audit log.
// *postgres.DB implements it.
type History interface {
	Revisions(ctx context.Context) ([]history.Revision, error)
	LoadRevision(ctx context.Context, id string) (*catalog.Snapshot, error)
	Audit(ctx context.Context, f history.Filter) ([]history.Entry, error)
}

// editBudget bounds a save, as the API's edits are bounded.
const editBudget = 20 * time.Second

// maxComment bounds a change comment, as X-Change-Comment is bounded.
const maxComment = 1000

// editable is one editable kind of catalog item: plans, rules, fee
// schedules.
type editable interface {
	kind() string                                                     // catalog.KindRule, …
	path() string                                                     // the URL segment: "rules"
	list() string                                                     // the catalog document's list: "rules"
	noun() string                                                     // "rule"
	get(ix *catalog.Index, s *catalog.Snapshot, id string) (any, int) // a copy of the item, or nil; its index
	replace(s *catalog.Snapshot, i int, item any)                     // in s's list, which must be s's own
	fromForm(form url.Values, id string) (any, map[string]string)
	fromYAML(b []byte, id string) (any, error)
	fromJSON(b []byte, id string) (any, error)
	add(item any, path string) bool
}

type res[T any] struct {
	k, p, l, n string
	id         func(*T) *string
}

// items is the catalog's kind of item r edits.
func (r res[T]) items() catalog.ItemKind { return catalog.ItemKindNamed(r.k) }

func (r res[T]) kind() string { return r.k }
func (r res[T]) path() string { return r.p }
func (r res[T]) list() string { return r.l }
func (r res[T]) noun() string { return r.n }

// get returns a copy of item id of s and its index, or nil and -1; ix (the
// served Index, usually of s's revision, or nil) finds a rule without a
// scan of what may be a million rules.
func (r res[T]) get(ix *catalog.Index, s *catalog.Snapshot, id string) (any, int) {
	i := ix.Position(s, r.k, id)
	if i < 0 {
		return nil, -1
	}
	it := *r.items().Item(s, i).(*T)
	return &it, i
}

// replace sets item i of s's list, which must be s's own (as an edit's
// snapshot's lists are), to item (a *T, which must not change afterwards).
func (r res[T]) replace(s *catalog.Snapshot, i int, item any) { r.items().Set(s, i, item) }

func (r res[T]) fromForm(form url.Values, id string) (any, map[string]string) {
	v, errs := decodeForm[T](form)
	*r.id(v) = id
	return v, errs
}

func (r res[T]) fromYAML(b []byte, id string) (any, error) {
	v := new(T)
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(v); err != nil {
		return nil, err
	}
	switch *r.id(v) {
	case "":
		*r.id(v) = id
	case id:
	default:
		return nil, fmt.Errorf("id must stay %q: the id cannot change here", id)
	}
	return v, nil
}

func (r res[T]) fromJSON(b []byte, id string) (any, error) {
	v := new(T)
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return nil, err
	}
	*r.id(v) = id
	return v, nil
}

func (r res[T]) add(item any, path string) bool { return addElement(item.(*T), path) }

var editables = []editable{
	res[catalog.Plan]{catalog.KindPlan, "plans", "plans", "plan", func(v *catalog.Plan) *string { return &v.ID }},
	res[catalog.Rule]{catalog.KindRule, "rules", "rules", "rule", func(v *catalog.Rule) *string { return &v.ID }},
	res[catalog.FeeSchedule]{catalog.KindFeeSchedule, "fee-schedules", "fee_schedules", "fee schedule", func(v *catalog.FeeSchedule) *string { return &v.ID }},
}

func editableAt(path string) editable {
	for _, e := range editables {
		if e.path() == path {
			return e
		}
	}
	return nil
}

// etagOf is an item's version: the same strong ETag as the API's (a hash of
// its canonical JSON), so a form's version and an API client's agree.
func etagOf(v any) string {
	b, err := catalog.CanonicalJSON(v)
	if err != nil {
		return ""
	}
	sum := sha256.Sum256(b)
	return `"` + hex.EncodeToString(sum[:16]) + `"`
}

func canonical(v any) string {
	b, _ := catalog.CanonicalJSON(v)
	return string(b)
}

func yamlOf(v any) string {
	b, err := yaml.Marshal(v)
	if err != nil {
		return ""
	}
	return string(b)
}

// editView is the edit page in one of its steps.
type editView struct {
	Noun, Kind, Path, ID string
	Step                 string // "form", "yaml", "review", "conflict"
	Entries              []entry
	YAML                 string
	YAMLError            string
	ETag                 string
	Base                 string // the version the form was loaded from, canonical JSON
	Item                 string // the proposed version (review, conflict), canonical JSON
	Comment              string
	CommentError         string
	Changes              []fieldChange
	Theirs               []fieldChange // conflict: what the other change did
	TheirsBy             string        // conflict: who made the latest change, when, and why
	TopError             string
	Summary              []placedProblem
	Notice               string
	PlanID               string // the plan page to go back to
	Saved                string
}

// roleRequired renders a 403 page unless x's role allows min.
func (s *server) roleRequired(w http.ResponseWriter, r *http.Request, x *session, min access.Role) bool {
	if x.principal.Role.Allows(min) {
		return true
	}
	s.render(w, r, http.StatusForbidden, "error", page{Title: "Not allowed", Session: x,
		Message: fmt.Sprintf("Your key's role (%s) cannot do this: it needs the %s role. Ask an administrator if you need it.", x.principal.Role, min)})
	return false
}

// needDB renders a 503 page unless the console has a store of record.
func (s *server) needDB(w http.ResponseWriter, r *http.Request, x *session) bool {
	if s.editor != nil && s.history != nil {
		return true
	}
	s.render(w, r, http.StatusServiceUnavailable, "error", page{Title: "Editing is unavailable", Session: x,
		Message: "Editing, revisions and the audit log need the PostgreSQL store of record, and this server runs without one (it serves the catalog built into it). Start acucover with a database to use them."})
	return false
}

// current puts the store of record's head revision in force, so an editor
// reads what the next write will check against, and returns it.
func (s *server) current(ctx context.Context) (*catalog.Snapshot, error) {
	if _, err := s.store.Refresh(ctx, s.editor); err != nil {
		return nil, err
	}
	return s.store.Index().Snapshot(), nil
}

func (s *server) unavailable(w http.ResponseWriter, r *http.Request, x *session, err error) {
	s.log.Error("console: store of record", "error", err.Error())
	s.render(w, r, http.StatusServiceUnavailable, "error", page{Title: "Try again shortly", Session: x,
		Message: "The catalog's database cannot be reached right now or is busy. Nothing was changed. Try again shortly."})
}

// planOf is the plan page an item belongs to, for the way back.
func planOf(item any) string {
	switch v := item.(type) {
	case *catalog.Plan:
		return v.ID
	case *catalog.Rule:
		return v.Plan
	case *catalog.FeeSchedule:
		return v.Plan
	}
	return ""
}

// editPage shows the form (or, with mode=yaml, the YAML) for an item.
func (s *server) editPage(w http.ResponseWriter, r *http.Request, x *session) {
	k, id, ok := s.editTarget(w, r, x)
	if !ok {
		return
	}
	snap, err := s.current(r.Context())
	if err != nil {
		s.unavailable(w, r, x, err)
		return
	}
	item, _ := k.get(s.store.Index(), snap, id)
	if item == nil {
		s.notFound(w, r)
		return
	}
	v := s.newEditView(k, id, item)
	if r.URL.Query().Get("mode") == "yaml" {
		v.Step = "yaml"
	}
	if rev := r.URL.Query().Get("saved"); rev != "" && len(rev) < 30 {
		v.Saved = rev
	}
	s.renderEdit(w, r, x, http.StatusOK, v)
}

func (s *server) newEditView(k editable, id string, item any) *editView {
	return &editView{Noun: k.noun(), Kind: k.kind(), Path: k.path(), ID: id, Step: "form",
		Entries: buildForm(item, nil), YAML: yamlOf(item), ETag: etagOf(item), Base: canonical(item), PlanID: planOf(item)}
}

// editTarget checks the role and database and names the item of the URL.
func (s *server) editTarget(w http.ResponseWriter, r *http.Request, x *session) (editable, string, bool) {
	if !s.roleRequired(w, r, x, access.Editor) || !s.needDB(w, r, x) {
		return nil, "", false
	}
	k := editableAt(r.PathValue("kind"))
	id := r.PathValue("id")
	if k == nil || !catalog.ValidID(id) {
		s.notFound(w, r)
		return nil, "", false
	}
	return k, id, true
}

func (s *server) renderEdit(w http.ResponseWriter, r *http.Request, x *session, status int, v *editView) {
	s.render(w, r, status, "edit", page{Title: "Edit " + v.Noun + " " + v.ID, Session: x, Nav: "catalog", Edit: v})
}

// editPost handles every step of the edit form: add a list element, review
// (form or YAML), back to the form, save.
func (s *server) editPost(w http.ResponseWriter, r *http.Request, x *session) {
	k, id, ok := s.editTarget(w, r, x)
	if !ok {
		return
	}
	bad := func(what string) {
		s.render(w, r, http.StatusBadRequest, "error", page{Title: "Form damaged", Session: x,
			Message: "This form could not be read (" + what + "). Open the item again from the catalog and redo your change."})
	}
	base, err := k.fromJSON([]byte(r.PostFormValue("base")), id)
	if err != nil {
		bad("its original version is missing")
		return
	}
	v := &editView{Noun: k.noun(), Kind: k.kind(), Path: k.path(), ID: id, Step: "form", ETag: r.PostFormValue("etag"),
		Base: canonical(base), PlanID: planOf(base), Comment: r.PostFormValue("comment")}
	action := r.PostFormValue("action")
	switch {
	case strings.HasPrefix(action, "add:"):
		item, errs := k.fromForm(r.PostForm, id)
		if errs != nil {
			s.formProblems(w, r, x, v, errs)
			return
		}
		k.add(item, strings.TrimPrefix(action, "add:"))
		v.Entries, v.YAML = buildForm(item, nil), yamlOf(item)
		s.renderEdit(w, r, x, http.StatusOK, v)
	case action == "review":
		item, errs := k.fromForm(r.PostForm, id)
		if errs != nil {
			s.formProblems(w, r, x, v, errs)
			return
		}
		s.review(w, r, x, k, v, base, item)
	case action == "review-yaml":
		v.Step = "yaml"
		v.YAML = strings.ReplaceAll(r.PostFormValue("yaml"), "\r\n", "\n")
		v.Entries = buildForm(base, nil)
		item, err := k.fromYAML([]byte(v.YAML), id)
		if err != nil {
			v.YAMLError = "The YAML could not be read: " + err.Error()
			v.TopError = "Your change was not checked: fix the YAML first."
			v.Summary = []placedProblem{{Target: "f-yaml", Label: "YAML", Msg: v.YAMLError}}
			s.renderEdit(w, r, x, http.StatusUnprocessableEntity, v)
			return
		}
		s.review(w, r, x, k, v, base, item)
	case action == "back":
		item, err := k.fromJSON([]byte(r.PostFormValue("item")), id)
		if err != nil {
			bad("your proposed version is missing")
			return
		}
		v.Entries, v.YAML = buildForm(item, nil), yamlOf(item)
		s.renderEdit(w, r, x, http.StatusOK, v)
	case action == "save":
		item, err := k.fromJSON([]byte(r.PostFormValue("item")), id)
		if err != nil {
			bad("your proposed version is missing")
			return
		}
		s.save(w, r, x, k, v, base, item)
	default:
		bad("it has no action")
	}
}

// formProblems shows the form again with the submitted values and their
// problems.
func (s *server) formProblems(w http.ResponseWriter, r *http.Request, x *session, v *editView, errs map[string]string) {
	v.Entries = buildForm(mustItem(v), r.PostForm)
	for i := range v.Entries {
		e := &v.Entries[i]
		if m := errs[e.Path]; m != "" {
			e.Err = m
			v.Summary = append(v.Summary, placedProblem{Target: e.ID, Label: e.Show, Msg: m})
		}
	}
	v.TopError = "Some values could not be read. Nothing was saved."
	s.renderEdit(w, r, x, http.StatusUnprocessableEntity, v)
}

// mustItem is the item v was loaded from, for the form's shape.
func mustItem(v *editView) any {
	k := editableAt(v.Path)
	item, _ := k.fromJSON([]byte(v.Base), v.ID)
	return item
}

// review checks the proposed item against the whole current catalog and
// shows its field-level diff with the save button, or its problems on the
// form.
func (s *server) review(w http.ResponseWriter, r *http.Request, x *session, k editable, v *editView, base, item any) {
	if msg := commentProblem(v.Comment); msg != "" {
		v.CommentError = msg
	}
	if strings.Contains(canonical(item), `\u0000`) {
		v.Entries = buildForm(item, nil)
		v.TopError = "A value contains a NUL character, which cannot be stored. Nothing was saved."
		s.renderEdit(w, r, x, http.StatusUnprocessableEntity, v)
		return
	}
	snap, err := s.current(r.Context())
	if err != nil {
		s.unavailable(w, r, x, err)
		return
	}
	_, i := k.get(s.store.Index(), snap, id(v))
	if i < 0 {
		s.notFound(w, r)
		return
	}
	// Checked as a save would check it: from the served Index, only
	// what changed (catalog.BuildFrom is catalog.Build, faster).
	next := *snap
	catalog.ItemKindNamed(k.kind()).Clone(&next)
	k.replace(&next, i, item)
	if _, err := catalog.BuildFrom(s.store.Index(), &next); err != nil {
		var ps catalog.Problems
		if !errors.As(err, &ps) {
			ps = catalog.Problems{{Msg: err.Error()}}
		}
		s.catalogProblems(w, r, x, k, v, item, ps, i)
		return
	}
	v.Changes = fieldDiff(base, item)
	v.Item = canonical(item)
	v.Entries, v.YAML = buildForm(item, nil), yamlOf(item)
	if len(v.Changes) == 0 {
		v.Notice = "Nothing is different from the version you opened, so there is nothing to save."
		s.renderEdit(w, r, x, http.StatusOK, v)
		return
	}
	v.Step = "review"
	s.renderEdit(w, r, x, http.StatusOK, v)
}

func id(v *editView) string { return v.ID }

// catalogProblems shows the form with the catalog's problems on their
// fields (and in the summary those that have no field here).
func (s *server) catalogProblems(w http.ResponseWriter, r *http.Request, x *session, k editable, v *editView, item any, ps catalog.Problems, idx int) {
	v.Entries, v.Item = buildForm(item, nil), canonical(item)
	if v.Step != "yaml" {
		v.YAML = yamlOf(item)
	}
	errs, sum := problemPlaces(ps, k.noun(), v.ID, k.list(), idx, v.Entries)
	for i := range v.Entries {
		v.Entries[i].Err = errs[v.Entries[i].Path]
	}
	if v.Step == "yaml" {
		for i := range sum {
			sum[i].Target = "f-yaml"
		}
	}
	v.Summary = sum
	v.TopError = fmt.Sprintf("The catalog would not be valid with this change (%d %s). Nothing was saved.", len(ps), plural(len(ps), "problem", "problems"))
	s.renderEdit(w, r, x, http.StatusUnprocessableEntity, v)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func commentProblem(c string) string {
	switch {
	case !utf8.ValidString(c):
		return "is not valid text"
	case utf8.RuneCountInString(c) > maxComment:
		return fmt.Sprintf("must be at most %d characters", maxComment)
	case strings.ContainsRune(c, 0):
		return "must not contain NUL characters"
	}
	return ""
}

// conflictError: the item changed since the form was loaded.
type conflictError struct{ theirs any }

func (e *conflictError) Error() string { return "the item changed since it was read" }

var errGone = errors.New("the item no longer exists")

// save stores item if the stored version is still the one the form was
// loaded with (its ETag), checked inside the edit's transaction with the
// writers' lock held, as the API's If-Match is.
func (s *server) save(w http.ResponseWriter, r *http.Request, x *session, k editable, v *editView, base, item any) {
	if msg := commentProblem(v.Comment); msg != "" {
		v.CommentError, v.Step, v.Item = msg, "review", canonical(item)
		v.Changes = fieldDiff(base, item)
		s.renderEdit(w, r, x, http.StatusUnprocessableEntity, v)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), editBudget)
	defer cancel()
	var own error
	idx := -1
	rev, _, err := s.editor.Edit(ctx, x.principal.Name, "edit", v.Comment, func(cur *catalog.Snapshot) (*catalog.Snapshot, error) {
		stored, i := k.get(s.store.Index(), cur, v.ID)
		switch {
		case stored == nil:
			own = errGone
		case etagOf(stored) != v.ETag:
			own = &conflictError{theirs: stored}
		default:
			idx = i
			k.replace(cur, i, item)
			return cur, nil
		}
		return nil, own
	})
	var conflict *conflictError
	var ps catalog.Problems
	switch {
	case errors.As(own, &conflict):
		v.Step = "conflict"
		v.Theirs = fieldDiff(base, conflict.theirs)
		v.Changes = fieldDiff(conflict.theirs, item)
		v.ETag, v.Base, v.Item = etagOf(conflict.theirs), canonical(conflict.theirs), canonical(item)
		v.TheirsBy = s.lastChange(r.Context(), k.kind(), v.ID)
		s.renderEdit(w, r, x, http.StatusConflict, v)
		return
	case errors.Is(own, errGone):
		s.render(w, r, http.StatusConflict, "error", page{Title: "Deleted meanwhile", Session: x,
			Message: fmt.Sprintf("Someone deleted %s %s after you opened it, so your change was not saved.", k.noun(), v.ID)})
		return
	case errors.As(err, &ps):
		s.catalogProblems(w, r, x, k, v, item, ps, max(idx, 0))
		return
	case err != nil:
		s.unavailable(w, r, x, err)
		return
	}
	if _, err := s.store.Refresh(r.Context(), s.editor); err != nil {
		s.log.Warn("console: reload after a catalog change failed; the watcher will retry", "error", err.Error())
	}
	http.Redirect(w, r, "/console/catalog/"+k.path()+"/"+url.PathEscape(v.ID)+"/edit?saved="+url.QueryEscape(rev), http.StatusSeeOther)
}

// lastChange says who last changed an item, when and why, from the audit
// log; "" if it cannot tell.
func (s *server) lastChange(ctx context.Context, kind, id string) string {
	es, err := s.history.Audit(ctx, history.Filter{Resource: kind, ResourceID: id, Limit: 1})
	if err != nil || len(es) == 0 {
		return ""
	}
	e := es[0]
	out := fmt.Sprintf("%s changed it at %s (revision %s)", e.Actor, e.At.UTC().Format("15:04 UTC on 2006-01-02"), e.Revision)
	if e.Comment != "" {
		out += fmt.Sprintf(": “%s”", e.Comment)
	}
	return out + "."
}
