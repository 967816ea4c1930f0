#!/usr/bin/env bash
# Set up (.venv, then the check tools), then run every check: the lock, lint, types, the template
# (cfn-lint with serverless rules, checkov, sam validate --lint, sam build without a container,
# package sizes) and the test suite (last, so its summary closes the output).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/test-tools.sh
export SAM_CLI_TELEMETRY=0 AWS_DEFAULT_REGION="${AWS_DEFAULT_REGION:-us-east-1}"

echo "== lock"; scripts/lock.sh --check
echo "== ruff"; .venv/bin/ruff check functions tests scripts bench layers
.venv/bin/ruff format --check functions tests scripts bench layers
echo "== mypy"; .venv/bin/mypy
echo "== cfn-lint (+ serverless rules)"; .tools-venv/bin/cfn-lint template.yaml -a cfn_lint_serverless.rules
# --skip-download: no network in CI; every skip is justified in the template's Metadata.
echo "== checkov"; .checkov-venv/bin/checkov -f template.yaml --framework cloudformation --quiet --compact --skip-download
echo "== sam validate --lint"; .tools-venv/bin/sam validate --lint
echo "== translated template"; .tools-venv/bin/python scripts/check_template.py
# sam build finds python3.13 for the runtime in .venv/bin (PATH), and cross-builds arm64 wheels.
echo "== sam build"; PATH="$PWD/.venv/bin:$PATH" .tools-venv/bin/sam build --build-dir .aws-sam/build >/tmp/newscard-sam-build.log 2>&1 \
  || { cat /tmp/newscard-sam-build.log; exit 1; }
tail -n 3 /tmp/newscard-sam-build.log
echo "== package sizes"; .venv/bin/python scripts/package_sizes.py .aws-sam/build
echo "== pytest"; exec .venv/bin/python -m pytest "$@"
