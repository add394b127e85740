package httpapi

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/acucover/acucover/internal/catalog"
	"github.com/acucover/acucover/internal/history"
	"github.com/gin-gonic/gin"
)

// maxCommentLength bounds X-Change-Comment.
const maxCommentLength = 1000

// resource describes one editable list of the catalog: a kind of item
// (*T are its items) and its URL segment.
type resource[T any] struct {
	kind  string // catalog.KindRule, …
	path  string // the URL segment: "rules"
	id    func(*T) *string
	items catalog.ItemKind
}

func newResource[T any](kind, path string, id func(*T) *string) resource[T] {
	return resource[T]{kind, path, id, catalog.ItemKindNamed(kind)}
}

var (
	plans        = newResource(catalog.KindPlan, "plans", func(v *catalog.Plan) *string { return &v.ID })
	conditions   = newResource(catalog.KindCondition, "conditions", func(v *catalog.Condition) *string { return &v.ID })
	rules        = newResource(catalog.KindRule, "rules", func(v *catalog.Rule) *string { return &v.ID })
	feeSchedules = newResource(catalog.KindFeeSchedule, "fee-schedules", func(v *catalog.FeeSchedule) *string { return &v.ID })
)

// current returns the head revision of the store of record, refreshing the
// served index first if it is behind, so an editor reads what the next
// write will check against (and reads its own writes). One cheap query when
// the index is current. Store.Refresh serialises this with the watcher's
// reloads, so neither swaps an older revision in after a newer one.
func (a *api) current(ctx context.Context) (*catalog.Snapshot, error) {
	if _, err := a.store.Refresh(ctx, a.editor); err != nil {
		return nil, fmt.Errorf("load the current catalog: %w", err)
	}
	return a.store.Index().Snapshot(), nil
}

// refreshAfterWrite serves a committed change at once on this replica; the
// others reload on the NOTIFY the commit sent. The change is committed, so a
// failure here is only logged: the watcher retries.
func (a *api) refreshAfterWrite(ctx context.Context) *catalog.Snapshot {
	s, err := a.current(ctx)
	if err != nil {
		a.log.Warn("reload after a catalog change failed; the watcher will retry", "error", err.Error())
		return a.store.Index().Snapshot()
	}
	return s
}

// etagOf is a strong ETag of a resource: a hash of its canonical JSON, so it
// is the same however the resource reached the server (YAML import, JSON
// edit, database load).
func etagOf(v any) (string, error) {
	b, err := catalog.CanonicalJSON(v)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	return `"` + hex.EncodeToString(sum[:16]) + `"`, nil
}

// catalogETag is the whole catalog's ETag: its revision.
func catalogETag(rev string) string { return `"` + rev + `"` }

// ifMatch returns the entity tags of If-Match. Writes must be conditional,
// so a missing header (or "*", which matches anything) is 428: an edit must
// name the version it was based on, or it could silently overwrite another.
func ifMatch(c *gin.Context) ([]string, error) {
	h := strings.TrimSpace(c.GetHeader("If-Match"))
	if h == "" {
		return nil, fmt.Errorf("%w: send If-Match with the ETag from your GET, so your change cannot overwrite someone else's", errPreconditionRequired)
	}
	var tags []string
	for t := range strings.SplitSeq(h, ",") {
		t = strings.TrimSpace(t)
		switch {
		case t == "*":
			return nil, fmt.Errorf("%w: If-Match: * matches any version and would overwrite changes you have not seen; send the ETag from your GET", errPreconditionRequired)
		case strings.HasPrefix(t, "W/"):
			// If-Match uses the strong comparison: a weak tag never matches.
		case t != "":
			if !strings.HasPrefix(t, `"`) {
				t = `"` + t + `"` // forgiving of a shell that ate the quotes
			}
			tags = append(tags, t)
		}
	}
	return tags, nil
}

func stale(what, now string) error {
	return fmt.Errorf("%w: %s changed since you read it (its ETag is now %s); GET it again and reapply your change", errPreconditionFailed, what, now)
}

// changeComment is the optional X-Change-Comment, recorded with the
// revision and in the audit log.
func changeComment(c *gin.Context) (string, error) {
	v := c.GetHeader("X-Change-Comment")
	switch {
	case !utf8.ValidString(v):
		return "", fieldErr("X-Change-Comment", "is not valid UTF-8", errInvalidRequest)
	case utf8.RuneCountInString(v) > maxCommentLength:
		return "", fieldErr("X-Change-Comment", fmt.Sprintf("must be at most %d characters", maxCommentLength), errInvalidRequest)
	case strings.ContainsRune(v, 0):
		return "", fieldErr("X-Change-Comment", "must not contain NUL characters", errInvalidRequest)
	}
	return v, nil
}

