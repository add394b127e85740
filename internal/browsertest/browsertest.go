// Package browsertest finds real headless Chromium and axe-core for the
// browser tests of the widget, the console and the Good Faith Estimate page.
// Only tests import it. A missing browser or npm fails the test with how to
// install it: a browser test that did not run did not pass.
package browsertest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// Chromium returns the browser to drive: $ACUCOVER_CHROMIUM, else chromium
// (or Chrome) on PATH.
func Chromium(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("ACUCOVER_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("no Chromium found for the browser tests. Install it: `apt-get install -y chromium` (Debian), " +
		"or set ACUCOVER_CHROMIUM to a Chrome/Chromium binary")
	return ""
}

// AxeJS installs axe-core 4 from npm into a temporary directory and returns
// axe.min.js.
func AxeJS(t testing.TB) string {
	t.Helper()
	npm, err := exec.LookPath("npm")
	if err != nil {
		t.Fatal("npm not found; the accessibility tests install axe-core with it. Install Node.js and npm: `apt-get install -y nodejs npm` (Debian)")
	}
	dir := t.TempDir()
	cmd := exec.Command(npm, "install", "--prefix", dir, "--no-audit", "--no-fund", "--no-save", "axe-core@4")
	cmd.Env = append(os.Environ(), "npm_config_cache="+filepath.Join(dir, ".npm"))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("npm install axe-core@4: %v\n%s\nThe accessibility tests need the npm registry (or a mirror set with npm_config_registry).", err, out)
	}
	b, err := os.ReadFile(filepath.Join(dir, "node_modules", "axe-core", "axe.min.js"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// ArtifactsDir is $ACUCOVER_ARTIFACTS (created if needed), else a directory
// under the test's temporary directory: where screenshots go.
func ArtifactsDir(t testing.TB) string {
	t.Helper()
	dir := os.Getenv("ACUCOVER_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join(t.TempDir(), "artifacts")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshots go to %s (set ACUCOVER_ARTIFACTS to keep them)", dir)
	return dir
}

// Axe runs axe-core (axeJS, from AxeJS) on the page in ctx, shadow roots
// included, loading it first if the page has not, and fails the test on
// every serious or critical violation; where names the page in messages.
func Axe(t testing.TB, ctx context.Context, axeJS, where string) {
	t.Helper()
	if ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`!!window.axe`)); err != nil || !ok {
		if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](axeJS)); err != nil {
			t.Fatalf("load axe-core: %v", err)
		}
	}
	type violation struct {
		ID, Impact, Help string
		Nodes            []string
	}
	vs, err := chromedp.Run(ctx, chromedp.Evaluate[[]violation](`axe.run(document, {resultTypes: ['violations']}).then(r =>
		r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical').map(v => ({
			ID: v.id, Impact: v.impact, Help: v.help,
			Nodes: v.nodes.map(n => JSON.stringify(n.target) + ': ' + n.failureSummary)})))`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("axe.run: %v", err)
	}
	for _, v := range vs {
		t.Errorf("axe on %s: %s (%s): %s\n  %s", where, v.ID, v.Impact, v.Help, strings.Join(v.Nodes, "\n  "))
	}
}
