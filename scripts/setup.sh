#!/usr/bin/env bash
# Sets up a fresh Debian machine for Watchpost: system packages the tests use, PostgreSQL running and
# reachable on 127.0.0.1:5432, and the npm dependencies (better-sqlite3 builds from source, about a minute).
# Idempotent: on a prepared machine it only checks. Usage: scripts/setup.sh [--for-tests]
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive

for_tests=false
[[ "${1:-}" == "--for-tests" ]] && for_tests=true

as_root() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi; }

if ! command -v node >/dev/null || ! node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)'; then
  echo "setup: Node.js >= 20.19 is required (found $(node --version 2>/dev/null || echo none))" >&2
  exit 2
fi

if $for_tests; then
  # Real parts the tests start themselves: Mosquitto (mTLS broker), etcd (storage-prefix check),
  # Chromium (web page), PostgreSQL (hub store at scale), promtool (alert rules).
  missing=()
  command -v mosquitto >/dev/null || [[ -x /usr/sbin/mosquitto ]] || missing+=(mosquitto)
  command -v etcd >/dev/null || missing+=(etcd-server etcd-client)
  [[ -x /usr/bin/chromium ]] || missing+=(chromium)
  command -v pg_ctlcluster >/dev/null || missing+=(postgresql)
  command -v openssl >/dev/null || missing+=(openssl)
  # promtool checks the shipped Prometheus alert rules and runs their unit tests (deploy/monitoring).
  command -v promtool >/dev/null || missing+=(prometheus)
  # kubectl renders the shipped kustomize manifests (no cluster). Machines of this kind have kubectl 1.32 with
  # kustomize v5; Debian's older kubernetes-client conflicts with that package, so only where none exists.
  command -v kubectl >/dev/null || missing+=(kubernetes-client)
  if ((${#missing[@]})); then
    echo "setup: installing ${missing[*]}"
    as_root apt-get update -qq
    as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
  # PostgreSQL must be up on 127.0.0.1:5432 with a postgres login the tests can use.
  if ! pg_isready -q -h 127.0.0.1 -p 5432; then
    as_root pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -1)" main start
    for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
  fi
  if ! PGCONNECT_TIMEOUT=5 psql "postgres://postgres@127.0.0.1:5432/postgres" -Atqc 'select 1' >/dev/null 2>&1; then
    # Fresh Debian clusters use password auth on TCP: give the test login a password and use it.
    as_root runuser -u postgres -- psql -qc "ALTER USER postgres PASSWORD 'postgres'" >/dev/null
    echo "setup: PostgreSQL needs a password here; tests use WATCHPOST_TEST_PG_URL=postgres://postgres:postgres@127.0.0.1:5432/postgres"
  fi
fi

# npm 11 skips dependency install scripts unless approved: package.json `allowScripts` approves
# better-sqlite3 (native binding) and protobufjs.
if [[ ! -d node_modules ]] || [[ package-lock.json -nt node_modules/.package-lock.json ]]; then
  # The lockfile carries no download URLs (registry mirror), which `npm ci` refuses; `npm install` honours
  # the locked versions and the allowScripts approvals.
  npm install --no-audit --no-fund
fi
node -e "import('better-sqlite3').then(m => new m.default(':memory:').close())" || {
  echo "setup: better-sqlite3 has no native binding; run: npm rebuild better-sqlite3" >&2
  exit 2
}
