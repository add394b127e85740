package widget_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"github.com/acucover/acucover/internal/browsertest"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/acucover/acucover/internal/catalog"
	"github.com/acucover/acucover/internal/clinic"
	"github.com/acucover/acucover/internal/httpapi"
)

// The browser tests drive the demo page in real headless Chromium against the
// real router over the embedded default catalog. Every wait is a condition
// polled until the test's deadline, never a fixed sleep.

const pageDeadline = 2 * time.Minute

// TestWidgetInBrowser is the widget's end-to-end test. Its subtests share one
// browser and one server; each opens its own tab. The last subtest checks
// every request the others made for personal data.
func TestWidgetInBrowser(t *testing.T) {
	chromium := browsertest.Chromium(t)
	axeJS := browsertest.AxeJS(t)
	artifacts := browsertest.ArtifactsDir(t)

	ix, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	clinics, err := clinic.LoadFile("../clinic/testdata/clinics.yaml")
	if err != nil {
		t.Fatal(err)
	}
	api := httpapi.New(httpapi.Deps{Store: catalog.NewStore(ix), Clinics: clinic.NewFileStore(clinics)})
	rec := &recorder{}
	srv := httptest.NewServer(rec.wrap(brokenCoverage(api)))
	t.Cleanup(srv.Close)

	alloc, cancel := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromium),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1000, 1400),
	)
	t.Cleanup(cancel)
	browser, cancel := chromedp.NewContext(alloc)
	t.Cleanup(cancel)
	if err := chromedp.Do(browser); err != nil {
		t.Fatalf("start chromium %s: %v", chromium, err)
	}

	open := func(t *testing.T) *page {
		t.Helper()
		tab, cancel := chromedp.NewContext(browser)
		t.Cleanup(cancel)
		ctx, cancel := context.WithTimeout(tab, pageDeadline)
		t.Cleanup(cancel)
		p := &page{t: t, ctx: ctx, host: "#demo", axeJS: axeJS, artifacts: artifacts}
		p.do(chromedp.Navigate(srv.URL + "/widget/"))
		p.waitReady()
		return p
	}

	t.Run("medicare_neck_pain_not_covered", func(t *testing.T) {
		p := open(t)
		p.choose("state", "TX")
		p.pickPlan("orig", "Original Medicare Part B")
		p.choose("cond", "neck_pain")
		p.waitVerdict("Not covered")
		// The details are collapsed: the first screen is the verdict.
		if got := p.text(); strings.Contains(got, "Who can treat") {
			t.Errorf("details shown before they were opened:\n%s", got)
		}
		p.openDetails()
		p.wantText("Original Medicare covers acupuncture only for chronic low back pain",
			"Licensed acupuncturists cannot bill Medicare themselves")
		links := evalJS[[]map[string]string](p, p.root()+`.querySelectorAll('.more a').values().map(a => ({href: a.href, target: a.target, rel: a.rel})).toArray()`)
		if len(links) == 0 {
			t.Fatal("no source links in the reasons")
		}
		for _, l := range links {
			if l["target"] != "_blank" || !strings.Contains(l["rel"], "noopener") || !strings.HasPrefix(l["href"], "https://") {
				t.Errorf("source link %v: want https, target _blank, rel noopener", l)
			}
		}
		p.shot("a-medicare-neck-pain-not-covered")
		full, err := chromedp.Run(p.ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(artifacts, "demo-page.png"), full, 0o644)
		p.axe()
	})

	t.Run("medicare_chronic_low_back_pain_questions", func(t *testing.T) {
		p := open(t)
		p.choose("state", "CA")
		p.pickPlan("medicare", "Original Medicare Part B")
		p.choose("cond", "chronic_low_back_pain")
		p.waitVerdict("Depends on your answers")
		questions := evalJS[[]string](p, p.root()+`.querySelectorAll('fieldset legend').values().map(l => l.textContent).toArray()`)
		want := []string{
			"Has the low back pain lasted 12 weeks or longer?",
			"Is the pain nonspecific, with no identifiable systemic cause (not metastatic, inflammatory or infectious disease)?",
			"Is the pain unrelated to surgery?",
			"Is the pain unrelated to pregnancy?",
			"Who will give you acupuncture?",
		}
		if !slices.Equal(questions, want) {
			t.Fatalf("questions = %q, want %q", questions, want)
		}
		// No total before the answers decide whether the plan pays.
		p.waitFor(p.root() + `.querySelector('[data-k=answer-first]')`)
		if evalJS[bool](p, "!!"+p.root()+`.querySelector('[data-total]')`) {
			t.Error("an estimate total is shown before the questions are answered")
		}
		p.wantText("your answers decide whether the plan pays")
		p.shot("b1-medicare-clbp-questions")
		for _, id := range []string{"pain_12_weeks", "nonspecific", "not_surgery_related", "not_pregnancy_related"} {
			p.answer(id, "yes")
		}
		// Medicare covers it only from some providers: who treats is asked.
		p.waitVerdict("Depends on your answers")
		p.waitText("Who will give you acupuncture?")
		p.pickWho("licensed_acupuncturist")
		p.waitText("Does your acupuncturist work under the supervision")
		p.answer("provider_supervised", "yes")
		p.answer("provider_credentials", "yes")
		p.waitVerdict("Covered")
		p.pickWho("physician")
		p.waitVerdict("Covered")
		p.openDetails()
		p.wantText("Up to 12 visits in 90 days", "At most 20 visits a year in all",
			"8 more visits if the patient is improving", "No prior authorization needed",
			"Licensed acupuncturists cannot bill Medicare")
		p.coveredLinesAgree()
		p.shot("b2-medicare-clbp-covered")
		p.axe()

		// A "no" re-queries and shows the failed criterion as the reason.
		p.answer("not_pregnancy_related", "no")
		p.waitVerdict("Not covered")
		p.wantText("excludes low back pain associated with pregnancy")

		// Readable at 320 px: nothing overflows sideways.
		p.do(chromedp.EmulateViewport(320, 1200))
		p.answer("not_pregnancy_related", "yes")
		p.waitVerdict("Covered")
		if w := evalJS[int](p, `document.documentElement.scrollWidth`); w > 320 {
			t.Errorf("at 320 px the page is %d px wide: the widget overflows", w)
		}
		p.shot("b3-medicare-clbp-covered-320px")
	})

	t.Run("commercial_estimate", func(t *testing.T) {
		p := open(t)
		p.choose("state", "NY")
		p.pickPlan("gold", "Example PPO Gold (fictional example)")
		p.choose("cond", "neck_pain")
		p.waitVerdict("Covered")
		p.openDetails()
		p.wantText("Up to 20 visits a calendar year", "the $1,500 deductible applies first, then 20% coinsurance")

		// The estimate part must work when /v1/estimates exists and degrade
		// to a message when it does not (404): ask the server which it is.
		body := `{"plan":"example-ppo-gold","state":"NY","condition":"neck_pain","start_date":"` + time.Now().Format(time.DateOnly) +
			`","course":{"visits_per_week":2,"weeks":6,"minutes_per_visit":30},"network":"in"}`
		status, est := postJSON(t, srv.URL+"/v1/estimates", body)
		switch status {
		case http.StatusOK:
			t.Logf("POST /v1/estimates answers 200: asserting the total")
			p.waitFor(p.root() + `.querySelector('[data-total]')`)
			wantTotal := dollars(est.Totals.PatientCents)
			if got := evalJS[string](p, p.root()+`.querySelector('[data-total]').textContent`); got != wantTotal {
				t.Errorf("estimate total = %q, want %q (patient_cents %d)", got, wantTotal, est.Totals.PatientCents)
			}
			p.wantText("for you for 12 visits (2 a week for 6 weeks)", "How we worked this out")
		case http.StatusNotFound:
			t.Logf("POST /v1/estimates answers 404: asserting the graceful message")
			p.waitText("Cost estimates are not available from this service yet.")
			p.wantText("Up to 20 visits a calendar year") // the rest still works
		default:
			t.Fatalf("POST /v1/estimates answered %d; the test knows 200 and 404", status)
		}
		p.shot("c1-commercial-estimate")

		// The course is adjustable: 10 weeks goes out with the next request.
		p.do(chromedp.SetValue(chromedp.JSPath(p.root()+`.querySelector('input[id$="-weeks"]')`), ""),
			chromedp.SendKeys(chromedp.JSPath(p.root()+`.querySelector('input[id$="-weeks"]')`), "10"+kb.Enter))
		rec.waitFor(t, p.ctx, func(r recorded) bool {
			return r.Path == "/v1/estimates" && strings.Contains(r.Body, `"weeks":10`)
		})
		if status == http.StatusOK {
			p.waitText("for you for 20 visits (2 a week for 10 weeks)")
		}
		p.axe()
	})

	t.Run("api_unreachable_or_failing", func(t *testing.T) {
		p := open(t)
		closed := closedPort(t)
		p.host = "#down"
		p.do(chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => {
			const el = document.createElement('acucover-check');
			el.id = 'down'; el.setAttribute('api', %q);
			document.querySelector('main').prepend(el);
		})()`, "http://"+closed)))
		p.waitText("Could not reach the coverage service at http://" + closed)
		if role := evalJS[string](p, p.root()+`.querySelector('.error').getAttribute('role')`); role != "alert" {
			t.Errorf("error box role = %q, want alert", role)
		}
		p.wantText("Try again")
		p.shot("d1-api-unreachable")
		p.axe()

		// A server that answers 500 with a problem: its detail is shown.
		p.host = "#broken"
		p.do(chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => {
			const el = document.createElement('acucover-check');
			el.id = 'broken'; el.setAttribute('api', %q);
			document.querySelector('main').prepend(el);
		})()`, srv.URL+"/broken")))
		p.waitReady()
		p.choose("state", "NY")
		p.pickPlan("gold", "Example PPO Gold (fictional example)")
		p.choose("cond", "neck_pain")
		p.waitText("The coverage service answered: " + brokenDetail)
		p.shot("d2-api-500")
	})

	t.Run("states_sorted_by_name_and_plan_help", func(t *testing.T) {
		p := open(t)
		names := evalJS[[]string](p, p.root()+`.querySelectorAll('select[id$="-state"] option').values().filter(o => o.value).map(o => o.textContent).toArray()`)
		if len(names) < 51 {
			t.Fatalf("%d states listed, want 51", len(names))
		}
		if !slices.IsSortedFunc(names, func(a, b string) int { return strings.Compare(strings.ToLower(a), strings.ToLower(b)) }) {
			t.Errorf("states are not sorted by name: %q", names)
		}
		p.choose("state", "NY")
		p.waitText("Not listed? Ask your plan")
		// Only what the catalog knows for the state is listed: New York
		// Medicaid's rules are all unknown, so it is left out and counted.
		p.waitText("We do not know yet how")
		plans := evalJS[[]string](p, `document.querySelector('#demo').shadowRoot.querySelector('input[role=combobox]') && [...document.querySelector('#demo').plans].map(p => p.id)`)
		if slices.Contains(plans, "medicaid") || !slices.Contains(plans, "medicare-part-b") {
			t.Errorf("NY plans listed = %q: want Medicare and not Medicaid (unknown in NY)", plans)
		}
	})

	// clinic="ID": the estimate is asked for at the clinic's own prices
	// (no visit-price, no network unless set) and says so. Lotus's cash
	// prices: 97810 $85.00 + 97811 $35.50 = $120.50 a 30-minute visit.
	t.Run("clinic_attribute", func(t *testing.T) {
		p := open(t)
		p.do(chromedp.Evaluate[chromedp.Void](`(() => {
			const el = document.querySelector('#demo');
			el.setAttribute('visit-price', '95.50'); el.setAttribute('clinic', 'lotus-acupuncture');
		})()`))
		p.choose("state", "CA")
		p.pickPlan("gold", "Example PPO Gold (fictional example)")
		p.choose("cond", "neck_pain")
		p.waitVerdict("Covered")
		rec.waitFor(t, p.ctx, func(r recorded) bool {
			return r.Path == "/v1/estimates" && strings.Contains(r.Body, `"clinic":"lotus-acupuncture"`) &&
				!strings.Contains(r.Body, "charge_cents") && !strings.Contains(r.Body, `"network"`)
		})
		p.waitFor(p.root() + `.querySelector('[data-total]')`)
		p.do(chromedp.Evaluate[chromedp.Void](p.root() + `.querySelector('[data-k=assumptions]').click()`))
		p.waitText("Lotus Community Acupuncture is in Example PPO Gold")
		p.wantText("97810 $85.00 + 1 × 97811 $35.50 = $120.50 a visit")
	})

	t.Run("clinic_settings_and_deductible_paid", func(t *testing.T) {
		p := open(t)
		p.do(chromedp.Evaluate[chromedp.Void](`(() => {
			const el = document.querySelector('#demo');
			el.setAttribute('visit-price', '95.50'); el.setAttribute('network', 'out');
		})()`))
		p.choose("state", "NY")
		p.pickPlan("gold", "Example PPO Gold (fictional example)")
		p.choose("cond", "neck_pain")
		p.waitVerdict("Covered")
		rec.waitFor(t, p.ctx, func(r recorded) bool {
			return r.Path == "/v1/estimates" && strings.Contains(r.Body, `"charge_cents":9550`) && strings.Contains(r.Body, `"network":"out"`)
		})
		paid := `input[id$="-paid"]`
		p.do(chromedp.SendKeys(chromedp.JSPath(p.root()+`.querySelector('`+paid+`')`), "1,200.5"+kb.Enter))
		rec.waitFor(t, p.ctx, func(r recorded) bool {
			return r.Path == "/v1/estimates" && strings.Contains(r.Body, `"deductible_met_cents":120050`)
		})
		p.waitFor(p.root() + `.querySelector('[data-total]')`)
		p.coveredLinesAgree()

		// Money typed by a person is parsed exactly or refused, never rounded.
		got, err := chromedp.Run(p.ctx, chromedp.Evaluate[[]any](`import('/widget/v1/acucover.js').then(m => ['95', '95.5', '$1,095.50', '0.07', '1.005', '-3', '9,99', ''].map(v => m.cents(v)))`, chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatal(err)
		}
		want := []any{float64(9500), float64(9550), float64(109550), float64(7), nil, nil, nil, nil}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("cents() = %v, want %v", got, want)
		}
		p.do(chromedp.Evaluate[chromedp.Void](`(r => { r.querySelector('` + paid + `').value = '12.345'; r.querySelector('form.course').requestSubmit(); })(` + p.root() + `)`))
		p.waitText("Enter what you have paid towards your deductible in dollars")
	})

	t.Run("uncovered_visits_explained", func(t *testing.T) {
		p := open(t)
		p.choose("state", "CA")
		p.pickPlan("medicare", "Original Medicare Part B")
		p.choose("cond", "chronic_low_back_pain")
		p.waitVerdict("Depends on your answers")
		for _, id := range []string{"pain_12_weeks", "nonspecific", "not_surgery_related", "not_pregnancy_related"} {
			p.answer(id, "yes")
		}
		p.pickWho("physician")
		p.waitVerdict("Covered")
		// 5 a week for 4 weeks: 20 visits against 12 in 90 days, so visits
		// 13-20 are not covered as such whatever today's date is.
		for _, f := range []struct{ sel, v string }{{`input[id$="-vpw"]`, "5"}, {`input[id$="-weeks"]`, "4"}} {
			p.do(chromedp.SetValue(chromedp.JSPath(p.root()+`.querySelector('`+f.sel+`')`), f.v))
		}
		p.do(chromedp.Evaluate[chromedp.Void](p.root() + `.querySelector('form.course').requestSubmit()`))
		p.waitText("for you for 20 visits")
		p.coveredLinesAgree()
		if n := evalJS[int](p, p.root()+`.querySelectorAll('[data-k=uncovered] li').length`); n == 0 {
			t.Error("20 visits against a 12-in-90-days limit, and no line explains the visits past it")
		}
		p.wantText("full price")
		p.shot("f-uncovered-visits-explained")
	})

	t.Run("mobile_390_and_desktop_1280", func(t *testing.T) {
		p := open(t)
		p.do(chromedp.EmulateViewport(390, 844))
		p.choose("state", "CA")
		p.pickPlan("medicare", "Original Medicare Part B")
		p.choose("cond", "chronic_low_back_pain")
		p.waitVerdict("Depends on your answers")
		for _, id := range []string{"pain_12_weeks", "nonspecific", "not_surgery_related", "not_pregnancy_related"} {
			p.answer(id, "yes")
		}
		p.pickWho("physician")
		p.waitVerdict("Covered")
		p.waitFor(p.root() + `.querySelector('[data-total], .estimate .error')`)
		if w := evalJS[int](p, `document.documentElement.scrollWidth`); w > 390 {
			t.Errorf("at 390 px the page is %d px wide: the widget overflows", w)
		}
		// The covered answer with its estimate (questions answered, details
		// collapsed) fits in two and a half phone screens.
		if hgt := evalJS[float64](p, `document.querySelector('#demo').getBoundingClientRect().height`); hgt > 2.5*844 {
			t.Errorf("covered state is %.0f px tall at 390 px wide; want at most %.0f (2.5 screens)", hgt, 2.5*844)
		}
		p.shot("g1-covered-390px")
		full, err := chromedp.Run(p.ctx, chromedp.FullScreenshot(90))
		if err == nil {
			os.WriteFile(filepath.Join(artifacts, "g1-page-390px.png"), full, 0o644)
		}
		p.axe()
		p.do(chromedp.EmulateViewport(1280, 900))
		p.shot("g2-covered-1280px")
	})

	t.Run("second_origin_with_and_without_cors", func(t *testing.T) {
		// The page lives on another origin than the API, as on a clinic's
		// site; the element's own content is the clinic's fallback.
		clinicPage := func(apiURL, scriptURL string) string {
			return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Clinic</title>
<script type="module" src="` + scriptURL + `"></script></head><body><main><h1>Clinic</h1>
<acucover-check id="w" api="` + apiURL + `">Questions about coverage? <a href="tel:+15555550100">Call us at 555-0100</a></acucover-check>
</main></body></html>`
		}
		var apiURL, scriptURL string
		clinic := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			io.WriteString(w, clinicPage(apiURL, scriptURL))
		}))
		t.Cleanup(clinic.Close)
		allowed := httptest.NewServer(httpapi.New(httpapi.Deps{Store: catalog.NewStore(ix), CORSOrigins: []string{clinic.URL}}))
		t.Cleanup(allowed.Close)

		visit := func(t *testing.T, api, script string) *page {
			apiURL, scriptURL = api, script
			tab, cancel := chromedp.NewContext(browser)
			t.Cleanup(cancel)
			ctx, cancel := context.WithTimeout(tab, pageDeadline)
			t.Cleanup(cancel)
			p := &page{t: t, ctx: ctx, host: "#w", axeJS: axeJS, artifacts: artifacts}
			p.do(chromedp.Navigate(clinic.URL + "/"))
			return p
		}
		fallbackShown := `(() => { const a = document.querySelector('#w a[href^="tel:"]'); return !!a && a.getClientRects().length > 0; })()`

		t.Run("origin_allowed", func(t *testing.T) {
			p := visit(t, allowed.URL, allowed.URL+"/widget/v1/acucover.js")
			p.waitReady()
			p.choose("state", "NY")
			p.pickPlan("gold", "Example PPO Gold (fictional example)")
			p.choose("cond", "neck_pain")
			p.waitVerdict("Covered")
			if evalJS[bool](p, fallbackShown) {
				t.Error("the fallback is shown although the service answered")
			}
		})
		t.Run("origin_not_allowed", func(t *testing.T) {
			// srv lists no CORS origins: the script loads (it is public) but
			// the browser refuses the API's answers.
			p := visit(t, srv.URL, srv.URL+"/widget/v1/acucover.js")
			p.waitFor(p.root() + `?.querySelector('.error')`)
			p.wantText("Could not reach the coverage service at " + srv.URL)
			p.waitFor(fallbackShown)
			p.shot("h1-cors-refused-fallback")
			p.axe()
		})
		t.Run("script_unreachable", func(t *testing.T) {
			closed := "http://" + closedPort(t)
			p := visit(t, closed, closed+"/widget/v1/acucover.js")
			p.waitFor(fallbackShown)
			if evalJS[bool](p, `!!customElements.get('acucover-check')`) {
				t.Error("the element was defined although its script cannot load")
			}
		})
	})

	t.Run("keyboard_only", func(t *testing.T) {
		p := open(t)
		// Tab from the top of the page lands on the state picker.
		p.key(kb.Tab)
		p.wantFocus(`select[id$="-state"]`)
		p.key(kb.ArrowDown) // the first state
		p.waitFor(`!` + p.root() + `.querySelector('input[role=combobox]').disabled`)
		p.key(kb.Tab)
		p.wantFocus(`input[role=combobox]`)
		p.key("original")
		p.waitFor(p.root() + `.querySelector('[role=listbox]:not([hidden])')`)
		p.key(kb.ArrowDown)
		p.waitFor(p.root() + `.querySelector('[role=option].active')`)
		p.key(kb.Enter)
		p.waitFor(p.root() + `.querySelector('input[role=combobox]').value === 'Original Medicare Part B'`)
		p.key(kb.Tab)
		p.wantFocus(`select[id$="-cond"]`)
		p.key(kb.ArrowDown) // the first condition: chronic low back pain
		p.waitVerdict("Depends on your answers")

		// Each question is one Tab stop; Space answers it.
		for i, id := range []string{"pain_12_weeks", "nonspecific", "not_surgery_related", "not_pregnancy_related"} {
			yes := fmt.Sprintf(`[data-k="q-%s-yes"]`, id)
			p.key(kb.Tab)
			p.wantFocus(yes)
			if i < 3 {
				p.key(" ")
			} else {
				// Arrow keys move within the group and answer as they go.
				p.key(kb.ArrowRight)
				p.waitVerdict("Not covered")
				p.wantFocus(`[data-k="q-not_pregnancy_related-no"]`)
				p.key(kb.ArrowLeft)
			}
			p.waitFor(fmt.Sprintf(`%s.querySelector(%q).checked`, p.root(), yes))
			p.settle()
		}
		// Who treats: Tab into the group, an arrow key picks the next one.
		p.waitVerdict("Depends on your answers")
		p.key(kb.Tab)
		p.wantFocus(`[data-k="who-licensed_acupuncturist"]`)
		p.key(kb.ArrowDown)
		p.waitVerdict("Covered")
		p.wantFocus(`[data-k="who-physician"]`)
		p.waitFor(p.root() + `.querySelector('[data-total], .estimate .muted, .estimate .error')`)

		// From a button just before the widget, Tab walks every control in
		// order, each with a visible focus ring; Shift+Tab walks them back.
		controls := evalJS[[]string](p, `(() => {
			const seen = new Set();
			return [...`+p.root()+`.querySelectorAll('input, select, button, a[href], summary')].filter(el =>
				!el.disabled && el.getClientRects().length > 0 &&
				(el.tagName === 'SUMMARY' || !el.closest('details:not([open])')) &&
				// Tab stops on a group's checked radio, or its first if none is.
				!(el.type === 'radio' && (el.getRootNode().querySelector('input[name="' + el.name + '"]:checked') ?
					!el.checked : (seen.has(el.name) || !seen.add(el.name)))))
				.map(el => el.dataset.k || el.id || el.textContent.trim());
		})()`)
		p.do(chromedp.Evaluate[chromedp.Void](`(() => {
			const b = document.createElement('button');
			b.id = 'kb-start'; b.textContent = 'start';
			document.querySelector('#demo').before(b);
			b.focus();
		})()`))
		var forward []string
		for range 3 * len(controls) {
			p.key(kb.Tab)
			name := p.focused()
			if name == "" {
				break
			}
			forward = append(forward, name)
			if strings.HasPrefix(name, "src-") {
				p.shot("e-keyboard-focus-on-source-link")
			}
		}
		if !slices.Equal(forward, controls) {
			t.Errorf("Tab order:\n %q\nwant every control in order:\n %q", forward, controls)
		}
		var backward []string
		for range 3 * len(controls) {
			p.key(kb.Tab, chromedp.KeyModifiers(chromedp.ModifierShift))
			name := p.focused()
			if name == "" {
				break
			}
			backward = append(backward, name)
		}
		slices.Reverse(backward)
		if !slices.Equal(backward, controls) {
			t.Errorf("Shift+Tab order (reversed):\n %q\nwant:\n %q", backward, controls)
		}
		p.do(chromedp.Evaluate[chromedp.Void](`document.querySelector('#kb-start').remove()`))
		p.axe()
	})

	t.Run("no_personal_data", func(t *testing.T) {
		reqs := rec.all()
		var posts int
		for _, r := range reqs {
			if r.Cookie || r.Authorization {
				t.Errorf("%s %s carried credentials (cookie or authorization)", r.Method, r.Path)
			}
			path := strings.TrimPrefix(r.Path, "/broken")
			switch {
			case r.Method == http.MethodGet && slices.Contains([]string{"/widget/", "/widget/v1/acucover.js", "/favicon.ico", "/v1/states", "/v1/conditions"}, path):
				if r.Query != "" {
					t.Errorf("GET %s has a query %q", r.Path, r.Query)
				}
			case r.Method == http.MethodGet && (path == "/v1/plans" || path == "/v1/catalog/summary"):
				if !stateQuery(r.Query) {
					t.Errorf("GET /v1/plans?%s: want only state=XX", r.Query)
				}
			case r.Method == http.MethodPost && (path == "/v1/coverage" || path == "/v1/estimates"):
				posts++
				if r.Query != "" {
					t.Errorf("POST %s has a query %q", r.Path, r.Query)
				}
				var body map[string]any
				if err := json.Unmarshal([]byte(r.Body), &body); err != nil {
					t.Errorf("POST %s body %q: %v", r.Path, r.Body, err)
					continue
				}
				for _, problem := range checkFields(body, allowedBody, "") {
					t.Errorf("POST %s: %s in %s", r.Path, problem, r.Body)
				}
			default:
				t.Errorf("unexpected request %s %s?%s", r.Method, r.Path, r.Query)
			}
		}
		if posts < 10 {
			t.Errorf("only %d coverage/estimate requests recorded; the recorder missed the widget's traffic", posts)
		}
		if !slices.ContainsFunc(reqs, func(r recorded) bool { return strings.Contains(r.Body, `"patient":{`) }) {
			t.Error("no request carried yes/no answers; the check above proved nothing about them")
		}
	})
}

// allowedBody is every field the widget may send, with the JSON type of each
// leaf: plan, state, condition, dates, the course and the yes/no answers.
var allowedBody = map[string]any{
	"plan": "string", "state": "string", "condition": "string", "date": "string", "start_date": "string",
	"network": "string", "charge_cents": "number", "clinic": "string",
	"provider":     map[string]any{"type": "string", "supervised": "bool", "credentials_met": "bool"},
	"accumulators": map[string]any{"deductible_met_cents": "number"},
	"course":       map[string]any{"visits_per_week": "number", "weeks": "number", "minutes_per_visit": "number"},
	"patient": map[string]any{
		"pain_weeks": "number", "systemic_cause": "bool", "surgery_related": "bool",
		"pregnancy_related": "bool", "improving": "bool",
	},
}

func checkFields(got map[string]any, allowed map[string]any, prefix string) []string {
	var out []string
	for k, v := range got {
		want, ok := allowed[k]
		switch {
		case !ok:
			out = append(out, fmt.Sprintf("field %s%s is not allowed", prefix, k))
		case want == "string":
			if _, ok := v.(string); !ok {
				out = append(out, fmt.Sprintf("%s%s is %T, want a string", prefix, k, v))
			}
		case want == "number":
			if _, ok := v.(float64); !ok {
				out = append(out, fmt.Sprintf("%s%s is %T, want a number", prefix, k, v))
			}
		case want == "bool":
			if _, ok := v.(bool); !ok {
				out = append(out, fmt.Sprintf("%s%s is %T, want true or false", prefix, k, v))
			}
		default:
			sub, ok := v.(map[string]any)
			if !ok {
				out = append(out, fmt.Sprintf("%s%s is %T, want an object", prefix, k, v))
				continue
			}
			out = append(out, checkFields(sub, want.(map[string]any), prefix+k+".")...)
		}
	}
	return out
}

func stateQuery(q string) bool {
	k, v, ok := strings.Cut(q, "=")
	return ok && k == "state" && len(v) == 2 && strings.ToUpper(v) == v
}

// page is one tab showing the demo page, focused on one widget instance.
type page struct {
	t         *testing.T
	ctx       context.Context
	host      string // CSS selector of the <acucover-check> element
	axeJS     string
	artifacts string
}

func (p *page) root() string {
	return fmt.Sprintf("document.querySelector(%q).shadowRoot", p.host)
}

func (p *page) do(actions ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	if err := chromedp.Do(p.ctx, actions...); err != nil {
		p.t.Fatalf("%v\nwidget text:\n%s", err, p.text())
	}
}

func evalJS[T any](p *page, expr string) T {
	p.t.Helper()
	v, err := chromedp.Run(p.ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		p.t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// text is what the widget shows (innerText: hidden parts excluded).
func (p *page) text() string {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(p.ctx), 5*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(`(%s?.querySelector('.box')?.innerText) ?? ''`,
		strings.Replace(p.root(), ".shadowRoot", "?.shadowRoot", 1))))
	if err != nil {
		return fmt.Sprintf("(cannot read the widget's text: %v)", err)
	}
	return s
}

// waitFor polls a JavaScript condition until it is truthy or the page's
// deadline passes.
func (p *page) waitFor(cond string) {
	p.t.Helper()
	_, err := chromedp.Run(p.ctx, chromedp.Poll[chromedp.Void](cond,
		chromedp.WithPollingTimeout(0), chromedp.WithPollingInterval(25*time.Millisecond)))
	if err != nil {
		p.t.Fatalf("waiting for %s: %v\nwidget text:\n%s", cond, err, p.text())
	}
}

func (p *page) waitReady() {
	p.t.Helper()
	p.waitFor(fmt.Sprintf(`customElements.get('acucover-check') && %s && !%s.querySelector('select[id$="-state"]').disabled`,
		strings.Replace(p.root(), ".shadowRoot", "?.shadowRoot", 1), p.root()))
}

func (p *page) waitText(s string) {
	p.t.Helper()
	p.waitFor(fmt.Sprintf(`%s.querySelector('.box').innerText.includes(%q)`, p.root(), s))
}

// settle waits until no coverage request is in flight.
func (p *page) settle() {
	p.t.Helper()
	p.waitFor(p.root() + `.querySelector('.result').getAttribute('aria-busy') !== 'true'`)
}

func (p *page) waitVerdict(want string) {
	p.t.Helper()
	p.waitFor(fmt.Sprintf(`%s.querySelector('.verdict strong')?.textContent === %q && %s.querySelector('.result').getAttribute('aria-busy') === 'false'`,
		p.root(), want, p.root()))
	if live := evalJS[string](p, p.root()+`.querySelector('[aria-live=polite][role=status]').textContent`); !strings.HasPrefix(live, want+":") {
		p.t.Errorf("live region says %q, want it to announce %q", live, want)
	}
}

// pickWho answers "who will give you acupuncture?".
func (p *page) pickWho(providerType string) {
	p.t.Helper()
	sel := fmt.Sprintf(`%s.querySelector('[data-k="who-%s"]')`, p.root(), providerType)
	p.waitFor(sel)
	p.do(chromedp.Click(chromedp.JSPath(sel)))
	p.waitFor(sel + `.checked`)
}

// openDetails opens the collapsed details (limits, who can treat, why); they
// stay open across answers.
func (p *page) openDetails() {
	p.t.Helper()
	p.waitFor(p.root() + `.querySelector('details[data-k=details]')`)
	p.do(chromedp.Evaluate[chromedp.Void](p.root() + `.querySelector('summary[data-k=details-summary]').click()`))
	p.waitFor(p.root() + `.querySelector('details[data-k=details]').open`)
}

// coveredLinesAgree waits for the estimate and checks that the verdict and
// the estimate never disagree silently: every visit that is not covered is
// named in a plain line next to the total, and none is when all are covered.
func (p *page) coveredLinesAgree() {
	p.t.Helper()
	p.waitFor(p.root() + `.querySelector('[data-k=covered-count]')`)
	count := evalJS[string](p, p.root()+`.querySelector('[data-k=covered-count]').textContent`)
	var covered, total int
	if _, err := fmt.Sscanf(count, "%d of %d visits covered", &covered, &total); err != nil {
		p.t.Fatalf("covered count %q: %v", count, err)
	}
	lines := evalJS[[]string](p, p.root()+`.querySelectorAll('[data-k=uncovered] li').values().map(l => l.textContent).toArray()`)
	named := 0
	for _, l := range lines {
		var a, b int
		if n, _ := fmt.Sscanf(l, "Visits %d–%d", &a, &b); n == 2 {
			named += b - a + 1
		} else if n, _ := fmt.Sscanf(l, "Visit %d", &a); n == 1 {
			named++
		} else {
			p.t.Errorf("uncovered line %q does not name its visits", l)
		}
	}
	for _, line := range strings.Split(p.text(), "\n") {
		if l := strings.TrimSpace(line); l == "0" || l == "false" || l == "undefined" {
			p.t.Errorf("the widget shows a stray %q line", l)
		}
	}
	if named != total-covered {
		p.t.Errorf("%q but the lines next to it name %d uncovered visits: %q", count, named, lines)
	}
	for _, l := range lines {
		for _, jargon := range []string{"_cents", "incident-to", "auxiliary personnel", "floor(", "usage."} {
			if strings.Contains(l, jargon) {
				p.t.Errorf("uncovered line %q shows %q to a patient", l, jargon)
			}
		}
	}
}

func (p *page) wantText(subs ...string) {
	p.t.Helper()
	text := p.text()
	for _, s := range subs {
		if !strings.Contains(text, s) {
			p.t.Errorf("widget does not show %q; it shows:\n%s", s, text)
		}
	}
}

// choose picks a value in one of the widget's selects (state, cond) as a
// user's selection does: set the value, fire change.
func (p *page) choose(which, value string) {
	p.t.Helper()
	sel := fmt.Sprintf(`%s.querySelector('select[id$="-%s"]')`, p.root(), which)
	p.waitFor(fmt.Sprintf(`!%s.disabled && [...%s.options].some(o => o.value === %q)`, sel, sel, value))
	p.do(chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(s => { s.value = %q; s.dispatchEvent(new Event('change')); })(%s)`, value, sel)))
}

