#!/usr/bin/env bash
# Installs the browser console's npm dependencies exactly as web/package-lock.json
# pins them: protobufjs (compiled into controlroomd, parses the .proto files in
# the browser), playwright-core (drives Debian's chromium in the browser tests)
# and puppeteer-core (drives Debian's firefox-esr there, over WebDriver BiDi);
# neither downloads a browser of its own. Called by scripts/install-deps.sh.
# Idempotent: nothing runs when web/node_modules already matches the lock file.
set -euo pipefail

web=$(cd "$(dirname "${BASH_SOURCE[0]}")/../web" && pwd)
cd "$web"
stamp=node_modules/.controlroom-lock.sha256
if [ -f "$stamp" ] && sha256sum --check --status "$stamp" 2>/dev/null; then
  exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "web-deps: npm is missing (scripts/install-deps.sh installs it)" >&2
  exit 1
fi
echo "web-deps: npm ci in web/" >&2
# No install scripts: no package needs one, and none should fetch anything.
PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 PUPPETEER_SKIP_DOWNLOAD=1 npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
sha256sum package-lock.json >"$stamp"
