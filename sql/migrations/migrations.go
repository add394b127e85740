// Package migrations embeds acucover's PostgreSQL schema migrations
// (NNNN_name.up.sql / NNNN_name.down.sql) so the binary, the Helm migration
// Job and the test helper all apply exactly the same files.
package migrations

import "embed"

// FS holds every migration file; internal/postgres applies them with goose.
//
//go:embed *.sql
var FS embed.FS
