#!/usr/bin/env bash
# Installs what the local stack and the tests need, pinned, into .venv (Python tools from
# PyPI: moto server, cfn-lint, aws-sam-cli, cargo-lambda, zig). Idempotent: a venv whose
# requirements are unchanged is reused.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
venv="$root/.venv"
stamp="$venv/.requirements.sha256"
want=$(sha256sum "$root/infra/requirements.txt" | cut -d' ' -f1)
if [ -x "$venv/bin/python" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  exit 0
fi
echo "bootstrap: installing pinned Python tools into .venv (first run takes a minute or two)" >&2
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check -r "$root/infra/requirements.txt"
echo "$want" > "$stamp"
