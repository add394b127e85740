#!/usr/bin/env bash
# Chart checks (make chart-test): helm lint, promtool check/test, then the
# chartcheck Go tests, which render the chart with helm for the defaults and
# every ci/*-values.yaml (with and without the monitoring.coreos.com/v1 API),
# decode each manifest strictly into the k8s.io/api and prometheus-operator
# types, prove every promtool test group can fail, check the metrics contract
# and the Dockerfile's build line. Missing tools are installed, never skipped.
set -euo pipefail
cd "$(dirname "$0")"

HELM_VERSION=v3.22.0
# helm built by `go install` reports Kubernetes v1.20 by default, below kubeVersion.
KUBE_VERSION=1.31.0
export PATH="$PATH:$(go env GOPATH)/bin"

# The module version in the binary's build info, exact even for a `go install` build.
if ! { command -v helm >/dev/null && go version -m "$(command -v helm)" | grep -Eq "mod[[:space:]]+helm.sh/helm/v3[[:space:]]+${HELM_VERSION}[[:space:]]"; }; then
  echo "installing helm ${HELM_VERSION}"
  go install "helm.sh/helm/v3/cmd/helm@${HELM_VERSION}"
fi
if ! command -v promtool >/dev/null; then
  echo "installing promtool (Debian package prometheus)"
  if [ "$(id -u)" -ne 0 ]; then echo "promtool missing and not root: apt-get install -y prometheus" >&2; exit 1; fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq prometheus >/dev/null
fi
helm version --short
promtool --version | head -1

echo "--- helm lint --strict"
helm lint --strict --kube-version "$KUBE_VERSION" .
for f in ci/*-values.yaml; do
  helm lint --strict --kube-version "$KUBE_VERSION" -f "$f" .
done

echo "--- promtool"
promtool check rules rules/acucover.rules.yaml
promtool test rules tests/rules_test.yaml

echo "--- chartcheck (strict decode, cross-object, rule-test mutation, metrics, Dockerfile)"
cd chartcheck
# No `tee /dev/stderr`: it truncates a log file that stdout and stderr share.
unformatted="$(gofmt -l .)"; [ -z "$unformatted" ] || { echo "gofmt needed: $unformatted" >&2; exit 1; }
go vet ./...
go test -count=1 ./...
