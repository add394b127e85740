package console_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/acucover/acucover/internal/access"
	"github.com/acucover/acucover/internal/catalog"
	"github.com/acucover/acucover/internal/httpapi"
	"github.com/acucover/acucover/internal/postgres"
	"github.com/acucover/acucover/internal/postgres/pgtest"
)

// dbEnv is the real router over a fresh PostgreSQL database holding the
// default catalog, with one key per role (named billing-<role>).
type dbEnv struct {
	*env
	db   *postgres.DB
	role map[access.Role]string
}

func newDBEnv(t *testing.T) *dbEnv {
	t.Helper()
	ctx := context.Background()
	db := pgtest.Open(t)
	snap, _, err := catalog.Parse(catalog.DefaultYAML())
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := db.Import(ctx, snap, "seed", "first import"); err != nil {
		t.Fatal(err)
	}
	loaded, err := db.LoadCatalog(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ix, err := catalog.Build(loaded)
	if err != nil {
		t.Fatal(err)
	}
	e := &dbEnv{env: &env{clock: &clock{now: time.Now()}, ix: ix}, db: db, role: map[access.Role]string{}}
	for _, r := range access.Roles {
		secret, _, err := db.CreateKey(ctx, "billing-"+string(r), r, "test")
		if err != nil {
			t.Fatal(err)
		}
		e.role[r] = secret
	}
	e.srv = httptest.NewServer(httpapi.New(httpapi.Deps{Store: catalog.NewStore(ix), Keys: db, Editor: db, Now: e.clock.Now}))
	t.Cleanup(e.srv.Close)
	return e
}

// hidden returns the value of the hidden input name on a page.
func hidden(t *testing.T, body, name string) string {
	t.Helper()
	m := regexp.MustCompile(`name="` + regexp.QuoteMeta(name) + `" value="([^"]*)"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no hidden %s on the page:\n%s", name, body)
	}
	return htmlUnescape(m[1])
}

func htmlUnescape(s string) string {
	return strings.NewReplacer("&#34;", `"`, "&quot;", `"`, "&amp;", "&", "&lt;", "<", "&gt;", ">", "&#39;", "'", "&#43;", "+").Replace(s)
}

// formOf reads every input, select and textarea of the first form with
// action on the page, as the browser would submit it (without buttons).
func formOf(t *testing.T, body, action string) url.Values {
	t.Helper()
	i := strings.Index(body, `action="`+action+`"`)
	if i < 0 {
		t.Fatalf("no form posting to %s", action)
	}
	body = body[i:]
	body = body[:strings.Index(body, "</form>")]
	v := url.Values{}
	for _, m := range regexp.MustCompile(`<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"`).FindAllStringSubmatch(body, -1) {
		if strings.Contains(m[0], `type="checkbox"`) && !strings.Contains(m[0], "checked") {
			continue
		}
		v.Add(htmlUnescape(m[1]), htmlUnescape(m[2]))
	}
	for _, m := range regexp.MustCompile(`(?s)<textarea[^>]*name="([^"]+)"[^>]*>\n(.*?)</textarea>`).FindAllStringSubmatch(body, -1) {
		v.Add(m[1], htmlUnescape(m[2]))
	}
	for _, m := range regexp.MustCompile(`(?s)<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>`).FindAllStringSubmatch(body, -1) {
		sel := regexp.MustCompile(`<option value="([^"]*)" selected`).FindStringSubmatch(m[2])
		if sel == nil {
			sel = regexp.MustCompile(`<option value="([^"]*)"`).FindStringSubmatch(m[2])
		}
		v.Add(m[1], htmlUnescape(sel[1]))
	}
	return v
}

const planEdit = "/console/catalog/plans/medicare-part-b/edit"

// TestEditSaveAuditRestore is the billing specialist's round trip without a
// browser: edit a deductible in the form, see the field-level diff, save,
// find the audit entry, then restore the old revision as an admin.
func TestEditSaveAuditRestore(t *testing.T) {
	t.Parallel()
	e := newDBEnv(t)
	ed := e.browser(t)
	ed.signIn(e.role[access.Editor])

	page := ed.get(planEdit)
	if page.StatusCode != http.StatusOK {
		t.Fatalf("GET %s = %d\n%s", planEdit, page.StatusCode, page.body)
	}
	form := formOf(t, page.body, planEdit)
	if got := form.Get("cost_sharing.2.deductible_cents"); got != "28300" {
		t.Fatalf("cost_sharing.2.deductible_cents = %q, want 28300", got)
	}
	form.Set("cost_sharing.2.deductible_cents", "28400")
	form.Set("action", "review")
	review := ed.post(planEdit, form)
	if review.StatusCode != http.StatusOK || !strings.Contains(review.body, "Review your change") {
		t.Fatalf("review = %d\n%s", review.StatusCode, review.body)
	}
	row := regexp.MustCompile(`(?s)<code>cost_sharing\[2\]\.deductible_cents</code></th><td class="was">(\d+)</td><td class="now">(\d+)</td>`).FindStringSubmatch(review.body)
	if row == nil || row[1] != "28300" || row[2] != "28400" {
		t.Fatalf("the review does not show cost_sharing[2].deductible_cents 28300 → 28400:\n%s", review.body)
	}
	if n := strings.Count(review.body, `<tr><th scope="row">`); n != 1 {
		t.Errorf("the review lists %d changed fields, want 1", n)
	}
	save := formOf(t, review.body, planEdit)
	save.Set("comment", "2026 deductible correction")
	save.Set("action", "save")
	res := ed.post(planEdit, save)
	if res.StatusCode != http.StatusSeeOther || !strings.Contains(res.Header.Get("Location"), "saved=") {
		t.Fatalf("save = %d → %q\n%s", res.StatusCode, res.Header.Get("Location"), res.body)
	}
	// The API serves the new value at once.
	ctx := context.Background()
	snap, err := e.db.LoadCatalog(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := snap.Plans[0].CostSharing[2].DeductibleCents; snap.Plans[0].ID != "medicare-part-b" || got != 28400 {
		t.Fatalf("stored deductible = %d, want 28400", got)
	}
	audit := ed.get("/console/audit?kind=plan&id=medicare-part-b")
	for _, want := range []string{"billing-editor", "2026 deductible correction", "cost_sharing[2].deductible_cents", "28300", "28400"} {
		if !strings.Contains(audit.body, want) {
			t.Errorf("the audit page lacks %q", want)
		}
	}

	// The editor sees revisions but no restore; the server refuses it too.
	revs := ed.get("/console/revisions")
	if strings.Contains(revs.body, "/restore") {
		t.Error("the revisions page offers an editor a restore")
	}
	if r := ed.get("/console/revisions/1/restore"); r.StatusCode != http.StatusForbidden {
		t.Errorf("editor GET restore = %d, want 403", r.StatusCode)
	}
	if r := ed.post("/console/revisions/1/restore", url.Values{"csrf": {ed.csrf("/console/revisions")}, "head": {"2"}}); r.StatusCode != http.StatusForbidden {
		t.Errorf("editor POST restore = %d, want 403", r.StatusCode)
	}

	ad := e.browser(t)
	ad.signIn(e.role[access.Admin])
	diff := ad.get("/console/revisions/diff?from=1&to=2")
	if !strings.Contains(diff.body, "cost_sharing[2].deductible_cents") {
		t.Errorf("the diff of revisions 1 and 2 lacks the field:\n%s", diff.body)
	}
	confirm := ad.get("/console/revisions/1/restore")
	if confirm.StatusCode != http.StatusOK || !strings.Contains(confirm.body, "28400") {
		t.Fatalf("restore confirmation = %d\n%s", confirm.StatusCode, confirm.body)
	}
	rf := formOf(t, confirm.body, "/console/revisions/1/restore")
	rf.Set("comment", "undo")
	res = ad.post("/console/revisions/1/restore", rf)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("restore = %d\n%s", res.StatusCode, res.body)
	}
	if snap, _ = e.db.LoadCatalog(ctx); snap.Plans[0].CostSharing[2].DeductibleCents != 28300 {
		t.Fatalf("after restore the deductible is %d, want 28300", snap.Plans[0].CostSharing[2].DeductibleCents)
	}
	if a := ad.get("/console/audit?kind=catalog"); !strings.Contains(a.body, "restore") || !strings.Contains(a.body, "billing-admin") {
		t.Errorf("the audit log lacks the restore:\n%s", a.body)
	}
}

// TestEditConflict: two editors open the same plan; the second to save is
// told, with both versions, instead of overwriting the first.
func TestEditConflict(t *testing.T) {
	t.Parallel()
	e := newDBEnv(t)
	a, b := e.browser(t), e.browser(t)
	a.signIn(e.role[access.Editor])
	b.signIn(e.role[access.Admin])
	fa := formOf(t, a.get(planEdit).body, planEdit)
	fb := formOf(t, b.get(planEdit).body, planEdit)

	fa.Set("cost_sharing.2.copay_cents", "1500")
	fa.Set("action", "review")
	sa := formOf(t, a.post(planEdit, fa).body, planEdit)
	sa.Set("action", "save")
	if r := a.post(planEdit, sa); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("first save = %d\n%s", r.StatusCode, r.body)
	}

	fb.Set("cost_sharing.2.deductible_cents", "30000")
	fb.Set("action", "review")
	sb := formOf(t, b.post(planEdit, fb).body, planEdit)
	sb.Set("action", "save")
	r := b.post(planEdit, sb)
	if r.StatusCode != http.StatusConflict {
		t.Fatalf("second save = %d, want 409\n%s", r.StatusCode, r.body)
	}
	for _, want := range []string{"Someone else changed this plan", "billing-editor changed it at", "cost_sharing[2].copay_cents", "1500", "cost_sharing[2].deductible_cents", "30000"} {
		if !strings.Contains(r.body, want) {
			t.Errorf("the conflict page lacks %q", want)
		}
	}
	snap, _ := e.db.LoadCatalog(context.Background())
	if cs := snap.Plans[0].CostSharing[2]; cs.CopayCents != 1500 || cs.DeductibleCents != 28300 {
		t.Errorf("after the conflict: copay %d deductible %d, want 1500 and 28300 (the first save kept)", cs.CopayCents, cs.DeductibleCents)
	}
}

