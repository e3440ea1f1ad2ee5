#!/bin/sh
# Installs the Debian packages the build, the tests and the benchmarks need,
# but only those missing, so a warm machine pays one dpkg query.
set -e
PKGS="cmake ninja-build gcc clang libclang-rt-14-dev pkg-config
      libcmocka-dev libyaml-dev libsqlite3-dev jq python3 sip-tester sipsak
      libosip2-dev libsofia-sip-ua-dev valgrind"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "installing:$missing"
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO=sudo
$SUDO apt-get update -q
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends $missing
