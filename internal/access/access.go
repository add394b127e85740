// Package access defines who may do what in acucover: API keys, the roles
// they carry (reader < editor < admin) and the principal a verified key
// stands for. It is pure: keys are generated and hashed here, stored by the
// postgres adapter and checked by httpapi.
//
// A key is "acu_" followed by 32 random bytes in unpadded base64url. Only its
// SHA-256 is stored, with a short prefix of the key (not secret) that finds
// the stored row and lets people tell keys apart in listings.
package access

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// Role is what a key may do. Roles are ordered: each includes the ones
// before it.
type Role string

// Roles.
const (
	// Reader may use the public read endpoints when they require a key.
	Reader Role = "reader"
	// Editor may also read and change plans, conditions, rules and fee
	// schedules, and read the audit log and revisions.
	Editor Role = "editor"
	// Admin may also replace the whole catalog and restore old revisions.
	Admin Role = "admin"
)

// Roles lists every role, weakest first.
var Roles = []Role{Reader, Editor, Admin}

func (r Role) rank() int {
	for i, x := range Roles {
		if x == r {
			return i + 1
		}
	}
	return 0
}

// Valid reports whether r is one of Roles.
func (r Role) Valid() bool { return r.rank() > 0 }

// Allows reports whether a key with role r may do what needs role min. An
// invalid role allows nothing.
func (r Role) Allows(min Role) bool { return r.rank() > 0 && r.rank() >= min.rank() }

// ParseRole returns the role named s, or an error listing the roles.
func ParseRole(s string) (Role, error) {
	r := Role(s)
	if !r.Valid() {
		return "", fmt.Errorf("role %q is not reader, editor or admin", s)
	}
	return r, nil
}

// Principal is who a verified key stands for.
type Principal struct {
	// Name is the key's name, recorded as the author of its changes.
	Name string
	Role Role
	// Clinic is the clinic a clinic-scoped key may read and edit (and no
	// other); empty for a key not scoped to a clinic.
	Clinic string
}

// CanSeeClinic reports whether p may read or edit clinic id's data: a key
// not scoped to a clinic may reach every clinic, a scoped key only its own.
func (p Principal) CanSeeClinic(id string) bool { return p.Clinic == "" || p.Clinic == id }

// Key is a stored key's metadata: everything but the secret, which is never
// stored, and its hash, which is never shown.
type Key struct {
	Name   string
	Role   Role
	Prefix string
	// Clinic is the clinic the key is scoped to, or empty.
	Clinic     string
	CreatedAt  time.Time
	CreatedBy  string
	LastUsedAt *time.Time
	RevokedAt  *time.Time
}

// Errors of key management and verification, matched with errors.Is.
var (
	// ErrInvalidKey: the presented key is malformed, unknown or revoked.
	// Callers are not told which, so a guesser learns nothing.
	ErrInvalidKey = errors.New("invalid API key")
	// ErrKeyExists: a key with that name exists (revoked keys keep their
	// names, so the audit log stays unambiguous).
	ErrKeyExists = errors.New("an API key with that name already exists")
	// ErrUnknownKey: no key has that name.
	ErrUnknownKey = errors.New("no API key with that name")
)

// keyPrefix starts every key, so a leaked one is recognizable (secret
// scanners, logs) and a key is never confused with another token.
const keyPrefix = "acu_"

// secretBytes is the key's entropy: 256 bits.
const secretBytes = 32

// prefixLen is how much of the key is stored in clear: "acu_" plus 8
// base64url characters (48 bits), enough to find a row and tell keys apart,
// far too little to help guess the other 208 bits.
const prefixLen = len(keyPrefix) + 8

var keyRE = regexp.MustCompile(`^acu_[A-Za-z0-9_-]{43}$`)

var nameRE = regexp.MustCompile(`^[a-z][a-z0-9_.@-]{0,63}$`)

// ValidName reports whether s can name a key: lower-case letters, digits,
// '_', '.', '@' or '-', starting with a letter, at most 64 characters (an
// e-mail address fits). The name is the author of the key's changes.
func ValidName(s string) bool { return nameRE.MatchString(s) }

// NewKey generates a key. secret is shown to its owner once; prefix and hash
// are what is stored.
func NewKey() (secret, prefix string, hash []byte, err error) {
	b := make([]byte, secretBytes)
	if _, err := rand.Read(b); err != nil {
		return "", "", nil, fmt.Errorf("generate key: %w", err)
	}
	secret = keyPrefix + base64.RawURLEncoding.EncodeToString(b)
	return secret, secret[:prefixLen], Hash(secret), nil
}

// Parse checks the shape of a presented key and returns its stored prefix
// and hash. A malformed key is ErrInvalidKey; it is not looked up.
func Parse(secret string) (prefix string, hash []byte, err error) {
	if !keyRE.MatchString(secret) {
		return "", nil, ErrInvalidKey
	}
	return secret[:prefixLen], Hash(secret), nil
}

// Hash is the SHA-256 of a key. A plain hash suffices, unlike for
// passwords: the key has 256 bits of entropy, so there is nothing to
// brute-force or look up in a dictionary.
func Hash(secret string) []byte {
	sum := sha256.Sum256([]byte(secret))
	return sum[:]
}

// Match compares a presented key's hash with a stored one in constant time,
// so response timing says nothing about how much of it matched.
func Match(stored, presented []byte) bool {
	return len(stored) == sha256.Size && subtle.ConstantTimeCompare(stored, presented) == 1
}

// BearerToken returns the token of an "Authorization: Bearer <token>"
// header value, and whether there was one. The scheme is case-insensitive
// (RFC 9110 §11.1).
func BearerToken(header string) (string, bool) {
	scheme, token, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}
