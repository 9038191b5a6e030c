#!/bin/sh
# Edgeward batch jobs: which container runtime the node's shards run under, by the prelude's
# detect_runtime (the same answer placement and commissioning get). Output: runtime=docker|podman|none
detect_runtime
echo "runtime=$rt"
