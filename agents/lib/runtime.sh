# Prelude the console puts in front of every agent it streams (electron/services/telemetry/agent-script.ts).
# detect_runtime sets rt to the container runtime that answers: docker only when its daemon does (a
# docker CLI without a daemon is common on podman hosts), podman when it runs, else none.
detect_runtime() {
  if command -v docker >/dev/null 2>&1 && docker version --format '{{.Server.Version}}' >/dev/null 2>&1; then rt=docker
  elif command -v podman >/dev/null 2>&1 && podman version --format '{{.Client.Version}}' >/dev/null 2>&1; then rt=podman
  else rt=none
  fi
}