// pickPlan types into the plan combobox and clicks the option named name.
func (p *page) pickPlan(typed, name string) {
	p.t.Helper()
	input := chromedp.JSPath(p.root() + `.querySelector('input[role=combobox]')`)
	p.waitFor(`!` + string(input) + `.disabled`)
	p.do(chromedp.Click(input), chromedp.SendKeys(input, typed))
	option := fmt.Sprintf(`[...%s.querySelectorAll('[role=option]')].find(li => li.firstChild.textContent === %q)`, p.root(), name)
	p.waitFor(option)
	p.do(chromedp.Click(chromedp.JSPath(option)))
	p.waitFor(fmt.Sprintf(`%s.value === %q`, input, name))
}

// answer clicks Yes or No on the question with requirement id.
func (p *page) answer(id, yesNo string) {
	p.t.Helper()
	radio := fmt.Sprintf(`%s.querySelector('[data-k="q-%s-%s"]')`, p.root(), id, yesNo)
	p.waitFor(radio)
	p.do(chromedp.Click(chromedp.JSPath(radio)))
	p.waitFor(radio + `?.checked`)
	p.settle()
}

func (p *page) key(keys string, opts ...chromedp.KeyOption) {
	p.t.Helper()
	p.do(chromedp.KeyEvent(keys, opts...))
}

