package clinic

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/acucover/acucover/internal/catalog"
	"gopkg.in/yaml.v3"
)

// File is a clinic file: a list of clinics, in YAML or JSON.
//
//	clinics:
//	  - id: lotus-acupuncture
//	    name: Lotus Acupuncture
//	    ...
type File struct {
	Clinics []Clinic `yaml:"clinics" json:"clinics"`
}

// MaxFileBytes bounds the size of a clinic file.
const MaxFileBytes = 8 << 20

// ParseFile decodes a clinic file strictly (unknown fields, wrong types,
// amounts that are not whole cents and trailing documents are refused) and
// validates every clinic. The error is Problems listing everything wrong.
// A document that starts with "{" is JSON.
func ParseFile(data []byte) ([]Clinic, error) {
	if len(data) > MaxFileBytes {
		return nil, Problems{{Msg: fmt.Sprintf("the clinic file is larger than %d bytes", MaxFileBytes)}}
	}
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	var f File
	if trimmed := bytes.TrimLeft(data, " \t\r\n"); len(trimmed) > 0 && trimmed[0] == '{' {
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&f); err != nil {
			return nil, Problems{{Msg: "JSON: " + strings.TrimPrefix(err.Error(), "json: ")}}
		}
		if _, err := dec.Token(); !errors.Is(err, io.EOF) {
			return nil, Problems{{Msg: "JSON: the clinic file must be a single object"}}
		}
	} else {
		dec := yaml.NewDecoder(bytes.NewReader(data))
		dec.KnownFields(true)
		if err := dec.Decode(&f); err != nil {
			if errors.Is(err, io.EOF) {
				return nil, Problems{{Msg: "the clinic file is empty"}}
			}
			return nil, yamlProblems(err)
		}
		if err := dec.Decode(new(yaml.Node)); !errors.Is(err, io.EOF) {
			return nil, Problems{{Msg: "the clinic file must be a single YAML document"}}
		}
	}
	if len(f.Clinics) == 0 {
		return nil, Problems{{Path: "clinics", Msg: "the file lists no clinics"}}
	}
	var ps Problems
	ids := map[string]int{}
	for i := range f.Clinics {
		prefix := "clinics[" + strconv.Itoa(i) + "]"
		ps = append(ps, f.Clinics[i].Validate(prefix)...)
		if j, dup := ids[f.Clinics[i].ID]; dup {
			ps = append(ps, Problem{Path: prefix + ".id", Msg: fmt.Sprintf("clinic %q is already clinics[%d]", f.Clinics[i].ID, j)})
		} else {
			ids[f.Clinics[i].ID] = i
		}
	}
	if len(ps) > 0 {
		return nil, ps
	}
	return f.Clinics, nil
}

// LoadFile reads and parses the clinic file at path (for --clinics FILE).
func LoadFile(path string) ([]Clinic, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read clinic file: %w", err)
	}
	return ParseFile(data)
}

func yamlProblems(err error) Problems {
	es := catalog.YAMLErrors(err)
	ps := make(Problems, 0, len(es))
	for _, e := range es {
		ps = append(ps, Problem{Path: e.Line, Msg: e.Msg})
	}
	return ps
}
