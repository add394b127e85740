package console_test

import (
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/acucover/acucover/internal/access"
	"github.com/acucover/acucover/internal/browsertest"
)

// TestClinicGFEInBrowser: an editor chooses a clinic on the check page in
// headless Chromium against real PostgreSQL, sees the estimate priced at
// the clinic's rates with the API's numbers for that clinic, makes a Good
// Faith Estimate from the same form and opens its printable page; axe-core
// on each page.
func TestClinicGFEInBrowser(t *testing.T) {
	axeJS := browsertest.AxeJS(t)
	artifacts := browsertest.ArtifactsDir(t)
	e := newGFEEnv(t)
	open := newBrowser(t, axeJS, artifacts)

	p := open(t, e.srv.URL)
	p.go_("/console/signin")
	p.signIn(e.role[access.Editor])
	p.waitPath("/console/check")
	f := clinicForm(e, "lotus-acupuncture")
	for _, name := range []string{"clinic", "plan", "state", "condition", "date", "visits_per_week", "weeks", "minutes"} {
		p.do(chromedp.SetValue(chromedp.CSS(fmt.Sprintf(`[name=%q]`, name)), f.Get(name)))
	}
	p.do(chromedp.Click(chromedp.CSS(`input[name=network][value=""]`)), chromedp.Click(chromedp.CSS(`#submit-check`)))
	p.waitFor(`document.readyState === 'complete' && document.querySelector('#priced-at')`)
	p.wantText("Priced at Lotus Community Acupuncture's own prices")
	billed, patient := apiEstimate(t, e, e.role[access.Editor], f)
	gotBilled := evalJS[string](p, `document.querySelector('#total-billed').textContent`)
	gotPatient := evalJS[string](p, `document.querySelector('#total-patient').textContent`)
	if want := dollarsOf(billed); gotBilled != want {
		t.Errorf("billed total %s, the API's for the clinic %s", gotBilled, want)
	}
	if want := dollarsOf(patient); gotPatient != want {
		t.Errorf("patient total %s, the API's for the clinic %s", gotPatient, want)
	}
	if billed != 8*(8500+2*3550) {
		t.Errorf("the API billed %d cents, want 8 visits at lotus's 97810 + 2×97811 cash prices", billed)
	}
	p.axe()
	p.shots("check-clinic", 1280)

	p.do(chromedp.SetValue(chromedp.CSS(`#gfe_name`), "Maria Example-Lopez"), chromedp.SetValue(chromedp.CSS(`#gfe_dob`), "1971-04-09"),
		chromedp.Click(chromedp.CSS(`#make-gfe`)))
	p.waitFor(`location.pathname.startsWith('/console/gfe/') && document.querySelector('#gfe-made')`)
	p.wantText("Good Faith Estimate GFE-")
	// The estimate is at the clinic's cash prices: the same as billed.
	if got := evalJS[string](p, `document.querySelector('#gfe-total').textContent`); got != dollarsOf(billed) {
		t.Errorf("GFE total %s, want the clinic's cash prices %s", got, dollarsOf(billed))
	}
	p.axe()
	p.do(chromedp.Click(chromedp.CSS(`#gfe-print`)))
	p.waitFor(`location.pathname.endsWith('/print') && document.readyState === 'complete'`)
	p.wantText("Maria Example-Lopez", "Lotus Community Acupuncture", "1234567893")
}
