#!/bin/sh
# A copy of the gateway as of a commit (or of the working tree), runnable by the benchmark as
# the "base" side of an A/B run:
#
#   bench/ab-snapshot.sh HEAD /tmp/gw-base        # or a commit id, or WORKTREE
#   BENCH_AB_GATEWAY=/tmp/gw-base BENCH_ONLY=gw-full-https npm run bench
#
# Copies gateway/src, gateway/migrations and gateway/package.json (ESM, as tsc builds it), and links node_modules to this checkout's so the
# snapshot resolves the same dependencies (and the same @gatehouse/shared).
set -eu
rev=${1:?usage: ab-snapshot.sh <commit|WORKTREE> <dir>}
dir=${2:?usage: ab-snapshot.sh <commit|WORKTREE> <dir>}
root=$(cd "$(dirname "$0")/.." && pwd)
rm -rf "$dir/gateway"
mkdir -p "$dir"
if [ "$rev" = WORKTREE ]; then
  mkdir -p "$dir/gateway"
  cp -R "$root/gateway/src" "$root/gateway/migrations" "$root/gateway/package.json" "$dir/gateway/"
else
  git -C "$root" archive "$rev" gateway/src gateway/migrations gateway/package.json | tar -x -C "$dir"
fi
ln -sfn "$root/node_modules" "$dir/node_modules"
echo "$dir/gateway"