// storable rejects text PostgreSQL cannot store: NUL characters, in text or
// jsonb. Anything else is stored verbatim.
func storable(v any) error {
	b, err := catalog.CanonicalJSON(v)
	if err != nil {
		return fmt.Errorf("%w: %v", errInvalidRequest, err)
	}
	if strings.Contains(string(b), `\u0000`) {
		return fmt.Errorf("%w: the body contains a NUL character (\\u0000), which cannot be stored", errInvalidRequest)
	}
	return nil
}

// edit runs fn as an Edit by the request's key. An error of fn (a 404, 409
// or 412 decided under the writers' lock) is answered as fn made it.
//
// The edit must commit in time to be answered: it runs under editBudget, and
// the editor gives up (a 503 with Retry-After, nothing written) if the
// writers' lock is not free in time or the deadline is too near to commit.
func (a *api) edit(c *gin.Context, operation, comment string, fn func(cur *catalog.Snapshot) (*catalog.Snapshot, error)) (string, []catalog.Change, error) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), editBudget)
	defer cancel()
	var own error
	rev, changes, err := a.editor.Edit(ctx, principal(c).Name, operation, comment, func(cur *catalog.Snapshot) (*catalog.Snapshot, error) {
		next, err := fn(cur)
		own = err
		return next, err
	})
	if own != nil {
		return "", nil, own
	}
	var busy interface{ RetryAfter() time.Duration }
	if errors.As(err, &busy) {
		c.Header("Retry-After", strconv.Itoa(int(max(time.Second, busy.RetryAfter()).Seconds())))
		return "", nil, fmt.Errorf("%w: %v", errUnavailable, err)
	}
	if err != nil {
		return "", nil, editError(err)
	}
	return rev, changes, nil
}

// editBudget bounds an edit, well within the server's 30 s write timeout,
// so that what commits is answered.
const editBudget = 20 * time.Second

// editError turns a failed Edit into a problem: catalog problems become a
// 422 listing each with its location; the request's own errors pass.
func editError(err error) error {
	var ps catalog.Problems
	if errors.As(err, &ps) {
		return problemsError(ps, errInvalidCatalog)
	}
	return err
}

// problemsError lists catalog problems as the problem's errors[], each
// with where it is (e.g. `rule "x"`).
func problemsError(ps catalog.Problems, cause error) error {
	e := &requestError{}
	for _, p := range ps {
		where := p.Where
		if where == "" {
			where = "catalog"
		}
		e.add(where, p.Msg, cause)
	}
	return e
}

func shortID(id string) string {
	if len(id) > 64 {
		id = id[:64] + "…"
	}
	return strconv.Quote(id)
}

// listResources answers {"revision": …, "items": […]}: every item of r's
// kind in the current catalog, written item by item, so a million rules
// cost the memory of one, as GET /v1/admin/catalog does.
func listResources[T any](a *api, r resource[T]) handlerFunc {
	return func(c *gin.Context) error {
		if _, err := queryParams(c); err != nil {
			return err
		}
		s, err := a.current(c.Request.Context())
		if err != nil {
			return err
		}
		c.Header("ETag", catalogETag(s.Revision))
		c.Header("Content-Type", "application/json; charset=utf-8")
		c.Status(http.StatusOK)
		if err := writeList(c.Writer, s, r.items); err != nil {
			a.log.Warn("writing a list failed after the answer began", "kind", r.kind, "error", err.Error())
		}
		return nil
	}
}

// writeList writes s's revision and its items of kind k as one JSON
// object, one item at a time, escaping as PureJSON does (not <, > or &).
func writeList(w io.Writer, s *catalog.Snapshot, k catalog.ItemKind) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	bw.WriteString(`{"revision":`)
	if err := enc.Encode(s.Revision); err != nil {
		return err
	}
	bw.WriteString(`,"items":[`)
	for i := range k.Len(s) {
		if i > 0 {
			bw.WriteByte(',')
		}
		if err := enc.Encode(k.Item(s, i)); err != nil {
			return err
		}
	}
	bw.WriteString("]}\n")
	return bw.Flush()
}

