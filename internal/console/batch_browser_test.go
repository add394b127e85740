package console_test

import (
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/chromedp"

	"github.com/acucover/acucover/internal/access"
	"github.com/acucover/acucover/internal/browsertest"
)

// ehrSchedule is tomorrow's schedule as an EHR exports it: its own columns
// (MRN, name, appointment time) around the ones a batch reads, in its own
// spelling.
const ehrSchedule = "MRN,Patient Name,Appt Time,Plan,State,ICD10,Date,Pain Weeks,Systemic Cause,Surgery Related,Pregnancy Related,Visits This Year,Provider Type\r\n" +
	"A-1001,\"Doe, Jane\",08:30,medicare-part-b,CA,M54.50,3/10/2026,16,N,N,N,2,physician\r\n" +
	"A-1002,Roe Richard,09:15,medicare-part-b,CA,M54.2,3/10/2026,,,,,,\r\n" +
	"A-1003,Abel Ann,10:00,medicare-part-b,CA,M54.50,3/10/2026,6,Y,N,N,0,physician\r\n" +
	"A-1004,Poe Edgar,10:45,medicare-part-b,CA,M54.50,3/10/2026,lots,N,N,N,0,physician\r\n"

// TestBatchInBrowser: a billing specialist uploads an EHR export in
// Chromium, reads the results (their own columns first, unchanged), sorts
// them, and downloads the results CSV, which is the API's answer byte for
// byte; the table shows the same cells.
func TestBatchInBrowser(t *testing.T) {
	axeJS := browsertest.AxeJS(t)
	artifacts := browsertest.ArtifactsDir(t)
	e := newEnv(t, true)
	key := e.keys.add(t, "billing-reader", access.Reader)
	open := newBrowser(t, axeJS, artifacts)
	p := open(t, e.srv.URL)
	p.go_("/console/signin")
	p.signIn(key)
	p.waitPath("/console/check")
	p.do(chromedp.Click(chromedp.CSS(`nav a[href="/console/batch"]`)))
	p.waitPath("/console/batch")
	p.shots("batch-empty")
	p.axe()

	file := filepath.Join(t.TempDir(), "tomorrow.csv")
	if err := os.WriteFile(file, []byte(ehrSchedule), 0o644); err != nil {
		t.Fatal(err)
	}
	p.do(chromedp.SetUploadFiles(`#file`, []string{file}))
	p.do(chromedp.Click(chromedp.CSS(`.batch-form button[type=submit]`)))
	p.waitFor(`document.querySelector('#results-h')`)
	p.wantFocusOn("#results-h")
	p.wantText("Results: 4 patients from tomorrow.csv")

	want, _ := csv.NewReader(strings.NewReader(apiBatch(t, e.srv.URL, key, ehrSchedule))).ReadAll()
	table := evalJS[[][]string](p, `[...document.querySelectorAll('table.results-table tr')].map(r => [...r.cells].map(c => (c.querySelector('.full') ?? c).textContent))`)
	if len(table) != len(want) {
		t.Fatalf("the table has %d rows, the API's answer %d", len(table), len(want))
	}
	for i := range want {
		if !slices.Equal(table[i], want[i]) {
			t.Errorf("table row %d = %q\nAPI row = %q", i, table[i], want[i])
		}
	}
	// The EHR's own columns come back first, as sent.
	if got := table[0][1:4]; !slices.Equal(got, []string{"MRN", "Patient Name", "Appt Time"}) {
		t.Errorf("the first input columns are %q", got)
	}
	if got := table[1][1:4]; !slices.Equal(got, []string{"A-1001", "Doe, Jane", "08:30"}) {
		t.Errorf("row 2 passes through %q", got)
	}
	p.shots("batch-results")
	p.axe()

	// Sort by name with the keyboard: Abel, Doe, Poe, Roe.
	p.do(chromedp.Focus(`table.results-table th:nth-child(3) button`))
	p.key("\r")
	p.waitFor(`document.querySelector('table.results-table th:nth-child(3)').getAttribute('aria-sort') === 'ascending'`)
	names := evalJS[[]string](p, `[...document.querySelectorAll('table.results-table tbody tr')].map(r => r.cells[2].textContent)`)
	if !slices.Equal(names, []string{"Abel Ann", "Doe, Jane", "Poe Edgar", "Roe Richard"}) {
		t.Errorf("sorted by name: %q", names)
	}
	p.wantText("Sorted by Patient Name, ascending.")
	// Sort by row, descending: numbers as numbers.
	p.do(chromedp.Click(chromedp.CSS(`table.results-table th:nth-child(1) button`)))
	p.do(chromedp.Click(chromedp.CSS(`table.results-table th:nth-child(1) button`)))
	p.waitFor(`document.querySelector('table.results-table th:nth-child(1)').getAttribute('aria-sort') === 'descending'`)
	rows := evalJS[[]string](p, `[...document.querySelectorAll('table.results-table tbody tr')].map(r => r.cells[0].textContent)`)
	if !slices.Equal(rows, []string{"5", "4", "3", "2"}) {
		t.Errorf("sorted by row, descending: %q", rows)
	}

	// Download: the API's answer, byte for byte.
	dir := t.TempDir()
	bctx := chromedp.FromContext(p.ctx).BrowserContextID
	p.do(chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		// A Browser-domain command: sent to the browser, for this tab's
		// browser context.
		c := chromedp.FromContext(ctx)
		_, err := cdp.Call(ctx, c.Browser, cdpbrowser.SetDownloadBehavior, cdpbrowser.SetDownloadBehaviorParams{
			Behavior: cdpbrowser.SetDownloadBehaviorBehaviorAllow, BrowserContextID: bctx, DownloadPath: dir})
		return err
	}))
	p.do(chromedp.Click(chromedp.CSS(`form[action="/console/batch/download"] button`)))
	var got []byte
	for deadline := time.Now().Add(pageDeadline); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if b, err := os.ReadFile(filepath.Join(dir, "acucover-results.csv")); err == nil && len(b) > 0 {
			got = b
			break
		}
	}
	if string(got) != apiBatch(t, e.srv.URL, key, ehrSchedule) {
		t.Errorf("the downloaded results differ from the API's answer:\n%s", got)
	}
}
