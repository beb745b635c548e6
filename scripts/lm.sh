#!/usr/bin/env bash
# The language-model job: installs what is missing, builds in release mode, trains a
# character-level model (default: a small GPT on the embedded King James Genesis and
# Exodus) and samples from it. Arguments go to `swifttorch lm`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
swift build -c release --product swifttorch
exec .build/release/swifttorch lm "$@"
