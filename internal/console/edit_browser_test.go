package console_test

import (
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/acucover/acucover/internal/access"
	"github.com/acucover/acucover/internal/browsertest"
)

// TestEditingInBrowser drives catalog editing, revisions, restore and the
// audit log in headless Chromium against real PostgreSQL, as billing staff
// would: every role against every page, a full edit → diff → save → audit →
// restore round trip, a conflict, problems on their fields, CSRF, and
// keyboard-only editing; axe-core on every page, screenshots at 1280 and
// 390 px.
func TestEditingInBrowser(t *testing.T) {
	axeJS := browsertest.AxeJS(t)
	artifacts := browsertest.ArtifactsDir(t)
	e := newDBEnv(t)
	open := newBrowser(t, axeJS, artifacts)
	signIn := func(t *testing.T, role access.Role) *page {
		p := open(t, e.srv.URL)
		p.go_("/console/signin")
		p.signIn(e.role[role])
		p.waitPath("/console/check")
		return p
	}

	t.Run("role_matrix", func(t *testing.T) {
		type pg struct {
			path string
			min  access.Role
		}
		pages := []pg{
			{"/console/check", access.Reader},
			{"/console/batch", access.Reader},
			{"/console/catalog", access.Reader},
			{"/console/catalog/plans/medicare-part-b", access.Reader},
			{"/console/catalog/plans/medicare-part-b/edit", access.Editor},
			{"/console/catalog/plans/medicare-part-b/edit?mode=yaml", access.Editor},
			{"/console/catalog/rules/medicare-b-clbp/edit", access.Editor},
			{"/console/catalog/fee-schedules/medicare-pfs-national-2020/edit", access.Editor},
			{"/console/revisions", access.Editor},
			{"/console/revisions/diff?from=1&to=1", access.Editor},
			{"/console/audit", access.Editor},
			{"/console/audit?kind=rule&from=2020-01-01", access.Editor},
			{"/console/revisions/1/restore", access.Admin},
		}
		for _, role := range access.Roles {
			p := signIn(t, role)
			for _, x := range pages {
				p.go_(x.path)
				p.waitFor(`document.readyState === 'complete' && document.querySelector('h1')`)
				h1 := evalJS[string](p, `document.querySelector('h1').textContent`)
				if role.Allows(x.min) {
					if h1 == "Not allowed" || h1 == "Not found" || strings.Contains(h1, "unavailable") {
						t.Errorf("%s: %s shows %q", role, x.path, h1)
					}
				} else if h1 != "Not allowed" {
					t.Errorf("%s: %s shows %q, want the Not allowed page", role, x.path, h1)
				} else {
					p.wantText(fmt.Sprintf("Your key's role (%s) cannot do this", role))
				}
				targets := evalJS[[]string](p, `[...document.querySelectorAll('a[href^="/"], form[action]')].map(x => x.getAttribute('href') ?? x.getAttribute('action'))`)
				for _, h := range targets {
					if !reachable(role, h) {
						t.Errorf("%s on %s: link or form to %s", role, x.path, h)
					}
				}
				// Every page each role sees is checked once by axe: the
				// admin's (all pages) and the reader's refusal page.
				if role == access.Admin || (role == access.Reader && x.min == access.Editor && strings.HasSuffix(x.path, "/console/audit")) {
					p.axe()
				}
			}
		}
		// The forms are refused on the server too, not only hidden: a
		// reader posts the edit form, an editor the restore, each with the
		// session's own token.
		for _, c := range []struct {
			role         access.Role
			from, action string
			fields       string
		}{
			{access.Reader, "/console/check", planEdit, `{action: 'review'}`},
			{access.Editor, "/console/revisions", "/console/revisions/1/restore", `{head: '1'}`},
		} {
			p := signIn(t, c.role)
			p.go_(c.from)
			p.waitFor(`document.querySelector('input[name=csrf]')`)
			evalJS[bool](p, fmt.Sprintf(`(() => {
				const f = document.createElement('form');
				f.method = 'post'; f.action = %q;
				const add = (n, v) => { const i = document.createElement('input'); i.type = 'hidden'; i.name = n; i.value = v; f.append(i); };
				add('csrf', document.querySelector('input[name=csrf]').value);
				for (const [n, v] of Object.entries(%s)) add(n, v);
				document.body.append(f); f.submit(); return true;
			})()`, c.action, c.fields))
			p.waitFor(`location.pathname === ` + fmt.Sprintf("%q", c.action) + ` && document.querySelector('h1')?.textContent === 'Not allowed'`)
		}
	})

	t.Run("csrf_refused", func(t *testing.T) {
		p := signIn(t, access.Editor)
		p.go_(planEdit)
		p.waitFor(`document.querySelector('.edit-form')`)
		evalJS[bool](p, `(document.querySelectorAll('.edit-form input[name=csrf]').forEach(i => i.remove()), true)`)
		p.do(chromedp.Click(chromedp.CSS(`.top-actions button`)))
		p.waitFor(`document.querySelector('h1') && document.querySelector('h1').textContent === 'Form expired'`)
		p.wantText("missing its security token")
	})

	t.Run("edit_diff_save_audit_restore", func(t *testing.T) {
		p := signIn(t, access.Editor)
		p.go_("/console/catalog/plans/medicare-part-b")
		p.do(chromedp.Click(chromedp.CSS(`a[href="/console/catalog/plans/medicare-part-b/edit"]`)))
		p.waitPath("/console/catalog/plans/medicare-part-b/edit")
		p.waitFor(`document.querySelector('#f-cost-sharing-2-deductible-cents')`)
		p.shots("edit-plan")
		p.axe()
		if v := evalJS[string](p, `document.querySelector('#f-cost-sharing-2-deductible-cents').value`); v != "28300" {
			t.Fatalf("the 2026 deductible field shows %q, want 28300", v)
		}
		p.do(chromedp.SetValue(chromedp.CSS(`#f-cost-sharing-2-deductible-cents`), "28400"))
		p.do(chromedp.Click(chromedp.CSS(`.top-actions button`)))
		p.waitFor(`document.querySelector('#review-h')`)
		p.wantFocusOn("#review-h")
		rows := evalJS[[]string](p, `[...document.querySelectorAll('table.diff tbody tr')].map(r => r.innerText.replace(/\s+/g, ' ').trim())`)
		if !slices.Equal(rows, []string{"cost_sharing[2].deductible_cents 28300 28400"}) {
			t.Errorf("the review lists %q, want only cost_sharing[2].deductible_cents 28300 → 28400", rows)
		}
		p.shots("edit-review")
		p.axe()
		p.do(chromedp.SendKeys(chromedp.CSS(`#f-comment`), "2026 Part B deductible"))
		p.do(chromedp.Click(chromedp.CSS(`button[value=save]`)))
		p.waitFor(`document.querySelector('#saved')`)
		p.wantText("Saved as catalog revision 2")
		p.shots("edit-saved")
		p.axe()
		p.do(chromedp.Click(chromedp.CSS(`#saved a`)))
		p.waitPath("/console/audit")
		p.wantText("billing-editor", "2026 Part B deductible", "cost_sharing[2].deductible_cents", "28300", "28400")
		p.shots("audit")
		p.axe()
		// The API answers the new number too.
		got := apiGet(t, e, "/v1/plans/medicare-part-b")
		if !strings.Contains(got, "28400") {
			t.Errorf("GET /v1/plans/medicare-part-b does not show the saved 28400:\n%.400s", got)
		}

		a := signIn(t, access.Admin)
		a.go_("/console/revisions")
		a.wantText("2026 Part B deductible", "billing-editor")
		a.shots("revisions")
		a.axe()
		a.do(chromedp.Click(chromedp.CSS(`form[action="/console/revisions/diff"] button`)))
		a.waitPath("/console/revisions/diff")
		a.wantText("Changes from revision 1 to 2", "cost_sharing[2].deductible_cents")
		a.shots("revision-diff")
		a.axe()
		a.go_("/console/revisions")
		a.do(chromedp.Click(chromedp.CSS(`a[href="/console/revisions/1/restore"]`)))
		a.waitPath("/console/revisions/1/restore")
		a.wantText("Restore revision 1", "28400", "28300")
		a.shots("restore-confirm")
		a.axe()
		a.do(chromedp.SendKeys(chromedp.CSS(`#f-comment`), "undo the test change"))
		a.do(chromedp.Click(chromedp.CSS(`form[action="/console/revisions/1/restore"] button`)))
		a.waitFor(`document.querySelector('#restored')`)
		a.wantText("the catalog is now revision 3")
		a.go_("/console/audit?kind=catalog")
		a.wantText("restore", "billing-admin", "undo the test change")
		got = apiGet(t, e, "/v1/plans/medicare-part-b")
		if strings.Contains(got, "28400") || !strings.Contains(got, "28300") {
			t.Errorf("after the restore the API does not show 28300 again:\n%.400s", got)
		}
	})

	t.Run("conflict", func(t *testing.T) {
		first, second := signIn(t, access.Editor), signIn(t, access.Admin)
		rule := "/console/catalog/rules/medicare-b-clbp/edit"
		first.go_(rule)
		second.go_(rule)
		for _, p := range []*page{first, second} {
			p.waitFor(`document.querySelector('#f-summary')`)
		}
		first.do(chromedp.SetValue(chromedp.CSS(`#f-limits-windows-0-visits`), "11"))
		second.do(chromedp.SetValue(chromedp.CSS(`#f-limits-windows-0-visits`), "13"))
		for _, p := range []*page{first, second} {
			p.do(chromedp.Click(chromedp.CSS(`.top-actions button`)))
			p.waitFor(`document.querySelector('#review-h')`)
		}
		first.do(chromedp.Click(chromedp.CSS(`button[value=save]`)))
		first.waitFor(`document.querySelector('#saved')`)
		second.do(chromedp.Click(chromedp.CSS(`button[value=save]`)))
		second.waitFor(`document.querySelector('#conflict')`)
		second.wantFocusOn("#conflict")
		second.wantText("Someone else changed this rule after you opened it", "limits.windows[0].visits")
		theirs := evalJS[[]string](second, `[...document.querySelectorAll('table.diff')].map(t => t.innerText.replace(/\s+/g, ' '))`)
		if len(theirs) != 2 || !strings.Contains(theirs[0], "limits.windows[0].visits 12 11") || !strings.Contains(theirs[1], "limits.windows[0].visits 11 13") {
			t.Errorf("the conflict tables are %q, want theirs (12 → 11) and yours on top of theirs (11 → 13)", theirs)
		}
		second.shots("edit-conflict")
		second.axe()
		// Going on from theirs: the form now holds mine on top of theirs,
		// and saving works.
		second.do(chromedp.Click(chromedp.CSS(`button[value=back]`)))
		second.waitFor(`document.querySelector('.top-actions')`)
		second.do(chromedp.Click(chromedp.CSS(`.top-actions button`)))
		second.waitFor(`document.querySelector('#review-h')`)
		second.do(chromedp.Click(chromedp.CSS(`button[value=save]`)))
		second.waitFor(`document.querySelector('#saved')`)
	})

	t.Run("problems_on_fields", func(t *testing.T) {
		p := signIn(t, access.Editor)
		p.go_(planEdit)
		p.waitFor(`document.querySelector('#f-cost-sharing-2-coinsurance-percent')`)
		p.do(chromedp.SetValue(chromedp.CSS(`#f-cost-sharing-2-coinsurance-percent`), "120"))
		evalJS[bool](p, `(document.querySelector('#f-name').value = '', true)`)
		p.do(chromedp.Click(chromedp.CSS(`.top-actions button`)))
		p.waitFor(`document.querySelector('#form-error')`)
		p.wantFocusOn("#form-error")
		p.wantText("coinsurance_percent 120 is not between 0 and 100", "name is required")
		for _, id := range []string{"f-cost-sharing-2-coinsurance-percent", "f-name"} {
			if inv := evalJS[string](p, fmt.Sprintf(`document.getElementById(%q).getAttribute('aria-invalid')`, id)); inv != "true" {
				t.Errorf("%s aria-invalid = %q", id, inv)
			}
		}
		p.do(chromedp.Click(chromedp.CSS(`#form-error a[href="#f-name"]`)))
		p.waitFor(`location.hash === '#f-name'`)
		p.shots("edit-problems")
		p.axe()
		// YAML for power users: a mistake there is shown on the YAML.
		p.go_(planEdit + "?mode=yaml")
		p.waitFor(`document.querySelector('#f-yaml')`)
		p.do(chromedp.SetValue(chromedp.CSS(`#f-yaml`), "id: medicare-part-b\nnmae: typo\n"))
		p.do(chromedp.Click(chromedp.CSS(`button[value=review-yaml]`)))
		p.waitFor(`document.querySelector('#f-yaml-error')`)
		p.wantText("field nmae not found")
		p.shots("edit-yaml-error")
		p.axe()
	})

	t.Run("keyboard_only_edit", func(t *testing.T) {
		p := signIn(t, access.Editor)
		p.go_("/console/catalog/fee-schedules/medicare-pfs-national-2020/edit")
		p.waitFor(`document.querySelector('.edit-form')`)
		// Tab from the top to the form's first control.
		for p.focused() != "action" || focusedValue(p) != "review" {
			p.key(kb.Tab)
			if p.focused() == "" {
				t.Fatal("Tab left the page before the form")
			}
		}
		for p.focused() != "f-name" {
			p.key(kb.Tab)
			if p.focused() == "" {
				t.Fatal("Tab left the page before the name field")
			}
		}
		p.key(kb.End)
		p.key(" (checked)")
		p.key(kb.Enter) // Enter in a text field submits the form's first button: review
		p.waitFor(`document.querySelector('#review-h')`)
		p.wantFocusOn("#review-h")
		for p.focused() != "action" || focusedValue(p) != "save" {
			p.key(kb.Tab)
			if p.focused() == "" {
				t.Fatal("Tab left the page before Save")
			}
		}
		p.key(kb.Enter)
		p.waitFor(`document.querySelector('#saved')`)
		p.wantFocusOn("#saved")
		if v := evalJS[string](p, `document.querySelector('#f-name').value`); !strings.HasSuffix(v, " (checked)") {
			t.Errorf("after a keyboard-only edit the name is %q", v)
		}
		p.shots("edit-keyboard")
	})

}

// evalAsync evaluates expr and waits for the promise it returns.
func evalAsync[T any](p *page, expr string) T {
	p.t.Helper()
	v, err := chromedp.Run(p.ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		p.t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// focusedValue is the focused control's value (a button's action).
func focusedValue(p *page) string {
	return evalJS[string](p, `document.activeElement?.value ?? ''`)
}

// apiGet answers GET path from the API with a reader's key.
func apiGet(t *testing.T, e *dbEnv, path string) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, e.srv.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+e.role[access.Reader])
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s = %d\n%s", path, res.StatusCode, b)
	}
	return string(b)
}
