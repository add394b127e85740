package console

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/acucover/acucover/internal/access"
)

// Cookie names. The session cookie holds only a random id; the pre-session
// cookie holds only the sign-in form's CSRF token.
const (
	sessionCookie = "acucover_console"
	preCookie     = "acucover_console_signin"
)

// session is one signed-in browser.
type session struct {
	id        string
	principal access.Principal
	csrf      string
	// secret is the key, kept in memory only to re-verify it every
	// ReverifyEvery; it never leaves the process.
	secret   string
	created  time.Time
	lastSeen time.Time
	verified time.Time
}

// sessions is the in-memory session store.
type sessions struct {
	mu  sync.Mutex
	now func() time.Time
	m   map[string]*session
}

func newSessions(now func() time.Time) *sessions {
	return &sessions{now: now, m: map[string]*session{}}
}

// randomToken returns 32 random bytes in base64url.
func randomToken() string {
	b := make([]byte, 32)
	rand.Read(b) // never fails (crypto/rand, Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b)
}

func (ss *sessions) expired(x *session, now time.Time) bool {
	return now.Sub(x.created) >= AbsoluteLifetime || now.Sub(x.lastSeen) >= IdleTimeout
}

// create starts a session. At MaxSessions it first drops expired sessions,
// then, if still full, the least recently used one: a new sign-in always
// works, and memory stays bounded.
func (ss *sessions) create(p access.Principal, secret string) *session {
	now := ss.now()
	x := &session{id: randomToken(), principal: p, csrf: randomToken(), secret: secret, created: now, lastSeen: now, verified: now}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if len(ss.m) >= MaxSessions {
		var lru *session
		for id, y := range ss.m {
			if ss.expired(y, now) {
				delete(ss.m, id)
				continue
			}
			if lru == nil || y.lastSeen.Before(lru.lastSeen) {
				lru = y
			}
		}
		if len(ss.m) >= MaxSessions && lru != nil {
			delete(ss.m, lru.id)
		}
	}
	ss.m[x.id] = x
	return x
}

// get returns the request's live session, or nil, and marks it used.
func (ss *sessions) get(r *http.Request) *session {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return nil
	}
	now := ss.now()
	ss.mu.Lock()
	defer ss.mu.Unlock()
	x := ss.m[c.Value]
	if x == nil {
		return nil
	}
	if ss.expired(x, now) {
		delete(ss.m, x.id)
		return nil
	}
	x.lastSeen = now
	cp := *x
	return &cp
}

func (ss *sessions) delete(id string) {
	ss.mu.Lock()
	delete(ss.m, id)
	ss.mu.Unlock()
}

func (ss *sessions) reverified(id string, p access.Principal) {
	ss.mu.Lock()
	if x := ss.m[id]; x != nil {
		x.principal, x.verified = p, ss.now()
	}
	ss.mu.Unlock()
}

func (ss *sessions) len() int {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	return len(ss.m)
}

func setCookie(w http.ResponseWriter, r *http.Request, name, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{
		Name: name, Value: value, Path: Prefix, MaxAge: maxAge,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil,
	})
}

// tokenOK compares a submitted CSRF token with the expected one in
// constant time; an empty expected token matches nothing.
func tokenOK(want, got string) bool {
	return want != "" && subtle.ConstantTimeCompare([]byte(want), []byte(got)) == 1
}

// sameOrigin refuses a POST that the browser labelled as coming from
// another site: Sec-Fetch-Site other than same-origin (or none, typed by the
// user), or an Origin naming another host. Browsers send "Origin: null"
// under Referrer-Policy no-referrer, and old clients send neither header:
// the CSRF token still guards those.
func sameOrigin(r *http.Request) bool {
	if sf := r.Header.Get("Sec-Fetch-Site"); sf != "" && sf != "same-origin" && sf != "none" {
		return false
	}
	o := r.Header.Get("Origin")
	if o == "" || o == "null" {
		return true
	}
	u, err := url.Parse(o)
	return err == nil && u.Host == r.Host
}

