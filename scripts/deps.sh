# cirrus — shared by setup.sh and test.sh: Debian packages and the build.
# Sourced, not run.

CIRRUS_PACKAGES="build-essential cmake pkg-config libglib2.0-dev libyaml-dev libhdf5-dev hdf5-tools gnuplot-nox python3 chromium libopenmpi-dev openmpi-bin"

cirrus_install_deps() {
  local missing=""
  for p in $CIRRUS_PACKAGES; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
  done
  [ -z "$missing" ] && return 0
  echo "== installing:$missing =="
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
      sudo="sudo"
    else
      echo "cirrus: these Debian packages are missing:$missing" >&2
      echo "cirrus: installing them needs root; run as root or install them with apt-get" >&2
      exit 2
    fi
  fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing
}

# cirrus_build DIR [CMAKE OPTIONS...]
cirrus_build() {
  local dir="$1"; shift
  cmake -S . -B "$dir" "$@" >/dev/null
  cmake --build "$dir" -j"$(nproc)"
}
