package postgres_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/acucover/acucover/internal/access"
	"github.com/acucover/acucover/internal/catalog"
	"github.com/acucover/acucover/internal/clinic"
	"github.com/acucover/acucover/internal/gfe"
	"github.com/acucover/acucover/internal/history"
	"github.com/acucover/acucover/internal/postgres"
	"github.com/acucover/acucover/internal/postgres/pgtest"
)

func demoClinics(t testing.TB) []clinic.Clinic {
	t.Helper()
	cs, err := clinic.LoadFile("../clinic/testdata/clinics.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

func auditOf(t testing.TB, db *postgres.DB, resource, id string) []history.Entry {
	t.Helper()
	es, err := db.Audit(context.Background(), history.Filter{Resource: resource, ResourceID: id, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	return es
}

func TestClinicCRUD(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := pgtest.Open(t)
	cs := demoClinics(t)
	lotus := cs[0]

	if _, _, err := db.Clinic(ctx, lotus.ID); !errors.Is(err, clinic.ErrUnknown) {
		t.Fatalf("Clinic before create: err = %v, want ErrUnknown", err)
	}
	etag, err := db.CreateClinic(ctx, lotus, "ed")
	if err != nil {
		t.Fatal(err)
	}
	if etag != clinic.ETag(&lotus) {
		t.Errorf("ETag = %s, want clinic.ETag %s", etag, clinic.ETag(&lotus))
	}
	if _, err := db.CreateClinic(ctx, lotus, "ed"); !errors.Is(err, clinic.ErrExists) {
		t.Errorf("second create: err = %v, want ErrExists", err)
	}
	got, tag, err := db.Clinic(ctx, lotus.ID)
	if err != nil || tag != etag {
		t.Fatalf("Clinic = %v, %s; want etag %s", err, tag, etag)
	}
	// Round trip: same money, dates, contracts and networks.
	if p, ok := got.CashPrice("97811", catalog.NewDate(2026, 3, 2)); !ok || p != 3550 {
		t.Errorf("stored 97811 price = %d %v, want 3550", p, ok)
	}
	if a, ok := got.ContractedRate("example-mutual-insurance-fictional", "example-ppo-gold", "97810", catalog.NewDate(2026, 3, 2)); !ok || a != 6840 {
		t.Errorf("stored contract = %d %v, want 6840", a, ok)
	}
	if n, _ := got.Network("example-hmo-silver"); n != catalog.OutNetwork {
		t.Errorf("stored network = %q", n)
	}

	// An invalid clinic is refused whole, writing nothing.
	bad := lotus
	bad.NPI = "1234567890"
	var ps clinic.Problems
	if _, err := db.UpdateClinic(ctx, bad, []string{etag}, "ed"); !errors.As(err, &ps) || !strings.Contains(ps.Error(), "npi") {
		t.Errorf("invalid update: err = %v, want Problems naming npi", err)
	}

	changed := lotus
	changed.Name = "Lotus Acupuncture Collective"
	if _, err := db.UpdateClinic(ctx, changed, []string{`"stale"`}, "ed"); !errors.Is(err, clinic.ErrStale) {
		t.Errorf("update with a stale tag: err = %v, want ErrStale", err)
	} else if se := (*clinic.StaleError)(nil); !errors.As(err, &se) || se.Current != etag {
		t.Errorf("stale error = %v, want the current tag %s", err, etag)
	}
	etag2, err := db.UpdateClinic(ctx, changed, []string{etag}, "ed")
	if err != nil || etag2 == etag {
		t.Fatalf("update: %s, %v", etag2, err)
	}
	if _, err := db.UpdateClinic(ctx, changed, []string{etag}, "ed"); !errors.Is(err, clinic.ErrStale) {
		t.Errorf("update with the old tag: err = %v, want ErrStale", err)
	}
	list, err := db.Clinics(ctx)
	if err != nil || len(list) != 1 || list[0].Name != changed.Name {
		t.Fatalf("Clinics = %+v, %v", list, err)
	}

	es := auditOf(t, db, "clinic", lotus.ID)
	if len(es) != 2 || es[0].Action != "update" || es[1].Action != "create" || es[0].Actor != "ed" {
		t.Fatalf("audit = %+v, want update then create by ed", es)
	}
	var before clinic.Clinic
	if err := json.Unmarshal(es[0].Before, &before); err != nil || before.Name != lotus.Name {
		t.Errorf("audit before = %s (%v), want the old name", es[0].Before, err)
	}

	if err := db.DeleteClinic(ctx, lotus.ID, []string{etag}, "ed"); !errors.Is(err, clinic.ErrStale) {
		t.Errorf("delete with a stale tag: err = %v", err)
	}
	if err := db.DeleteClinic(ctx, lotus.ID, []string{etag2}, "ed"); err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteClinic(ctx, lotus.ID, nil, "ed"); !errors.Is(err, clinic.ErrUnknown) {
		t.Errorf("second delete: err = %v, want ErrUnknown", err)
	}
	if es := auditOf(t, db, "clinic", lotus.ID); len(es) != 3 || es[0].Action != "delete" {
		t.Errorf("audit after delete = %+v", es)
	}
}

func TestImportClinics(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := pgtest.Open(t)
	cs := demoClinics(t)
	created, updated, err := db.ImportClinics(ctx, cs, "cli")
	if err != nil || created != 2 || updated != 0 {
		t.Fatalf("first import = %d created, %d updated, %v", created, updated, err)
	}
	created, updated, err = db.ImportClinics(ctx, cs, "cli")
	if err != nil || created != 0 || updated != 0 {
		t.Fatalf("same import = %d created, %d updated, %v; want nothing written", created, updated, err)
	}
	cs[1].Name = "Riverbend Acupuncture"
	created, updated, err = db.ImportClinics(ctx, cs, "cli")
	if err != nil || created != 0 || updated != 1 {
		t.Fatalf("changed import = %d created, %d updated, %v", created, updated, err)
	}
	if n := len(auditOf(t, db, "clinic", "")); n != 3 {
		t.Errorf("audit entries = %d, want 3 (2 creates, 1 update)", n)
	}
	cs[0].TIN = "12"
	if _, _, err := db.ImportClinics(ctx, cs, "cli"); err == nil || !strings.Contains(err.Error(), "clinics[0].tin") {
		t.Errorf("invalid import: err = %v, want the path clinics[0].tin", err)
	}
}

// A clinic-scoped key carries its clinic; deleting the clinic revokes it.
func TestClinicScopedKeys(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := pgtest.Open(t)
	cs := demoClinics(t)
	if _, _, err := db.CreateClinicKey(ctx, "front-desk", access.Editor, cs[0].ID, "admin"); !errors.Is(err, clinic.ErrUnknown) {
		t.Fatalf("key for a missing clinic: err = %v, want ErrUnknown", err)
	}
	if _, _, err := db.ImportClinics(ctx, cs, "cli"); err != nil {
		t.Fatal(err)
	}
	secret, k, err := db.CreateClinicKey(ctx, "front-desk", access.Editor, cs[0].ID, "admin")
	if err != nil || k.Clinic != cs[0].ID {
		t.Fatalf("CreateClinicKey = %+v, %v", k, err)
	}
	plain, _, err := db.CreateKey(ctx, "operator", access.Admin, "admin")
	if err != nil {
		t.Fatal(err)
	}
	p, err := db.Authenticate(ctx, secret)
	if err != nil || p.Clinic != cs[0].ID || p.Role != access.Editor || !p.CanSeeClinic(cs[0].ID) || p.CanSeeClinic(cs[1].ID) {
		t.Fatalf("scoped principal = %+v, %v", p, err)
	}
	if p, err := db.Authenticate(ctx, plain); err != nil || p.Clinic != "" || !p.CanSeeClinic(cs[1].ID) {
		t.Fatalf("unscoped principal = %+v, %v", p, err)
	}
	keys, err := db.Keys(ctx)
	if err != nil || len(keys) != 2 || keys[0].Clinic != cs[0].ID || keys[1].Clinic != "" {
		t.Fatalf("Keys = %+v, %v", keys, err)
	}
	if es := auditOf(t, db, "api_key", "front-desk"); len(es) != 1 || !strings.Contains(string(es[0].After), `"clinic": "lotus-acupuncture"`) {
		t.Errorf("key audit = %+v", es)
	}
	if err := db.DeleteClinic(ctx, cs[0].ID, nil, "admin"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Authenticate(ctx, secret); !errors.Is(err, access.ErrInvalidKey) {
		t.Errorf("key of a deleted clinic: err = %v, want ErrInvalidKey", err)
	}
	if _, err := db.Authenticate(ctx, plain); err != nil {
		t.Errorf("an unscoped key stopped working: %v", err)
	}
	if es := auditOf(t, db, "api_key", "front-desk"); len(es) != 2 || es[0].Action != "revoke" {
		t.Errorf("key audit after the clinic's deletion = %+v", es)
	}
}

func gfeInput(clinicID string) gfe.Input {
	return gfe.Input{
		Clinic:        clinicID,
		Patient:       gfe.Patient{Name: "Zebulon Q. Patientname", DateOfBirth: catalog.NewDate(1968, 11, 23)},
		Diagnoses:     []string{"M54.50"},
		Course:        gfe.Course{VisitsPerWeek: ptr(2), Weeks: ptr(6)},
		ScheduledDate: catalog.NewDate(2026, 3, 2),
	}
}

func TestGFEStore(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := pgtest.Open(t)
	ix, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	cs := demoClinics(t)
	today := catalog.NewDate(2026, 2, 23)
	if _, err := gfe.Create(ctx, db, ix, gfeInput(cs[0].ID), "", today, "desk"); !errors.Is(err, clinic.ErrUnknown) {
		t.Fatalf("GFE for a missing clinic: err = %v, want ErrUnknown", err)
	}
	if _, _, err := db.ImportClinics(ctx, cs, "cli"); err != nil {
		t.Fatal(err)
	}
	bad := gfeInput(cs[0].ID)
	bad.Diagnoses = nil
	var ps gfe.Problems
	if _, err := gfe.Create(ctx, db, ix, bad, "", today, "desk"); !errors.As(err, &ps) || ps[0].Field != "diagnoses" {
		t.Fatalf("bad input: err = %v, want Problems naming diagnoses", err)
	}
	if _, err := gfe.Create(ctx, db, ix, gfeInput(cs[0].ID), cs[1].ID, today, "desk"); !errors.Is(err, gfe.ErrOtherClinic) {
		t.Fatalf("scoped to another clinic: err = %v, want ErrOtherClinic", err)
	}
	in := gfeInput("")
	rec, err := gfe.Create(ctx, db, ix, in, cs[0].ID, today, "desk") // the scope picks the clinic
	if err != nil {
		t.Fatal(err)
	}
	// 12 × $85.00 + 12 × $35.50 = $1,446.00 at Lotus's cash prices.
	if rec.Clinic != cs[0].ID || rec.GFE.TotalCents != 144600 || rec.GFE.Number != gfe.FormatNumber(rec.ID) || rec.GFE.Issued != today {
		t.Fatalf("record = %+v (total %d, number %s)", rec, rec.GFE.TotalCents, rec.GFE.Number)
	}
	rec2, err := gfe.Create(ctx, db, ix, gfeInput(cs[1].ID), "", today, "desk")
	if err != nil || rec2.ID <= rec.ID {
		t.Fatalf("second GFE = %+v, %v", rec2, err)
	}

	got, err := db.GFE(ctx, rec.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	a, _ := gfe.JSON(rec.GFE)
	b, _ := gfe.JSON(got.GFE)
	if string(a) != string(b) || got.CreatedBy != "desk" || got.Clinic != cs[0].ID {
		t.Errorf("stored GFE differs:\n%s\nwant\n%s", b, a)
	}
	if _, err := db.GFE(ctx, rec.ID, cs[0].ID); err != nil {
		t.Errorf("own clinic's GFE: %v", err)
	}
	if _, err := db.GFE(ctx, rec.ID, cs[1].ID); !errors.Is(err, gfe.ErrNotFound) {
		t.Errorf("other clinic's GFE: err = %v, want ErrNotFound", err)
	}
	if err := db.DeleteGFE(ctx, rec.ID, cs[1].ID, "desk"); !errors.Is(err, gfe.ErrNotFound) {
		t.Errorf("delete as the other clinic: err = %v, want ErrNotFound", err)
	}
	sums, err := db.GFEs(ctx, cs[0].ID, time.Time{})
	if err != nil || len(sums) != 1 || sums[0].ID != rec.ID || sums[0].TotalCents != 144600 {
		t.Errorf("GFEs = %+v, %v", sums, err)
	}

	// A clinic with estimates cannot be deleted.
	if err := db.DeleteClinic(ctx, cs[0].ID, nil, "admin"); !errors.Is(err, clinic.ErrInUse) {
		t.Errorf("delete a clinic with estimates: err = %v, want ErrInUse", err)
	}
	if err := db.DeleteGFE(ctx, rec.ID, cs[0].ID, "desk"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.GFE(ctx, rec.ID, ""); !errors.Is(err, gfe.ErrNotFound) {
		t.Errorf("deleted GFE: err = %v", err)
	}
	if err := db.DeleteClinic(ctx, cs[0].ID, nil, "admin"); err != nil {
		t.Errorf("delete the clinic once its estimates are gone: %v", err)
	}

	// The audit log records the estimates without the patient.
	es := auditOf(t, db, "gfe", "")
	if len(es) != 3 {
		t.Fatalf("gfe audit = %d entries, want 3", len(es))
	}
	for _, e := range es {
		all := string(e.Before) + string(e.After) + e.Comment
		if strings.Contains(all, "Zebulon") || strings.Contains(all, "1968") {
			t.Errorf("audit entry holds patient data: %s", all)
		}
		if !strings.Contains(all, "total_cents") {
			t.Errorf("audit entry says nothing of the estimate: %s", all)
		}
	}
}
