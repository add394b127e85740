package httpapi

import (
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/acucover/acucover/internal/catalog"
	"github.com/google/go-cmp/cmp"
)

// hostile are strings that must be stored and returned verbatim.
var hostile = []string{
	"'; DROP TABLE rules; --",
	`" OR 1=1 --`,
	`Robert'); DELETE FROM audit_log; --`,
	"Ünïcødé ✓ 漢字 🦷 \u202e RTL",
	"<script>alert(1)</script> & \\ $1 %s %d",
	strings.Repeat("long ' \" ; -- ", 500), // 7 KB per field, inside catalog.MaxTextBytes
}

// TestOverlongTextRefused: catalog text has length limits (catalog
// limits.go): a 70 KB name is a 422 naming the field, not stored.
func TestOverlongTextRefused(t *testing.T) {
	t.Parallel()
	s := newDBServer(t)
	long := strings.Repeat("x", 70_000)
	plan := catalog.Plan{ID: "overlong", Name: long, Payer: "p", Type: catalog.Commercial, States: catalog.ScopeOf("CA"),
		BenefitPeriod: catalog.BenefitPeriod{Kind: catalog.CalendarYear},
		Sources:       []catalog.Source{{Title: "t", URL: "https://example.org/"}}}
	body, _ := json.Marshal(plan)
	rec := s.call(t, call{method: "POST", target: "/v1/admin/plans", key: "editor", body: string(body)})
	if rec.Code != 422 || !strings.Contains(rec.Body.String(), ".name") || rec.Body.Len() > 8<<10 {
		t.Errorf("POST a plan with a 70 KB name = %d (%d bytes), want a short 422 naming the field\n%.500s", rec.Code, rec.Body.Len(), rec.Body)
	}
}

func TestHostileTextStoredVerbatim(t *testing.T) {
	t.Parallel()
	s := newDBServer(t)
	for i, text := range hostile {
		planID := "hostile-plan-" + string(rune('a'+i))
		plan := catalog.Plan{ID: planID, Name: text, Payer: text, Type: catalog.Commercial, States: catalog.ScopeOf("CA"),
			BenefitPeriod: catalog.BenefitPeriod{Kind: catalog.CalendarYear}, Notes: []string{text},
			CostSharing: []catalog.CostSharing{{Network: catalog.InNetwork, Note: text}},
			Sources:     []catalog.Source{{Title: text, URL: "https://example.org/?q=" + "x"}}}
		cond := catalog.Condition{ID: "hostile_cond_" + string(rune('a'+i)), Name: text, Evidence: text,
			ICD10:   []string{"Y9" + string(rune('0'+i)) + ".1"},
			Sources: []catalog.Source{{Title: text, URL: "https://example.org/c"}}}
		rule := catalog.Rule{ID: "hostile-rule-" + string(rune('a'+i)), Plan: planID, States: catalog.AllOf, Conditions: catalog.AllOf,
			Status: catalog.NotCovered, Summary: text, Notes: []string{text},
			Billing: catalog.Billing{Notes: []string{text}},
			Sources: []catalog.Source{{Title: text, URL: "https://example.org/r"}}}
		for _, c := range []struct {
			path string
			v    any
		}{{"plans", plan}, {"conditions", cond}, {"rules", rule}} {
			body, _ := json.Marshal(c.v)
			rec := s.call(t, call{method: "POST", target: "/v1/admin/" + c.path, key: "editor", body: string(body),
				header: map[string]string{"X-Change-Comment": strings.ToValidUTF8(text[:min(len(text), 900)], "")}})
			if rec.Code != 201 {
				t.Fatalf("POST %s with %.40q = %d\n%.2000s", c.path, text, rec.Code, rec.Body)
			}
			got := s.call(t, call{method: "GET", target: rec.Header().Get("Location"), key: "editor"})
			want, _ := catalog.CanonicalJSON(c.v)
			var back any
			switch c.v.(type) {
			case catalog.Plan:
				back = new(catalog.Plan)
			case catalog.Condition:
				back = new(catalog.Condition)
			default:
				back = new(catalog.Rule)
			}
			if err := json.Unmarshal(got.Body.Bytes(), back); err != nil {
				t.Fatal(err)
			}
			gotJSON, _ := catalog.CanonicalJSON(back)
			if string(gotJSON) != string(want) {
				t.Errorf("GET %s after POST differs for %.40q", c.path, text)
			}
		}
	}
	// The export (YAML) round-trips every string too, and the tables are
	// all still there.
	rec := s.call(t, call{method: "GET", target: "/v1/admin/catalog", key: "editor", header: map[string]string{"Accept": "application/yaml"}})
	snap, _, err := catalog.Parse(rec.Body.Bytes())
	if err != nil {
		t.Fatalf("export does not parse: %v", err)
	}
	var names []string
	for _, p := range snap.Plans {
		if strings.HasPrefix(p.ID, "hostile-plan-") {
			names = append(names, p.Name)
		}
	}
	if diff := cmp.Diff(hostile, names); diff != "" {
		t.Errorf("exported plan names mismatch (-want +got):\n%.3000s", diff)
	}
	ctx := context.Background()
	for _, table := range []string{"catalog_items", "item_versions", "audit_log", "api_keys"} {
		var n int
		if err := s.db.SQL().QueryRowContext(ctx, "SELECT count(*) FROM "+table).Scan(&n); err != nil || n == 0 {
			t.Errorf("table %s: %d rows, %v", table, n, err)
		}
	}
	// NUL cannot be stored: refused as bad input, not a 500.
	bad, _ := json.Marshal(catalog.Condition{ID: "nul", Name: "a\x00b"})
	if rec := s.call(t, call{method: "POST", target: "/v1/admin/conditions", key: "editor", body: string(bad)}); rec.Code != 400 {
		t.Errorf("POST with NUL = %d, want 400", rec.Code)
	}
}

