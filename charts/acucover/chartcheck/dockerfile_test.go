package chartcheck

import (
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestDockerfileMatchesMakefile: the image is built with exactly `make build`'s
// command, only writing to /out instead of bin/ and with VERSION from a build
// arg. No Docker engine runs in CI, so this is how drift is caught.
func TestDockerfileMatchesMakefile(t *testing.T) {
	root := filepath.Join(chartDir, "..", "..")
	makefile := string(readFile(t, filepath.Join(root, "Makefile")))
	dockerfile := string(readFile(t, filepath.Join(root, "Dockerfile")))

	vars := map[string]string{"GO": "go", "VERSION": "${VERSION}"}
	if m := regexp.MustCompile(`(?m)^LDFLAGS\s*:?=\s*(.*)$`).FindStringSubmatch(makefile); m != nil {
		vars["LDFLAGS"] = strings.TrimSpace(m[1])
	} else {
		t.Fatal("Makefile: no LDFLAGS")
	}
	m := regexp.MustCompile(`(?m)^build:\s*;\s*(.*)$`).FindStringSubmatch(makefile)
	if m == nil {
		t.Fatal("Makefile: no one-line build target")
	}
	want := m[1]
	for i := 0; i < 3; i++ { // LDFLAGS itself refers to $(VERSION)
		for k, v := range vars {
			want = strings.ReplaceAll(want, "$("+k+")", v)
		}
	}
	want = strings.Replace(want, "-o bin/acucover", "-o /out/acucover", 1)

	var got []string
	for _, line := range strings.Split(dockerfile, "\n") {
		if strings.HasPrefix(line, "RUN ") && strings.Contains(line, " go build ") {
			got = append(got, strings.TrimPrefix(line, "RUN "))
		}
	}
	if len(got) != 1 {
		t.Fatalf("Dockerfile: want one RUN ... go build line, found %d", len(got))
	}
	if !slices.Equal(strings.Fields(got[0]), strings.Fields(want)) {
		t.Errorf("Dockerfile build differs from make build\n Dockerfile: %s\n   Makefile: %s", got[0], want)
	}
	for _, line := range []string{
		"ARG VERSION=dev",
		"FROM golang:1.26-bookworm AS build",
		"FROM gcr.io/distroless/static-debian12:nonroot",
		"USER 65532:65532",
		`ENTRYPOINT ["/acucover"]`,
	} {
		if !strings.Contains(dockerfile, "\n"+line+"\n") {
			t.Errorf("Dockerfile lacks %q", line)
		}
	}
}