func getResource[T any](a *api, r resource[T]) handlerFunc {
	return func(c *gin.Context) error {
		if _, err := queryParams(c); err != nil {
			return err
		}
		s, err := a.current(c.Request.Context())
		if err != nil {
			return err
		}
		id := c.Param("id")
		i := a.store.Index().Position(s, r.kind, id)
		if i < 0 {
			return fmt.Errorf("%w: no %s %s in catalog revision %s", errUnknownResource, r.kind, shortID(id), s.Revision)
		}
		return writeResource(c, http.StatusOK, r.items.Item(s, i))
	}
}

// writeResource answers v with its ETag.
func writeResource(c *gin.Context, status int, v any) error {
	tag, err := etagOf(v)
	if err != nil {
		return err
	}
	c.Header("ETag", tag)
	c.PureJSON(status, v)
	return nil
}

// decodeResource reads a JSON body into a T: strictly, so a field the
// catalog does not have is refused rather than dropped.
func decodeResource[T any](c *gin.Context) (*T, error) {
	v := new(T)
	if err := readJSON(c, v); err != nil {
		return nil, err
	}
	if err := storable(v); err != nil {
		return nil, err
	}
	return v, nil
}

func createResource[T any](a *api, r resource[T]) handlerFunc {
	return func(c *gin.Context) error {
		comment, err := changeComment(c)
		if err != nil {
			return err
		}
		v, err := decodeResource[T](c)
		if err != nil {
			return err
		}
		id := *r.id(v)
		if id == "" {
			return fieldErr("id", "is required", errInvalidRequest)
		}
		if !catalog.ValidID(id) {
			return fieldErr("id", fmt.Sprintf("%s must be lower-case letters, digits, '_' or '-', starting with a letter (at most 64)", shortID(id)), errInvalidRequest)
		}
		ctx := c.Request.Context()
		_, _, err = a.edit(c, "edit", comment, func(cur *catalog.Snapshot) (*catalog.Snapshot, error) {
			if a.store.Index().Position(cur, r.kind, id) >= 0 {
				return nil, fmt.Errorf("%w: %s %q exists; change it with PUT /v1/admin/%s/%s and If-Match", errConflict, r.kind, id, r.path, id)
			}
			r.items.Append(cur, v)
			return cur, nil
		})
		if err != nil {
			return err
		}
		c.Header("Location", "/v1/admin/"+r.path+"/"+id)
		return writeResource(c, http.StatusCreated, stored(a, ctx, r, id, v))
	}
}

// stored reloads the catalog after a write and returns item id as the
// catalog in force holds it, or v if it does not (the reload failed).
func stored[T any](a *api, ctx context.Context, r resource[T], id string, v *T) *T {
	s := a.refreshAfterWrite(ctx)
	if i := a.store.Index().Position(s, r.kind, id); i >= 0 {
		return r.items.Item(s, i).(*T)
	}
	return v
}

func replaceResource[T any](a *api, r resource[T]) handlerFunc {
	return func(c *gin.Context) error {
		tags, err := ifMatch(c)
		if err != nil {
			return err
		}
		comment, err := changeComment(c)
		if err != nil {
			return err
		}
		v, err := decodeResource[T](c)
		if err != nil {
			return err
		}
		id := c.Param("id")
		switch *r.id(v) {
		case "":
			*r.id(v) = id
		case id:
		default:
			return fieldErr("id", fmt.Sprintf("must be %s, the id in the path; to rename, POST the new id and DELETE the old one", shortID(id)), errInvalidRequest)
		}
		ctx := c.Request.Context()
		_, _, err = a.edit(c, "edit", comment, func(cur *catalog.Snapshot) (*catalog.Snapshot, error) {
			i := a.store.Index().Position(cur, r.kind, id)
			if i < 0 {
				return nil, fmt.Errorf("%w: no %s %s; create it with POST /v1/admin/%s", errUnknownResource, r.kind, shortID(id), r.path)
			}
			// The ETag is checked here, under the writers' lock, against
			// the stored version: no write can slip in between.
			tag, err := etagOf(r.items.Item(cur, i))
			if err != nil {
				return nil, err
			}
			if !slices.Contains(tags, tag) {
				return nil, stale(r.kind+" "+strconv.Quote(id), tag)
			}
			r.items.Set(cur, i, v)
			return cur, nil
		})
		if err != nil {
			return err
		}
		return writeResource(c, http.StatusOK, stored(a, ctx, r, id, v))
	}
}

