package console_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/acucover/acucover/internal/access"
	"github.com/acucover/acucover/internal/catalog"
	"github.com/acucover/acucover/internal/console"
	"github.com/acucover/acucover/internal/httpapi"
)

func TestSignInAndOut(t *testing.T) {
	t.Parallel()
	e := newEnv(t, true)
	key := e.keys.add(t, "billing-anna", access.Editor)
	b := e.browser(t)

	wantRedirect(t, b.get("/console/"), "/console/signin")
	wantRedirect(t, b.get("/console/check"), "/console/signin")

	res := b.post("/console/signin", url.Values{"csrf": {b.csrf("/console/signin")}, "key": {key}})
	wantRedirect(t, res, "/console/check")
	var sc *http.Cookie
	for _, c := range res.Cookies() {
		if c.Name == "acucover_console" {
			sc = c
		}
	}
	switch {
	case sc == nil:
		t.Fatal("no session cookie")
	case !sc.HttpOnly || sc.SameSite != http.SameSiteStrictMode || sc.Path != "/console/" || sc.Secure:
		t.Errorf("session cookie %+v: want HttpOnly, SameSite=Strict, Path /console/, not Secure over plain HTTP", sc)
	case strings.Contains(sc.Value, key) || strings.Contains(key, sc.Value) || len(sc.Value) < 40:
		t.Errorf("session cookie %q: want a random id of 256 bits, unrelated to the key", sc.Value)
	}
	page := b.get("/console/check")
	if page.StatusCode != 200 || !strings.Contains(page.body, "billing-anna (editor)") {
		t.Fatalf("check page after sign-in = %d, want 200 naming the key and role\n%s", page.StatusCode, page.body)
	}
	if page.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("signed-in page Cache-Control = %q, want no-store", page.Header.Get("Cache-Control"))
	}

	res = b.post("/console/signout", url.Values{"csrf": {b.csrf("/console/check")}})
	wantRedirect(t, res, "/console/signin?ended=signout")
	wantRedirect(t, b.get("/console/check"), "/console/signin")

	// The old cookie, replayed, is dead: logout deleted the session.
	replay := e.browser(t)
	u, _ := url.Parse(e.srv.URL + "/console/")
	replay.c.Jar.SetCookies(u, []*http.Cookie{{Name: "acucover_console", Value: sc.Value, Path: "/console/"}})
	wantRedirect(t, replay.get("/console/check"), "/console/signin")
}

func TestWrongKeyRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t, true)
	good := e.keys.add(t, "anna", access.Reader)
	e.keys.revoke(good)
	b := e.browser(t)
	for _, key := range []string{"", "not-a-key", "acu_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", good} {
		res := b.post("/console/signin", url.Values{"csrf": {b.csrf("/console/signin")}, "key": {key}})
		if res.StatusCode != http.StatusUnauthorized || !strings.Contains(res.body, "That API key is not valid") {
			t.Errorf("sign in with %q = %d, want 401 saying the key is not valid", key, res.StatusCode)
		}
		if strings.Contains(res.body, key) && key != "" {
			t.Errorf("the refused key %q is echoed in the page", key)
		}
		wantRedirect(t, b.get("/console/check"), "/console/signin")
	}
}

func TestKeyStoreDown(t *testing.T) {
	t.Parallel()
	e := newEnv(t, true)
	key := e.keys.add(t, "anna", access.Reader)
	e.keys.down = true
	b := e.browser(t)
	res := b.post("/console/signin", url.Values{"csrf": {b.csrf("/console/signin")}, "key": {key}})
	if res.StatusCode != http.StatusServiceUnavailable || !strings.Contains(res.body, "cannot be reached") {
		t.Errorf("sign in with the key store down = %d, want 503 saying so\n%s", res.StatusCode, res.body)
	}
}

func TestCSRFRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t, true)
	key := e.keys.add(t, "anna", access.Admin)
	b := e.browser(t)

	// Sign-in without the pre-session token, or with another browser's.
	if res := b.post("/console/signin", url.Values{"key": {key}}); res.StatusCode != http.StatusForbidden {
		t.Errorf("sign in without a token = %d, want 403", res.StatusCode)
	}
	other := e.browser(t).csrf("/console/signin")
	b.get("/console/signin")
	if res := b.post("/console/signin", url.Values{"key": {key}, "csrf": {other}}); res.StatusCode != http.StatusForbidden {
		t.Errorf("sign in with another browser's token = %d, want 403", res.StatusCode)
	}

	b.signIn(key)
	token := b.csrf("/console/check")
	form := url.Values{"plan": {"medicare-part-b"}, "state": {"CA"}, "condition": {"neck_pain"}, "date": {"2026-03-02"},
		"visits_per_week": {"2"}, "weeks": {"6"}, "minutes": {"30"}, "network": {"in"}}
	for _, tc := range []struct {
		name, path, token, origin string
	}{
		{"check without token", "/console/check", "", ""},
		{"check with a wrong token", "/console/check", strings.Repeat("A", len(token)), ""},
		{"check from another site", "/console/check", token, "https://evil.example"},
		{"check labelled cross-site", "/console/check", token, "sec:cross-site"},
		{"sign-out without token", "/console/signout", "", ""},
	} {
		f := url.Values{}
		for k, v := range form {
			f[k] = v
		}
		if tc.token != "" {
			f.Set("csrf", tc.token)
		}
		req, _ := http.NewRequest(http.MethodPost, e.srv.URL+tc.path, strings.NewReader(f.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if site, ok := strings.CutPrefix(tc.origin, "sec:"); ok {
			req.Header.Set("Sec-Fetch-Site", site)
		} else if tc.origin != "" {
			req.Header.Set("Origin", tc.origin)
		}
		res := b.do(req)
		if res.StatusCode != http.StatusForbidden || !strings.Contains(res.body, "security token") {
			t.Errorf("%s = %d, want 403 explaining the missing token", tc.name, res.StatusCode)
		}
	}
	// None of those signed out, and the right token works.
	form.Set("csrf", token)
	if res := b.post("/console/check", form); res.StatusCode != http.StatusOK || !strings.Contains(res.body, `id="status">Not covered`) {
		t.Errorf("check with the token = %d, want 200 with the answer\n%s", res.StatusCode, res.body)
	}
}

func TestWithoutKeyStore(t *testing.T) {
	t.Parallel()
	e := newEnv(t, false)
	b := e.browser(t)
	res := b.get("/console/signin")
	if res.StatusCode != 200 || !strings.Contains(res.body, "Sign-in needs a database-backed key store") {
		t.Errorf("sign-in page without keys = %d, want it to say sign-in needs a database-backed key store\n%s", res.StatusCode, res.body)
	}
	if strings.Contains(res.body, "<form") {
		t.Error("sign-in page without keys shows a form")
	}
	for _, p := range []string{"/console/", "/console/check", "/console/catalog", "/console/catalog/plans/medicare-part-b"} {
		wantRedirect(t, b.get(p), "/console/signin")
	}
	if res := b.post("/console/signin", url.Values{"key": {"acu_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}}); res.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("POST sign-in without keys = %d, want 503", res.StatusCode)
	}
}

func TestSecurityHeaders(t *testing.T) {
	t.Parallel()
	e := newEnv(t, true)
	b := e.browser(t)
	check := func(path string, r response) {
		t.Helper()
		csp := r.Header.Get("Content-Security-Policy")
		for _, want := range []string{"script-src 'self'", "frame-ancestors 'none'", "default-src 'none'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("%s: CSP %q lacks %s", path, csp, want)
			}
		}
		if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
			t.Errorf("%s: CSP %q allows inline or eval'd script", path, csp)
		}
		for h, want := range map[string]string{"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY"} {
			if got := r.Header.Get(h); got != want {
				t.Errorf("%s: %s = %q, want %q", path, h, got, want)
			}
		}
	}
	for _, p := range []string{"/console/signin", "/console/static/console.css", "/console/static/console.js", "/console/nope", "/console/check"} {
		check(p, b.get(p))
	}
	b.signIn(e.keys.add(t, "r", access.Reader))
	for _, p := range []string{"/console/check", "/console/catalog", "/console/catalog?q=medicare", "/console/catalog/plans/medicare-part-b", "/console/nope"} {
		r := b.get(p)
		check(p, r)
		if r.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("%s: Cache-Control = %q, want no-store", p, r.Header.Get("Cache-Control"))
		}
		if strings.Contains(r.body, "<script>") || strings.Contains(r.body, " style=") || strings.Contains(r.body, "<style") {
			t.Errorf("%s has an inline script or style, which the CSP blocks", p)
		}
	}
	if r := b.get("/console/static/console.css"); r.StatusCode != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/css") {
		t.Errorf("console.css = %d %s", r.StatusCode, r.Header.Get("Content-Type"))
	}
}

func TestSecureCookieOverTLS(t *testing.T) {
	t.Parallel()
	ix, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	keys := newFakeKeys()
	srv := httptest.NewTLSServer(httpapi.New(httpapi.Deps{Store: catalog.NewStore(ix), Keys: keys}))
	t.Cleanup(srv.Close)
	b := &browser{t: t, c: srv.Client(), e: &env{srv: srv}}
	res := b.get("/console/signin")
	var pre *http.Cookie
	for _, c := range res.Cookies() {
		pre = c
	}
	if pre == nil || !pre.Secure || !pre.HttpOnly {
		t.Fatalf("sign-in cookie over TLS = %+v, want Secure and HttpOnly", pre)
	}
	key := keys.add(t, "anna", access.Reader)
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/console/signin", strings.NewReader(url.Values{"csrf": {pre.Value}, "key": {key}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(pre)
	b.c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	res = b.do(req)
	found := false
	for _, c := range res.Cookies() {
		if c.Name == "acucover_console" && c.Value != "" {
			found = true
			if !c.Secure {
				t.Errorf("session cookie over TLS is not Secure: %+v", c)
			}
		}
	}
	if !found {
		t.Fatalf("no session cookie over TLS: %d %s", res.StatusCode, res.body)
	}
}