func TestCatalogUploadAndRestore(t *testing.T) {
	t.Parallel()
	s := newDBServer(t)
	rec := s.call(t, call{method: "GET", target: "/v1/admin/catalog", key: "admin", header: map[string]string{"Accept": "application/yaml"}})
	tag := etag(t, rec)
	if tag != `"1"` {
		t.Fatalf("catalog ETag = %s, want \"1\"", tag)
	}
	orig := rec.Body.String()
	edited := strings.Replace(orig, "Example PPO Gold (fictional) covers acupuncture only", "Gold covers acupuncture only", 1)
	// The condition id nausea, not the ids it begins (nausea_vomiting_pregnancy).
	edited = regexp.MustCompile(`\bnausea\b`).ReplaceAllString(edited, "nausea_renamed")
	if !strings.Contains(edited, "Gold covers") || !strings.Contains(edited, "id: nausea_renamed") {
		t.Fatal("test setup: texts not found")
	}
	ct := "application/yaml"

	// Dry run: the diff, nothing written.
	rec = s.call(t, call{method: "PUT", target: "/v1/admin/catalog?dry_run=true", key: "admin", body: edited, contentType: ct})
	var change catalogChange
	if rec.Code != 200 || json.Unmarshal(rec.Body.Bytes(), &change) != nil {
		t.Fatalf("dry run = %d\n%s", rec.Code, rec.Body)
	}
	if !change.DryRun || change.Revision != "1" ||
		!cmp.Equal(change.Changes["conditions"], changeSummary{Added: []string{"nausea_renamed"}, Removed: []string{"nausea"}, Changed: []string{}}) ||
		!slices_contains(change.Changes["rules"].Changed, "example-ppo-other") {
		t.Errorf("dry run = %+v", change)
	}
	if got := etag(t, s.call(t, call{method: "GET", target: "/v1/admin/catalog", key: "admin"})); got != tag {
		t.Errorf("after a dry run the catalog is %s, want %s", got, tag)
	}
	// An invalid catalog: 422 with every problem located; YAML syntax: 400.
	invalid := strings.Replace(edited, "plan: example-ppo-gold", "plan: no-such-plan", 1)
	if rec := s.call(t, call{method: "PUT", target: "/v1/admin/catalog?dry_run=true", key: "admin", body: invalid, contentType: ct}); rec.Code != 422 || !strings.Contains(rec.Body.String(), "no-such-plan") {
		t.Errorf("invalid dry run = %d\n%s", rec.Code, rec.Body)
	}
	if rec := s.call(t, call{method: "PUT", target: "/v1/admin/catalog", key: "admin", body: "plans: [", contentType: ct, header: map[string]string{"If-Match": tag}}); rec.Code != 400 {
		t.Errorf("malformed YAML = %d, want 400", rec.Code)
	}
	if rec := s.call(t, call{method: "PUT", target: "/v1/admin/catalog", key: "admin", body: edited, contentType: ct}); rec.Code != 428 {
		t.Errorf("upload without If-Match = %d, want 428", rec.Code)
	}
	rec = s.call(t, call{method: "PUT", target: "/v1/admin/catalog", key: "admin", body: edited, contentType: ct, header: map[string]string{"If-Match": tag, "X-Change-Comment": "rename nausea"}})
	if rec.Code != 200 || rec.Header().Get("ETag") != `"2"` {
		t.Fatalf("upload = %d ETag %s\n%s", rec.Code, rec.Header().Get("ETag"), rec.Body)
	}
	if rec := s.call(t, call{method: "PUT", target: "/v1/admin/catalog", key: "admin", body: orig, contentType: ct, header: map[string]string{"If-Match": tag}}); rec.Code != 412 {
		t.Errorf("upload with a stale ETag = %d, want 412", rec.Code)
	}
	// Restore revision 1: its content is current again, as a new revision
	// 3, audited in one entry naming the ids it changed.
	if rec := s.call(t, call{method: "POST", target: "/v1/admin/revisions/99/restore", key: "admin", header: map[string]string{"If-Match": `"2"`}}); rec.Code != 404 {
		t.Errorf("restore of an unknown revision = %d, want 404", rec.Code)
	}
	rec = s.call(t, call{method: "POST", target: "/v1/admin/revisions/1/restore", key: "admin", header: map[string]string{"If-Match": `"2"`}})
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"rolls_back_to":"1"`) {
		t.Fatalf("restore = %d, want 200 rolling back to 1\n%s", rec.Code, rec.Body)
	}
	rec = s.call(t, call{method: "GET", target: "/v1/admin/conditions/nausea", key: "editor"})
	if rec.Code != 200 {
		t.Errorf("after restore, GET nausea = %d", rec.Code)
	}
	rec = s.call(t, call{method: "GET", target: "/v1/admin/audit?resource=catalog", key: "editor"})
	if n := strings.Count(rec.Body.String(), `"operation":"restore"`); n != 1 || !strings.Contains(rec.Body.String(), "nausea_renamed") {
		t.Errorf("audit has %d restore entries, want 1 naming nausea_renamed\n%s", n, rec.Body)
	}
	rec = s.call(t, call{method: "GET", target: "/v1/admin/audit?resource=condition", key: "editor"})
	if n := strings.Count(rec.Body.String(), `"operation":"upload"`); n != 2 || strings.Contains(rec.Body.String(), `"operation":"restore"`) {
		t.Errorf("condition audit has %d upload entries, want 2 (nausea removed, nausea_renamed added) and no restore\n%s", n, rec.Body)
	}
	rec = s.call(t, call{method: "GET", target: "/v1/admin/revisions", key: "editor"})
	if n := strings.Count(rec.Body.String(), `"id":`); rec.Code != 200 || n != 3 {
		t.Errorf("revisions = %d with %d entries, want 3\n%s", rec.Code, n, rec.Body)
	}
	for _, bad := range []string{"?resource=bogus", "?from=yesterday", "?limit=0", "?before=-1", "?limit=9999"} {
		if rec := s.call(t, call{method: "GET", target: "/v1/admin/audit" + bad, key: "editor"}); rec.Code != 400 {
			t.Errorf("GET /v1/admin/audit%s = %d, want 400", bad, rec.Code)
		}
	}
}

func slices_contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}
