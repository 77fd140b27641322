#!/bin/sh
# Start every process with an empty Prometheus multiprocess directory: files left by an
# earlier run of the container would be summed into this one's metrics.
set -eu
if [ -n "${PROMETHEUS_MULTIPROC_DIR:-}" ]; then
  rm -rf "$PROMETHEUS_MULTIPROC_DIR"
  mkdir -p "$PROMETHEUS_MULTIPROC_DIR"
fi
exec "$@"
