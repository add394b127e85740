package catalog

import (
	_ "embed"
	"fmt"
)

//go:embed default.yaml
var defaultYAML []byte

// DefaultYAML returns the embedded default catalog document.
func DefaultYAML() []byte { return defaultYAML }

// Default parses and compiles the embedded default catalog. It fails only if
// the embedded document is invalid, which the package tests rule out.
func Default() (*Index, error) {
	s, pos, err := Parse(defaultYAML)
	if err != nil {
		return nil, fmt.Errorf("default catalog: %w", err)
	}
	ix, err := BuildWithPositions(s, pos)
	if err != nil {
		return nil, fmt.Errorf("default catalog: %w", err)
	}
	return ix, nil
}
