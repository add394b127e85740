package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/acucover/acucover/internal/catalog"
	"github.com/acucover/acucover/internal/history"
	"github.com/google/go-cmp/cmp"
)

// adminOnly are the routes an editor may not use; every other admin route
// needs editor.
var adminOnly = map[string]bool{
	"PUT /v1/admin/catalog":                true,
	"POST /v1/admin/revisions/:id/restore": true,
	"DELETE /v1/admin/clinics/:id":         true,
}

// TestAdminAuthMatrix sends every admin route every kind of credential.
func TestAdminAuthMatrix(t *testing.T) {
	t.Parallel()
	s := newDBServer(t)
	var routes []string
	for _, r := range s.engine.Routes() {
		if strings.HasPrefix(r.Path, "/v1/admin/") {
			routes = append(routes, r.Method+" "+r.Path)
		}
	}
	if len(routes) < 25 {
		t.Fatalf("only %d admin routes found: %v", len(routes), routes)
	}
	for _, route := range routes {
		method, path, _ := strings.Cut(route, " ")
		target := strings.ReplaceAll(path, ":id", "no-such-id")
		for _, cred := range []string{"", "raw:Bearer acu_not-a-real-key", "raw:Basic dXNlcjpwYXNz", "revoked", "reader", "editor", "admin"} {
			rec := s.call(t, call{method: method, target: target, key: cred})
			var want int
			switch {
			case cred == "" || strings.HasPrefix(cred, "raw:") || cred == "revoked":
				want = http.StatusUnauthorized
			case cred == "reader", cred == "editor" && adminOnly[route]:
				want = http.StatusForbidden
			}
			switch {
			case want == http.StatusUnauthorized:
				if rec.Code != want || !strings.HasPrefix(rec.Header().Get("WWW-Authenticate"), "Bearer") {
					t.Errorf("%s with %q = %d (WWW-Authenticate %q), want 401 with Bearer", route, cred, rec.Code, rec.Header().Get("WWW-Authenticate"))
				}
			case want != 0:
				if rec.Code != want {
					t.Errorf("%s with %q = %d, want %d", route, cred, rec.Code, want)
				}
			default: // allowed: whatever the answer, it is not about the key
				if rec.Code == http.StatusUnauthorized || rec.Code == http.StatusForbidden || rec.Code >= 500 {
					t.Errorf("%s with %q = %d, want it let through\n%s", route, cred, rec.Code, rec.Body)
				}
			}
		}
	}
}

func TestAdminWithoutDatabase(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, mustDefault(t))
	for _, r := range s.engine.Routes() {
		if !strings.HasPrefix(r.Path, "/v1/admin/") {
			continue
		}
		req := request{method: r.Method, target: strings.ReplaceAll(r.Path, ":id", "x")}.build()
		req.Header.Set("Authorization", "Bearer acu_0000000000000000000000000000000000000000000")
		rec := s.serve(req)
		checkResponse(t, req, rec)
		if rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), "PostgreSQL") {
			t.Errorf("%s %s without a database = %d %s, want 503 naming PostgreSQL", r.Method, r.Path, rec.Code, rec.Body)
		}
	}
}

func TestPublicAccess(t *testing.T) {
	t.Parallel()
	open := newDBServer(t)
	keyed := newDBServer(t, func(d *Deps) { d.PublicAccess = PublicKey })
	for _, tc := range []struct {
		s      *dbServer
		target string
		key    string
		want   int
	}{
		{open, "/v1/states", "", 200},
		{open, "/v1/states", "reader", 200},
		{open, "/v1/states", "revoked", 401}, // a wrong key is refused, not ignored
		{keyed, "/v1/states", "", 401},
		{keyed, "/v1/plans/medicare-part-b", "", 401},
		{keyed, "/v1/coverage?plan=medicare-part-b&state=CA&condition=neck_pain", "raw:Bearer nope", 401},
		{keyed, "/v1/states", "reader", 200},
		{keyed, "/v1/states", "editor", 200},
		{keyed, "/v1/states", "revoked", 401},
		{keyed, "/healthz", "", 200},
		{keyed, "/openapi.json", "", 200},
	} {
		rec := tc.s.call(t, call{method: "GET", target: tc.target, key: tc.key})
		if rec.Code != tc.want {
			t.Errorf("GET %s (key %q, key mode %t) = %d, want %d\n%s", tc.target, tc.key, tc.s == keyed, rec.Code, tc.want, rec.Body)
		}
	}
}

