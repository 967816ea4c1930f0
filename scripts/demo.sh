#!/usr/bin/env bash
# Set up, then publish the seed article through the real handler against an embedded moto S3,
# and copy the site bucket to ./site.
set -euo pipefail
cd "$(dirname "$0")/.."
NEWSCARD_SKIP_TOOLS=1 scripts/setup.sh
exec .venv/bin/newscard demo --out site "$@"
