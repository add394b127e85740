package clinic

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Errors of clinic storage, matched with errors.Is. The PostgreSQL store and
// FileStore return them; the HTTP API maps them to 404, 409, 412 and 405.
var (
	// ErrUnknown: no clinic has that id.
	ErrUnknown = errors.New("no clinic with that id")
	// ErrExists: a clinic with that id exists already.
	ErrExists = errors.New("a clinic with that id exists")
	// ErrStale: the clinic changed since the ETag the caller sent.
	ErrStale = errors.New("the clinic changed since it was read")
	// ErrInUse: the clinic has stored Good Faith Estimates; delete them
	// first (they are the patients' records, not deleted with the clinic).
	ErrInUse = errors.New("the clinic has stored good faith estimates")
	// ErrReadOnly: the clinics come from a clinic file (--clinics FILE)
	// and cannot be changed through acucover.
	ErrReadOnly = errors.New("the clinics are read from a clinic file and cannot be changed here")
)

// StaleError is ErrStale with the clinic's current ETag.
type StaleError struct{ Current string }

func (e *StaleError) Error() string {
	return fmt.Sprintf("the clinic changed since it was read (its ETag is now %s)", e.Current)
}

// Unwrap makes errors.Is(err, ErrStale) true.
func (e *StaleError) Unwrap() error { return ErrStale }

// ETag is a clinic's strong entity tag: the first 16 bytes of the SHA-256
// of its JSON, quoted. Every store computes it the same way, so a tag read
// from one replica is good on another.
func ETag(c *Clinic) string {
	b, err := json.Marshal(c)
	if err != nil {
		// A Clinic is plain data: Marshal cannot fail.
		panic(fmt.Sprintf("clinic: marshal %q: %v", c.ID, err))
	}
	sum := sha256.Sum256(b)
	return `"` + hex.EncodeToString(sum[:16]) + `"`
}

// Reader is what serving estimates and Good Faith Estimates needs: the
// clinics, and one by id with its ETag. Both the PostgreSQL store and
// FileStore implement it.
type Reader interface {
	// Clinics lists every clinic by id.
	Clinics(ctx context.Context) ([]Clinic, error)
	// Clinic returns the clinic with id and its ETag; errors wrap
	// ErrUnknown.
	Clinic(ctx context.Context, id string) (Clinic, string, error)
}

// Editor also changes clinics: each change is validated first, checked
// against the caller's If-Match tags (Update, Delete) and audited with
// actor. Errors wrap ErrUnknown, ErrExists, ErrStale (*StaleError),
// ErrInUse, or are Problems for an invalid clinic.
type Editor interface {
	Reader
	CreateClinic(ctx context.Context, c Clinic, actor string) (etag string, err error)
	UpdateClinic(ctx context.Context, c Clinic, ifMatch []string, actor string) (etag string, err error)
	DeleteClinic(ctx context.Context, id string, ifMatch []string, actor string) error
}

// FileStore is the read-only Reader of a clinic file (serve --clinics FILE,
// for demos with the embedded catalog and no database).
type FileStore struct {
	clinics []Clinic // sorted by id
}

// NewFileStore holds cs (validated, e.g. from LoadFile), sorted by id.
func NewFileStore(cs []Clinic) *FileStore {
	s := &FileStore{clinics: slices.Clone(cs)}
	slices.SortFunc(s.clinics, func(a, b Clinic) int { return strings.Compare(a.ID, b.ID) })
	return s
}

// Clinics lists the file's clinics by id.
func (s *FileStore) Clinics(context.Context) ([]Clinic, error) { return slices.Clone(s.clinics), nil }

// Clinic returns the clinic with id and its ETag.
func (s *FileStore) Clinic(_ context.Context, id string) (Clinic, string, error) {
	i, ok := slices.BinarySearchFunc(s.clinics, id, func(c Clinic, id string) int { return strings.Compare(c.ID, id) })
	if !ok {
		return Clinic{}, "", fmt.Errorf("clinic %q: %w", id, ErrUnknown)
	}
	c := s.clinics[i]
	return c, ETag(&c), nil
}
