#!/usr/bin/env bash
# A new user's first hour from a clean clone: clone this checkout into a temporary folder, install
# exactly what the lockfile pins, and run the first-hour test there (npm start, the README's
# commands as written, the local page, capture status without AWS credentials, SIGTERM). Needs
# git, Node.js 20 or later and npm, nothing else. CI can run it as it is; `npm run test:long` runs
# the same test file on the tree already installed.
set -euo pipefail
source_repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/capture-first-hour.XXXXXX")"
trap 'rm -rf "$work"' EXIT
git clone --quiet --no-hardlinks "$source_repo" "$work/capture"
cd "$work/capture"
npm ci --no-audit --no-fund
npx vitest run test/unit/doc-commands.test.ts
CAPTURE_TEST_TIER=long npx vitest run test/integration/first-hour.test.ts
echo "first hour: ok"
