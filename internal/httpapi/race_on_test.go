//go:build race

package httpapi

// raceEnabled: the race detector keeps shadow memory for every allocation,
// several times the program's own, so RSS bounds are scaled under it.
const raceEnabled = true
