#!/usr/bin/env bash
# Python only, as any user, no root, no system packages: .venv (Python 3.13, the Lambda runtime)
# with newscard (editable) and exactly the versions in uv.lock. Idempotent and quick when nothing
# changed. NEWSCARD_EXTRAS picks what comes with it: "dev" (default: tests, lint, types) or "demo"
# (only what `newscard demo` needs: the local moto stack). The tools only the template checks and
# page tests need (SAM CLI, checkov, Java, Chromium, npm) are installed by scripts/test-tools.sh.
#
# Python 3.13 is found as: $NEWSCARD_PYTHON, python3.13, python3, or pyenv's newest 3.13.
# uv comes from PyPI through pip, hash-checked (scripts/tools/uv.txt), and never downloads a Python.
set -euo pipefail
cd "$(dirname "$0")/.."
extras=${NEWSCARD_EXTRAS:-dev}
# UV_SYSTEM_CERTS: trust the system CA store, as pip does (a company proxy's CA is installed there).
export UV_PYTHON_DOWNLOADS=never UV_LINK_MODE=copy UV_NO_PROGRESS=1 UV_SYSTEM_CERTS=1 PIP_DISABLE_PIP_VERSION_CHECK=1

is_python313() { [ -n "$1" ] && "$1" -c 'import sys, venv, ensurepip; sys.exit(sys.version_info[:2] != (3, 13))' 2>/dev/null; }

find_python313() {
  local candidate
  for candidate in "${NEWSCARD_PYTHON:-}" "$(command -v python3.13 || true)" "$(command -v python3 || true)"; do
    if is_python313 "$candidate"; then echo "$candidate"; return 0; fi
  done
  if command -v pyenv >/dev/null 2>&1; then
    local version
    version=$(pyenv versions --bare 2>/dev/null | grep -E '^3\.13(\.[0-9]+)?$' | sort -V | tail -n 1 || true)
    candidate=$( [ -n "$version" ] && PYENV_VERSION=$version pyenv which python3 2>/dev/null || true)
    if is_python313 "$candidate"; then echo "$candidate"; return 0; fi
  fi
  cat >&2 <<'EOF'
setup: Python 3.13 (with its venv module) is needed and was not found.
  Install it for your user or system (python.org installer, your package manager's python3.13 and
  python3.13-venv, or `pyenv install 3.13`), or point NEWSCARD_PYTHON at a python3.13 binary.
EOF
  return 1
}

if ! is_python313 .venv/bin/python; then
  python313=$(find_python313)
  rm -rf .venv
  "$python313" -m venv .venv
fi

stamp() { cat pyproject.toml uv.lock scripts/setup.sh scripts/tools/uv.txt <(echo "$extras") | sha256sum | cut -c1-16; }
if [ "$(cat .venv/.setup-stamp 2>/dev/null)" != "$(stamp)" ]; then
  .venv/bin/python -m pip install --quiet --require-hashes --no-deps -r scripts/tools/uv.txt
  # --frozen: install the lock as committed (scripts/lock.sh --check says when it is stale);
  # --inexact: leave other packages in the venv alone (uv itself, when only "demo" is asked for).
  .venv/bin/uv sync --quiet --frozen --inexact --extra "$extras"
  .venv/bin/python -c "import newscard, PIL, moto" # fail loudly if the install did not take
  stamp >.venv/.setup-stamp
fi
