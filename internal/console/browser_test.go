package console_test

import (
	"context"
	"fmt"
	"github.com/acucover/acucover/internal/browsertest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/acucover/acucover/internal/access"
	"github.com/acucover/acucover/internal/cost"
)

// The browser tests drive the console in real headless Chromium through the
// real router (internal/httpapi with the console mounted) over the embedded
// catalog and a fake key store. Every wait polls a condition until the
// page's deadline; nothing sleeps. Minimal parts copied from
// internal/widget/browser_test.go: finding Chromium, axe-core from npm, the
// artifacts directory.

const pageDeadline = 2 * time.Minute

// widths are the viewport widths every page is screenshotted at.
var widths = []int64{1280, 390}

func TestConsoleInBrowser(t *testing.T) {
	axeJS := browsertest.AxeJS(t)
	artifacts := browsertest.ArtifactsDir(t)

	e := newEnv(t, true)
	keys := map[access.Role]string{}
	for _, r := range access.Roles {
		keys[r] = e.keys.add(t, "billing-"+string(r), r)
	}
	noDB := newEnv(t, false)

	open := newBrowser(t, axeJS, artifacts)

	t.Run("sign_in_wrong_key_then_right_then_out", func(t *testing.T) {
		p := open(t, e.srv.URL)
		p.go_("/console/check")
		p.waitPath("/console/signin")
		p.shots("signin")
		p.axe()
		p.signIn("acu_" + strings.Repeat("x", 43))
		p.waitFor(`document.querySelector('#key-error')`)
		p.wantText("That API key is not valid")
		if p.path() != "/console/signin" {
			t.Errorf("a wrong key left the sign-in page for %s", p.path())
		}
		p.shots("signin-wrong-key")
		p.axe()
		p.signIn(keys[access.Editor])
		p.waitPath("/console/check")
		p.wantText("Signed in as billing-editor (editor)")
		p.do(chromedp.Click(chromedp.CSS(`form[action="/console/signout"] button`)))
		p.waitPath("/console/signin")
		p.wantText("You are signed out.")
		p.go_("/console/catalog")
		p.waitPath("/console/signin")
	})

	t.Run("role_matrix", func(t *testing.T) {
		pages := []string{"/console/check", "/console/catalog", "/console/catalog?q=medicaid", "/console/catalog/plans/medicare-part-b"}
		anon := open(t, e.srv.URL)
		for _, path := range append(pages, "/console/") {
			anon.go_(path)
			anon.waitPath("/console/signin")
		}
		for _, role := range access.Roles {
			p := open(t, e.srv.URL)
			p.go_("/console/signin")
			p.signIn(keys[role])
			p.waitPath("/console/check")
			for _, path := range pages {
				p.go_(path)
				p.waitFor(`document.readyState === 'complete' && document.querySelector('h1')`)
				if p.path() != strings.Split(path, "?")[0] {
					t.Errorf("%s: %s landed on %s", role, path, p.path())
				}
				p.wantText(fmt.Sprintf("billing-%s (%s)", role, role))
				nav := evalJS[[]string](p, `[...document.querySelectorAll('nav a')].map(a => a.textContent)`)
				wantNav := []string{"Check and estimate", "Tomorrow's patients", "Catalog"}
				if role.Allows(access.Editor) {
					wantNav = append(wantNav, "Revisions", "Audit log")
				}
				if !slices.Equal(nav, wantNav) {
					t.Errorf("%s on %s: navigation %q, want %q", role, path, nav, wantNav)
				}
				// No link or form leads anywhere this role cannot go.
				targets := evalJS[[]string](p, `[...document.querySelectorAll('a[href^="/"], form[action]')].map(x => x.getAttribute('href') ?? x.getAttribute('action'))`)
				for _, h := range targets {
					if !reachable(role, h) {
						t.Errorf("%s on %s: link or form to %s", role, path, h)
					}
				}
			}
		}
	})

	t.Run("check_and_estimate_round_trip", func(t *testing.T) {
		p := open(t, e.srv.URL)
		p.go_("/console/signin")
		p.signIn(keys[access.Reader])
		p.waitPath("/console/check")
		p.shots("check-empty")
		p.axe()
		tc := checkCases()[0]
		for _, name := range []string{"plan", "state", "condition", "date", "pain_weeks", "visits_year", "visits_90", "visits_month",
			"visits_per_week", "weeks", "minutes", "deductible_met"} {
			p.do(chromedp.SetValue(chromedp.CSS(fmt.Sprintf(`[name=%q]`, name)), tc.form.Get(name)))
		}
		for _, name := range []string{"fact_systemic_cause", "fact_surgery_related", "fact_pregnancy_related", "fact_improving"} {
			p.do(chromedp.Click(chromedp.CSS(fmt.Sprintf(`input[name=%q][value=%q]`, name, tc.form.Get(name)))))
		}
		p.do(chromedp.SetValue(chromedp.CSS(`#provider`), "physician"))
		p.do(chromedp.Click(chromedp.CSS(`.check-form button[type=submit]`)))
		p.waitFor(`document.querySelector('#total-patient')`)

		want, err := cost.Estimate(e.ix, tc.req)
		if err != nil {
			t.Fatal(err)
		}
		if got := evalJS[string](p, `document.querySelector('#total-patient').textContent`); got != dollarsOf(want.Totals.PatientCents) {
			t.Errorf("patient total = %s, want %s (cost.Estimate)", got, dollarsOf(want.Totals.PatientCents))
		}
		if got := evalJS[string](p, `document.querySelector('#total-plan').textContent`); got != dollarsOf(want.Totals.PlanCents) {
			t.Errorf("plan total = %s, want %s (cost.Estimate)", got, dollarsOf(want.Totals.PlanCents))
		}
		rows := evalJS[[]string](p, `[...document.querySelectorAll('table.visits tbody tr')].map(r => r.lastElementChild.textContent)`)
		if len(rows) != len(want.Visits) {
			t.Fatalf("%d visit rows, want %d", len(rows), len(want.Visits))
		}
		for i, v := range want.Visits {
			if rows[i] != dollarsOf(v.PatientCents) {
				t.Errorf("visit %d patient pays %s, want %s", v.N, rows[i], dollarsOf(v.PatientCents))
			}
		}
		p.wantText("Covered", "Why", "Modifiers to bill", "KX", "Visits left", "Safety", "Prior authorization")
		// The answer keeps what was typed, so it can be adjusted.
		if v := evalJS[string](p, `document.querySelector('#pain_weeks, [name=pain_weeks]').value`); v != "16" {
			t.Errorf("pain weeks after submit = %q, want 16 kept", v)
		}
		p.wantFocusOn("#result-h")
		p.shots("check-answer")
		p.axe()

		// Printable: the form, navigation and buttons are hidden; the answer
		// and the table stay.
		p.do(chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			_, err := cdp.Call(ctx, t, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"})
			return err
		}))
		hidden := evalJS[[]string](p, `['.check-form', 'nav', '.print', '.who'].filter(s => getComputedStyle(document.querySelector(s)).display !== 'none')`)
		if len(hidden) > 0 {
			t.Errorf("in print, still shown: %v", hidden)
		}
		if evalJS[string](p, `getComputedStyle(document.querySelector('table.visits')).display`) == "none" {
			t.Error("in print, the visit table is hidden")
		}
		p.shots("check-answer-print", 1280)
		p.do(chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			_, err := cdp.Call(ctx, t, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{})
			return err
		}))

		// A mistake is shown on its field.
		p.do(chromedp.SetValue(chromedp.CSS(`#weeks`), "99"))
		p.do(chromedp.Click(chromedp.CSS(`.check-form button[type=submit]`)))
		p.waitFor(`document.querySelector('#weeks-error')`)
		p.wantFocusOn("#form-error")
		// The summary's link moves to the field.
		p.do(chromedp.Click(chromedp.CSS(`#form-error a[href="#weeks"]`)))
		p.waitFor(`location.hash === '#weeks'`)
		if inv := evalJS[string](p, `document.querySelector('#weeks').getAttribute('aria-invalid')`); inv != "true" {
			t.Errorf("weeks aria-invalid = %q", inv)
		}
		p.shots("check-error")
		p.axe()
	})

	t.Run("keyboard_only", func(t *testing.T) {
		p := open(t, e.srv.URL)
		p.go_("/console/signin")
		p.key(kb.Tab) // skip link
		p.wantFocusOn(".skip")
		p.key(kb.Tab)
		p.wantFocusOn("#key")
		p.key(keys[access.Admin] + kb.Enter)
		p.waitPath("/console/check")
		// From the top: skip link, the pages, sign out, then the form.
		var order []string
		for range 8 {
			p.key(kb.Tab)
			order = append(order, p.focused())
		}
		want := []string{"Skip to content", "Check and estimate", "Tomorrow's patients", "Catalog", "Revisions", "Audit log", "Sign out", "plan"}
		if !slices.Equal(order, want) {
			t.Errorf("Tab order from the top = %q, want %q", order, want)
		}
		p.key("Original Medicare")
		p.key(kb.Tab)
		p.wantFocusOn("#state")
		p.key("CA")
		p.key(kb.Tab)
		p.wantFocusOn("#condition")
		p.key("chronic_low_back_pain")
		// On to the first yes/no question; arrows answer within a group.
		for p.focused() != "fact_systemic_cause" {
			p.key(kb.Tab)
			if p.focused() == "" {
				t.Fatal("Tab left the page before the questions")
			}
		}
		// Each group starts on its checked answer, Unknown; Left moves to No.
		p.key(kb.ArrowLeft)
		p.key(kb.Tab)
		p.wantFocusOn(`input[name=fact_surgery_related]:checked`)
		p.key(kb.ArrowLeft)
		p.key(kb.Tab)
		p.key(kb.ArrowLeft)
		for p.focused() != "submit-check" {
			p.key(kb.Tab)
			if p.focused() == "" {
				t.Fatal("Tab left the page before the submit button")
			}
		}
		p.key(kb.Enter)
		p.waitFor(`document.querySelector('#result')`)
		got := evalJS[map[string]string](p, `({plan: document.querySelector('#plan').value, state: document.querySelector('#state').value,
			cond: document.querySelector('#condition').value, status: document.querySelector('#status').textContent,
			sys: document.querySelector('[name=fact_systemic_cause]:checked').value,
			preg: document.querySelector('[name=fact_pregnancy_related]:checked').value})`)
		wantForm := map[string]string{"plan": "medicare-part-b", "state": "CA", "cond": "chronic_low_back_pain",
			"status": "Depends on answers still missing", "sys": "no", "preg": "no"}
		for k, v := range wantForm {
			if got[k] != v {
				t.Errorf("after keyboard entry %s = %q, want %q", k, got[k], v)
			}
		}
		p.wantFocusOn("#result-h")
		p.shots("check-keyboard")
	})

	t.Run("catalog_pages", func(t *testing.T) {
		p := open(t, e.srv.URL)
		p.go_("/console/signin")
		p.signIn(keys[access.Reader])
		p.waitPath("/console/check")
		p.go_("/console/catalog")
		p.shots("catalog")
		p.axe()
		p.do(chromedp.SetValue(chromedp.CSS(`#q`), "ppo gold"), chromedp.Click(chromedp.CSS(`form.search button`)))
		p.waitFor(`location.search.includes('q=ppo+gold')`)
		p.waitFor(`document.readyState === 'complete'`)
		links := evalJS[[]string](p, `[...document.querySelectorAll('table.plans tbody a')].map(a => a.textContent)`)
		if len(links) != 1 || !strings.Contains(links[0], "Gold") {
			t.Errorf("search ppo gold found %q", links)
		}
		p.shots("catalog-search")
		p.axe()
		p.go_("/console/catalog/plans/medicare-part-b")
		p.wantText("medicare-b-clbp", "Fee schedules", "97810")
		p.shots("plan-medicare")
		p.axe()
		p.go_("/console/catalog/plans/medicaid")
		p.wantText("medicaid-oh-covered-conditions")
		p.axe()
		p.go_("/console/no-such-page")
		p.wantText("There is no console page at this address.")
		p.axe()
	})

	t.Run("without_database", func(t *testing.T) {
		p := open(t, noDB.srv.URL)
		p.go_("/console/check")
		p.waitPath("/console/signin")
		p.wantText("Sign-in needs a database-backed key store")
		if n := evalJS[int](p, `document.querySelectorAll('form, input').length`); n != 0 {
			t.Errorf("without a database the sign-in page has %d form controls", n)
		}
		p.shots("signin-no-database")
		p.axe()
	})
}

