package gfe

import (
	"errors"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/acucover/acucover/internal/catalog"
	"github.com/acucover/acucover/internal/clinic"
)

func ptr(n int) *int { return &n }

func date(s string) catalog.Date {
	d, err := catalog.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

var (
	loadOnce sync.Once
	lotus    clinic.Clinic
	defIndex *catalog.Index
	loadErr  error
)

// demo returns a copy of the demo clinic from internal/clinic's test data
// (97810 $85.00, 97811 $35.50, 97813 $95.00, 97814 $40.00 from 2026; 97810
// $80.00 in 2025; sliding scale 25 %) and the default catalog.
func demo(t testing.TB) (clinic.Clinic, *catalog.Index) {
	t.Helper()
	loadOnce.Do(func() {
		var cs []clinic.Clinic
		cs, loadErr = clinic.LoadFile("../clinic/testdata/clinics.yaml")
		if loadErr == nil {
			lotus = cs[0]
			defIndex, loadErr = catalog.Default()
		}
	})
	if loadErr != nil {
		t.Fatal(loadErr)
	}
	c := lotus
	c.CashPrices = append([]clinic.CashPrice{}, lotus.CashPrices...)
	return c, defIndex
}

func baseRequest(c *clinic.Clinic) Request {
	return Request{
		Number:        "GFE-2026-0001",
		Clinic:        c,
		Patient:       Patient{Name: "Maria Example-Lopez", DateOfBirth: date("1971-04-09")},
		Diagnoses:     []string{"m54.50", "G89.29"},
		Course:        Course{VisitsPerWeek: ptr(2), Weeks: ptr(6)},
		ScheduledDate: date("2026-03-02"),
		Issued:        date("2026-02-23"),
	}
}

type line struct {
	code           string
	qty            int
	unit, expected int64
}

// TestCents checks expected charges against arithmetic done by hand (the
// numbers in the table, not a formula shared with the code).
func TestCents(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		course   Course
		start    string
		discount bool
		lines    []line
		total    int64
	}{
		{"2 a week for 6 weeks, 30 min", Course{VisitsPerWeek: ptr(2), Weeks: ptr(6)}, "2026-03-02", false,
			// 12 × 85.00 = 1,020.00; 12 × 35.50 = 426.00
			[]line{{"97810", 12, 8500, 102000}, {"97811", 12, 3550, 42600}}, 144600},
		{"same, 25% sliding scale", Course{VisitsPerWeek: ptr(2), Weeks: ptr(6)}, "2026-03-02", true,
			// 1,020.00 − 255.00 = 765.00; 426.00 − 106.50 = 319.50
			[]line{{"97810", 12, 8500, 76500}, {"97811", 12, 3550, 31950}}, 108450},
		{"5 visits, 45 min, electro, 25%", Course{Visits: ptr(5), MinutesPerVisit: ptr(45), Electroacupuncture: true}, "2026-03-02", true,
			// 5 × 95.00 = 475.00 − 118.75 = 356.25; 10 × 40.00 = 400.00 − 100.00 = 300.00
			[]line{{"97813", 5, 9500, 35625}, {"97814", 10, 4000, 30000}}, 65625},
		{"1 visit, 15 min", Course{Visits: ptr(1), MinutesPerVisit: ptr(15)}, "2026-03-02", false,
			[]line{{"97810", 1, 8500, 8500}}, 8500},
		{"half a cent rounds up", Course{Visits: ptr(1)}, "2026-03-02", true,
			// 85.00 − 21.25 = 63.75; 35.50 × 25 % = 8.875 → 8.88, 35.50 − 8.88 = 26.62
			[]line{{"97810", 1, 8500, 6375}, {"97811", 1, 3550, 2662}}, 9037},
		{"3 visits, 60 min, 25%", Course{Visits: ptr(3), MinutesPerVisit: ptr(60)}, "2026-03-02", true,
			// 3 × 85.00 = 255.00 − 63.75 = 191.25; 9 × 35.50 = 319.50 − 79.875 (→ 79.88) = 239.62
			[]line{{"97810", 3, 8500, 19125}, {"97811", 9, 3550, 23962}}, 43087},
		{"1 a week for 52 weeks, 45 min", Course{VisitsPerWeek: ptr(1), Weeks: ptr(52), MinutesPerVisit: ptr(45)}, "2026-01-05", false,
			// 52 × 85.00 = 4,420.00; 104 × 35.50 = 3,692.00
			[]line{{"97810", 52, 8500, 442000}, {"97811", 104, 3550, 369200}}, 811200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, ix := demo(t)
			req := baseRequest(&c)
			req.Course = tc.course
			req.ScheduledDate = date(tc.start)
			req.Issued = date(tc.start).AddDays(-3)
			req.SlidingScaleEligible = tc.discount
			g, err := Build(ix, req)
			if err != nil {
				t.Fatal(err)
			}
			items := g.Providers[0].Items
			if len(items) != len(tc.lines) {
				t.Fatalf("got %d items %+v, want %d", len(items), items, len(tc.lines))
			}
			for i, w := range tc.lines {
				it := items[i]
				if it.ServiceCode != w.code || it.Quantity != w.qty || it.UnitPriceCents != w.unit || it.ExpectedCents != w.expected {
					t.Errorf("item %d = %s ×%d at %d → %d; want %s ×%d at %d → %d", i, it.ServiceCode, it.Quantity, it.UnitPriceCents, it.ExpectedCents,
						w.code, w.qty, w.unit, w.expected)
				}
				if it.ChargeCents-it.DiscountCents != it.ExpectedCents || it.ChargeCents != it.UnitPriceCents*int64(it.Quantity) {
					t.Errorf("item %d does not add up: %+v", i, it)
				}
			}
			if g.TotalCents != tc.total || g.Providers[0].TotalCents != tc.total {
				t.Errorf("total = %d (provider %d), want %d", g.TotalCents, g.Providers[0].TotalCents, tc.total)
			}
			if (g.Providers[0].SlidingScale != nil) != tc.discount {
				t.Errorf("sliding scale shown = %v, want %v", g.Providers[0].SlidingScale != nil, tc.discount)
			}
		})
	}
}