func deleteResource[T any](a *api, r resource[T]) handlerFunc {
	return func(c *gin.Context) error {
		tags, err := ifMatch(c)
		if err != nil {
			return err
		}
		comment, err := changeComment(c)
		if err != nil {
			return err
		}
		id := c.Param("id")
		ctx := c.Request.Context()
		_, _, err = a.edit(c, "edit", comment, func(cur *catalog.Snapshot) (*catalog.Snapshot, error) {
			i := a.store.Index().Position(cur, r.kind, id)
			if i < 0 {
				return nil, fmt.Errorf("%w: no %s %s", errUnknownResource, r.kind, shortID(id))
			}
			tag, err := etagOf(r.items.Item(cur, i))
			if err != nil {
				return nil, err
			}
			if !slices.Contains(tags, tag) {
				return nil, stale(r.kind+" "+strconv.Quote(id), tag)
			}
			r.items.Delete(cur, i)
			return cur, nil
		})
		if err != nil {
			return err
		}
		a.refreshAfterWrite(ctx)
		c.Status(http.StatusNoContent)
		return nil
	}
}

// yamlTypes are the media types of a YAML catalog.
var yamlTypes = []string{"application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml"}

func wantsYAML(accept string) bool {
	for part := range strings.SplitSeq(accept, ",") {
		mt, _, _ := mime.ParseMediaType(strings.TrimSpace(part))
		if slices.Contains(yamlTypes, mt) {
			return true
		}
	}
	return false
}

// getCatalog answers the whole current catalog, as JSON or (Accept: a YAML
// type) as the YAML document acucover validate and import read.
func (a *api) getCatalog(c *gin.Context) error {
	if _, err := queryParams(c); err != nil {
		return err
	}
	s, err := a.current(c.Request.Context())
	if err != nil {
		return err
	}
	c.Header("ETag", catalogETag(s.Revision))
	// Written item by item: a catalog of any size costs the memory of one
	// item. The revision is in the ETag, not the document.
	format, ct := "json", "application/json; charset=utf-8"
	if wantsYAML(c.GetHeader("Accept")) {
		format, ct = "yaml", "application/yaml"
	}
	c.Header("Content-Type", ct)
	c.Status(http.StatusOK)
	if err := catalog.WriteDocument(c.Writer, s, format); err != nil {
		a.log.Warn("writing the catalog failed after the answer began", "error", err.Error())
	}
	return nil
}

// changeSummary lists changed ids per kind, for a dry run or an upload.
type changeSummary struct {
	Added   []string `json:"added"`
	Removed []string `json:"removed"`
	Changed []string `json:"changed"`
}

type catalogChange struct {
	DryRun   bool                     `json:"dry_run"`
	Revision string                   `json:"revision"`
	Previous string                   `json:"previous"`
	Changes  map[string]changeSummary `json:"changes"`
	// RollsBackTo is the older revision whose content the change restores,
	// if any: the head moved back from Previous to its content.
	RollsBackTo string `json:"rolls_back_to,omitempty"`
}

// kindKeys names each kind in a change summary.
var kindKeys = map[string]string{
	catalog.KindPlan: "plans", catalog.KindCondition: "conditions", catalog.KindRule: "rules",
	catalog.KindFeeSchedule: "fee_schedules", catalog.KindCashPrice: "cash_prices", catalog.KindLicensure: "licensure",
}

func summarize(changes []catalog.Change) map[string]changeSummary {
	out := map[string]changeSummary{}
	for _, k := range kindKeys {
		out[k] = changeSummary{Added: []string{}, Removed: []string{}, Changed: []string{}}
	}
	for _, ch := range changes {
		s := out[kindKeys[ch.Kind]]
		switch ch.Action {
		case catalog.Create:
			s.Added = append(s.Added, ch.ID)
		case catalog.Delete:
			s.Removed = append(s.Removed, ch.ID)
		default:
			s.Changed = append(s.Changed, ch.ID)
		}
		out[kindKeys[ch.Kind]] = s
	}
	return out
}

