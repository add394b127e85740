// Package history describes what happened to acucover's catalog and keys:
// the audit log's entries, the filter that pages through them, and the
// stored catalog revisions. The postgres adapter records and reads them;
// httpapi serves them. It holds types only, no I/O.
package history

import (
	"encoding/json"
	"time"
)

// Entry is one audited change: who made it, when, to what, and the resource
// before and after (JSON; null when it did not exist).
type Entry struct {
	ID int64
	At time.Time
	// Actor is the API key name (or "cli:" and the OS user for the command
	// line) that made the change.
	Actor string
	// Operation is how: "edit" (one resource through the API), "upload" (a
	// whole catalog), "restore", "import" (command line), "keys" (key
	// management).
	Operation string
	// Resource is the kind (catalog.KindRule, …, "catalog", "api_key") and
	// ResourceID its id.
	Resource   string
	ResourceID string
	// Action is catalog.Create, Update or Delete, "replace" (a whole
	// catalog) or "revoke" (a key).
	Action string
	Before json.RawMessage
	After  json.RawMessage
	// Revision is the catalog revision the change produced; empty for key
	// changes.
	Revision string
	Comment  string
}

// Filter selects audit entries, newest first. Zero fields do not filter.
type Filter struct {
	Resource   string
	ResourceID string
	Actor      string
	// From (inclusive) and To (exclusive) bound Entry.At.
	From, To time.Time
	// Before is a cursor: only entries with ID < Before. Pages are stable
	// while entries are added, unlike an offset.
	Before int64
	// Limit is the page size; callers bound it.
	Limit int
}

// Revision describes one stored catalog revision.
type Revision struct {
	ID          string
	CreatedAt   time.Time
	Author      string
	Comment     string
	ContentHash string
	Current     bool // it is the head revision, the one served
}
