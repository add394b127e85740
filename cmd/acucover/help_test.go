package main

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

func TestHelp(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string // a line the output must contain
	}{
		{[]string{"--help"}, "usage: acucover <command>"},
		{[]string{"-h"}, "usage: acucover <command>"},
		{[]string{"-help"}, "usage: acucover <command>"},
		{[]string{"help"}, "usage: acucover <command>"},
		{[]string{"help", "validate"}, "usage: acucover validate [--sources] FILE"},
		{[]string{"help", "serve"}, "--database-url URL"},
		{[]string{"validate", "--help"}, "usage: acucover validate [--sources] FILE"},
		{[]string{"validate", "somefile.yaml", "-h"}, "usage: acucover validate"},
		{[]string{"serve", "--help"}, "usage: acucover [serve] [flags]"},
		{[]string{"--addr", ":9", "--help"}, "usage: acucover [serve] [flags]"},
		// Database commands answer without a database.
		{[]string{"migrate", "--help"}, "usage: acucover migrate up|down|status"},
		{[]string{"import", "--help"}, "usage: acucover import FILE|--default"},
		{[]string{"keys", "create", "--help"}, "usage: acucover keys create"},
		{[]string{"catalog", "report", "-h"}, "usage: acucover catalog report"},
		{[]string{"help", "help"}, "usage: acucover help [COMMAND]"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			out, err := runCmd(t, nil, tc.args...)
			if err != nil {
				t.Fatalf("exit %d (%v), want 0", exitCode(err), err)
			}
			if !strings.Contains(out, tc.want) {
				t.Errorf("output does not contain %q:\n%s", tc.want, out)
			}
		})
	}
}

func TestHelpAfterDoubleDashIsAnArgument(t *testing.T) {
	// "--" ends the flags: a file named -h is validated, not a help request.
	out, err := runCmd(t, nil, "validate", "--", "-h")
	if err == nil || strings.Contains(out, "usage:") {
		t.Errorf("validate -- -h = %q, %v; want the file's error", out, err)
	}
}

func TestVersion(t *testing.T) {
	for _, args := range [][]string{{"--version"}, {"-version"}, {"version"}} {
		out, err := runCmd(t, nil, args...)
		if err != nil || out != "acucover "+version+"\n" {
			t.Errorf("%v = %q, %v; want %q", args, out, err, "acucover "+version+"\n")
		}
	}
}

func TestHelpUnknownCommand(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"servr"}, `unknown command "servr" (did you mean "serve"?)`},
		{[]string{"valdiate", "x.yaml"}, `(did you mean "validate"?)`},
		{[]string{"help", "imprt"}, `unknown command "imprt" (did you mean "import"?)`},
		{[]string{"frobnicate"}, `unknown command "frobnicate"; run "acucover help"`},
	} {
		out, err := runCmd(t, nil, tc.args...)
		if exitCode(err) != 2 {
			t.Errorf("%v: exit %d, want 2", tc.args, exitCode(err))
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: error %v, want it to contain %q", tc.args, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), "commands:") {
			t.Errorf("%v: the error repeats the whole usage; it should be one line", tc.args)
		}
		if out != "" {
			t.Errorf("%v: printed %q on stdout", tc.args, out)
		}
	}
}

// TestHelpCoversEveryCommand keeps the overview and the per-command help
// in step: every command the overview lists has its own usage.
func TestHelpCoversEveryCommand(t *testing.T) {
	listed := regexp.MustCompile(`(?m)^  ([a-z]+)\b`).FindAllStringSubmatch(usage, -1)
	if len(listed) < 10 {
		t.Fatalf("found %d commands in the usage text; the pattern is stale", len(listed))
	}
	for _, m := range listed {
		if _, ok := commandHelp[m[1]]; !ok {
			t.Errorf("command %q is in the usage but has no help text", m[1])
		}
	}
}

// TestHelpServeListsEveryFlag fails when a serve flag is added without its
// line in `acucover serve --help`.
func TestHelpServeListsEveryFlag(t *testing.T) {
	// parseConfig's flag set prints its defaults to os.Stderr on -h.
	f, err := os.CreateTemp(t.TempDir(), "stderr")
	if err != nil {
		t.Fatal(err)
	}
	saved := os.Stderr
	os.Stderr = f
	_, _ = parseConfig("serve", []string{"-h"}, func(string) string { return "" })
	os.Stderr = saved
	defaults, err := os.ReadFile(f.Name())
	if err != nil {
		t.Fatal(err)
	}
	flags := regexp.MustCompile(`(?m)^  -([a-z-]+)`).FindAllStringSubmatch(string(defaults), -1)
	if len(flags) < 10 {
		t.Fatalf("found %d serve flags; the pattern is stale:\n%s", len(flags), defaults)
	}
	for _, m := range flags {
		if !strings.Contains(commandHelp["serve"], "--"+m[1]+" ") {
			t.Errorf("serve flag --%s is missing from `acucover serve --help`", m[1])
		}
	}
}
