# syntax=docker/dockerfile:1
# acucover image: a static binary on distroless, running as the nonroot user.
# Build: make image (docker build --build-arg VERSION=$(VERSION) -t acucover:$(VERSION) .)

FROM golang:1.26-bookworm AS build
WORKDIR /src
# Modules first, so source edits reuse the download layer.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
# Keep this line identical to `make build` (but for -o): charts/acucover/chartcheck
# (TestDockerfileMatchesMakefile) fails when the two drift apart.
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/acucover ./cmd/acucover

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/acucover /acucover
USER 65532:65532
EXPOSE 8080 9464
# No shell in distroless: the binary checks its own /healthz.
HEALTHCHECK --interval=30s --timeout=3s --start-period=30s --retries=3 CMD ["/acucover", "healthcheck"]
ENTRYPOINT ["/acucover"]
CMD ["serve"]
