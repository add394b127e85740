package gfe

import (
	"encoding/json"
	"fmt"
)

// JSON renders g as its JSON wire form.
func JSON(g *GFE) ([]byte, error) {
	b, err := json.MarshalIndent(g, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode good faith estimate: %w", err)
	}
	return append(b, '\n'), nil
}
