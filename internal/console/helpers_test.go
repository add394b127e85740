package console_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/acucover/acucover/internal/access"
	"github.com/acucover/acucover/internal/catalog"
	"github.com/acucover/acucover/internal/httpapi"
)

// fakeKeys is an in-memory KeyStore that verifies keys as the PostgreSQL
// store does: a malformed, unknown or revoked key is access.ErrInvalidKey.
type fakeKeys struct {
	mu   sync.Mutex
	keys map[string]access.Principal
	down bool
}

func newFakeKeys() *fakeKeys { return &fakeKeys{keys: map[string]access.Principal{}} }

func (f *fakeKeys) Authenticate(_ context.Context, secret string) (access.Principal, error) {
	if _, _, err := access.Parse(secret); err != nil {
		return access.Principal{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.down {
		return access.Principal{}, io.ErrUnexpectedEOF
	}
	p, ok := f.keys[secret]
	if !ok {
		return access.Principal{}, access.ErrInvalidKey
	}
	return p, nil
}

// add creates a key for name with role and returns its secret.
func (f *fakeKeys) add(t *testing.T, name string, role access.Role) string {
	t.Helper()
	secret, _, _, err := access.NewKey()
	if err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	f.keys[secret] = access.Principal{Name: name, Role: role}
	f.mu.Unlock()
	return secret
}

func (f *fakeKeys) revoke(secret string) {
	f.mu.Lock()
	delete(f.keys, secret)
	f.mu.Unlock()
}

// clock is a settable time source.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// env is the real API router (with the console mounted) over the embedded
// catalog, a fake key store and a settable clock.
type env struct {
	srv   *httptest.Server
	keys  *fakeKeys
	clock *clock
	ix    *catalog.Index
}

func newEnv(t *testing.T, withKeys bool) *env {
	t.Helper()
	ix, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	e := &env{keys: newFakeKeys(), clock: &clock{now: time.Date(2026, 3, 2, 15, 0, 0, 0, time.UTC)}, ix: ix}
	d := httpapi.Deps{Store: catalog.NewStore(ix), Now: e.clock.Now}
	if withKeys {
		d.Keys = e.keys
	}
	e.srv = httptest.NewServer(httpapi.New(d))
	t.Cleanup(e.srv.Close)
	return e
}

// browser is an HTTP client with a cookie jar that does not follow
// redirects, so tests see them.
type browser struct {
	t *testing.T
	c *http.Client
	e *env
}

func (e *env) browser(t *testing.T) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, e: e, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

type response struct {
	*http.Response
	body string
}

func (b *browser) do(req *http.Request) response {
	b.t.Helper()
	res, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return response{res, string(body)}
}

func (b *browser) get(path string) response {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, b.e.srv.URL+path, nil)
	return b.do(req)
}

func (b *browser) post(path string, form url.Values) response {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, b.e.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf is the form token on the page at path.
func (b *browser) csrf(path string) string {
	b.t.Helper()
	m := csrfRE.FindStringSubmatch(b.get(path).body)
	if m == nil {
		b.t.Fatalf("no CSRF token on %s", path)
	}
	return m[1]
}

// signIn signs in with key and fails the test unless it worked.
func (b *browser) signIn(key string) {
	b.t.Helper()
	res := b.post("/console/signin", url.Values{"csrf": {b.csrf("/console/signin")}, "key": {key}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/console/check" {
		b.t.Fatalf("sign in = %d → %q, want 303 to /console/check\n%s", res.StatusCode, res.Header.Get("Location"), res.body)
	}
}

func wantRedirect(t *testing.T, r response, to string) {
	t.Helper()
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != to {
		t.Errorf("%s %s = %d → %q, want 303 to %s", r.Request.Method, r.Request.URL.Path, r.StatusCode, r.Header.Get("Location"), to)
	}
}
