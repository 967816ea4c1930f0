#!/usr/bin/env bash
# Idempotent setup: .venv (Python 3.13, the Lambda runtime) with newscard and its dev tools,
# and .tools-venv with the SAM CLI and cfn-lint (kept apart: SAM pins older boto3 and pydantic).
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
