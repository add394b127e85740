package httpapi

import (
	"net/http"
	"regexp"
	"testing"

	"github.com/acucover/acucover/internal/catalog"
)

// TestCatalogRevisionFormat: catalog_revision is the content hash's first
// 12 hex digits whatever the store: a catalog the store numbered "2" (as
// PostgreSQL does) answers with the same value as the same content
// embedded, and /readyz gives the store's number as store_revision.
func TestCatalogRevisionFormat(t *testing.T) {
	embedded := mustDefault(t)
	snap := *embedded.Snapshot()
	snap.Revision = "2"
	numbered, err := catalog.Build(&snap)
	if err != nil {
		t.Fatal(err)
	}
	hash, err := catalog.ContentHash(embedded.Snapshot())
	if err != nil {
		t.Fatal(err)
	}
	want := hash[:12]
	hex12 := regexp.MustCompile(`^[0-9a-f]{12}$`)
	for name, ix := range map[string]*catalog.Index{"embedded": embedded, "numbered": numbered} {
		s := newTestServer(t, ix)
		for _, target := range []string{
			"/v1/coverage?plan=medicare-part-b&state=CA&condition=chronic_low_back_pain&date=2026-03-01",
			"/v1/plans", "/v1/conditions", "/v1/plans/medicare-part-b", "/readyz",
		} {
			rec := s.do(t, get(target))
			if rec.Code != http.StatusOK {
				t.Fatalf("%s: GET %s: %d %s", name, target, rec.Code, rec.Body)
			}
			got, _ := decode(t, rec)["catalog_revision"].(string)
			if got != want || !hex12.MatchString(got) {
				t.Errorf("%s: GET %s: catalog_revision %q, want %q", name, target, got, want)
			}
		}
	}
	b := decode(t, newTestServer(t, numbered).do(t, get("/readyz")))
	if b["store_revision"] != "2" {
		t.Errorf("readyz store_revision = %v, want \"2\"", b["store_revision"])
	}
	if _, ok := decode(t, newTestServer(t, embedded).do(t, get("/readyz")))["store_revision"]; ok {
		t.Error("readyz of the embedded catalog has a store_revision; it has no other name than catalog_revision")
	}
}
