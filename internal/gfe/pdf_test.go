package gfe

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// pdfText extracts the text of a PDF with pdftotext (Debian poppler-utils,
// installed by .ci/deps), with runs of white space collapsed to one space.
func pdfText(t *testing.T, pdf []byte) string {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		t.Fatal("pdftotext not found: install poppler-utils (`apt-get install -y poppler-utils`, or run .ci/deps)")
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "gfe.pdf")
	if err := os.WriteFile(in, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	var out, stderr bytes.Buffer
	cmd := exec.Command(bin, "-enc", "UTF-8", in, "-")
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("pdftotext: %v\n%s", err, stderr.String())
	}
	return regexp.MustCompile(`\s+`).ReplaceAllString(out.String(), " ")
}

// required lists what a reader must find in a rendering of g: every
// element 45 CFR 149.610(c) asks for, with its numbers.
func required(g *GFE) []string {
	want := []string{
		"Good Faith Estimate", g.Number, LongDate(g.Issued),
		g.Patient.Name, LongDate(g.Patient.DateOfBirth),
		g.PrimaryService.Description, LongDate(g.PrimaryService.ScheduledDate),
		LongDate(g.PeriodOfCare.From), LongDate(g.PeriodOfCare.To),
		Money(g.TotalCents),
	}
	want = append(want, g.Diagnoses...)
	for _, p := range g.Providers {
		want = append(want, p.Name, p.NPI, p.TIN, Money(p.TotalCents))
		for _, l := range p.Locations {
			want = append(want, l.AddressLines...)
			want = append(want, l.City+", "+l.State+" "+l.ZIP, "Place of service code "+l.PlaceOfService)
		}
		for _, it := range p.Items {
			want = append(want, it.Description, it.ServiceCode, Money(it.UnitPriceCents), Money(it.ChargeCents), Money(it.ExpectedCents))
			if p.SlidingScale != nil {
				want = append(want, Money(it.DiscountCents))
			}
		}
		if p.SlidingScale != nil {
			want = append(want, Percent(p.SlidingScale.BasisPoints), p.SlidingScale.Eligibility)
		}
	}
	for _, s := range g.ScheduledSeparately {
		want = append(want, s.Description, s.HowToGetGFE)
	}
	for _, d := range g.Disclaimers {
		want = append(want, d.Title, d.Text)
	}
	return want
}

// The held-back checklist's phrases, written out rather than taken from
// the Disclaimers so that a change of wording is noticed.
var lawPhrases = []string{
	"not included in this Good Faith Estimate and will be estimated separately",
	"It is only an estimate: the actual items, services or charges may differ",
	"at least $400 more than the total expected charges",
	"for any provider or facility",
	"within 120 calendar days of the date on the original bill",
	"www.cms.gov/nosurprises",
	"will not affect the quality of the health care you receive",
	"Keep a copy or picture of this Good Faith Estimate",
	"is not a contract and does not require you to get the items or services",
	"National Provider Identifier (NPI)",
	"Taxpayer Identification Number (TIN)",
	"Diagnosis codes",
	"Items and services to be scheduled separately",
	"Date of birth",
}

func TestPDFContents(t *testing.T) {
	t.Parallel()
	for name, edit := range map[string]func(*Request){
		"plain":    func(*Request) {},
		"discount": func(r *Request) { r.SlidingScaleEligible = true },
		"electro, separate services": func(r *Request) {
			r.Course = Course{Visits: ptr(10), VisitsPerWeek: ptr(3), MinutesPerVisit: ptr(45), Electroacupuncture: true}
			r.ScheduledSeparately = []SeparateService{{Description: "Lumbar spine X-ray ordered by your physician", HowToGetGFE: "ask the imaging center when you schedule it"}}
		},
		"a year": func(r *Request) {
			r.Course = Course{VisitsPerWeek: ptr(2), Weeks: ptr(52), MinutesPerVisit: ptr(60)}
			r.ScheduledDate, r.Issued = date("2026-01-05"), date("2026-01-02")
			r.SlidingScaleEligible = true
		},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c, ix := demo(t)
			req := baseRequest(&c)
			edit(&req)
			g, err := Build(ix, req)
			if err != nil {
				t.Fatal(err)
			}
			pdf, err := PDF(g)
			if err != nil {
				t.Fatal(err)
			}
			text := pdfText(t, pdf)
			for _, w := range append(required(g), lawPhrases...) {
				if !strings.Contains(text, w) {
					t.Errorf("the PDF's text lacks %q", w)
				}
			}
			if t.Failed() {
				t.Logf("PDF text:\n%s", text)
			}
			pages := pdfPages(t, pdf)
			for i, pg := range pages {
				if has := strings.Contains(pg, "Provider: "+g.Providers[0].Name); has != (i == 1) {
					t.Errorf("page %d: provider block present = %v; it must be alone on page 2", i+1, has)
				}
			}
			again, err := PDF(g)
			if err != nil || !bytes.Equal(again, pdf) {
				t.Error("the PDF is not deterministic")
			}
			if dir := os.Getenv("ACUCOVER_ARTIFACTS"); dir != "" {
				os.WriteFile(filepath.Join(dir, "gfe-"+strings.ReplaceAll(name, " ", "-")+".pdf"), pdf, 0o644)
			}
		})
	}
}
