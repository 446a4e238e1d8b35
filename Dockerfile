# patroni_exporter container image: Debian 12, built with the same install script as CI and the README.
#   docker build -t patroni_exporter:0.1.0 --build-arg REVISION="$(git rev-parse --short=12 HEAD)" .
#   docker run -p 9547:9547 patroni_exporter:0.1.0 --patroni.url http://patroni-host:8008
# VERSION must equal project(... VERSION) in CMakeLists.txt: the build stage checks the binary's --version
# against it, and tests/packaging/check_release.py checks this file.
ARG VERSION=0.1.0
ARG REVISION=unknown

FROM debian:12 AS build
ARG VERSION
ARG REVISION
COPY scripts/install-deps.sh /src/scripts/install-deps.sh
RUN /src/scripts/install-deps.sh build
COPY . /src
# Installed into /stage, so the binary carries its installed RUNPATH ($ORIGIN/../lib/patroni_exporter) and the
# CivetWeb TLS shims sit there (docs/security.md).
RUN cmake -S /src -B /build -DCMAKE_BUILD_TYPE=Release -DPATRONI_EXPORTER_TESTS=OFF \
      -DPATRONI_EXPORTER_REVISION="${REVISION}" \
 && cmake --build /build -j"$(nproc)" \
 && DESTDIR=/stage cmake --install /build --prefix /usr --strip \
 && /stage/usr/bin/patroni_exporter --version | grep -F "version ${VERSION} "

# Runtime: debian:12-slim plus only the shared libraries the binary links (install-deps.sh runtime; the test
# tests/packaging/check_runtime_libs.py keeps that list equal to what `ldd` resolves) and the CA bundle.
FROM debian:12-slim
ARG VERSION
ARG REVISION
LABEL org.opencontainers.image.title="patroni_exporter" \
      org.opencontainers.image.description="Prometheus exporter for PostgreSQL clusters run by Patroni" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.source="https://github.com/patroni-exporter/patroni_exporter" \
      org.opencontainers.image.documentation="https://github.com/patroni-exporter/patroni_exporter/blob/main/docs/configuration.md" \
      org.opencontainers.image.base.name="docker.io/library/debian:12-slim"
COPY scripts/install-deps.sh /tmp/install-deps.sh
RUN /tmp/install-deps.sh runtime && rm /tmp/install-deps.sh \
 && groupadd --system --gid 10001 patroni_exporter \
 && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin patroni_exporter
COPY --from=build /stage/usr/lib/patroni_exporter /usr/lib/patroni_exporter
COPY --from=build /stage/usr/bin/patroni_exporter /usr/bin/patroni_exporter
# Numeric, so Kubernetes' runAsNonRoot can verify it (deploy/kubernetes/ runs as the same 10001).
USER 10001:10001
EXPOSE 9547
# `patroni_exporter healthcheck` (exporter/health_check.h) reads the flags of the exporter process beside it and asks
# /-/healthy where that one listens, over HTTPS when its --web.config.file says so: a `docker run ... IMAGE
# --web.listen-address :9100 --web.config.file ...` needs no other health check. /-/healthy answers 200 while the
# process serves and asks no upstream. Kubernetes ignores HEALTHCHECK: deploy/kubernetes/ has the probes.
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD ["/usr/bin/patroni_exporter", "healthcheck"]
ENTRYPOINT ["/usr/bin/patroni_exporter"]
