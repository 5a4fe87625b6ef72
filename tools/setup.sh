#!/usr/bin/env bash
# Installs what iommu-sim needs from Debian 12 packages (idempotent; apt-get only
# when something is missing). Run as root, or have the packages installed already.
#   --ci     also the sanitizer and fuzzing toolchain (clang)
#   --slurm  also a one-node Slurm cluster's packages, for the slurm backend's test
set -euo pipefail
pkgs=(cmake ninja-build g++ pkg-config libsystemc-dev libboost-program-options-dev doctest-dev
      libyaml-cpp-dev nlohmann-json3-dev)
for opt in "$@"; do
  case "$opt" in
    --ci) pkgs+=(clang libclang-rt-14-dev) ;;
    --slurm) pkgs+=(slurmctld slurmd slurm-client munge) ;;
    *) echo "iommu-sim setup: unknown option $opt (--ci, --slurm)" >&2; exit 2 ;;
  esac
done
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "iommu-sim setup: missing Debian packages: ${missing[*]}" >&2
  echo "run as root, or: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "iommu-sim setup: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
