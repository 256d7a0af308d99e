# One image per Holdfast service: docker build -f deploy/docker/service.Dockerfile --build-arg SERVICE=notifier .
# SERVICE is maintenance-planner, impact-analyzer or notifier; `npm run build` writes dist/services/<name>/src/main.js.
# The Node build package-lock.json pins (its devDependency node): every replica judges local times by
# that build's time zone rules, and a floating tag would give images built on other days other rules.
ARG NODE_VERSION=24.21.0
FROM node:${NODE_VERSION}-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# The postinstall step (patch-package) applies patches/ to node_modules.
COPY patches ./patches
RUN npm ci --no-audit --no-fund
COPY . .
# Pruning runs no install scripts, so the patched kafkajs stays patched without patch-package.
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM node:${NODE_VERSION}-slim
ARG SERVICE
RUN test -n "$SERVICE" || { echo 'build with --build-arg SERVICE=<maintenance-planner|impact-analyzer|notifier>' >&2; exit 1; }
ENV NODE_ENV=production TZ=UTC SERVICE=${SERVICE}
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
RUN test -f "dist/services/$SERVICE/src/main.js" || { echo "no dist/services/$SERVICE/src/main.js: does npm run build build it?" >&2; exit 1; }
USER node
# exec: node is PID 1 and receives SIGTERM for a graceful shutdown. The young generation is sized as
# scripts/system/system-runner.mjs sizes it (SERVICE_NODE_FLAGS): capped for short GC pauses on the
# hold's path, larger and without allocation-site pretenuring for the analyzer's sample intake.
CMD ["sh", "-c", "case \"$SERVICE\" in impact-analyzer) flags='--max-semi-space-size=32 --no-allocation-site-pretenuring' ;; *) flags='--max-semi-space-size=8' ;; esac; exec node $flags dist/services/$SERVICE/src/main.js"]
