package access

import (
	"errors"
	"testing"
)

func TestRoles(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		have, need Role
		want       bool
	}{
		{Reader, Reader, true}, {Reader, Editor, false}, {Editor, Editor, true}, {Editor, Admin, false},
		{Admin, Editor, true}, {Admin, Admin, true}, {"root", Reader, false}, {"", Reader, false},
	} {
		if got := tc.have.Allows(tc.need); got != tc.want {
			t.Errorf("%q.Allows(%q) = %t, want %t", tc.have, tc.need, got, tc.want)
		}
	}
}

func TestKeys(t *testing.T) {
	t.Parallel()
	secret, prefix, hash, err := NewKey()
	if err != nil {
		t.Fatal(err)
	}
	p, h, err := Parse(secret)
	if err != nil || p != prefix || !Match(hash, h) {
		t.Fatalf("Parse(NewKey()) = %q, %x, %v; want %q and a matching hash", p, h, err, prefix)
	}
	other, _, _, _ := NewKey()
	if _, h2, _ := Parse(other); Match(hash, h2) {
		t.Error("two keys match")
	}
	for _, bad := range []string{"", "acu_", secret + "x", "xyz_" + secret[4:], secret[:46] + "!"} {
		if _, _, err := Parse(bad); !errors.Is(err, ErrInvalidKey) {
			t.Errorf("Parse(%q) = %v, want ErrInvalidKey", bad, err)
		}
	}
	if tok, ok := BearerToken("bearer  " + secret); !ok || tok != secret {
		t.Errorf("BearerToken = %q, %t", tok, ok)
	}
	if _, ok := BearerToken("Basic abc"); ok {
		t.Error("BearerToken accepted Basic")
	}
}