func TestRevokedKeyStopsAtOnce(t *testing.T) {
	t.Parallel()
	s := newDBServer(t, func(d *Deps) { d.PublicAccess = PublicKey })
	ctx := context.Background()
	if rec := s.call(t, call{method: "GET", target: "/v1/admin/plans", key: "editor"}); rec.Code != 200 {
		t.Fatalf("before revocation: %d", rec.Code)
	}
	if rec := s.call(t, call{method: "GET", target: "/v1/states", key: "reader"}); rec.Code != 200 {
		t.Fatalf("before revocation: %d", rec.Code)
	}
	for _, name := range []string{"editor", "reader"} {
		if err := s.db.RevokeKey(ctx, name, "test"); err != nil {
			t.Fatal(err)
		}
	}
	if rec := s.call(t, call{method: "GET", target: "/v1/admin/plans", key: "editor"}); rec.Code != 401 {
		t.Errorf("admin route, next request after revocation = %d, want 401", rec.Code)
	}
	if rec := s.call(t, call{method: "GET", target: "/v1/states", key: "reader"}); rec.Code != 401 {
		t.Errorf("public route, next request after revocation = %d, want 401", rec.Code)
	}
	entries, err := s.db.Audit(ctx, history.Filter{Resource: "api_key", Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	var revokes []string
	for _, e := range entries {
		if e.Action == "revoke" {
			revokes = append(revokes, e.ResourceID)
		}
	}
	slices.Sort(revokes)
	if diff := cmp.Diff([]string{"editor", "reader", "revoked"}, revokes); diff != "" {
		t.Errorf("audited revocations mismatch (-want +got):\n%s", diff)
	}
}

// TestConcurrentEditors races 50 editors holding the same ETag: exactly one
// wins, every other gets 412, and the audit log has one row for the one
// change.
func TestConcurrentEditors(t *testing.T) {
	t.Parallel()
	s := newDBServer(t)
	const id = "example-ppo-other"
	rec := s.call(t, call{method: "GET", target: "/v1/admin/rules/" + id, key: "editor"})
	tag := etag(t, rec)
	var rule catalog.Rule
	if err := json.Unmarshal(rec.Body.Bytes(), &rule); err != nil {
		t.Fatal(err)
	}
	const n = 50
	codes := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			r := rule
			r.Summary = fmt.Sprintf("Edited by editor %d.", i)
			body, _ := json.Marshal(r)
			rec := s.call(t, call{method: "PUT", target: "/v1/admin/rules/" + id, key: "editor", body: string(body),
				header: map[string]string{"If-Match": tag, "X-Change-Comment": fmt.Sprintf("race %d", i)}})
			codes[i] = rec.Code
		})
	}
	wg.Wait()
	count := map[int]int{}
	for _, c := range codes {
		count[c]++
	}
	if diff := cmp.Diff(map[int]int{200: 1, 412: n - 1}, count); diff != "" {
		t.Fatalf("status counts mismatch (-want +got):\n%s", diff)
	}
	winner := slices.Index(codes, 200)
	entries, err := s.db.Audit(context.Background(), history.Filter{Resource: catalog.KindRule, Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].ResourceID != id || entries[0].Action != catalog.Update ||
		entries[0].Actor != "editor" || entries[0].Comment != fmt.Sprintf("race %d", winner) {
		t.Fatalf("audit entries = %+v; want exactly the winner's update", entries)
	}
	var after catalog.Rule
	if err := json.Unmarshal(entries[0].After, &after); err != nil || after.Summary != fmt.Sprintf("Edited by editor %d.", winner) {
		t.Errorf("audited after = %s (%v); want the winner's summary", entries[0].After, err)
	}
	var before catalog.Rule
	if err := json.Unmarshal(entries[0].Before, &before); err != nil || before.Summary != rule.Summary {
		t.Errorf("audited before = %s (%v); want the original summary", entries[0].Before, err)
	}
	// The public API serves the change at once on this replica.
	rec = s.call(t, call{method: "GET", target: "/v1/plans/example-ppo-gold"})
	if !strings.Contains(rec.Body.String(), fmt.Sprintf("Edited by editor %d.", winner)) {
		t.Errorf("GET /v1/plans/example-ppo-gold does not show the edit:\n%s", rec.Body)
	}
}

