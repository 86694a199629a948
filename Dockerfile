# syntax=docker/dockerfile:1
# Build: compile TypeScript with all dependencies, then drop the dev ones.
FROM node:20-slim AS build
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY commands ./commands
RUN npm run build
RUN npm prune --omit=dev

# Run: built JS, production dependencies, the briefs; as a non-root user with /data for the store.
FROM node:20-slim
ENV NODE_ENV=production PORT=3000 DATA_DIR=/data BRIEFS_DIR=/app/briefs FEEDS_FILE=/app/feeds.yaml
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY briefs ./briefs
COPY feeds.yaml ./
RUN mkdir -p /data && chown node:node /data
VOLUME /data
USER node
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "dist/src/cli.js", "start"]
