# syntax=docker/dockerfile:1.7
#
# One recipe for every Arasul image. docker compose builds it once per platform service with
# `--build-arg SERVICE=<directory under services/>` (target `service`, the default) and once for the
# one-shot schema migration (target `migrate`).
#
# The heavy layers (dependencies, compiled output) do not depend on SERVICE, so every service image
# shares them on disk and the monorepo is compiled once, not once per service; only the last layers
# (a check, WORKDIR and CMD) differ. On a 64 GB eMMC appliance that is the difference between one copy
# of node_modules and ten.
#
# Healthchecks are declared in docker-compose.yml, where the port of each service is known.

ARG NODE_IMAGE=node:24.22.3-bookworm-slim

# ------------------------------------------------------------------ base: Node and the pinned pnpm
FROM ${NODE_IMAGE} AS base
WORKDIR /app
ENV CI=true
# The pnpm version is the one package.json pins in "packageManager", so there is one place to bump it.
# npm instead of corepack: corepack's signature checks have broken builds when pnpm rotated its keys.
RUN --mount=type=bind,source=package.json,target=/tmp/package.json \
    PNPM_VERSION="$(node -p "require('/tmp/package.json').packageManager.replace(/^pnpm@/, '')")" \
    && npm install --global --no-fund --no-audit --loglevel=error "pnpm@${PNPM_VERSION}" \
    && pnpm --version

# ------------------------------------------------------------------ manifests: only what `pnpm install` reads
# This stage sees every source change, but its output changes only when a manifest or the lockfile does,
# so the install layers below stay cached while code is edited.
FROM base AS manifests
COPY . /src
RUN set -eu; mkdir -p /manifests; cd /src; \
    for f in package.json pnpm-lock.yaml pnpm-workspace.yaml .npmrc .pnpmfile.cjs; do \
      if [ -f "$f" ]; then cp "$f" /manifests/; fi; \
    done; \
    if [ -d patches ]; then cp -a patches /manifests/; fi; \
    find packages services -mindepth 2 -maxdepth 2 -name package.json -exec cp --parents {} /manifests/ \;

# ------------------------------------------------------------------ deps: every dependency (dev included)
FROM base AS deps
COPY --from=manifests /manifests/ ./
# The store lives in a cache mount; `copy` makes node_modules independent of it (hard links cannot
# cross the mount, and the layer must not point into a cache that BuildKit may prune).
RUN --mount=type=cache,id=arasul-pnpm-store,target=/pnpm/store \
    pnpm install --frozen-lockfile --prefer-offline --store-dir /pnpm/store --package-import-method copy

# ------------------------------------------------------------------ build: compile every package and service
FROM deps AS build
COPY . .
RUN pnpm build \
    # The dashboard SPA is bundled by its own script (Vite), not by `tsc -b`; skipped until it exists.
    && if [ -f services/dashboard/package.json ]; then pnpm --filter ./services/dashboard run --if-present build; fi
# Collect only what runs: each project's dist/ (and assets/, for files a service reads at run time).
RUN set -eu; mkdir -p /out; \
    for dir in packages/* services/*; do \
      for sub in dist assets; do \
        if [ -d "$dir/$sub" ]; then mkdir -p "/out/$dir"; cp -a "$dir/$sub" "/out/$dir/$sub"; fi; \
      done; \
    done; \
    find /out -name '*.tsbuildinfo' -delete

# ------------------------------------------------------------------ prod-deps: production dependencies only
FROM base AS prod-deps
COPY --from=manifests /manifests/ ./
RUN --mount=type=cache,id=arasul-pnpm-store,target=/pnpm/store \
    pnpm install --frozen-lockfile --prod --prefer-offline --store-dir /pnpm/store --package-import-method copy

# ------------------------------------------------------------------ runtime: what every image shares
# No pnpm, no compiler, no sources: production node_modules, manifests and compiled output, owned by
# root and only readable by the `node` user the processes run as.
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=prod-deps /app/ ./
COPY --from=build /out/ ./
# The one writable place besides /tmp (the root file system is read-only in compose): a named volume
# mounted here starts out owned by `node`, because docker copies the ownership of the image's directory.
RUN mkdir -p /var/lib/arasul/data && chown node:node /var/lib/arasul/data
USER node

# ------------------------------------------------------------------ migrate: roles, databases, both migration sets
FROM runtime AS migrate
CMD ["node", "--enable-source-maps", "packages/db/dist/cli.js", "up"]

# ------------------------------------------------------------------ service (default target): one platform service
FROM runtime AS service
ARG SERVICE
RUN if [ -z "${SERVICE}" ]; then \
      echo "build with --build-arg SERVICE=<a directory under services/>" >&2; exit 1; \
    fi; \
    if [ ! -f "services/${SERVICE}/dist/main.js" ]; then \
      echo "services/${SERVICE}/dist/main.js was not built: is '${SERVICE}' a service of this repository?" >&2; exit 1; \
    fi
# The document indexer reads PDFs with poppler and scans with Tesseract (German + English); only its image
# carries them (runs as root for apt, then back to `node`).
USER root
RUN if [ "${SERVICE}" = "document-indexer" ]; then \
      apt-get update -qq \
      && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
           poppler-utils tesseract-ocr tesseract-ocr-deu tesseract-ocr-eng \
      && rm -rf /var/lib/apt/lists/*; \
    fi
USER node
ENV ARASUL_SERVICE=${SERVICE}
LABEL org.opencontainers.image.title="arasul-${SERVICE}" \
      org.opencontainers.image.description="Arasul platform service ${SERVICE}"
WORKDIR /app/services/${SERVICE}
CMD ["node", "--enable-source-maps", "dist/main.js"]