// signedIn wraps a handler that needs a session: without one it redirects to
// sign-in; a POST must carry the session's CSRF token. It re-verifies the
// key every ReverifyEvery.
func (s *server) signedIn(h func(http.ResponseWriter, *http.Request, *session)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		x := s.sessions.get(r)
		if x == nil {
			http.Redirect(w, r, "/console/signin", http.StatusSeeOther)
			return
		}
		if r.Method == http.MethodPost {
			if !sameOrigin(r) || !tokenOK(x.csrf, r.PostFormValue("csrf")) {
				s.forbidden(w, r, x)
				return
			}
		}
		if s.now().Sub(x.verified) >= ReverifyEvery {
			p, err := s.keys.Authenticate(r.Context(), x.secret)
			switch {
			case errors.Is(err, access.ErrInvalidKey):
				s.sessions.delete(x.id)
				setCookie(w, r, sessionCookie, "", -1)
				http.Redirect(w, r, "/console/signin?ended=revoked", http.StatusSeeOther)
				return
			case err != nil:
				s.log.Error("console: cannot re-verify API key", "error", err.Error())
				s.render(w, r, http.StatusServiceUnavailable, "error", page{Title: "Try again shortly", Session: x,
					Message: "The key store cannot be reached right now, so your key cannot be checked. Try again shortly."})
				return
			}
			s.sessions.reverified(x.id, p)
			x.principal = p
		}
		h(w, r, x)
	}
}

func (s *server) forbidden(w http.ResponseWriter, r *http.Request, x *session) {
	s.render(w, r, http.StatusForbidden, "error", page{Title: "Form expired", Session: x,
		Message: "This form was not accepted: it is missing its security token or came from another site. Reload the page and submit it again."})
}

// signinPage shows the sign-in form, or, without a key store, says that
// sign-in needs one.
func (s *server) signinPage(w http.ResponseWriter, r *http.Request) {
	if s.sessions.get(r) != nil {
		http.Redirect(w, r, "/console/check", http.StatusSeeOther)
		return
	}
	p := page{Title: "Sign in", NoKeys: s.keys == nil}
	switch r.URL.Query().Get("ended") {
	case "signout":
		p.Notice = "You are signed out."
	case "revoked":
		p.Notice = "Your session ended: the API key is no longer valid."
	}
	s.renderSignin(w, r, http.StatusOK, p)
}

// renderSignin renders the sign-in page with a fresh pre-session CSRF token
// (double submit: the cookie and the form must match).
func (s *server) renderSignin(w http.ResponseWriter, r *http.Request, status int, p page) {
	if !p.NoKeys {
		p.CSRF = randomToken()
		setCookie(w, r, preCookie, p.CSRF, 600)
	}
	s.render(w, r, status, "signin", p)
}

func (s *server) signin(w http.ResponseWriter, r *http.Request) {
	if s.keys == nil {
		s.render(w, r, http.StatusServiceUnavailable, "signin", page{Title: "Sign in", NoKeys: true})
		return
	}
	c, err := r.Cookie(preCookie)
	if err != nil || !sameOrigin(r) || !tokenOK(c.Value, r.PostFormValue("csrf")) {
		s.forbidden(w, r, nil)
		return
	}
	key := r.PostFormValue("key")
	p, err := s.keys.Authenticate(r.Context(), key)
	switch {
	case errors.Is(err, access.ErrInvalidKey):
		s.renderSignin(w, r, http.StatusUnauthorized, page{Title: "Sign in", Error: "That API key is not valid: it is unknown, revoked or mistyped."})
		return
	case err != nil:
		s.log.Error("console: cannot verify API key", "error", err.Error()) // the key itself is never logged
		s.renderSignin(w, r, http.StatusServiceUnavailable, page{Title: "Sign in", Error: "The key store cannot be reached right now. Try again shortly."})
		return
	}
	if old := s.sessions.get(r); old != nil {
		s.sessions.delete(old.id) // one browser, one session
	}
	x := s.sessions.create(p, key)
	setCookie(w, r, preCookie, "", -1)
	setCookie(w, r, sessionCookie, x.id, int(AbsoluteLifetime/time.Second))
	http.Redirect(w, r, "/console/check", http.StatusSeeOther)
}

func (s *server) signout(w http.ResponseWriter, r *http.Request, x *session) {
	s.sessions.delete(x.id)
	setCookie(w, r, sessionCookie, "", -1)
	http.Redirect(w, r, "/console/signin?ended=signout", http.StatusSeeOther)
}
