# acucover — every target is one command; see README.md.
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X main.version=$(VERSION)
GO ?= go

.PHONY: build run test lint fmt chart-test image drill fuzz load scale
build: ; CGO_ENABLED=0 $(GO) build -trimpath -ldflags "$(LDFLAGS)" -o bin/acucover ./cmd/acucover
run: ; $(GO) run ./cmd/acucover serve
test: ; .ci/deps && .ci/openapi-lint && $(GO) test -race -shuffle=on -count=1 ./...
lint: ; $(GO) vet ./... && files="$$(gofmt -l .)" && { [ -z "$$files" ] || { echo "gofmt needed: $$files" >&2; exit 1; }; }
fmt: ; gofmt -w .
chart-test: ; charts/acucover/test.sh
image: ; docker build --build-arg VERSION=$(VERSION) -t acucover:$(VERSION) .
drill: ; ACUCOVER_DRILL=long $(GO) test -race -count=1 -run Drill -v -timeout 30m ./...
fuzz: ; .ci/fuzz
load: ; $(GO) run ./cmd/loadtest $(LOADFLAGS)
scale: ; ACUCOVER_SCALE=1 $(GO) test -count=1 -run Scale -bench Scale -benchmem -v -timeout 60m ./internal/synth