// focused names the widget control that has focus ("" if focus is outside
// the widget) and checks it shows a focus ring.
func (p *page) focused() string {
	p.t.Helper()
	type info struct {
		Name    string `json:"name"`
		Outline string `json:"outline"`
	}
	f := evalJS[info](p, fmt.Sprintf(`(() => {
		const host = document.querySelector(%q), el = host.shadowRoot.activeElement;
		if (document.activeElement !== host || !el) return {name: '', outline: ''};
		const cs = getComputedStyle(el);
		return {name: el.dataset.k || el.id || el.textContent.trim(), outline: cs.outlineStyle + ' ' + cs.outlineWidth};
	})()`, p.host))
	if f.Name != "" && (strings.HasPrefix(f.Outline, "none") || strings.HasSuffix(f.Outline, " 0px")) {
		p.t.Errorf("focused control %q has no visible focus outline (%s)", f.Name, f.Outline)
	}
	return f.Name
}

func (p *page) wantFocus(sel string) {
	p.t.Helper()
	p.waitFor(fmt.Sprintf(`%s.activeElement === %s.querySelector(%q)`, p.root(), p.root(), sel))
	p.focused()
}

// shot saves a PNG of the widget.
func (p *page) shot(name string) {
	p.t.Helper()
	png, err := chromedp.Run(p.ctx, chromedp.Screenshot(chromedp.CSS(p.host)))
	if err != nil {
		p.t.Fatalf("screenshot %s: %v", name, err)
	}
	path := filepath.Join(p.artifacts, name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		p.t.Fatal(err)
	}
	p.t.Logf("screenshot: %s", path)
}

