package chartcheck

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

const (
	chartDir      = ".."
	release       = "ci"
	namespace     = "claims"
	kubeVersion   = "1.31.0" // helm built with `go install` defaults to v1.20, below the chart's kubeVersion
	monitoringAPI = "monitoring.coreos.com/v1"
)

// tool finds a binary test.sh installs; a missing tool fails the test, never skips it.
func tool(t *testing.T, name string) string {
	t.Helper()
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	if gopath, err := exec.Command("go", "env", "GOPATH").Output(); err == nil {
		p := filepath.Join(string(bytes.TrimSpace(gopath)), "bin", name)
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	t.Fatalf("%s not found on PATH: run charts/acucover/test.sh (make chart-test), which installs it", name)
	return ""
}

// render runs `helm template` and decodes the output strictly.
func render(t *testing.T, valuesFile string, monitoring bool, set ...string) []Object {
	t.Helper()
	args := []string{"template", release, chartDir, "--namespace", namespace, "--kube-version", kubeVersion}
	if valuesFile != "" {
		args = append(args, "-f", filepath.Join(chartDir, valuesFile))
	}
	if monitoring {
		args = append(args, "--api-versions", monitoringAPI)
	}
	for _, s := range set {
		args = append(args, "--set", s)
	}
	var stderr bytes.Buffer
	cmd := exec.Command(tool(t, "helm"), args...)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("helm %v: %v\n%s", args, err, stderr.String())
	}
	objs, err := DecodeStrict(out)
	if err != nil {
		t.Fatalf("helm %v: %v", args, err)
	}
	return objs
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
