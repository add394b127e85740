package gfe

import (
	"encoding/json"
	"testing"
)

func TestJSON(t *testing.T) {
	t.Parallel()
	c, ix := demo(t)
	req := baseRequest(&c)
	req.SlidingScaleEligible = true
	g, err := Build(ix, req)
	if err != nil {
		t.Fatal(err)
	}
	b, err := JSON(g)
	if err != nil {
		t.Fatal(err)
	}
	var back struct {
		Number  string `json:"number"`
		Patient struct {
			Name        string `json:"name"`
			DateOfBirth string `json:"date_of_birth"`
		} `json:"patient"`
		PrimaryService struct {
			ScheduledDate string `json:"scheduled_date"`
		} `json:"primary_service"`
		Providers []struct {
			NPI   string `json:"npi"`
			TIN   string `json:"tin"`
			Items []struct {
				ServiceCode    string   `json:"service_code"`
				DiagnosisCodes []string `json:"diagnosis_codes"`
				Quantity       int      `json:"quantity"`
				ExpectedCents  int64    `json:"expected_cents"`
			} `json:"items"`
		} `json:"providers"`
		TotalCents          int64             `json:"total_cents"`
		ScheduledSeparately []SeparateService `json:"scheduled_separately"`
		Disclaimers         []Disclaimer      `json:"disclaimers"`
	}
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.Number != "GFE-2026-0001" || back.Patient.Name != "Maria Example-Lopez" || back.Patient.DateOfBirth != "1971-04-09" ||
		back.PrimaryService.ScheduledDate != "2026-03-02" || back.TotalCents != 108450 {
		t.Errorf("JSON header wrong: %s", b)
	}
	p := back.Providers[0]
	if p.NPI != "1234567893" || p.TIN != "12-3456789" || len(p.Items) != 2 || p.Items[1].ServiceCode != "97811" ||
		p.Items[1].Quantity != 12 || p.Items[1].ExpectedCents != 31950 || len(p.Items[0].DiagnosisCodes) != 2 {
		t.Errorf("provider wrong: %+v", p)
	}
	if back.ScheduledSeparately == nil || len(back.Disclaimers) != 6 {
		t.Errorf("lists: separate %v, %d disclaimers (lists must be [] not null)", back.ScheduledSeparately, len(back.Disclaimers))
	}
}
