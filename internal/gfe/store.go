package gfe

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/acucover/acucover/internal/catalog"
	"github.com/acucover/acucover/internal/clinic"
)

// Input is a request for a stored Good Faith Estimate: the wire format of
// POST /v1/gfe, and what the console's form fills in. The clinic's record
// and the estimate's number come from the store.
type Input struct {
	// Clinic is the clinic's id; it may be left out with a clinic-scoped
	// key (the key's clinic).
	Clinic string `json:"clinic,omitempty"`
	// Location is the clinic location's id; optional when the clinic has
	// one location.
	Location  string   `json:"location,omitempty"`
	Patient   Patient  `json:"patient"`
	Diagnoses []string `json:"diagnoses"`
	Course    Course   `json:"course"`
	// ScheduledDate is the date of the first visit.
	ScheduledDate catalog.Date `json:"scheduled_date"`
	// Issued is the date the estimate is given; the default is today.
	Issued catalog.Date `json:"issued,omitzero"`
	// PeriodEnd optionally extends the period of care past the last
	// planned visit (at most 12 months from the scheduled date in all).
	PeriodEnd            catalog.Date      `json:"period_end,omitzero"`
	SlidingScaleEligible bool              `json:"sliding_scale_eligible,omitempty"`
	ScheduledSeparately  []SeparateService `json:"scheduled_separately,omitempty"`
}

// Record is a stored Good Faith Estimate: the GET /v1/gfe/{id} answer.
// GFE holds the patient's name and date of birth (PHI).
type Record struct {
	ID        int64     `json:"id"`
	Clinic    string    `json:"clinic"`
	CreatedAt time.Time `json:"created_at"`
	// CreatedBy is the API key (or user) that made it.
	CreatedBy string `json:"created_by"`
	GFE       *GFE   `json:"gfe"`
}

// Errors of stored estimates, matched with errors.Is.
var (
	// ErrNotFound: no stored estimate has that id, or it belongs to
	// another clinic than the caller's (which is not told apart, so ids
	// cannot be probed).
	ErrNotFound = errors.New("no good faith estimate with that id")
	// ErrOtherClinic: a clinic-scoped caller asked for another clinic.
	ErrOtherClinic = errors.New("the API key is scoped to another clinic")
	// ErrNoStore: estimates are stored only in PostgreSQL, and there is
	// none (serve --clinics FILE with the embedded catalog).
	ErrNoStore = errors.New("good faith estimates are stored in PostgreSQL, and this server has no database: run it with ACUCOVER_DATABASE_URL to create them")
)

// Store keeps Good Faith Estimates. The PostgreSQL store implements it.
type Store interface {
	// CreateGFE numbers a new estimate, calls build with the clinic's
	// record and the number, and stores what build returns, audited with
	// actor (the audit entry holds no patient data). An error from build
	// is returned as is, storing nothing. Errors wrap clinic.ErrUnknown.
	CreateGFE(ctx context.Context, clinicID, actor string, build func(c *clinic.Clinic, number string) (*GFE, error)) (Record, error)
	// GFE returns the estimate with id. A non-empty scope (a clinic id)
	// finds only that clinic's estimates. Errors wrap ErrNotFound.
	GFE(ctx context.Context, id int64, scope string) (Record, error)
	// DeleteGFE deletes the estimate with id (of clinic scope, if given),
	// audited with actor. Errors wrap ErrNotFound.
	DeleteGFE(ctx context.Context, id int64, scope, actor string) error
}

// Create builds and stores a Good Faith Estimate: the one way the HTTP API
// and the console make them. scope is the caller's clinic ("" for a key
// that is not scoped to one): a scoped caller may leave in.Clinic out, and
// asking for another clinic is ErrOtherClinic. today is the default issue
// date. Errors: Problems for a bad request (the caller's mistake, 4xx),
// ErrOtherClinic, clinic.ErrUnknown (wrapped), or the store's.
func Create(ctx context.Context, st Store, ix *catalog.Index, in Input, scope string, today catalog.Date, actor string) (Record, error) {
	id := strings.TrimSpace(in.Clinic)
	switch {
	case id == "" && scope != "":
		id = scope
	case id == "":
		return Record{}, Problems{{Field: "clinic", Msg: "the clinic's id is required"}}
	case scope != "" && id != scope:
		return Record{}, fmt.Errorf("clinic %q: %w %q", id, ErrOtherClinic, scope)
	}
	if st == nil {
		return Record{}, ErrNoStore
	}
	issued := in.Issued
	if issued.IsZero() {
		issued = today
	}
	return st.CreateGFE(ctx, id, actor, func(c *clinic.Clinic, number string) (*GFE, error) {
		return Build(ix, Request{
			Number: number, Clinic: c, Location: in.Location, Patient: in.Patient,
			Diagnoses: in.Diagnoses, Course: in.Course, ScheduledDate: in.ScheduledDate,
			Issued: issued, PeriodEnd: in.PeriodEnd, SlidingScaleEligible: in.SlidingScaleEligible,
			ScheduledSeparately: in.ScheduledSeparately,
		})
	})
}

// FormatNumber is the printed number of the stored estimate with id, e.g.
// GFE-000042.
func FormatNumber(id int64) string { return fmt.Sprintf("GFE-%06d", id) }
