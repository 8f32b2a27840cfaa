#!/usr/bin/env bash
# Runs the system locally on the embedded default: installs the pinned tools if needed,
# then starts moto server, creates the resources from template.yaml, starts the LINE
# simulator and plays a scripted week in virtual time (see infra/local/src/bin/demo.rs).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
infra/bootstrap.sh
exec cargo run --quiet -p mimamori-local --bin demo
