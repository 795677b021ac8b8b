#!/usr/bin/env bash
# Builds a free-threaded CPython (the article's step 5, "No-GIL!": 3.13t) once, into a cache.
#
# No Debian or PyPI package ships a free-threaded CPython, and the installers on PyPI download
# one from the internet at run time. Debian's own source package does the job: this script adds
# a deb-src entry for Debian trixie (3.13.5), downloads the python3.13 source package with
# `apt-get source --download-only`, installs the libraries the build needs, and builds the
# upstream tarball inside it with `./configure --disable-gil` (about 8 minutes on 2 idle cores).
# The interpreter goes to $PREFIX/bin/python3.13t; a later run finds it there and builds nothing.
#
# Usage: build-free-threaded.sh [CACHE_DIR]   (default: ${XDG_CACHE_HOME:-~/.cache}/gilwall)
#
# Output: people read stderr. stdout carries machine-readable lines for `gilwall python`:
#   progress DONE TOTAL PHASE    while building (DONE of TOTAL steps of PHASE)
#   python PATH                  the last line, once the interpreter works
# Exit codes: 0 built or found; 2 cannot build here (not root, no network to the archive);
# 1 the build itself failed (its log is named).
#
# `gilwall python --free-threaded` runs this script (it is compiled into the binary) and
# `.ci/run` runs it from the source tree, so both use the same cache.
set -euo pipefail

CACHE="${1:-${XDG_CACHE_HOME:-$HOME/.cache}/gilwall}"
VERSION_SERIES=3.13
PREFIX="$CACHE/python$VERSION_SERIES-free-threaded"
PYTHON="$PREFIX/bin/python${VERSION_SERIES}t"
BUILD="$CACHE/build-python$VERSION_SERIES-free-threaded"
LOG="$BUILD/build.log"
SOURCES=/etc/apt/sources.list.d/gilwall-trixie-src.sources

say() { echo "build-free-threaded: $*" >&2; }
cannot() { say "$*"; exit 2; }

# Already built: check it runs with the GIL off, and say where it is.
works() {
  PYTHON_GIL=0 "$PYTHON" -c 'import sys, ssl, zlib, ctypes; sys.exit(sys._is_gil_enabled())' \
    >/dev/null 2>&1
}
if [ -x "$PYTHON" ] && works; then
  echo "python $PYTHON"
  exit 0
fi

if [ "$(id -u)" != 0 ]; then
  cannot "no free-threaded CPython in $PREFIX, and building one needs root (apt-get installs \
the build dependencies and the source package). Run this script as root once \
(sudo $0 $CACHE), or install python3.13t yourself and pass it with --python"
fi

# gilwall runs this script with GILWALL_LIFELINE=1 and holds the writing end of its stdin: end of
# file there means gilwall is gone (by any signal), and the build stops with it. gilwall starts
# the script in a process group of its own, so the whole group (make, the compilers) goes.
watcher=
if [ "${GILWALL_LIFELINE:-}" = 1 ]; then
  # A background job's stdin is /dev/null unless redirected explicitly: hand it ours as fd 3.
  exec 3<&0
  ( cat <&3 >/dev/null; kill -TERM -- -$$ ) >/dev/null 2>&1 &
  watcher=$!
fi
stop_watcher() { [ -z "$watcher" ] || kill "$watcher" 2>/dev/null || true; }
trap stop_watcher EXIT

start=$(date +%s)
say "building a free-threaded CPython $VERSION_SERIES from Debian trixie's source package into \
$PREFIX; this happens once and takes about 8 minutes on 2 idle cores (longer on a busy machine)"
mkdir -p "$BUILD"

# 1. A deb-src entry for trixie, beside the machine's own sources; binaries stay the machine's.
echo "progress 0 5 sources"
if [ ! -f "$SOURCES" ]; then
  say "adding $SOURCES (deb-src only: Debian trixie's source packages)"
  cat >"$SOURCES" <<'EOF'
