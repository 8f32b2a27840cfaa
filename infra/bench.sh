#!/usr/bin/env bash
# Prints the benchmark figures: AWS calls and LINE messages per acknowledged check, cold
# start, first invocation and peak memory of the release binaries, and binary sizes.
# Figures only: nothing here passes or fails on a timing.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
infra/bootstrap.sh --no-checkov
cargo build --release --quiet -p webhook -p check -p deadline -p escalation -p hello-lambda
exec cargo run --quiet -p mimamori-local --bin bench