// TestEditProblemsOnFields: an invalid value is shown on its field, with
// the catalog's own message, and nothing is saved.
func TestEditProblemsOnFields(t *testing.T) {
	t.Parallel()
	e := newDBEnv(t)
	b := e.browser(t)
	b.signIn(e.role[access.Editor])
	f := formOf(t, b.get(planEdit).body, planEdit)
	f.Set("cost_sharing.2.coinsurance_percent", "120")
	f.Set("cost_sharing.1.copay_cents", "twelve")
	f.Set("action", "review")
	r := b.post(planEdit, f)
	if r.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("review = %d, want 422\n%s", r.StatusCode, r.body)
	}
	if !regexp.MustCompile(`id="f-cost-sharing-1-copay-cents-error">must be a whole number`).MatchString(r.body) {
		t.Errorf("the unreadable number is not shown on its field:\n%s", r.body)
	}
	if !strings.Contains(r.body, `value="twelve"`) {
		t.Error("the form lost what was typed")
	}
	f.Set("cost_sharing.1.copay_cents", "0")
	r = b.post(planEdit, f)
	if !regexp.MustCompile(`id="f-cost-sharing-2-coinsurance-percent-error">coinsurance_percent 120 is not between 0 and 100`).MatchString(r.body) {
		t.Errorf("the catalog's problem is not shown on its field:\n%s", r.body)
	}
	if !strings.Contains(r.body, `href="#f-cost-sharing-2-coinsurance-percent"`) {
		t.Error("the error summary does not link to the field")
	}
	// A rule's conditional status without criteria lands on the criteria.
	rule := "/console/catalog/rules/medicare-b-clbp/edit"
	page := b.get(rule)
	if page.StatusCode != http.StatusOK {
		t.Fatalf("GET %s = %d", rule, page.StatusCode)
	}
	f = formOf(t, page.body, rule)
	f.Set("summary", "")
	f.Set("action", "review")
	r = b.post(rule, f)
	if !strings.Contains(r.body, `id="f-summary-error">summary is required`) {
		t.Errorf("the empty summary is not shown on its field:\n%s", r.body)
	}
}