// axe runs axe-core on the whole page (browsertest.Axe).
func (p *page) axe() {
	p.t.Helper()
	browsertest.Axe(p.t, p.ctx, p.axeJS, "the widget page")
}

// recorder keeps every request the server sees, for the privacy check.
type recorder struct {
	mu   sync.Mutex
	reqs []recorded
}

type recorded struct {
	Method, Path, Query, Body string
	Cookie, Authorization     bool
}

func (rec *recorder) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		rec.mu.Lock()
		rec.reqs = append(rec.reqs, recorded{
			Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Body: string(body),
			Cookie: r.Header.Get("Cookie") != "", Authorization: r.Header.Get("Authorization") != "",
		})
		rec.mu.Unlock()
		h.ServeHTTP(w, r)
	})
}

func (rec *recorder) all() []recorded {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return slices.Clone(rec.reqs)
}

// waitFor waits until a recorded request matches.
func (rec *recorder) waitFor(t *testing.T, ctx context.Context, match func(recorded) bool) {
	t.Helper()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for !slices.ContainsFunc(rec.all(), match) {
		select {
		case <-ctx.Done():
			t.Fatalf("no matching request was recorded: %v", ctx.Err())
		case <-tick.C:
		}
	}
}

const brokenDetail = "the catalog store is being rebuilt (test)"