// newBrowser starts headless Chromium for t and returns open, which gives
// each subtest its own browser context: its own cookies, so sessions never
// leak between subtests.
func newBrowser(t *testing.T, axeJS, artifacts string) func(t *testing.T, base string) *page {
	chromium := browsertest.Chromium(t)
	alloc, cancel := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromium),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	t.Cleanup(cancel)
	browser, cancel := chromedp.NewContext(alloc)
	t.Cleanup(cancel)
	if err := chromedp.Do(browser); err != nil {
		t.Fatalf("start chromium %s: %v", chromium, err)
	}

	return func(t *testing.T, base string) *page {
		t.Helper()
		tab, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
		t.Cleanup(cancel)
		ctx, cancel := context.WithTimeout(tab, pageDeadline)
		t.Cleanup(cancel)
		p := &page{t: t, ctx: ctx, base: base, axeJS: axeJS, artifacts: artifacts}
		p.do(chromedp.EmulateViewport(1280, 900))
		return p
	}
}

// reachable reports whether a link or form target is one role may use.
func reachable(role access.Role, h string) bool {
	switch {
	case strings.HasSuffix(h, "/restore"):
		return role.Allows(access.Admin)
	case strings.HasSuffix(h, "/edit") || strings.Contains(h, "/edit?"), strings.HasPrefix(h, "/console/revisions"), strings.HasPrefix(h, "/console/audit"):
		return role.Allows(access.Editor)
	}
	return strings.HasPrefix(h, "/console/check") || strings.HasPrefix(h, "/console/batch") || strings.HasPrefix(h, "/console/catalog") || h == "/console/signout" || h == "/console/"
}