// TestEditRolesAndCSRF: a reader sees no edit links and is refused the
// pages; a POST without the token is refused; without a database the pages
// say why they are unavailable.
func TestEditRolesAndCSRF(t *testing.T) {
	t.Parallel()
	e := newDBEnv(t)
	rd := e.browser(t)
	rd.signIn(e.role[access.Reader])
	plan := rd.get("/console/catalog/plans/medicare-part-b")
	for _, hiddenText := range []string{"/edit", "/console/revisions", "/console/audit"} {
		if strings.Contains(plan.body, hiddenText) {
			t.Errorf("a reader's plan page links to %s", hiddenText)
		}
	}
	for _, p := range []string{planEdit, "/console/revisions", "/console/revisions/diff?from=1&to=1", "/console/audit", "/console/revisions/1/restore"} {
		if r := rd.get(p); r.StatusCode != http.StatusForbidden || !strings.Contains(r.body, "reader") {
			t.Errorf("reader GET %s = %d, want 403 naming the role", p, r.StatusCode)
		}
	}
	if r := rd.post(planEdit, url.Values{"csrf": {rd.csrf("/console/check")}, "action": {"review"}}); r.StatusCode != http.StatusForbidden {
		t.Errorf("reader POST edit = %d, want 403", r.StatusCode)
	}

	ed := e.browser(t)
	ed.signIn(e.role[access.Editor])
	f := formOf(t, ed.get(planEdit).body, planEdit)
	f.Del("csrf")
	f.Set("action", "review")
	if r := ed.post(planEdit, f); r.StatusCode != http.StatusForbidden {
		t.Errorf("POST without the CSRF token = %d, want 403", r.StatusCode)
	}

	noDB := newEnv(t, true)
	key := noDB.keys.add(t, "billing-editor", access.Editor)
	b := noDB.browser(t)
	b.signIn(key)
	for _, p := range []string{planEdit, "/console/revisions", "/console/audit"} {
		if r := b.get(p); r.StatusCode != http.StatusServiceUnavailable || !strings.Contains(r.body, "need the PostgreSQL store of record") {
			t.Errorf("without a database GET %s = %d, want 503 saying why", p, r.StatusCode)
		}
	}
}

