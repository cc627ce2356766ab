#!/usr/bin/env bash
# Installs the Debian 12 packages cyberdeter needs to build, test and analyse.
# Idempotent: packages already installed are skipped, and apt is not touched at all when
# nothing is missing. Runs as root, or through sudo when it is available.
set -euo pipefail

packages=(
  build-essential cmake git pkg-config clang-format clang libclang-rt-14-dev
  libboost-dev libeigen3-dev libhdf5-dev zlib1g-dev hdf5-tools libcli11-dev catch2
  libdeflate-dev libisal-dev
  libtomlplusplus-dev libbenchmark-dev libpcg-cpp-dev
  libopenmpi-dev openmpi-bin
  python3 python3-h5py python3-numpy python3-pandas python3-matplotlib python3-scipy
  python3-pytest python3-websocket python3-selenium chromium chromium-driver tmux
  slurm-wlm slurm-wlm-basic-plugins munge libpmix-dev
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
  sudo=()
elif command -v sudo >/dev/null 2>&1; then
  sudo=(sudo)
else
  echo "install-deps: missing packages (${missing[*]}) and not root; install them or run as root" >&2
  exit 1
fi

echo "install-deps: installing ${missing[*]}"
"${sudo[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