// A price change during the course gives the code a line per price.
func TestPriceChangeMidCourse(t *testing.T) {
	t.Parallel()
	c, ix := demo(t)
	c.CashPrices = append(c.CashPrices, clinic.CashPrice{CPT: "97811", Price: 3000, EffectiveFrom: date("2025-01-01"), EffectiveTo: date("2026-01-01")})
	req := baseRequest(&c)
	req.ScheduledDate, req.Issued = date("2025-12-22"), date("2025-12-15")
	req.Course = Course{VisitsPerWeek: ptr(2), Weeks: ptr(2)} // 12-22, 12-25, 12-29, 2026-01-01
	g, err := Build(ix, req)
	if err != nil {
		t.Fatal(err)
	}
	want := []line{{"97810", 3, 8000, 24000}, {"97811", 3, 3000, 9000}, {"97810", 1, 8500, 8500}, {"97811", 1, 3550, 3550}}
	items := g.Providers[0].Items
	if len(items) != len(want) {
		t.Fatalf("items %+v", items)
	}
	for i, w := range want {
		if it := items[i]; it.ServiceCode != w.code || it.Quantity != w.qty || it.UnitPriceCents != w.unit || it.ExpectedCents != w.expected {
			t.Errorf("item %d = %+v, want %+v", i, it, w)
		}
	}
	if g.TotalCents != 45050 {
		t.Errorf("total %d, want 45050", g.TotalCents)
	}
	if got := g.VisitDates[3].String(); got != "2026-01-01" {
		t.Errorf("4th visit on %s", got)
	}
}

func TestLayout(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		visits, perWeek int
		want            string
	}{
		{4, 2, "2026-03-02 2026-03-05 2026-03-09 2026-03-12"},
		{3, 3, "2026-03-02 2026-03-04 2026-03-06"},
		{5, 7, "2026-03-02 2026-03-03 2026-03-04 2026-03-05 2026-03-06"},
		{3, 1, "2026-03-02 2026-03-09 2026-03-16"},
	} {
		var got []string
		for _, d := range layout(date("2026-03-02"), tc.visits, tc.perWeek) {
			got = append(got, d.String())
		}
		if strings.Join(got, " ") != tc.want {
			t.Errorf("layout(%d, %d/week) = %v, want %s", tc.visits, tc.perWeek, got, tc.want)
		}
	}
}

