package console

import (
	"net/http"
	"testing"
	"time"

	"github.com/acucover/acucover/internal/access"
	"github.com/acucover/acucover/internal/catalog"
)

func TestSessionsBounded(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	ss := newSessions(func() time.Time { return now })
	var first *session
	for i := range MaxSessions + 10 {
		x := ss.create(access.Principal{Name: "k", Role: access.Reader}, "secret")
		if i == 0 {
			first = x
		}
		now = now.Add(time.Second)
	}
	if n := ss.len(); n != MaxSessions {
		t.Errorf("after %d sign-ins the store holds %d sessions, want at most %d", MaxSessions+10, n, MaxSessions)
	}
	r, _ := http.NewRequest(http.MethodGet, "/console/check", nil)
	r.AddCookie(&http.Cookie{Name: sessionCookie, Value: first.id})
	if ss.get(r) != nil {
		t.Error("the least recently used session survived the bound")
	}
}

func TestTokenOK(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		want, got string
		ok        bool
	}{{"abc", "abc", true}, {"abc", "abd", false}, {"abc", "", false}, {"", "", false}, {"abc", "abcd", false}} {
		if got := tokenOK(tc.want, tc.got); got != tc.ok {
			t.Errorf("tokenOK(%q, %q) = %v, want %v", tc.want, tc.got, got, tc.ok)
		}
	}
}

func TestSpanText(t *testing.T) {
	t.Parallel()
	d := func(s string) catalog.Date {
		x, err := catalog.ParseDate(s)
		if err != nil {
			t.Fatal(err)
		}
		return x
	}
	var none catalog.Date
	for _, tc := range []struct {
		from, to catalog.Date
		want     string
	}{
		{none, none, "always (no dates set)"},
		{none, d("2020-01-21"), "until 2020-01-20"},
		{d("2020-01-21"), none, "from 2020-01-21"},
		{d("2026-01-01"), d("2027-01-01"), "2026-01-01 to 2026-12-31"},
	} {
		if got := spanText(tc.from, tc.to); got != tc.want {
			t.Errorf("spanText(%v, %v) = %q, want %q", tc.from, tc.to, got, tc.want)
		}
	}
}
