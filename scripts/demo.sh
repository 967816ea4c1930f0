#!/usr/bin/env bash
# The README's first command. Needs only Python 3.13, as any user (no root, no system packages):
# sets up .venv (scripts/setup.sh), then publishes the seed article through the real handler
# against an embedded moto S3, and copies the site bucket to ./site.
set -euo pipefail
cd "$(dirname "$0")/.."
NEWSCARD_EXTRAS=${NEWSCARD_EXTRAS:-demo} scripts/setup.sh
exec .venv/bin/newscard demo --out site "$@"