func TestContents(t *testing.T) {
	t.Parallel()
	c, ix := demo(t)
	req := baseRequest(&c)
	req.ScheduledSeparately = []SeparateService{{Description: "Lumbar spine X-ray ordered by your physician", HowToGetGFE: "ask the imaging center that schedules it, or call your physician's office"}}
	g, err := Build(ix, req)
	if err != nil {
		t.Fatal(err)
	}
	if g.Patient.Name != "Maria Example-Lopez" || g.Patient.DateOfBirth.String() != "1971-04-09" {
		t.Errorf("patient %+v", g.Patient)
	}
	if got := strings.Join(g.Diagnoses, ","); got != "M54.50,G89.29" {
		t.Errorf("diagnoses %s", got)
	}
	if !strings.Contains(g.PrimaryService.Description, "12 visits") || !strings.Contains(g.PrimaryService.Description, "2 a week for 6 weeks") {
		t.Errorf("description %q", g.PrimaryService.Description)
	}
	if g.PeriodOfCare.From.String() != "2026-03-02" || g.PeriodOfCare.To.String() != "2026-04-09" {
		t.Errorf("period %+v", g.PeriodOfCare)
	}
	p := g.Providers[0]
	if p.NPI != "1234567893" || p.TIN != "12-3456789" || p.Locations[0].PlaceOfService != "11" || p.Locations[0].City != "San Francisco" {
		t.Errorf("provider %+v", p)
	}
	var keys []string
	for _, d := range g.Disclaimers {
		keys = append(keys, d.Key)
	}
	if got := strings.Join(keys, ","); got != "other_items,estimate_only,dispute,keep_copy,not_contract,questions" {
		t.Errorf("disclaimers %s", got)
	}
	dispute := g.Disclaimers[2].Text
	for _, w := range []string{"at least $400 more", "120 calendar days of the date on the original bill", "www.cms.gov/nosurprises", "will not affect the quality"} {
		if !strings.Contains(dispute, w) {
			t.Errorf("dispute disclaimer lacks %q", w)
		}
	}
	if len(g.ScheduledSeparately) != 1 {
		t.Errorf("separate %+v", g.ScheduledSeparately)
	}
}

func TestProblems(t *testing.T) {
	t.Parallel()
	c, ix := demo(t)
	for name, tc := range map[string]struct {
		edit func(*Request)
		want string
	}{
		"13 months": {func(r *Request) {
			r.Course = Course{VisitsPerWeek: ptr(1), Weeks: ptr(52)}
			r.PeriodEnd = date("2027-03-02")
		}, "at most 12 months"},
		"too many visits":  {func(r *Request) { r.Course = Course{Visits: ptr(60), VisitsPerWeek: ptr(1)} }, "at most 12 months"},
		"period end early": {func(r *Request) { r.PeriodEnd = date("2026-03-05") }, "before the last planned visit"},
		"no number":        {func(r *Request) { r.Number = "" }, "number:"},
		"no name":          {func(r *Request) { r.Patient.Name = "  " }, "patient.name"},
		"no dob":           {func(r *Request) { r.Patient.DateOfBirth = catalog.Date{} }, "patient.date_of_birth"},
		"future dob":       {func(r *Request) { r.Patient.DateOfBirth = date("2026-03-01") }, "not a plausible date of birth"},
		"issued late":      {func(r *Request) { r.Issued = date("2026-03-03") }, "after the first visit"},
		"bad code":         {func(r *Request) { r.Diagnoses = []string{"low back"} }, "not an ICD-10-CM code"},
		"retired code":     {func(r *Request) { r.Diagnoses = []string{"M54.5"} }, "deleted from ICD-10-CM"},
		"no diagnoses":     {func(r *Request) { r.Diagnoses = nil }, "1 to 12"},
		"both forms":       {func(r *Request) { r.Course.Visits = ptr(3) }, "not both"},
		"minutes":          {func(r *Request) { r.Course.MinutesPerVisit = ptr(20) }, "minutes_per_visit"},
		"no price":         {func(r *Request) { r.ScheduledDate, r.Issued = date("2025-06-02"), date("2025-06-01") }, "no cash price for 97811 on 2025-06-02"},
		"unknown location": {func(r *Request) { r.Location = "annex" }, "no location"},
		"no clinic":        {func(r *Request) { r.Clinic = nil }, "clinic: the clinic is required"},
		"separate no how":  {func(r *Request) { r.ScheduledSeparately = []SeparateService{{Description: "x"}} }, "how_to_get_gfe"},
	} {
		req := baseRequest(&c)
		tc.edit(&req)
		_, err := Build(ix, req)
		var ps Problems
		if !errors.As(err, &ps) {
			t.Errorf("%s: err = %v, want Problems", name, err)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v\nwant %q", name, err, tc.want)
		}
	}
	// Exactly 12 months is allowed; a well-formed code the catalog has no
	// condition for is accepted; a retired code passes only without the
	// catalog (shape check only).
	req := baseRequest(&c)
	req.PeriodEnd = date("2027-03-01")
	req.Diagnoses = []string{"Z00.00"}
	if _, err := Build(ix, req); err != nil {
		t.Errorf("12 months, Z00.00: %v", err)
	}
	req.Diagnoses = []string{"M54.5"}
	if _, err := Build(nil, req); err != nil {
		t.Errorf("M54.5 without a catalog: %v", err)
	}
}

