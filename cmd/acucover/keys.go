package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/acucover/acucover/internal/access"
	"github.com/acucover/acucover/internal/httpapi"
	"github.com/acucover/acucover/internal/postgres"
)

const keysUsage = `usage: acucover keys create --name NAME --role reader|editor|admin [--clinic ID]
       acucover keys list
       acucover keys revoke NAME
(each with [--database-url URL])`

// keys manages API keys. The secret of a new key is printed once, alone on
// stdout (so a script can capture it); only its hash is stored.
func keys(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	if len(args) == 0 {
		return usageError{errors.New(keysUsage)}
	}
	sub, args := args[0], args[1:]
	fs := flag.NewFlagSet("keys "+sub, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	name := fs.String("name", "", "key name (create)")
	role := fs.String("role", "", "reader, editor or admin (create)")
	clinicID := fs.String("clinic", "", "scope the key to this clinic: it reads and edits only that clinic (create)")
	dbURL, parse := dbFlags(fs, args, getenv)
	pos, err := parse()
	if err != nil {
		return usageError{fmt.Errorf("%s%s", keysUsage, because(err))}
	}
	// Key changes are audited as the operating-system user who ran them.
	actor := "cli:" + getenv("USER")
	if getenv("USER") == "" {
		actor = "cli"
	}
	switch {
	case sub == "create" && len(pos) == 0:
		r, err := access.ParseRole(*role)
		if err != nil || !access.ValidName(*name) {
			return usageError{fmt.Errorf("keys create: give --name (lower-case letters, digits, '_', '.', '@', '-') and --role reader|editor|admin\n%s", keysUsage)}
		}
		db, err := postgres.Open(ctx, *dbURL)
		if err != nil {
			return err
		}
		defer db.Close()
		secret, k, err := db.CreateClinicKey(ctx, *name, r, *clinicID, actor)
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, secret)
		scope := ""
		if k.Clinic != "" {
			scope = ", clinic " + k.Clinic + " only"
		}
		fmt.Fprintf(stderr, "created key %s (role %s%s, prefix %s). Store it now: it is not shown again.\n", k.Name, k.Role, scope, k.Prefix)
		return nil
	case sub == "list" && len(pos) == 0:
		db, err := postgres.Open(ctx, *dbURL)
		if err != nil {
			return err
		}
		defer db.Close()
		ks, err := db.Keys(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, "NAME\tROLE\tPREFIX\tCREATED\tLAST_USED\tREVOKED\tCLINIC")
		for _, k := range ks {
			scope := k.Clinic
			if scope == "" {
				scope = "-"
			}
			fmt.Fprintf(stdout, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", k.Name, k.Role, k.Prefix, k.CreatedAt.UTC().Format(time.RFC3339), when(k.LastUsedAt), when(k.RevokedAt), scope)
		}
		return nil
	case sub == "revoke" && len(pos) == 1:
		db, err := postgres.Open(ctx, *dbURL)
		if err != nil {
			return err
		}
		defer db.Close()
		if err := db.RevokeKey(ctx, pos[0], actor); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "revoked key %s; it is refused from the next request on\n", pos[0])
		return nil
	}
	return usageError{fmt.Errorf("keys: unknown or malformed subcommand %q\n%s", strings.Join(append([]string{sub}, pos...), " "), keysUsage)}
}

func when(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}

// keyStore and catalogEditor give the API the database, or nil interfaces
// without one: a nil *postgres.DB in an interface would not be nil.
func keyStore(db *postgres.DB) httpapi.KeyStore {
	if db == nil {
		return nil
	}
	return db
}

func catalogEditor(db *postgres.DB) httpapi.CatalogEditor {
	if db == nil {
		return nil
	}
	return db
}
