package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/acucover/acucover/internal/synth"
)

// gen writes a synthetic catalog (fictional plans and conditions) for load
// and scale tests: acucover gen --rules 100000 -o big.json, then acucover
// serve --catalog big.json. A .json file (or --format json) is JSON, which
// parses many times faster than YAML at this size; otherwise YAML.
func gen(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("gen", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	o := synth.Options{}
	fs.IntVar(&o.Plans, "plans", 100, "number of plans")
	fs.IntVar(&o.Conditions, "conditions", 20, "number of conditions (1–260)")
	fs.IntVar(&o.StatesPerPlan, "states-per-plan", 3, "states with rules of their own, per plan (0–10)")
	rules := fs.Int("rules", 0, "about this many rules (sets --plans; 20 conditions, 3 states per plan)")
	out := fs.String("o", "", "write to this file instead of stdout")
	format := fs.String("format", "", "yaml or json (default: json for a .json file, else yaml)")
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 {
		return usageError{fmt.Errorf("usage: acucover gen [--plans N --conditions M --states-per-plan K | --rules N] [-o FILE]%s", because(err))}
	}
	if *rules > 0 {
		o = synth.ForRules(*rules)
	}
	if o.Plans < 1 || o.Conditions < 1 || o.Conditions > 260 || o.StatesPerPlan < 0 || o.StatesPerPlan > 10 {
		return usageError{errors.New("gen: need --plans ≥ 1, --conditions 1–260, --states-per-plan 0–10")}
	}
	if *format == "" {
		*format = "yaml"
		if strings.HasSuffix(*out, ".json") {
			*format = "json"
		}
	}
	if *format != "yaml" && *format != "json" {
		return usageError{fmt.Errorf("gen: --format %q is not yaml or json", *format)}
	}
	// Written as it is generated (synth.Write): memory stays that of one
	// plan's rules, whatever the size. The generator's catalogs are checked
	// to build by internal/synth's tests.
	w := stdout
	if *out != "" {
		f, err := os.Create(*out)
		if err != nil {
			return fmt.Errorf("gen: %w", err)
		}
		defer f.Close()
		w = f
	}
	if err := synth.Write(w, o, *format); err != nil {
		return fmt.Errorf("gen: %w", err)
	}
	if *out == "" {
		return nil
	}
	fmt.Fprintf(os.Stderr, "acucover gen: %s: %d plans, %d conditions, %d rules\n", *out, o.Plans, o.Conditions, o.Plans*o.RulesPerPlan())
	if f, ok := w.(*os.File); ok {
		return f.Close()
	}
	return nil
}
