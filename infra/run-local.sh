#!/usr/bin/env bash
# Runs the system locally on the embedded default: installs the pinned tools if needed,
# then starts moto server, creates the resources from template.yaml, starts the LINE
# simulator and plays a scripted week in virtual time (infra/local/src/bin/demo.rs).
#
#   infra/run-local.sh           the scripted week, printed as a timeline
#   infra/run-local.sh --serve   the same stack kept running in real time, on fixed ports,
#                                for sam local invoke / cargo lambda (infra/local/src/bin/serve.rs)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
infra/bootstrap.sh --no-checkov
case "${1:-}" in
  --serve) exec cargo run --quiet -p mimamori-local --bin serve ;;
  "") exec cargo run --quiet -p mimamori-local --bin demo ;;
  *) echo "usage: infra/run-local.sh [--serve]" >&2; exit 2 ;;
esac