// TestAuditFiltersAndPaging: the audit log pages 25 at a time, newest
// first, and filters by who, kind, id and date range.
func TestAuditFiltersAndPaging(t *testing.T) {
	t.Parallel()
	e := newDBEnv(t)
	ctx := context.Background()
	for i := range 30 {
		actor := "billing-pat"
		if i%3 == 0 {
			actor = "billing-sam"
		}
		_, _, err := e.db.Edit(ctx, actor, "edit", "step", func(cur *catalog.Snapshot) (*catalog.Snapshot, error) {
			p := cur.Plans[0]
			p.CostSharing = slices.Clone(p.CostSharing) // the head's lists are not ours
			p.CostSharing[2].CopayCents = int64(100 + i)
			cur.Plans[0] = p
			return cur, nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	b := e.browser(t)
	b.signIn(e.role[access.Editor])
	entry := regexp.MustCompile(`<li class="entry"`)
	first := b.get("/console/audit?kind=plan")
	if n := len(entry.FindAllString(first.body, -1)); n != 25 {
		t.Fatalf("first page has %d entries, want 25\n%s", n, first.body)
	}
	if !strings.Contains(first.body, "<td class=\"now\">129</td>") {
		t.Error("the newest change is not on the first page")
	}
	next := regexp.MustCompile(`<a href="(/console/audit\?[^"]+)">Older entries`).FindStringSubmatch(first.body)
	if next == nil {
		t.Fatal("no link to older entries")
	}
	second := b.get(htmlUnescape(next[1]))
	if n := len(entry.FindAllString(second.body, -1)); n != 5 {
		t.Errorf("second page has %d entries, want 5", n)
	}
	if !strings.Contains(second.body, "kind=plan") || strings.Contains(second.body, "Older entries") {
		t.Error("the second page lost the filter or offers a third")
	}
	if n := len(entry.FindAllString(b.get("/console/audit?key=billing-sam").body, -1)); n != 10 {
		t.Errorf("key=billing-sam: %d entries, want 10", n)
	}
	if n := len(entry.FindAllString(b.get("/console/audit?kind=rule").body, -1)); n != 0 {
		t.Errorf("kind=rule: %d entries, want 0", n)
	}
	today := time.Now().UTC().Format(time.DateOnly)
	tomorrow := time.Now().UTC().AddDate(0, 0, 1).Format(time.DateOnly)
	if n := len(entry.FindAllString(b.get("/console/audit?key=billing-sam&from="+today+"&to="+today).body, -1)); n != 10 {
		t.Errorf("today's entries by billing-sam: %d, want 10", n)
	}
	if n := len(entry.FindAllString(b.get("/console/audit?from="+tomorrow).body, -1)); n != 0 {
		t.Errorf("entries from tomorrow: %d, want 0", n)
	}
	bad := b.get("/console/audit?from=yesterday&kind=nope")
	if bad.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(bad.body, `id="a-from-error">must be a date`) || !strings.Contains(bad.body, `id="a-kind-error"`) {
		t.Errorf("bad filters = %d\n%s", bad.StatusCode, bad.body)
	}
}

// TestEditYAML: a power user's YAML edit goes through the same review and
// save; unknown fields and another id are refused on the YAML field.
func TestEditYAML(t *testing.T) {
	t.Parallel()
	e := newDBEnv(t)
	b := e.browser(t)
	b.signIn(e.role[access.Editor])
	rule := "/console/catalog/rules/medicare-b-clbp/edit"
	page := b.get(rule + "?mode=yaml")
	f := formOf(t, page.body, rule)
	y := f.Get("yaml")
	if !strings.Contains(y, "id: medicare-b-clbp") || !strings.Contains(y, "visits: 12") {
		t.Fatalf("the YAML does not hold the rule:\n%s", y)
	}
	f.Set("action", "review-yaml")
	f.Set("yaml", strings.Replace(y, "visits: 12", "visits: 14", 1))
	r := b.post(rule, f)
	if r.StatusCode != http.StatusOK || !strings.Contains(r.body, "limits.windows[0].visits") {
		t.Fatalf("YAML review = %d\n%s", r.StatusCode, r.body)
	}
	save := formOf(t, r.body, rule)
	save.Set("action", "save")
	if res := b.post(rule, save); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("save = %d\n%s", res.StatusCode, res.body)
	}
	snap, _ := e.db.LoadCatalog(context.Background())
	for _, x := range snap.Rules {
		if x.ID == "medicare-b-clbp" && x.Limits.Windows[0].Visits != 14 {
			t.Errorf("stored visits %d, want 14", x.Limits.Windows[0].Visits)
		}
	}
	for yamlText, want := range map[string]string{
		"id: medicare-b-clbp\nshoe_size: 9\n": "field shoe_size not found",
		"id: another-rule\n":                  "id must stay",
	} {
		f.Set("yaml", yamlText)
		r := b.post(rule, f)
		if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.body, want) || !strings.Contains(r.body, `id="f-yaml-error"`) {
			t.Errorf("YAML %q = %d, want 422 with %q on the YAML field", yamlText, r.StatusCode, want)
		}
	}
}
