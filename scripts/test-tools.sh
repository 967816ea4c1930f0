#!/usr/bin/env bash
# What only the checks need, on top of scripts/setup.sh's .venv (scripts/test.sh runs both):
#   .tools-venv    the SAM CLI and cfn-lint with its serverless rules  (scripts/tools/sam.txt)
#   .checkov-venv  checkov                                             (scripts/tools/checkov.txt)
# each its own venv (they pin their own boto3, pydantic, ...), hash-checked and rebuilt when the
# requirements change; and the page tests' system tools: Java (W3C Nu validator), Chromium
# (axe-core, screenshots) and npm (tests/browser). System packages need root: CI runs as root;
# anyone else is told what to install.
set -euo pipefail
cd "$(dirname "$0")/.."
export UV_PYTHON_DOWNLOADS=never UV_LINK_MODE=copy UV_NO_PROGRESS=1 UV_SYSTEM_CERTS=1
# The same Python 3.13 that .venv was made from.
python313=$(.venv/bin/python -c 'import sys; print(sys._base_executable)')

tool_venv() { # $1 = venv dir, $2 = requirements file, $3 = a command it must provide
  local stamp
  stamp=$(sha256sum "$2" | cut -c1-16)
  if [ ! -x "$1/bin/$3" ] || [ "$(cat "$1/.setup-stamp" 2>/dev/null)" != "$stamp" ]; then
    rm -rf "$1" # a link to a shared venv is replaced by a venv of this checkout's own
    .venv/bin/uv venv --quiet --seed --python "$python313" "$1"
    .venv/bin/uv pip install --quiet --python "$1/bin/python" --require-hashes --no-deps -r "$2"
    echo "$stamp" >"$1/.setup-stamp"
  fi
}
tool_venv .tools-venv scripts/tools/sam.txt sam
tool_venv .checkov-venv scripts/tools/checkov.txt checkov

missing=()
command -v java >/dev/null 2>&1 || missing+=(default-jre-headless)
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "test-tools: the page tests need: ${missing[*]} (apt-get install as root)" >&2
    exit 1
  fi
fi
browser_stamp() { sha256sum tests/browser/package-lock.json | cut -c1-16; }
if [ ! -f tests/browser/node_modules/.setup-stamp ] \
  || [ "$(cat tests/browser/node_modules/.setup-stamp)" != "$(browser_stamp)" ]; then
  # --ignore-scripts: vnu-jar's postinstall would try to download a Java; we use the system one.
  (cd tests/browser && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
  browser_stamp >tests/browser/node_modules/.setup-stamp
fi
