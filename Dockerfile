# patroni_exporter container image: Debian 12, built with the same install script as CI and the README.
#   docker build -t patroni_exporter .
#   docker run -p 9547:9547 patroni_exporter --patroni.url http://patroni-host:8008
FROM debian:12 AS build
COPY scripts/install-deps.sh /src/scripts/install-deps.sh
RUN /src/scripts/install-deps.sh build
COPY . /src
RUN cmake -S /src -B /build -DCMAKE_BUILD_TYPE=Release -DPATRONI_EXPORTER_TESTS=OFF \
 && cmake --build /build -j"$(nproc)" --target patroni_exporter \
 && /build/patroni_exporter --version

FROM debian:12-slim
COPY scripts/install-deps.sh /tmp/install-deps.sh
RUN /tmp/install-deps.sh runtime && rm /tmp/install-deps.sh \
 && useradd --system --no-create-home --shell /usr/sbin/nologin patroni_exporter
COPY --from=build /build/patroni_exporter /usr/bin/patroni_exporter
USER patroni_exporter
EXPOSE 9547
ENTRYPOINT ["/usr/bin/patroni_exporter"]