// putCatalog replaces the whole catalog with the body (YAML or JSON by
// Content-Type). With dry_run=true it only validates and answers the diff
// against the current revision.
func (a *api) putCatalog(c *gin.Context) error {
	q, err := queryParams(c, "dry_run")
	if err != nil {
		return err
	}
	dry := false
	if v, ok := q["dry_run"]; ok {
		if dry, err = strconv.ParseBool(v); err != nil {
			return fieldErr("dry_run", "must be true or false", errInvalidRequest)
		}
	}
	var tags []string
	if !dry {
		if tags, err = ifMatch(c); err != nil {
			return err
		}
	}
	comment, err := changeComment(c)
	if err != nil {
		return err
	}
	ct := c.GetHeader("Content-Type")
	mt, _, _ := mime.ParseMediaType(ct)
	if !slices.Contains(yamlTypes, mt) {
		if err := requireJSON(ct); err != nil {
			return fmt.Errorf("%w: send the catalog as application/json or application/yaml", errUnsupportedMedia)
		}
	}
	body, err := readBody(c)
	if err != nil {
		return err
	}
	if !utf8.Valid(body) {
		return fmt.Errorf("%w: the body is not valid UTF-8", errInvalidRequest)
	}
	next, _, err := catalog.Parse(body)
	var ps catalog.Problems
	if errors.As(err, &ps) {
		return problemsError(ps, errInvalidRequest)
	} else if err != nil {
		return fmt.Errorf("%w: %v", errInvalidRequest, err)
	}
	next.Revision = "" // the database names revisions
	if err := storable(next); err != nil {
		return err
	}
	ctx := c.Request.Context()
	if dry {
		cur, err := a.current(ctx)
		if err != nil {
			return err
		}
		if ps := catalog.Validate(next, nil); len(ps) > 0 {
			return problemsError(ps, errInvalidCatalog)
		}
		changes, err := catalog.Diff(cur, next)
		if err != nil {
			return err
		}
		c.PureJSON(http.StatusOK, catalogChange{DryRun: true, Revision: cur.Revision, Previous: cur.Revision, Changes: summarize(changes)})
		return nil
	}
	return a.replaceCatalog(c, "upload", comment, tags, next)
}

// replaceCatalog makes next the whole catalog if the current revision still
// matches one of the If-Match tags, and answers the change.
func (a *api) replaceCatalog(c *gin.Context, op, comment string, tags []string, next *catalog.Snapshot) error {
	var prev string
	rev, changes, err := a.edit(c, op, comment, func(cur *catalog.Snapshot) (*catalog.Snapshot, error) {
		prev = cur.Revision
		if !slices.Contains(tags, catalogETag(cur.Revision)) {
			return nil, stale("the catalog", catalogETag(cur.Revision))
		}
		return next, nil
	})
	if err != nil {
		return err
	}
	a.refreshAfterWrite(c.Request.Context())
	out := catalogChange{Revision: rev, Previous: prev, Changes: summarize(changes)}
	if rev != prev {
		out.RollsBackTo = a.rollsBackTo(c.Request.Context(), rev, prev)
	}
	c.Header("ETag", catalogETag(rev))
	c.PureJSON(http.StatusOK, out)
	return nil
}

// rollsBackTo returns the newest revision before prev whose content equals
// revision rev's, or "": a whole-catalog change that moves the head back.
// It only reports; the change is committed.
func (a *api) rollsBackTo(ctx context.Context, rev, prev string) string {
	revs, err := a.editor.Revisions(ctx)
	if err != nil {
		return ""
	}
	var hash string
	for _, r := range revs {
		if r.ID == rev {
			hash = r.ContentHash
		}
	}
	p, _ := strconv.ParseInt(prev, 10, 64)
	for _, r := range revs { // newest first
		if n, _ := strconv.ParseInt(r.ID, 10, 64); n < p && r.ContentHash == hash {
			return r.ID
		}
	}
	return ""
}

type revisionView struct {
	ID          string    `json:"id"`
	CreatedAt   time.Time `json:"created_at"`
	Author      string    `json:"author"`
	Comment     string    `json:"comment"`
	ContentHash string    `json:"content_hash"`
	Current     bool      `json:"current"`
}

func (a *api) listRevisions(c *gin.Context) error {
	q, err := queryParams(c, "limit", "before")
	if err != nil {
		return err
	}
	limit, before, err := pageParams(q)
	if err != nil {
		return err
	}
	revs, err := a.editor.Revisions(c.Request.Context())
	if err != nil {
		return err
	}
	out := struct {
		Revisions []revisionView `json:"revisions"`
		Next      *string        `json:"next"`
	}{Revisions: []revisionView{}}
	for _, r := range revs { // newest first
		if n, _ := strconv.ParseInt(r.ID, 10, 64); before > 0 && n >= before {
			continue
		}
		if len(out.Revisions) == limit {
			next := out.Revisions[limit-1].ID
			out.Next = &next
			break
		}
		out.Revisions = append(out.Revisions, revisionView(r))
	}
	c.PureJSON(http.StatusOK, out)
	return nil
}

