package catalog

import (
	"embed"
	"fmt"
	"io/fs"
	"slices"
	"sync"

	"gopkg.in/yaml.v3"
)

// The default catalog is default.yaml plus every *.yaml file below default/
// (e.g. default/medicaid/TX.yaml). Each file is a catalog document with any
// of the top-level lists; together they are one catalog, validated as a whole.
//
//go:embed default.yaml default
var defaultFS embed.FS

// DefaultFiles returns the names of the embedded default catalog's files, in
// the order they are merged: default.yaml first, then default/ in lexical
// path order.
func DefaultFiles() []string {
	names := []string{"default.yaml"}
	_ = fs.WalkDir(defaultFS, "default", func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && (len(path) > 5 && path[len(path)-5:] == ".yaml") {
			names = append(names, path)
		}
		return nil
	})
	slices.Sort(names[1:])
	return names
}

// DefaultSnapshot parses the embedded default catalog's files and merges them
// into one Snapshot (not validated; Default validates). A file that does not
// parse is reported with its name.
func DefaultSnapshot() (*Snapshot, error) {
	var all Snapshot
	for _, name := range DefaultFiles() {
		data, err := defaultFS.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("default catalog: %w", err)
		}
		s, _, err := Parse(data)
		if err != nil {
			return nil, fmt.Errorf("default catalog %s: %w", name, err)
		}
		all.Plans = append(all.Plans, s.Plans...)
		all.Conditions = append(all.Conditions, s.Conditions...)
		all.Rules = append(all.Rules, s.Rules...)
		all.FeeSchedules = append(all.FeeSchedules, s.FeeSchedules...)
		all.CashPrices = append(all.CashPrices, s.CashPrices...)
		all.Licensure = append(all.Licensure, s.Licensure...)
	}
	return &all, nil
}

var defaultDoc = sync.OnceValues(func() ([]byte, error) {
	s, err := DefaultSnapshot()
	if err != nil {
		return nil, err
	}
	return yaml.Marshal(s)
})

// DefaultYAML returns the embedded default catalog as one YAML document (its
// files merged), the form `acucover import --default` stores. It panics only
// if the embedded files are invalid, which the package tests rule out.
func DefaultYAML() []byte {
	b, err := defaultDoc()
	if err != nil {
		panic(err)
	}
	return b
}

// Default parses and compiles the embedded default catalog. It fails only if
// the embedded documents are invalid, which the package tests rule out.
// Problems name items by id (the merged document has no single set of line
// numbers); `acucover validate` on one file gives lines.
func Default() (*Index, error) {
	s, err := DefaultSnapshot()
	if err != nil {
		return nil, err
	}
	ix, err := Build(s)
	if err != nil {
		return nil, fmt.Errorf("default catalog: %w", err)
	}
	return ix, nil
}