# Added by gilwall's build-free-threaded.sh: source packages only, for python3.13's source.
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
fi
say "apt-get update"
if ! apt-get update >"$BUILD/apt-update.log" 2>&1 \
  || grep -qE '^(W|E): Failed to fetch .*trixie' "$BUILD/apt-update.log"; then
  tail -5 "$BUILD/apt-update.log" >&2
  cannot "cannot reach the Debian archive (deb.debian.org) to download python3.13's source; \
connect this machine to it, or install python3.13t yourself and pass it with --python"
fi

# 2. The build dependencies: a compiler and the headers of the modules pip and the companion
# need (ssl and zlib for pip, ctypes/ffi, sqlite, bz2, lzma, readline for a usable interpreter).
echo "progress 1 5 dependencies"
say "installing the build dependencies with apt-get"
# The lock wait: another apt-get (`gilwall go` installing golang-go in a test beside this)
# would otherwise fail this one.
DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends \
  build-essential pkg-config xz-utils dpkg-dev libssl-dev zlib1g-dev libffi-dev libbz2-dev \
  liblzma-dev libsqlite3-dev libreadline-dev libncurses-dev libgdbm-dev uuid-dev libexpat1-dev \
  >"$BUILD/apt-install.log" 2>&1 || {
  tail -5 "$BUILD/apt-install.log" >&2
  cannot "apt-get could not install the build dependencies (log: $BUILD/apt-install.log)"
}

# 3. The source: the upstream tarball inside Debian's source package, unpatched, so the build
# is plain CPython with the free-threading switch and nothing of Debian's packaging layout.
echo "progress 2 5 source"
cd "$BUILD"
if ! ls python"$VERSION_SERIES"_*.orig.tar.* >/dev/null 2>&1; then
  say "apt-get source --download-only python$VERSION_SERIES"
  apt-get source --download-only "python$VERSION_SERIES" >"$BUILD/apt-source.log" 2>&1 || {
    tail -5 "$BUILD/apt-source.log" >&2
    cannot "cannot download python$VERSION_SERIES's source package from Debian trixie \
(log: $BUILD/apt-source.log)"
  }
fi
tarball=$(ls python"$VERSION_SERIES"_*.orig.tar.* | head -1)
rm -rf src && mkdir src
tar -xf "$tarball" -C src --strip-components=1
say "unpacked $tarball"

# 4. Configure and build. Progress: C files compiled out of those the tree holds.
echo "progress 3 5 configure"
cd src
say "./configure --disable-gil --prefix=$PREFIX (log: $LOG)"
./configure --disable-gil --prefix="$PREFIX" --with-ensurepip=install >"$LOG" 2>&1 || {
  tail -20 "$LOG" >&2
  say "configure failed; the whole log is $LOG"
  exit 1
}
total=$(find Python Objects Parser Modules Programs -name '*.c' | wc -l)
say "make -j$(nproc): compiling about $total C files"
make -j"$(nproc)" >>"$LOG" 2>&1 &
make_pid=$!
trap 'kill "$make_pid" 2>/dev/null || true; stop_watcher' EXIT
while kill -0 "$make_pid" 2>/dev/null; do
  done_files=$(grep -cE '(^| )-c .*\.c( |$)|-o [^ ]*\.o' "$LOG" || true)
  [ "$done_files" -gt "$total" ] && done_files=$total
  echo "progress $done_files $total compile"
  sleep 5
done
if ! wait "$make_pid"; then
  tail -20 "$LOG" >&2
  say "make failed; the whole log is $LOG"
  exit 1
fi
trap stop_watcher EXIT

echo "progress 4 5 install"
say "make install into $PREFIX"
make install >>"$LOG" 2>&1 || {
  tail -20 "$LOG" >&2
  say "make install failed; the whole log is $LOG"
  exit 1
}
cd "$CACHE" && rm -rf "$BUILD/src"

if ! works; then
  say "the build finished but $PYTHON does not run with the GIL off; the log is $LOG"
  exit 1
fi
say "built $PYTHON in $(( ($(date +%s) - start) / 60 )) min $(( ($(date +%s) - start) % 60 )) s"
echo "progress 5 5 done"
echo "python $PYTHON"
