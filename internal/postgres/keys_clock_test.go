package postgres

import "time"

// SetKeyClock replaces the key cache's clock, for the external tests.
func (db *DB) SetKeyClock(now func() time.Time) { db.now = now }
