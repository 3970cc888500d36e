# The shadowdiff collector image: the packed project (npm pack: dist/host, the page, proto, the filter)
# installed with production dependencies only, run as a non-root user; nothing is written outside
# the examples volume, so the root filesystem can be read-only.
#
#   docker build -t registry.example.com/shadowdiff/collector:0.1.0 .
#   docker run -p 9000:9000 -p 9464:9464 -v "$PWD/collector.yaml:/etc/shadowdiff/collector.yaml:ro" \
#     registry.example.com/shadowdiff/collector:0.1.0
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
# better-sqlite3 builds from source where its prebuilt binary cannot be downloaded.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY asconfig.json tsconfig.json tsconfig.build.json ./
COPY assembly assembly
COPY host host
COPY proto proto
COPY viewer viewer
COPY scripts/build-page.mjs scripts/build-page.mjs
RUN npm run --silent build:filter \
 && npx tsc -p tsconfig.build.json \
 && node scripts/build-page.mjs \
 && npm pack --pack-destination /tmp
# The production install: what `npm install -g` of the tarball gives any Node user.
RUN npm install --global --prefix /opt/shadowdiff --omit=dev --no-audit --no-fund /tmp/shadowdiff-*.tgz

FROM ${NODE_IMAGE}
COPY --from=build /opt/shadowdiff /opt/shadowdiff
# The examples volume's mount point: owned by the collector's user, its working directory.
RUN mkdir -p /var/lib/shadowdiff && chown 10001:10001 /var/lib/shadowdiff
ENV NODE_ENV=production PATH=/opt/shadowdiff/bin:$PATH
USER 10001:10001
WORKDIR /var/lib/shadowdiff
EXPOSE 9000 9464
# Kubernetes probes /healthz and /readyz itself; this is for plain Docker (default http port).
HEALTHCHECK --interval=10s --timeout=3s \
  CMD ["node", "-e", "fetch('http://127.0.0.1:9464/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["shadowdiff"]
CMD ["collector", "--config", "/etc/shadowdiff/collector.yaml"]
