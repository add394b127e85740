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
