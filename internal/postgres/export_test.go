package postgres

// Describe exposes describe to the external tests.
var Describe = describe

// SetBulkAt makes writes of n or more versions take the bulk path, until
// the returned function restores it. Not for parallel tests.
func SetBulkAt(n int) (restore func()) {
	old := bulkAt
	bulkAt = n
	return func() { bulkAt = old }
}

// SetCopyChunk makes bulk imports encode n rows at a time, until the
// returned function restores it. Not for parallel tests.
func SetCopyChunk(n int) (restore func()) {
	old := copyChunk
	copyChunk = n
	return func() { copyChunk = old }
}
