package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/acucover/acucover/internal/catalog"
	"github.com/acucover/acucover/internal/clinic"
	"github.com/acucover/acucover/internal/gfe"
	"github.com/acucover/acucover/internal/postgres"
)

const clinicsUsage = `usage: acucover clinics import FILE
       acucover clinics list
       acucover clinics show ID
       acucover clinics export [ID]
       acucover clinics delete ID
(each with [--database-url URL])`

const gfeUsage = `usage: acucover gfe list [--clinic ID] [--before YYYY-MM-DD]
       acucover gfe delete ID
(each with [--database-url URL])`

// cliActor is who the audit log says made a CLI change: the operating
// system user.
func cliActor(getenv func(string) string) string {
	if u := getenv("USER"); u != "" {
		return "cli:" + u
	}
	return "cli"
}

// clinics manages the clinics stored in PostgreSQL. import creates or
// replaces the clinics of a clinic file (validated whole first); export
// writes clinics as a clinic file that import accepts.
func clinics(ctx context.Context, args []string, stdout io.Writer, getenv func(string) string) error {
	if len(args) == 0 {
		return usageError{errors.New(clinicsUsage)}
	}
	sub, args := args[0], args[1:]
	fs := flag.NewFlagSet("clinics "+sub, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	dbURL, parse := dbFlags(fs, args, getenv)
	pos, err := parse()
	if err != nil {
		return usageError{fmt.Errorf("%s%s", clinicsUsage, because(err))}
	}
	n := map[string]int{"import": 1, "list": 0, "show": 1, "export": -1, "delete": 1}
	want, known := n[sub]
	if !known || (want >= 0 && len(pos) != want) || (want < 0 && len(pos) > 1) {
		return usageError{fmt.Errorf("clinics: unknown or malformed subcommand %q\n%s", strings.Join(append([]string{sub}, pos...), " "), clinicsUsage)}
	}
	var file []clinic.Clinic
	if sub == "import" {
		// Validate before connecting: a bad file needs no database.
		if file, err = clinic.LoadFile(pos[0]); err != nil {
			var ps clinic.Problems
			if errors.As(err, &ps) {
				for _, p := range ps {
					fmt.Fprintf(stdout, "%s: %s\n", pos[0], p)
				}
				return fmt.Errorf("%s: %d problem(s); nothing imported", pos[0], len(ps))
			}
			return err
		}
	}
	db, err := postgres.Open(ctx, *dbURL)
	if err != nil {
		return err
	}
	defer db.Close()
	switch sub {
	case "import":
		created, updated, err := db.ImportClinics(ctx, file, cliActor(getenv))
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "imported %s: %d clinic(s) created, %d updated, %d unchanged\n", pos[0], created, updated, len(file)-created-updated)
	case "list":
		cs, err := db.Clinics(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, "ID\tNAME\tNPI\tLOCATIONS\tCASH_PRICES\tCONTRACTS\tETAG")
		for i := range cs {
			c := &cs[i]
			fmt.Fprintf(stdout, "%s\t%s\t%s\t%d\t%d\t%d\t%s\n", c.ID, c.Name, c.NPI, len(c.Locations), len(c.CashPrices), len(c.Contracts), clinic.ETag(c))
		}
	case "show":
		c, etag, err := db.Clinic(ctx, pos[0])
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "# clinic %s, ETag %s\n", c.ID, etag)
		return writeClinicYAML(stdout, &c)
	case "export":
		var cs []clinic.Clinic
		if len(pos) == 1 {
			c, _, err := db.Clinic(ctx, pos[0])
			if err != nil {
				return err
			}
			cs = []clinic.Clinic{c}
		} else if cs, err = db.Clinics(ctx); err != nil {
			return err
		}
		return writeClinicYAML(stdout, clinic.File{Clinics: cs})
	case "delete":
		if err := db.DeleteClinic(ctx, pos[0], nil, cliActor(getenv)); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "deleted clinic %s (its API keys are revoked)\n", pos[0])
	}
	return nil
}

func writeClinicYAML(w io.Writer, v any) error {
	enc := yaml.NewEncoder(w)
	enc.SetIndent(2)
	if err := enc.Encode(v); err != nil {
		return err
	}
	return enc.Close()
}

// gfeCmd lists stored Good Faith Estimates (without patient data) and
// deletes them: how a clinic applies its retention policy.
func gfeCmd(ctx context.Context, args []string, stdout io.Writer, getenv func(string) string) error {
	if len(args) == 0 {
		return usageError{errors.New(gfeUsage)}
	}
	sub, args := args[0], args[1:]
	fs := flag.NewFlagSet("gfe "+sub, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	clinicID := fs.String("clinic", "", "only this clinic's estimates (list)")
	before := fs.String("before", "", "only estimates created before this day, YYYY-MM-DD UTC (list)")
	dbURL, parse := dbFlags(fs, args, getenv)
	pos, err := parse()
	if err != nil {
		return usageError{fmt.Errorf("%s%s", gfeUsage, because(err))}
	}
	switch {
	case sub == "list" && len(pos) == 0:
		var cut time.Time
		if *before != "" {
			d, err := catalog.ParseDate(*before)
			if err != nil {
				return usageError{fmt.Errorf("gfe list --before: %v", err)}
			}
			cut = d.Time()
		}
		db, err := postgres.Open(ctx, *dbURL)
		if err != nil {
			return err
		}
		defer db.Close()
		list, err := db.GFEs(ctx, *clinicID, cut)
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, "ID\tNUMBER\tCLINIC\tTOTAL\tCREATED\tCREATED_BY")
		for _, g := range list {
			fmt.Fprintf(stdout, "%d\t%s\t%s\t%s\t%s\t%s\n", g.ID, gfe.FormatNumber(g.ID), g.Clinic, gfe.Money(g.TotalCents), g.CreatedAt.UTC().Format(time.RFC3339), g.CreatedBy)
		}
		return nil
	case sub == "delete" && len(pos) == 1:
		id, err := parseGFEID(pos[0])
		if err != nil {
			return usageError{fmt.Errorf("gfe delete: %v\n%s", err, gfeUsage)}
		}
		db, err := postgres.Open(ctx, *dbURL)
		if err != nil {
			return err
		}
		defer db.Close()
		if err := db.DeleteGFE(ctx, id, "", cliActor(getenv)); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "deleted good faith estimate %s (the patient's data is gone; the audit log keeps its number, clinic and total)\n", gfe.FormatNumber(id))
		return nil
	}
	return usageError{fmt.Errorf("gfe: unknown or malformed subcommand %q\n%s", strings.Join(append([]string{sub}, pos...), " "), gfeUsage)}
}

// parseGFEID reads an estimate's id: 42 or its number GFE-000042.
func parseGFEID(s string) (int64, error) {
	t := strings.TrimPrefix(strings.ToUpper(s), "GFE-")
	id, err := strconv.ParseInt(t, 10, 64)
	if err != nil || id < 1 {
		return 0, fmt.Errorf("%q is not a good faith estimate id (42 or GFE-000042)", s)
	}
	return id, nil
}

// clinicReader gives the API its clinics: PostgreSQL's when there is a
// database, else the --clinics file's (read-only), else none (a nil
// interface: estimates with a clinic answer that no clinics are set up).
func clinicReader(db *postgres.DB, file *clinic.FileStore) clinic.Reader {
	switch {
	case db != nil:
		return db
	case file != nil:
		return file
	}
	return nil
}

// gfeStore is the database as the API's estimate store, or a nil interface
// without one.
func gfeStore(db *postgres.DB) gfe.Store {
	if db == nil {
		return nil
	}
	return db
}
