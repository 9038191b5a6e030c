#!/usr/bin/env bash
# Makes sure this machine has what the tests need (Debian/Ubuntu). As root it installs what is
# missing; otherwise it says exactly what is missing and how to install it, and fails.
set -euo pipefail

PACKAGES=(openssh-server openssh-client podman runc iproute2 nftables iptables sudo util-linux procps chromium curl dcmtk docker-registry prometheus prometheus-alertmanager rsyslog rsyslog-gnutls openssl libxml2-utils apache2-utils orthanc orthanc-dicomweb)
CONTAINERS_CONF=/etc/containers/containers.conf

missing=()
for pkg in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then missing+=("$pkg"); fi
done

conf_ok() { [ -f "$CONTAINERS_CONF" ] && grep -Eq 'runtime *= *"runc"' "$CONTAINERS_CONF" && grep -Eq 'default_ulimits *= *\[ *\]' "$CONTAINERS_CONF"; }

if [ "$(id -u)" -ne 0 ]; then
  ok=1
  if [ ${#missing[@]} -gt 0 ]; then
    echo "Missing Debian packages: ${missing[*]}" >&2
    echo "  Install with: sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
    ok=0
  fi
  if ! conf_ok; then
    echo "$CONTAINERS_CONF must contain (crun and the default ulimits fail in containers/sandboxes):" >&2
    printf '  [containers]\n  default_ulimits = []\n\n  [engine]\n  runtime = "runc"\n' >&2
    ok=0
  fi
  echo "The integration tests also need root (network namespaces, sshd, podman): run 'npm test' as root." >&2
  exit 1
fi

if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! conf_ok; then
  if [ -f "$CONTAINERS_CONF" ]; then
    cp "$CONTAINERS_CONF" "$CONTAINERS_CONF.before-edgeward"
    echo "Saved the previous $CONTAINERS_CONF as $CONTAINERS_CONF.before-edgeward"
  fi
  mkdir -p /etc/containers
  printf '[containers]\ndefault_ulimits = []\n\n[engine]\nruntime = "runc"\n' > "$CONTAINERS_CONF"
  echo "Wrote $CONTAINERS_CONF (runc runtime, no default ulimits)"
fi
