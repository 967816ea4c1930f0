#!/usr/bin/env bash
# Idempotent setup: .venv (Python 3.13, the Lambda runtime) with newscard and its dev tools,
# and .tools-venv with the SAM CLI and cfn-lint (kept apart: SAM pins older boto3 and pydantic),
# and the page tests' tools: Java (Nu validator), Chromium, and tests/browser's npm packages.
set -euo pipefail
cd "$(dirname "$0")/.."

find_python313() {
  if command -v pyenv >/dev/null 2>&1 && PYENV_VERSION=3.13.0 pyenv which python3 >/dev/null 2>&1; then
    PYENV_VERSION=3.13.0 pyenv which python3
  elif command -v python3.13 >/dev/null 2>&1; then
    command -v python3.13
  else
    echo "setup: Python 3.13 is needed (pyenv install 3.13.0, or python3.13 on PATH)" >&2
    return 1
  fi
}

stamp() { sha256sum pyproject.toml scripts/setup.sh | sha256sum | cut -c1-16; }

if [ ! -x .venv/bin/python ] || [ "$(cat .venv/.setup-stamp 2>/dev/null)" != "$(stamp)" ]; then
  python313=$(find_python313)
  [ -x .venv/bin/python ] || "$python313" -m venv .venv
  .venv/bin/python -m pip install --quiet --upgrade pip 2>&1 | grep -v "is ignored" || true
  .venv/bin/python -m pip install --quiet -e ".[dev]" 2>&1 | grep -v "is ignored" || true
  .venv/bin/python -c "import newscard, moto, PIL" # fail loudly if the install did not take
  stamp > .venv/.setup-stamp
fi

if [ "${NEWSCARD_SKIP_TOOLS:-0}" != 1 ] && [ ! -x .tools-venv/bin/sam ]; then
  python3 -m venv .tools-venv
  .tools-venv/bin/python -m pip install --quiet --upgrade pip 2>&1 | grep -v "is ignored" || true
  .tools-venv/bin/python -m pip install --quiet aws-sam-cli cfn-lint 2>&1 | grep -v "is ignored" || true
  .tools-venv/bin/sam --version
fi
# cfn-lint's serverless rules (Lambda/SQS/API good practice) plug into the tools venv's cfn-lint.
if [ "${NEWSCARD_SKIP_TOOLS:-0}" != 1 ] && ! .tools-venv/bin/python -c "import cfn_lint_serverless" 2>/dev/null; then
  .tools-venv/bin/python -m pip install --quiet cfn-lint-serverless 2>&1 | grep -v "is ignored" || true
fi
# checkov (IaC security scanner) in its own venv: it pins many libraries of its own.
if [ "${NEWSCARD_SKIP_TOOLS:-0}" != 1 ] && [ ! -x .checkov-venv/bin/checkov ]; then
  python3 -m venv .checkov-venv
  .checkov-venv/bin/python -m pip install --quiet --upgrade pip 2>&1 | grep -v "is ignored" || true
  .checkov-venv/bin/python -m pip install --quiet "checkov>=3.2" 2>&1 | grep -v "is ignored" || true
  .checkov-venv/bin/checkov --version
fi

# Page tests: Java runs the W3C Nu validator, Chromium runs axe-core and takes screenshots, npm
# brings axe-core and the current vnu.jar. System packages need root (CI runs as root).
missing=()
command -v java >/dev/null 2>&1 || missing+=(default-jre-headless)
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "setup: the page tests need: ${missing[*]} (apt-get install as root)" >&2
    exit 1
  fi
fi
browser_stamp() { sha256sum tests/browser/package-lock.json | cut -c1-16; }
if [ ! -f tests/browser/node_modules/.setup-stamp ] \
  || [ "$(cat tests/browser/node_modules/.setup-stamp)" != "$(browser_stamp)" ]; then
  # --ignore-scripts: vnu-jar's postinstall would try to download a Java; we use the system one.
  (cd tests/browser && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
  browser_stamp > tests/browser/node_modules/.setup-stamp
fi
