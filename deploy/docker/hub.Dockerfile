# watchpost-hub image: the artifact of `npm run package` (dist/packages/watchpost-hub-<version>-linux-x64.tar.gz)
# on a slim Node.js 20 base, run as a non-root user, nothing written outside the mounted volumes (works with
# readOnlyRootFilesystem: true). Build from the repository root:
#   docker build -f deploy/docker/hub.Dockerfile -t watchpost/watchpost-hub:$(node -p 'require("./package.json").version') .

# Stage 1: the workspace, built and packaged (better-sqlite3 compiles here: the full image has python3, make, g++).
FROM node:20-bookworm AS build
WORKDIR /src
COPY . .
RUN npm install --no-audit --no-fund && node scripts/package.mjs --only hub

# Stage 2: the artifact alone.
FROM node:20-bookworm-slim
COPY --from=build /src/dist/packages/ /tmp/packages/
RUN mkdir -p /opt/watchpost-hub \
 && tar -xzf /tmp/packages/watchpost-hub-*-linux-x64.tar.gz -C /opt/watchpost-hub --strip-components=1 \
 && rm -rf /tmp/packages \
 && ln -s /opt/watchpost-hub/bin/watchpost-hub /usr/local/bin/watchpost-hub \
 && groupadd --gid 10001 watchpost && useradd --uid 10001 --gid 10001 --no-create-home --shell /usr/sbin/nologin watchpost
ENV NODE_ENV=production
EXPOSE 8443 8883
USER 10001:10001
ENTRYPOINT ["watchpost-hub"]
CMD ["serve"]
