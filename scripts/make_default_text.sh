#!/usr/bin/env bash
# Regenerates data/text/kjv-genesis-exodus.txt from Debian's bible-kjv (public domain text).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v bible >/dev/null || { apt-get update -qq && apt-get install -y -qq bible-kjv; }
{ for spec in gen1:1-gen50:26 exo1:1-exo40:38; do COLUMNS=10000 bible -l10000 "$spec"; done; } \
    | sed -E 's/^ +[0-9]+ //' | cat -s | sed '1{/^$/d}' > data/text/kjv-genesis-exodus.txt
python3 scripts/embed_text.py
