package postgres

// Describe exposes describe to the external tests.
var Describe = describe
