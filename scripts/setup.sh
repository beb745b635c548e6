#!/usr/bin/env bash
# Installs the system libraries SwiftTorch links against (oneDNN) when missing.
set -euo pipefail
if [ -f /usr/include/oneapi/dnnl/dnnl.h ] && [ -f /usr/include/zlib.h ] && ldconfig -p | grep -q libdnnl.so; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
echo "setup: installing libdnnl-dev (oneDNN) with apt-get" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq libdnnl-dev zlib1g-dev pkg-config >/dev/null