func TestSessionLifetime(t *testing.T) {
	t.Parallel()
	e := newEnv(t, true)
	key := e.keys.add(t, "anna", access.Reader)

	idle := e.browser(t)
	idle.signIn(key)
	e.clock.advance(console.IdleTimeout - time.Second)
	if r := idle.get("/console/check"); r.StatusCode != 200 {
		t.Fatalf("just inside the idle timeout = %d, want 200", r.StatusCode)
	}
	e.clock.advance(console.IdleTimeout)
	wantRedirect(t, idle.get("/console/check"), "/console/signin")

	busy := e.browser(t)
	busy.signIn(key)
	for elapsed := time.Duration(0); elapsed < console.AbsoluteLifetime-20*time.Minute; elapsed += 4 * time.Minute {
		e.clock.advance(4 * time.Minute)
		if r := busy.get("/console/catalog"); r.StatusCode != 200 {
			t.Fatalf("after %v of steady use = %d, want 200", elapsed, r.StatusCode)
		}
	}
	e.clock.advance(20 * time.Minute)
	wantRedirect(t, busy.get("/console/catalog"), "/console/signin")
}

func TestRevokedKeyEndsSession(t *testing.T) {
	t.Parallel()
	e := newEnv(t, true)
	key := e.keys.add(t, "anna", access.Editor)
	b := e.browser(t)
	b.signIn(key)
	e.keys.revoke(key)
	if r := b.get("/console/check"); r.StatusCode != 200 {
		t.Fatalf("right after revocation = %d; the key is re-verified every %v, not every request", r.StatusCode, console.ReverifyEvery)
	}
	e.clock.advance(console.ReverifyEvery)
	wantRedirect(t, b.get("/console/check"), "/console/signin?ended=revoked")
	wantRedirect(t, b.get("/console/check"), "/console/signin")
}

func TestRoleChangeShowsAfterReverify(t *testing.T) {
	t.Parallel()
	e := newEnv(t, true)
	key := e.keys.add(t, "anna", access.Reader)
	b := e.browser(t)
	b.signIn(key)
	e.keys.mu.Lock()
	e.keys.keys[key] = access.Principal{Name: "anna", Role: access.Admin}
	e.keys.mu.Unlock()
	e.clock.advance(console.ReverifyEvery)
	if r := b.get("/console/check"); !strings.Contains(r.body, "anna (admin)") {
		t.Errorf("after re-verification the page does not show the new role")
	}
}

func TestNotFoundAndMethods(t *testing.T) {
	t.Parallel()
	e := newEnv(t, true)
	b := e.browser(t)
	b.signIn(e.keys.add(t, "anna", access.Reader))
	if r := b.get("/console/catalog/plans/no-such-plan"); r.StatusCode != http.StatusNotFound || !strings.Contains(r.body, "no console page") {
		t.Errorf("unknown plan page = %d, want 404 page", r.StatusCode)
	}
	req, _ := http.NewRequest(http.MethodDelete, e.srv.URL+"/console/check", nil)
	if r := b.do(req); r.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("DELETE /console/check = %d, want 405", r.StatusCode)
	}
}

func TestSignInAgainReplacesSession(t *testing.T) {
	t.Parallel()
	e := newEnv(t, true)
	b := e.browser(t)
	b.signIn(e.keys.add(t, "anna", access.Reader))
	u, _ := url.Parse(e.srv.URL + "/console/")
	first := b.c.Jar.Cookies(u)
	// A second tab still showing the sign-in form signs in as someone else.
	b.c.Jar.SetCookies(u, []*http.Cookie{{Name: "acucover_console_signin", Value: "tab-token", Path: "/console/"}})
	res := b.post("/console/signin", url.Values{"csrf": {"tab-token"}, "key": {e.keys.add(t, "ben", access.Admin)}})
	wantRedirect(t, res, "/console/check")
	if r := b.get("/console/check"); !strings.Contains(r.body, "ben (admin)") {
		t.Fatal("the second sign-in did not take")
	}
	old := e.browser(t)
	old.c.Jar.SetCookies(u, first)
	wantRedirect(t, old.get("/console/check"), "/console/signin")
}
