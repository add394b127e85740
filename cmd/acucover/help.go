package main

import (
	"fmt"
	"io"
	"slices"

	"github.com/acucover/acucover/internal/suggest"
)

// commandHelp is each command's usage, printed by `acucover help COMMAND`
// and `acucover COMMAND --help`. The overview is the usage constant.
var commandHelp = map[string]string{
	"serve": `usage: acucover [serve] [flags]

Serve the API (the default command). Every flag can also be set by the
environment variable named in brackets; a flag wins over the variable.

  --addr ADDR               listen address for the API [ACUCOVER_ADDR] (default :8080)
  --metrics-addr ADDR       listen address for /metrics; empty disables [ACUCOVER_METRICS_ADDR]
  --catalog FILE            serve this catalog file instead of the embedded default [ACUCOVER_CATALOG]
  --clinics FILE            serve these clinics read-only, without a database (demos) [ACUCOVER_CLINICS]
  --database-url URL        PostgreSQL URL; the store of record when set [DATABASE_URL]
  --refresh-interval DUR    periodic catalog refresh from PostgreSQL [ACUCOVER_REFRESH_INTERVAL]
  --db-start-timeout DUR    how long to retry an unreachable database at start [ACUCOVER_DB_START_TIMEOUT]
  --shutdown-timeout DUR    graceful shutdown limit [ACUCOVER_SHUTDOWN_TIMEOUT]
  --max-body-bytes N        request body limit in bytes [ACUCOVER_MAX_BODY_BYTES]
  --log-level LEVEL         debug, info, warn or error [ACUCOVER_LOG_LEVEL]
  --public-access open|key  key: the public read routes need an API key [ACUCOVER_PUBLIC_ACCESS]
  --rate-limit N            requests per second per client; 0 disables [ACUCOVER_RATE_LIMIT]
  --rate-burst N            requests a client may burst above the rate [ACUCOVER_RATE_BURST]
  --max-batches N           batches answered at once; 0: two per core, at least 4 [ACUCOVER_MAX_BATCHES]
  --trusted-proxies LIST    comma-separated proxy IPs/CIDRs trusted for X-Forwarded-For [ACUCOVER_TRUSTED_PROXIES]
  --cors-origins LIST       comma-separated origins whose pages may call the API [ACUCOVER_CORS_ORIGINS]

Once it runs, http://localhost:8080/docs describes the API.
`,
	"validate": `usage: acucover validate [--sources] FILE

Check a catalog file (YAML, or JSON for a .json file) and print every
problem with its line. Exit 0 when the catalog is valid, 1 otherwise.

  --sources   also check every rule has a source with a URL, a date read and a quote
`,
	"catalog": `usage: acucover catalog report [--date YYYY-MM-DD] [FILE]

Per state, what the catalog (FILE, or the embedded default) knows.

  --date YYYY-MM-DD   the day the rules must be in force on (default today, UTC)
`,
	"migrate": `usage: acucover migrate up|down|status [--database-url URL]

Apply all pending schema migrations (up), roll back the last one (down), or
list them (status). The database comes from --database-url or DATABASE_URL.
`,
	"import": `usage: acucover import FILE|--default [--author NAME] [--comment TEXT] [--database-url URL]

Validate a catalog (FILE, or the embedded default with --default) and store
it as the current revision; content already stored makes no new revision.

  --author NAME    who imports, recorded with the revision (default $USER)
  --comment TEXT   why, recorded with the revision
`,
	"export": `usage: acucover export [--revision ID] [--database-url URL]

Print a stored catalog revision (default: the current one) as YAML that
validate accepts and import recognizes as unchanged.
`,
	"revisions": `usage: acucover revisions [--database-url URL]

List the stored catalog revisions, newest first.
`,
	"gen": `usage: acucover gen [--plans N --conditions M --states-per-plan K | --rules N] [-o FILE] [--format yaml|json]

Write a synthetic catalog of fictional plans and conditions, for load and
scale tests. A .json file is written as JSON, anything else as YAML.
`,
	"version": `usage: acucover version   (or acucover --version)

Print the version.
`,
	"keys": keysUsage + `

Manage API keys. The secret of a new key is printed once, alone on stdout;
only its hash is stored.
`,
	"clinics": clinicsUsage + `

Manage the clinics stored in PostgreSQL. import validates a clinic file
(YAML or JSON; see internal/clinic/README.md) whole and creates or replaces
its clinics; export prints clinics as a clinic file import accepts. A clinic
with stored Good Faith Estimates cannot be deleted until they are; deleting
a clinic revokes its API keys. Every change is audited as cli:$USER.
`,
	"gfe": gfeUsage + `

Review and delete stored Good Faith Estimates. They hold the patient's name
and date of birth (PHI): list shows only id, number, clinic, total and who
made them; delete removes one for good (the audit log keeps its number,
clinic and total, never the patient).
`,
	"healthcheck": `usage: acucover healthcheck [--url URL] [--timeout DUR]

GET URL (default http://127.0.0.1:PORT/healthz, PORT from ACUCOVER_ADDR) and
exit 0 on a 2xx answer, 1 otherwise. For container health checks.
`,
	"help": `usage: acucover help [COMMAND]

Print the list of commands, or COMMAND's usage.
`,
}

// isHelpFlag reports whether a is one of the spellings of "show help".
func isHelpFlag(a string) bool { return a == "-h" || a == "--help" || a == "-help" }

// helpOrVersion answers --help, -h, help [COMMAND], COMMAND --help and
// --version before any command runs, so asking for help never starts a
// server or opens a database. It reports whether it handled args.
func helpOrVersion(args []string, stdout io.Writer) (bool, error) {
	if len(args) == 0 {
		return false, nil
	}
	switch first := args[0]; {
	case first == "--version" || first == "-version":
		fmt.Fprintln(stdout, "acucover", version)
		return true, nil
	case first == "help" && len(args) > 1:
		text, err := helpFor(args[1])
		if err != nil {
			return true, err
		}
		fmt.Fprint(stdout, text)
		return true, nil
	case first == "help" || isHelpFlag(first):
		fmt.Fprint(stdout, usage)
		return true, nil
	}
	cmd, rest := args[0], args[1:]
	if cmd != "" && cmd[0] == '-' {
		cmd, rest = "serve", args // flags alone: serve's
	}
	if _, known := commandHelp[cmd]; !known {
		return false, nil // run reports the unknown command
	}
	// Flags after "--" are arguments, not requests for help.
	if end := slices.Index(rest, "--"); end >= 0 {
		rest = rest[:end]
	}
	if slices.ContainsFunc(rest, isHelpFlag) {
		fmt.Fprint(stdout, commandHelp[cmd])
		return true, nil
	}
	return false, nil
}

// helpFor returns cmd's usage, or a usage error that suggests the closest
// command.
func helpFor(cmd string) (string, error) {
	if text, ok := commandHelp[cmd]; ok {
		return text, nil
	}
	return "", unknownCommand(cmd)
}

// unknownCommand is the error for a command acucover does not have: short,
// with the nearest command, instead of the whole usage.
func unknownCommand(cmd string) error {
	names := make([]string, 0, len(commandHelp))
	for n := range commandHelp {
		names = append(names, n)
	}
	slices.Sort(names) // deterministic ties
	return usageError{fmt.Errorf("unknown command %q%s; run \"acucover help\" for the list of commands",
		cmd, suggest.DidYouMean(cmd, names))}
}
