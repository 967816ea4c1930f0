#!/usr/bin/env bash
# The one place that turns declared dependencies into pinned, hash-checked installs:
#   uv.lock                               every package of the project (runtime, demo, dev), from pyproject.toml
#   layers/dependencies/requirements.txt  what the Lambda dependency layer bundles, exported from uv.lock:
#                                         the runtime dependencies minus the SDK the Lambda runtime provides
#   scripts/tools/{uv,sam,checkov}.txt    the tool venvs, from scripts/tools/*.in
#   infra/redirects/requirements.txt      the redirect sync function (its own boto3 with the CRT), from requirements.in
#
#   bash scripts/lock.sh            after adding or changing a dependency (pyproject.toml or a .in file);
#                                   keeps every other pin, then commit the changed files
#   bash scripts/lock.sh --upgrade  move every pin to the newest allowed version
#   bash scripts/lock.sh --check    change nothing; exit 1 naming what is out of date (scripts/test.sh runs it)
#   bash scripts/lock.sh --check-offline   the same for uv.lock and the layer only, without the index
#                                   (tests/unit/test_packaging.py)
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-write}
case "$mode" in write | --upgrade | --check | --check-offline) ;; *) echo "usage: $0 [--upgrade|--check|--check-offline]" >&2; exit 2 ;; esac

uv=${UV:-.venv/bin/uv}
[ -x "$uv" ] || uv=$(command -v uv) || { echo "lock: uv not found; run scripts/setup.sh first" >&2; exit 1; }
export UV_PYTHON_DOWNLOADS=never UV_SYSTEM_CERTS=1  # the system CA store, as pip uses
upgrade=()
[ "$mode" = --upgrade ] && upgrade=(--upgrade)

# Provided by the Lambda Python runtime (boto3 and its dependencies), so not bundled; the handlers
# check the runtime's botocore at start-up (newscard.handlers.wiring.check_runtime_sdk).
RUNTIME_PROVIDED=(boto3 botocore s3transfer urllib3 python-dateutil six)
# Runtime packages that a layer of their own ships: large native runtimes that only some articles
# need (faces to detect, a script without spaces), kept out of the dependency layer that both newscard
# functions load; that layer's build installs them. tests/unit/test_packaging.py reads both lists
# from here. The face detector's runtime ships in FaceDetectorLayer (layers/face-detector), ICU
# (icu4py, 43 MB with its data) in LineBreakingLayer (layers/line-breaking).
OWN_LAYER=(ai-edge-litert numpy icu4py)

layer_requirements() {
  local args=(export --frozen --format requirements-txt --no-emit-project --no-dev --quiet)
  for package in "${RUNTIME_PROVIDED[@]}" "${OWN_LAYER[@]}"; do args+=(--no-emit-package "$package"); done
  "$uv" "${args[@]}"
}

# Requirements compiled from a .in file (not part of the project): the tools and the redirect function.
COMPILED=(scripts/tools/uv scripts/tools/sam scripts/tools/checkov infra/redirects/requirements)

# $1 = path without .in/.txt; $2 = output file (may be a copy of the committed one: its pins are the preferences).
compile_requirements() {
  "$uv" pip compile --quiet --universal --generate-hashes --python-version 3.13 "${upgrade[@]}" \
    --custom-compile-command "bash scripts/lock.sh" "$1.in" -o "$2"
}

if [ "$mode" = --check ] || [ "$mode" = --check-offline ]; then
  stale=()
  offline=()
  [ "$mode" = --check-offline ] && offline=(--offline)
  "$uv" lock --check --quiet "${offline[@]}" 2>/dev/null || stale+=("uv.lock (pyproject.toml changed)")
  if [ "${#stale[@]}" = 0 ] && ! diff -q <(layer_requirements) layers/dependencies/requirements.txt >/dev/null; then
    stale+=(layers/dependencies/requirements.txt)
  fi
  scratch=$(mktemp -d)
  trap 'rm -rf "$scratch"' EXIT
  compiled=("${COMPILED[@]}")
  [ "$mode" = --check-offline ] && compiled=()
  for base in "${compiled[@]}"; do
    copy="$scratch/$(echo "$base" | tr / _).txt"
    cp "$base.txt" "$copy" 2>/dev/null || true
    compile_requirements "$base" "$copy"
    diff -q "$copy" "$base.txt" >/dev/null 2>&1 || stale+=("$base.txt")
  done
  if [ "${#stale[@]}" -gt 0 ]; then
    printf 'lock: out of date: %s\n' "${stale[@]}" >&2
    echo "lock: run 'bash scripts/lock.sh' and commit the result" >&2
    exit 1
  fi
  echo "lock: uv.lock and every exported or compiled requirements file are up to date"
  exit 0
fi

"$uv" lock --quiet "${upgrade[@]}"
layer_requirements >layers/dependencies/requirements.txt
for base in "${COMPILED[@]}"; do compile_requirements "$base" "$base.txt"; done
git status --short uv.lock layers/dependencies/requirements.txt scripts/tools infra 2>/dev/null || true
