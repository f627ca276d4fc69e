# OpenMMS in a container (docs/OPERATIONS.md, "Container"):
#   docker build -t openmms . && docker run -d -p 8080:8080 -v openmms-data:/data openmms
# The first start writes the administrator's key into the volume: docker exec <id> cat /data/admin-access-key.json
ARG NODE_VERSION=22

# Build: compile, then pack exactly what `npm install -g` would install.
FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN mkdir /pkg && npm run build && npm pack --ignore-scripts --pack-destination /pkg

# Run: the packed tool and its production dependencies, as an unprivileged user.
FROM node:${NODE_VERSION}-bookworm-slim
COPY --from=build /pkg /pkg
# On Node 22 and 24 nothing needs building (better-sqlite3 13 and DuckDB come prebuilt).
RUN npm install -g /pkg/openmms-*.tgz --ignore-scripts --no-audit --no-fund \
 && rm -rf /pkg /root/.npm \
 && mkdir /data && chown node:node /data && chmod 0700 /data
ENV NODE_ENV=production \
    OPENMMS_HOST=0.0.0.0 \
    OPENMMS_PORT=8080 \
    OPENMMS_DATA_DIR=/data \
    OPENMMS_LOG_FORMAT=json
USER node
WORKDIR /data
VOLUME /data
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + process.env.OPENMMS_PORT + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["mms", "serve"]
