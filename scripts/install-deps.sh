#!/bin/sh
# Installs the Debian packages the build and the tests need (and, with the
# argument `bench`, the benchmarks),
# but only those missing, so a warm machine pays one dpkg query.
set -e
PKGS="cmake ninja-build gcc clang libclang-rt-14-dev pkg-config
      libcmocka-dev libyaml-dev libsqlite3-dev libc-ares-dev jq python3 sip-tester sipsak
      baresip-core libspeexdsp-dev libopus-dev nftables iproute2"
# `install-deps.sh bench` adds what only the benchmarks need: the reference
# parsers and Kamailio (kept out of `make test`/`make run`, so a packaged
# Kamailio service can never hold port 5060 on a test machine).
if [ "${1:-}" = bench ]; then
	PKGS="$PKGS libosip2-dev libsofia-sip-ua-dev valgrind kamailio kamailio-sqlite-modules"
fi
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