func TestEditWorkflow(t *testing.T) {
	t.Parallel()
	s := newDBServer(t)
	const path = "/v1/admin/rules/example-ppo-other"
	rec := s.call(t, call{method: "GET", target: path, key: "editor"})
	tag := etag(t, rec)
	body := rec.Body.String()

	// Writes must be conditional.
	if rec := s.call(t, call{method: "PUT", target: path, key: "editor", body: body}); rec.Code != 428 {
		t.Errorf("PUT without If-Match = %d, want 428", rec.Code)
	}
	if rec := s.call(t, call{method: "PUT", target: path, key: "editor", body: body, header: map[string]string{"If-Match": "*"}}); rec.Code != 428 {
		t.Errorf("PUT with If-Match * = %d, want 428", rec.Code)
	}
	if rec := s.call(t, call{method: "DELETE", target: path, key: "editor"}); rec.Code != 428 {
		t.Errorf("DELETE without If-Match = %d, want 428", rec.Code)
	}
	// Mass assignment: a field the catalog does not have is refused.
	extra := strings.Replace(body, `{`, `{"revision_id": 1, `, 1)
	if rec := s.call(t, call{method: "PUT", target: path, key: "editor", body: extra, header: map[string]string{"If-Match": tag}}); rec.Code != 400 {
		t.Errorf("PUT with an unknown field = %d, want 400", rec.Code)
	}
	// Same body, same ETag: nothing changes, the tag stays.
	rec = s.call(t, call{method: "PUT", target: path, key: "editor", body: body, header: map[string]string{"If-Match": tag}})
	if rec.Code != 200 || rec.Header().Get("ETag") != tag {
		t.Errorf("unchanged PUT = %d ETag %q, want 200 %q", rec.Code, rec.Header().Get("ETag"), tag)
	}
	changed := strings.Replace(body, "covers acupuncture only", "covers acupuncture only (edited)", 1)
	if changed == body {
		t.Fatal("test setup: summary text not found")
	}
	rec = s.call(t, call{method: "PUT", target: path, key: "editor", body: changed, header: map[string]string{"If-Match": tag}})
	if rec.Code != 200 || rec.Header().Get("ETag") == tag {
		t.Fatalf("PUT = %d ETag %q, want 200 and a new tag\n%s", rec.Code, rec.Header().Get("ETag"), rec.Body)
	}
	newTag := rec.Header().Get("ETag")
	if got := s.call(t, call{method: "GET", target: path, key: "editor"}).Header().Get("ETag"); got != newTag {
		t.Errorf("GET after PUT: ETag %q, want the PUT's %q", got, newTag)
	}
	// The old tag is stale now.
	if rec := s.call(t, call{method: "PUT", target: path, key: "editor", body: body, header: map[string]string{"If-Match": tag}}); rec.Code != 412 {
		t.Errorf("PUT with a stale ETag = %d, want 412", rec.Code)
	}
	if rec := s.call(t, call{method: "DELETE", target: path, key: "editor", header: map[string]string{"If-Match": tag}}); rec.Code != 412 {
		t.Errorf("DELETE with a stale ETag = %d, want 412", rec.Code)
	}
	// POST of an existing id conflicts.
	if rec := s.call(t, call{method: "POST", target: "/v1/admin/rules", key: "editor", body: changed}); rec.Code != 409 {
		t.Errorf("POST of an existing id = %d, want 409", rec.Code)
	}
	// A second plan default for the same plan is ambiguous: 422 naming both.
	dup := strings.Replace(changed, `"id":"example-ppo-other"`, `"id":"example-ppo-other-2"`, 1)
	rec = s.call(t, call{method: "POST", target: "/v1/admin/rules", key: "editor", body: dup})
	if rec.Code != 422 || !strings.Contains(rec.Body.String(), "example-ppo-other-2") || !strings.Contains(rec.Body.String(), `"errors"`) {
		t.Errorf("POST of an ambiguous rule = %d, want 422 listing the problem\n%s", rec.Code, rec.Body)
	}
	// Deleting a plan that rules use is invalid as a whole catalog.
	planTag := etag(t, s.call(t, call{method: "GET", target: "/v1/admin/plans/example-ppo-gold", key: "editor"}))
	rec = s.call(t, call{method: "DELETE", target: "/v1/admin/plans/example-ppo-gold", key: "editor", header: map[string]string{"If-Match": planTag}})
	if rec.Code != 422 || !strings.Contains(rec.Body.String(), "example-ppo-chronic-pain") {
		t.Errorf("DELETE of a plan in use = %d, want 422 naming its rules\n%s", rec.Code, rec.Body)
	}
	// Delete the rule, then it is gone; the plan default is missing, which
	// is allowed (no rule: unknown).
	rec = s.call(t, call{method: "DELETE", target: path, key: "editor", header: map[string]string{"If-Match": newTag}})
	if rec.Code != 204 {
		t.Fatalf("DELETE = %d, want 204\n%s", rec.Code, rec.Body)
	}
	if rec := s.call(t, call{method: "GET", target: path, key: "editor"}); rec.Code != 404 {
		t.Errorf("GET after DELETE = %d, want 404", rec.Code)
	}
	// And POST brings it back.
	if rec := s.call(t, call{method: "POST", target: "/v1/admin/rules", key: "editor", body: body}); rec.Code != 201 || rec.Header().Get("Location") != path || rec.Header().Get("ETag") != tag {
		t.Errorf("POST = %d Location %q ETag %q, want 201 %s %s", rec.Code, rec.Header().Get("Location"), rec.Header().Get("ETag"), path, tag)
	}
	// Every committed change is audited once, newest first, with its key.
	rec = s.call(t, call{method: "GET", target: "/v1/admin/audit?resource=rule&key=editor", key: "editor"})
	entries, err := s.db.Audit(context.Background(), history.Filter{Resource: catalog.KindRule, Actor: "editor", Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range entries {
		actions = append(actions, e.Action)
	}
	if diff := cmp.Diff([]string{"create", "delete", "update"}, actions); diff != "" {
		t.Errorf("audited actions mismatch (-want +got):\n%s", diff)
	}
	if rec.Code != 200 || strings.Count(rec.Body.String(), `"resource":"rule"`) != 3 {
		t.Errorf("GET /v1/admin/audit = %d, want 3 rule entries\n%s", rec.Code, rec.Body)
	}
}

// TestAdminListsEveryItem: GET /v1/admin/{kind}, written item by item, is
// one JSON object holding the revision of its ETag and every item of the
// kind in the stored catalog, in catalog order, as GET of each answers it.
func TestAdminListsEveryItem(t *testing.T) {
	t.Parallel()
	s := newDBServer(t)
	stored, err := s.db.LoadCatalog(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for path, kind := range map[string]string{"plans": catalog.KindPlan, "conditions": catalog.KindCondition, "rules": catalog.KindRule, "fee-schedules": catalog.KindFeeSchedule} {
		rec := s.call(t, call{method: "GET", target: "/v1/admin/" + path, key: "editor"})
		var body struct {
			Revision string            `json:"revision"`
			Items    []json.RawMessage `json:"items"`
		}
		dec := json.NewDecoder(rec.Body)
		dec.DisallowUnknownFields()
		if rec.Code != 200 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
			t.Fatalf("GET /v1/admin/%s: %d %s", path, rec.Code, rec.Header().Get("Content-Type"))
		}
		if err := dec.Decode(&body); err != nil {
			t.Fatalf("GET /v1/admin/%s: %v", path, err)
		}
		if dec.More() {
			t.Errorf("GET /v1/admin/%s: more than one JSON value", path)
		}
		k := catalog.ItemKindNamed(kind)
		if body.Revision != stored.Revision || rec.Header().Get("ETag") != `"`+stored.Revision+`"` || len(body.Items) != k.Len(stored) || len(body.Items) == 0 {
			t.Fatalf("GET /v1/admin/%s: revision %q (ETag %s), %d items; the store has revision %s and %d", path, body.Revision, rec.Header().Get("ETag"), len(body.Items), stored.Revision, k.Len(stored))
		}
		for i, raw := range body.Items {
			got, err := k.DecodeJSON(raw)
			if err != nil {
				t.Fatal(err)
			}
			a, _ := catalog.CanonicalJSON(got)
			b, _ := catalog.CanonicalJSON(k.Item(stored, i))
			if string(a) != string(b) {
				t.Errorf("GET /v1/admin/%s: item %d is\n%s\nthe store's is\n%s", path, i, a, b)
			}
		}
	}
}
