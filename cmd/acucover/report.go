package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/acucover/acucover/internal/catalog"
)

// catalogCmd runs `acucover catalog report [--date YYYY-MM-DD] [FILE]`: what
// the catalog (FILE, or the embedded default) knows, one line per state.
func catalogCmd(args []string, stdout io.Writer) error {
	const use = "usage: acucover catalog report [--date YYYY-MM-DD] [FILE]"
	if len(args) == 0 || args[0] != "report" {
		return usageError{errors.New(use)}
	}
	fs := flag.NewFlagSet("catalog report", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	day := fs.String("date", "", "date the rules must be in force on (default today, UTC)")
	if err := fs.Parse(args[1:]); err != nil || fs.NArg() > 1 {
		return usageError{errors.New(use)}
	}
	d := catalog.DateOf(time.Now().UTC())
	if *day != "" {
		var err error
		if d, err = catalog.ParseDate(*day); err != nil {
			return usageError{fmt.Errorf("--date: %w", err)}
		}
	}
	var ix *catalog.Index
	var err error
	if fs.NArg() == 1 {
		ix, err = catalog.LoadFile(fs.Arg(0))
	} else {
		ix, err = catalog.Default()
	}
	if err != nil {
		return err
	}
	return writeReport(stdout, ix.Summary(d))
}

// writeReport prints sum as a plain table, one line per state.
func writeReport(w io.Writer, sum catalog.Summary) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "STATE\tLICENSURE\tCONFIRMED\tUNCONFIRMED\tOLDEST SOURCE\tUNDATED\tPROGRAMS (rules: covered/conditional/not covered/unknown)")
	for _, ss := range sum.States {
		lic := string(ss.Licensure)
		if lic == "" {
			lic = "-"
		}
		oldest := "-"
		if !ss.OldestSource.IsZero() {
			oldest = ss.OldestSource.String()
		}
		progs := make([]string, 0, len(ss.Programs))
		for _, p := range ss.Programs {
			st := p.Statuses
			progs = append(progs, fmt.Sprintf("%s %d (%d/%d/%d/%d)", p.Type, p.Rules,
				st[catalog.Covered], st[catalog.Conditional], st[catalog.NotCovered], st[catalog.Unknown]))
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%s\t%d\t%s\n", ss.State, lic, ss.Confirmed, ss.Unconfirmed, oldest, ss.UndatedSources, strings.Join(progs, ", "))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	rev := sum.Revision
	if rev == "" {
		rev = "-"
	}
	_, err := fmt.Fprintf(w, "\n%s rules in force on %s (revision %s); %s fictional example rules left out.\n"+
		"A fact is a rule in force or a licensure entry; it is unconfirmed when its status is unknown or a note says \"unconfirmed\".\n",
		strconv.Itoa(sum.Rules), sum.Date, rev, strconv.Itoa(sum.ExampleRules))
	return err
}

// checkSources prints catalog.CheckSources' problems for file, one per line,
// and fails if there are any (acucover validate --sources).
func checkSources(file string, ix *catalog.Index, stdout io.Writer) error {
	rep := catalog.CheckSources(ix.Snapshot())
	for _, p := range rep.Problems {
		fmt.Fprintf(stdout, "%s: sources: %s\n", file, p)
	}
	fmt.Fprintf(stdout, "%s: sources: %d checked, %d problem(s), %d fictional example rule(s) exempt\n",
		file, rep.Checked, len(rep.Problems), rep.ExemptRules)
	if len(rep.Problems) > 0 {
		return fmt.Errorf("%s: %d source problem(s)", file, len(rep.Problems))
	}
	return nil
}