// page is one browser tab.
type page struct {
	t         *testing.T
	ctx       context.Context
	base      string
	axeJS     string
	artifacts string
}

func (p *page) do(actions ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	if err := chromedp.Do(p.ctx, actions...); err != nil {
		p.t.Fatalf("%v\npage text:\n%s", err, p.text())
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

func (p *page) go_(path string) {
	p.t.Helper()
	p.do(chromedp.Navigate(p.base + path))
}

func (p *page) path() string { return evalJS[string](p, `location.pathname`) }

func (p *page) text() string {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(p.ctx), 5*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body?.innerText ?? ''`))
	if err != nil {
		return fmt.Sprintf("(cannot read the page: %v)", err)
	}
	return s
}

func (p *page) waitFor(cond string) {
	p.t.Helper()
	var err error
	for p.ctx.Err() == nil {
		_, err = chromedp.Run(p.ctx, chromedp.Poll[chromedp.Void](cond,
			chromedp.WithPollingTimeout(0), chromedp.WithPollingInterval(25*time.Millisecond)))
		// A navigation (a form submitted, a redirect) ends the poll's
		// document; poll the new one.
		if err == nil || !navigated(err) {
			break
		}
	}
	if err != nil {
		p.t.Fatalf("waiting for %s: %v\npage text:\n%s", cond, err, p.text())
	}
}

// navigated reports whether err is the protocol's word that the document
// under an evaluation went away.
func navigated(err error) bool {
	for _, s := range []string{"navigated or closed", "context was destroyed", "Cannot find context"} {
		if strings.Contains(err.Error(), s) {
			return true
		}
	}
	return false
}

func (p *page) waitPath(path string) {
	p.t.Helper()
	p.waitFor(fmt.Sprintf(`location.pathname === %q && document.readyState === 'complete'`, path))
}

func (p *page) wantText(subs ...string) {
	p.t.Helper()
	text := p.text()
	for _, s := range subs {
		if !strings.Contains(text, s) {
			p.t.Errorf("page %s does not show %q; it shows:\n%s", p.path(), s, text)
		}
	}
}

// signIn types key into the sign-in form and submits it.
func (p *page) signIn(key string) {
	p.t.Helper()
	p.waitFor(`document.querySelector('#key')`)
	p.do(chromedp.SetValue(chromedp.CSS(`#key`), key), chromedp.Click(chromedp.CSS(`form.signin button`)))
}

func (p *page) key(keys string, opts ...chromedp.KeyOption) {
	p.t.Helper()
	p.do(chromedp.KeyEvent(keys, opts...))
}

// focused names the focused control (its id, name or text) and checks that
// it shows a focus ring.
func (p *page) focused() string {
	p.t.Helper()
	type info struct{ Name, Outline string }
	f := evalJS[info](p, `(() => {
		const el = document.activeElement;
		if (!el || el === document.body) return {Name: '', Outline: ''};
		const cs = getComputedStyle(el);
		return {Name: el.id || el.name || el.textContent.trim(), Outline: cs.outlineStyle + ' ' + cs.outlineWidth};
	})()`)
	if f.Name != "" && f.Name != "result-h" && f.Name != "main" && (strings.HasPrefix(f.Outline, "none") || strings.HasSuffix(f.Outline, " 0px")) {
		p.t.Errorf("focused control %q has no visible focus outline (%s)", f.Name, f.Outline)
	}
	return f.Name
}

// wantFocusOn waits until the element sel has focus.
func (p *page) wantFocusOn(sel string) {
	p.t.Helper()
	p.waitFor(fmt.Sprintf(`document.activeElement === document.querySelector(%q)`, sel))
	p.focused()
}

// shots saves full-page PNGs at each width and checks nothing overflows
// sideways.
func (p *page) shots(name string, only ...int64) {
	p.t.Helper()
	ws := widths
	if len(only) > 0 {
		ws = only
	}
	for _, w := range ws {
		p.do(chromedp.EmulateViewport(w, 900))
		if sw := evalJS[int64](p, `document.documentElement.scrollWidth`); sw > w {
			p.t.Errorf("%s at %d px: the page is %d px wide", name, w, sw)
		}
		png, err := chromedp.Run(p.ctx, chromedp.FullScreenshot(100))
		if err != nil {
			p.t.Fatalf("screenshot %s: %v", name, err)
		}
		path := filepath.Join(p.artifacts, fmt.Sprintf("console-%s-%d.png", name, w))
		if err := os.WriteFile(path, png, 0o644); err != nil {
			p.t.Fatal(err)
		}
	}
	p.do(chromedp.EmulateViewport(1280, 900))
}

// axe runs axe-core on the page (browsertest.Axe).
func (p *page) axe() {
	p.t.Helper()
	browsertest.Axe(p.t, p.ctx, p.axeJS, p.path())
}
