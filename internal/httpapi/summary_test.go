package httpapi

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/acucover/acucover/internal/catalog"
)

func TestCatalogSummary(t *testing.T) {
	ix := mustDefault(t)
	s := newTestServer(t, ix)

	req := get("/v1/catalog/summary").build()
	rec := s.serve(req)
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /v1/catalog/summary = %d\n%s", rec.Code, rec.Body)
	}
	checkResponse(t, req, rec)
	var got catalog.Summary
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	// The default date is the server's today, and the answer is
	// catalog.Summary of the served index on it.
	want := ix.Summary(catalog.DateOf(testNow))
	if got.Date != want.Date || got.Revision != ix.Revision() || len(got.States) != len(catalog.States) {
		t.Fatalf("summary date %s, revision %q, %d states; want %s, %q, %d", got.Date, got.Revision, len(got.States), want.Date, ix.Revision(), len(catalog.States))
	}
	wantJSON, _ := json.Marshal(want)
	gotJSON, _ := json.Marshal(got)
	if string(wantJSON) != string(gotJSON) {
		t.Errorf("served summary differs from catalog.Summary:\n got %s\nwant %s", gotJSON, wantJSON)
	}
}

func TestCatalogSummaryOneStateAndDate(t *testing.T) {
	ix := mustDefault(t)
	s := newTestServer(t, ix)
	req := get("/v1/catalog/summary?state=ca&date=2019-06-01").build()
	rec := s.serve(req)
	checkResponse(t, req, rec)
	var got catalog.Summary
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil || rec.Code != http.StatusOK {
		t.Fatalf("%d %v\n%s", rec.Code, err, rec.Body)
	}
	if len(got.States) != 1 || got.States[0].State != "CA" || got.Date.String() != "2019-06-01" {
		t.Fatalf("got %d states (first %+v) on %s; want only CA on 2019-06-01", len(got.States), got.States, got.Date)
	}
	want := ix.Summary(catalog.NewDate(2019, 6, 1))
	for _, ss := range want.States {
		if ss.State == "CA" && (ss.Confirmed != got.States[0].Confirmed || ss.Unconfirmed != got.States[0].Unconfirmed) {
			t.Errorf("CA counts %d/%d, want %d/%d", got.States[0].Confirmed, got.States[0].Unconfirmed, ss.Confirmed, ss.Unconfirmed)
		}
	}
}

func TestCatalogSummaryBadInput(t *testing.T) {
	s := newTestServer(t, mustDefault(t))
	for _, target := range []string{
		"/v1/catalog/summary?state=ZZ",
		"/v1/catalog/summary?date=2026-13-01",
		"/v1/catalog/summary?plan=medicaid",
		"/v1/catalog/summary?state=CA&state=OR",
	} {
		req := get(target).build()
		rec := s.serve(req)
		if rec.Code != http.StatusBadRequest {
			t.Errorf("GET %s = %d, want 400\n%s", target, rec.Code, rec.Body)
		}
		checkResponse(t, req, rec)
	}
}
