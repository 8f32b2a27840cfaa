#!/usr/bin/env bash
# Installs what the local stack and the tests need, pinned, into .venv (Python tools from
# PyPI: moto server, cfn-lint, aws-sam-cli, cargo-lambda, zig), and checkov into
# .venv-checkov (`--no-checkov` leaves it out). Idempotent: a venv whose requirements are
# unchanged is reused.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

# install VENV REQUIREMENTS: a venv whose requirements file is unchanged is reused.
install() {
  local venv="$root/$1" requirements="$root/infra/$2"
  local stamp="$venv/.requirements.sha256" want
  want=$(sha256sum "$requirements" | cut -d' ' -f1)
  if [ -x "$venv/bin/python" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    return 0
  fi
  echo "bootstrap: installing pinned Python tools into $1 (first run takes a minute or two)" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements"
  echo "$want" > "$stamp"
}

install .venv requirements.txt
# The template's security scan only (infra/test.sh): its pins would fight aws-sam-cli's.
if [ "${1:-}" != "--no-checkov" ]; then
  install .venv-checkov requirements-checkov.txt
fi
