#!/usr/bin/env bash
# The main job: installs what is missing, builds in release mode and trains
# (default: the digits CNN on the embedded dataset). Arguments go to `swifttorch train`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
swift build -c release --product swifttorch
exec .build/release/swifttorch train "$@"