const (
	defaultPage = 50
	maxPage     = 500
)

// pageParams reads limit (1–500, default 50) and the before cursor.
func pageParams(q map[string]string) (limit int, before int64, err error) {
	var e requestError
	limit = defaultPage
	if v, ok := q["limit"]; ok {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxPage {
			e.add("limit", fmt.Sprintf("must be a whole number from 1 to %d", maxPage), errInvalidRequest)
		}
		limit = n
	}
	if v, ok := q["before"]; ok {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 {
			e.add("before", "must be a positive whole number (the next cursor of the previous page)", errInvalidRequest)
		}
		before = n
	}
	return limit, before, e.err()
}

func (a *api) restoreRevision(c *gin.Context) error {
	tags, err := ifMatch(c)
	if err != nil {
		return err
	}
	comment, err := changeComment(c)
	if err != nil {
		return err
	}
	id := c.Param("id")
	ctx := c.Request.Context()
	revs, err := a.editor.Revisions(ctx)
	if err != nil {
		return err
	}
	if !slices.ContainsFunc(revs, func(r history.Revision) bool { return r.ID == id }) {
		return fmt.Errorf("%w: no catalog revision %s (GET /v1/admin/revisions lists them)", errUnknownResource, shortID(id))
	}
	old, err := a.editor.LoadRevision(ctx, id)
	if err != nil {
		return err
	}
	old.Revision = ""
	return a.replaceCatalog(c, "restore", comment, tags, old)
}

// auditResources are the audit log's resource kinds.
var auditResources = []string{catalog.KindPlan, catalog.KindCondition, catalog.KindRule, catalog.KindFeeSchedule, catalog.KindCashPrice, "catalog", "api_key", "clinic", "gfe"}

type auditView struct {
	ID         int64     `json:"id"`
	At         time.Time `json:"at"`
	Key        string    `json:"key"`
	Operation  string    `json:"operation"`
	Resource   string    `json:"resource"`
	ResourceID string    `json:"resource_id"`
	Action     string    `json:"action"`
	Before     any       `json:"before"`
	After      any       `json:"after"`
	Revision   *string   `json:"revision"`
	Comment    string    `json:"comment"`
}

func (a *api) listAudit(c *gin.Context) error {
	q, err := queryParams(c, "resource", "resource_id", "key", "from", "to", "before", "limit")
	if err != nil {
		return err
	}
	limit, before, err := pageParams(q)
	if err != nil {
		return err
	}
	f := history.Filter{Resource: q["resource"], ResourceID: q["resource_id"], Actor: q["key"], Before: before, Limit: limit}
	var e requestError
	if f.Resource != "" && !slices.Contains(auditResources, f.Resource) {
		e.add("resource", "must be one of "+strings.Join(auditResources, ", "), errInvalidRequest)
	}
	for _, p := range []struct {
		name string
		t    *time.Time
	}{{"from", &f.From}, {"to", &f.To}} {
		if v, ok := q[p.name]; ok {
			if *p.t, err = time.Parse(time.RFC3339, v); err != nil {
				e.add(p.name, "must be an RFC 3339 time, e.g. 2026-03-01T00:00:00Z", errInvalidRequest)
			}
		}
	}
	if err := e.err(); err != nil {
		return err
	}
	entries, err := a.editor.Audit(c.Request.Context(), f)
	if err != nil {
		return err
	}
	out := struct {
		Entries []auditView `json:"entries"`
		Next    *string     `json:"next"`
	}{Entries: make([]auditView, 0, len(entries))}
	for _, en := range entries {
		v := auditView{ID: en.ID, At: en.At, Key: en.Actor, Operation: en.Operation, Resource: en.Resource,
			ResourceID: en.ResourceID, Action: en.Action, Comment: en.Comment}
		if en.Before != nil {
			v.Before = en.Before
		}
		if en.After != nil {
			v.After = en.After
		}
		if en.Revision != "" {
			v.Revision = &en.Revision
		}
		out.Entries = append(out.Entries, v)
	}
	if len(entries) == limit {
		next := strconv.FormatInt(entries[len(entries)-1].ID, 10)
		out.Next = &next
	}
	c.PureJSON(http.StatusOK, out)
	return nil
}