func TestPercent(t *testing.T) {
	t.Parallel()
	for bp, want := range map[int]string{2500: "25%", 1250: "12.5%", 1: "0.01%", 10000: "100%", 1005: "10.05%"} {
		if got := Percent(bp); got != want {
			t.Errorf("Percent(%d) = %q, want %q", bp, got, want)
		}
	}
}

func regexpAll(s, expr string) []string {
	var out []string
	for _, m := range regexp.MustCompile(expr).FindAllStringSubmatch(s, -1) {
		out = append(out, m[1])
	}
	return out
}

// FuzzBuild: any course, discount and name gives a GFE whose cents add up,
// or Problems; never a panic.
func FuzzBuild(f *testing.F) {
	f.Add(2, 6, 0, 30, 2500, true, false, "Maria", "2026-03-02")
	f.Add(0, 0, 365, 60, 10000, true, true, "", "2026-13-01")
	f.Add(7, 52, 0, 15, 1, false, false, "\x00", "1900-01-01")
	f.Fuzz(func(t *testing.T, perWeek, weeks, visits, minutes, bp int, discount, electro bool, name, start string) {
		c, ix := demo(t)
		c.SlidingScale = &clinic.SlidingScale{BasisPoints: bp, Eligibility: "x"}
		req := baseRequest(&c)
		req.Patient.Name = name
		req.Course = Course{MinutesPerVisit: &minutes, Electroacupuncture: electro}
		if perWeek != 0 {
			req.Course.VisitsPerWeek = &perWeek
		}
		if weeks != 0 {
			req.Course.Weeks = &weeks
		}
		if visits != 0 {
			req.Course.Visits = &visits
		}
		req.SlidingScaleEligible = discount
		if d, err := catalog.ParseDate(start); err == nil {
			req.ScheduledDate, req.Issued = d, d
		}
		g, err := Build(ix, req)
		if err != nil {
			var ps Problems
			if !errors.As(err, &ps) || len(ps) == 0 {
				t.Fatalf("error %v is not Problems", err)
			}
			return
		}
		var sum int64
		for _, it := range g.Providers[0].Items {
			if it.ChargeCents != it.UnitPriceCents*int64(it.Quantity) || it.ExpectedCents != it.ChargeCents-it.DiscountCents || it.DiscountCents < 0 || it.ExpectedCents < 0 {
				t.Fatalf("item does not add up: %+v", it)
			}
			sum += it.ExpectedCents
		}
		if sum != g.TotalCents {
			t.Fatalf("total %d, items sum to %d", g.TotalCents, sum)
		}
		if !g.PeriodOfCare.To.Before(catalog.DateOf(g.PeriodOfCare.From.Time().AddDate(1, 0, 0))) {
			t.Fatalf("period %v is over 12 months", g.PeriodOfCare)
		}
		if _, err := HTML(g); err != nil {
			t.Fatal(err)
		}
		if _, err := JSON(g); err != nil {
			t.Fatal(err)
		}
	})
}
