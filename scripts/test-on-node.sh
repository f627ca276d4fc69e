#!/bin/sh
# Runs the whole suite on another Node.js major as a user of that Node would: `sh scripts/test-on-node.sh 24`.
# That Node comes from the npm registry's node-<platform>-<arch> package (its binary, and the headers
# node-gyp builds against) into .cache/node-<major>/runtime. The checkout's files are copied to
# .cache/node-<major>/work, where `npm ci` installs with that Node (its own native builds, its own
# optional packages: store/sqlite-driver.ts) and `npm test` runs; the checkout's node_modules is untouched.
set -eu
major=${1:?usage: test-on-node.sh <major, e.g. 22 or 24>}
cd "$(dirname "$0")/.."

package="node-$(node -p 'process.platform + "-" + process.arch')"
home="$PWD/.cache/node-$major"
nodedir="$home/runtime/node_modules/$package"
if [ ! -x "$nodedir/bin/node" ] || ! "$nodedir/bin/node" -v | grep -q "^v$major\."; then
  echo "test-on-node: fetching $package@$major"
  rm -rf "$home/runtime"
  npm install --no-save --no-package-lock --no-audit --no-fund --prefix "$home/runtime" "$package@$major" >/dev/null
fi

rm -rf "$home/work"
mkdir -p "$home/work"
git ls-files -z --cached --others --exclude-standard | tar --null --ignore-failed-read -T - -cf - | tar -xf - -C "$home/work"
cd "$home/work"
export PATH="$nodedir/bin:$PATH" npm_config_nodedir="$nodedir"
echo "test-on-node: npm ci && npm test on Node $(node -v)"
npm ci --no-audit --no-fund
npm test