// brokenCoverage serves api, plus the same API under /broken/ whose
// POST /v1/coverage answers 500 with a problem.
func brokenCoverage(api http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/", api)
	mux.Handle("POST /broken/v1/coverage", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(http.StatusInternalServerError)
		fmt.Fprintf(w, `{"type":"urn:acucover:problem:internal","title":"Internal Server Error","status":500,"detail":%q}`, brokenDetail)
	}))
	mux.Handle("/broken/", http.StripPrefix("/broken", api))
	return mux
}

type estimate struct {
	Totals struct {
		PatientCents int64 `json:"patient_cents"`
	} `json:"totals"`
}

func postJSON(t *testing.T, url, body string) (int, estimate) {
	t.Helper()
	res, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var e estimate
	if res.StatusCode == http.StatusOK {
		if err := json.NewDecoder(res.Body).Decode(&e); err != nil {
			t.Fatal(err)
		}
	}
	return res.StatusCode, e
}

// dollars formats cents as the widget does (en-US, cents only when needed).
func dollars(cents int64) string {
	s := fmt.Sprintf("%d", cents/100)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if cents%100 != 0 {
		return fmt.Sprintf("$%s.%02d", s, cents%100)
	}
	return "$" + s
}

// closedPort returns host:port where nothing listens.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}
