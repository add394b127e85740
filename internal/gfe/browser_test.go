package gfe

import (
	"context"
	"github.com/acucover/acucover/internal/browsertest"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// The printable page is checked in real headless Chromium (as the widget's
// browser tests do: internal/widget/browser_test.go): it shows every
// required element, passes axe-core with no serious or critical violation,
// fits a 390 px phone, loads nothing from outside, and prints each provider
// block on its own page.

func TestHTMLStatic(t *testing.T) {
	t.Parallel()
	c, ix := demo(t)
	req := baseRequest(&c)
	req.Patient.Name = `<script>alert("x")</script> O'Brien & Sons`
	g, err := Build(ix, req)
	if err != nil {
		t.Fatal(err)
	}
	b, err := HTML(g)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for _, bad := range []string{"<script", " src=", "@import", "url(", "http://", "https://", "javascript:"} {
		if strings.Contains(strings.ToLower(s), bad) {
			t.Errorf("the page contains %q: it must be self-contained with no scripts", bad)
		}
	}
	if m := regexp.MustCompile(`(?i)<[^>]+\son[a-z]+\s*=`).FindString(s); m != "" {
		t.Errorf("the page has an inline event handler: %s", m)
	}
	if !strings.Contains(s, "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; O&#39;Brien &amp; Sons") {
		t.Error("the patient's name is not escaped")
	}
}

func TestHTMLInBrowser(t *testing.T) {
	chromium := browsertest.Chromium(t)
	axeJS := browsertest.AxeJS(t)
	artifacts := browsertest.ArtifactsDir(t)

	c, ix := demo(t)
	req := baseRequest(&c)
	req.SlidingScaleEligible = true
	req.ScheduledSeparately = []SeparateService{{Description: "Lumbar spine X-ray ordered by your physician", HowToGetGFE: "ask the imaging center when you schedule it"}}
	g, err := Build(ix, req)
	if err != nil {
		t.Fatal(err)
	}
	body, err := HTML(g)
	if err != nil {
		t.Fatal(err)
	}
	var requests []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests = append(requests, r.URL.Path)
		if r.URL.Path != "/gfe" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(body)
	}))
	t.Cleanup(srv.Close)

	alloc, cancel := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromium),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 1000),
	)
	t.Cleanup(cancel)
	browser, cancel := chromedp.NewContext(alloc)
	t.Cleanup(cancel)
	if err := chromedp.Do(browser); err != nil {
		t.Fatalf("start chromium %s: %v", chromium, err)
	}
	ctx, cancel := context.WithTimeout(browser, 2*time.Minute)
	t.Cleanup(cancel)
	do := func(actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatal(err)
		}
	}
	eval := func(expr string) string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[string](expr))
		if err != nil {
			t.Fatalf("evaluate %s: %v", expr, err)
		}
		return v
	}
	shot := func(name string) {
		t.Helper()
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(artifacts, name+".png")
		if err := os.WriteFile(path, png, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot: %s", path)
	}

	do(chromedp.EmulateViewport(1280, 1000), chromedp.Navigate(srv.URL+"/gfe"), chromedp.WaitReady(chromedp.CSS("main")))
	space := regexp.MustCompile(`\s+`)
	text := space.ReplaceAllString(eval(`document.body.innerText`), " ")
	for _, w := range append(required(g), lawPhrases...) {
		if !strings.Contains(text, w) {
			t.Errorf("the page does not show %q", w)
		}
	}
	if got := eval(`document.querySelector('[data-field="total"]').textContent`); got != "$1,084.50" {
		t.Errorf("total shown %q, want $1,084.50 (12 × $85.00 + 12 × $35.50, less 25%%)", got)
	}
	if got := eval(`[...document.querySelectorAll('table.items tbody tr')].map(r => [...r.cells].map(c => c.textContent).slice(1).join('|')).join('\n')`); got !=
		"97810|M54.50, G89.29|12|$85.00|$1,020.00|−$255.00|$765.00\n97811|M54.50, G89.29|12|$35.50|$426.00|−$106.50|$319.50" {
		t.Errorf("item rows:\n%s", got)
	}
	shot("gfe-1280")
	axe(t, ctx, axeJS)

	do(chromedp.EmulateViewport(390, 844))
	if w := eval(`String(document.documentElement.scrollWidth)`); w != "390" {
		t.Errorf("at 390 px the page is %s px wide: it overflows sideways", w)
	}
	shot("gfe-390")
	axe(t, ctx, axeJS)

	// Print: each provider block on its own page. Chromium's own PDF of the
	// page, read back with pdftotext page by page.
	do(chromedp.EmulateViewport(1280, 1000), chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"})
		return err
	}))
	if got := eval(`getComputedStyle(document.querySelector('.provider')).breakBefore`); got != "page" {
		t.Errorf("print: the provider block's break-before is %q, want page", got)
	}
	pdf, err := chromedp.Run(ctx, chromedp.Action[[]byte](func(ctx context.Context, tg *chromedp.Target) ([]byte, error) {
		res, err := cdp.Call(ctx, tg, page.PrintToPDF, page.PrintToPDFParams{PreferCSSPageSize: ptrTo(true)})
		return res.Data, err
	}))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(artifacts, "gfe-printed-by-chromium.pdf"), pdf, 0o644)
	pages := pdfPages(t, pdf)
	if len(pages) < 3 {
		t.Fatalf("printed %d pages, want at least 3 (summary, provider, notices)", len(pages))
	}
	for i, p := range pages {
		has := strings.Contains(p, "Provider: Lotus Community Acupuncture")
		if i == 1 && !has {
			t.Errorf("page 2 does not start the provider block:\n%s", p)
		}
		if i != 1 && has {
			t.Errorf("the provider block is on page %d too", i+1)
		}
	}
	if strings.Contains(pages[1], "Important information about this estimate") {
		t.Error("the notices share the provider's page")
	}
	for _, r := range requests {
		if r != "/gfe" {
			t.Errorf("the page loaded %s: it must need nothing but itself", r)
		}
	}
	if n := eval(`String(performance.getEntriesByType('resource').length)`); n != "0" {
		t.Errorf("the page loaded %s resources", n)
	}
}

func ptrTo[T any](v T) *T { return &v }

// pdfPages returns the text of each page (pdftotext separates pages with a
// form feed).
func pdfPages(t *testing.T, pdf []byte) []string {
	t.Helper()
	dir := t.TempDir()
	in := filepath.Join(dir, "p.pdf")
	os.WriteFile(in, pdf, 0o644)
	out, err := exec.Command("pdftotext", "-enc", "UTF-8", in, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	pages := strings.Split(strings.TrimRight(string(out), "\f\n"), "\f")
	for i := range pages {
		pages[i] = regexp.MustCompile(`\s+`).ReplaceAllString(pages[i], " ")
	}
	return pages
}

// axe runs axe-core on the estimate page (browsertest.Axe).
func axe(t *testing.T, ctx context.Context, axeJS string) {
	t.Helper()
	browsertest.Axe(t, ctx, axeJS, "the Good Faith Estimate page")
}
