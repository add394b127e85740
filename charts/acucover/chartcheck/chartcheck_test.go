package chartcheck

import (
	"strings"
	"testing"
)

// TestDecodeStrictRejects proves the decoder is strict: each manifest here is
// accepted by a lenient decoder and must be rejected.
func TestDecodeStrictRejects(t *testing.T) {
	const ok = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: x\nspec:\n  replicas: 1\n"
	if _, err := DecodeStrict([]byte(ok)); err != nil {
		t.Fatalf("valid Deployment rejected: %v", err)
	}
	for name, doc := range map[string]string{
		"unknown field":  strings.Replace(ok, "replicas: 1", "replica: 1", 1),
		"case mismatch":  strings.Replace(ok, "replicas: 1", "Replicas: 1", 1),
		"duplicate key":  ok + "  replicas: 2\n",
		"nested unknown": ok + "  template:\n    spec:\n      containers:\n        - name: a\n          imagePullPolice: Always\n",
		"unknown kind":   strings.Replace(ok, "kind: Deployment", "kind: Deploymnet", 1),
		"no name":        strings.Replace(ok, "name: x", "labels: {}", 1),
		"unknown in CRD": "apiVersion: monitoring.coreos.com/v1\nkind: ServiceMonitor\nmetadata:\n  name: x\nspec:\n  selector: {}\n  endpoints:\n    - port: metrics\n      intervall: 30s\n",
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := DecodeStrict([]byte(doc)); err == nil {
				t.Errorf("accepted:\n%s", doc)
			}
		})
	}
}
