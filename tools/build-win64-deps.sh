#!/usr/bin/env bash
# Builds the SDL2 family for 64-bit Windows (x86_64-w64-mingw32) from
# Debian's own source packages, as static libraries, into
# third_party/win64/prefix (gitignored). `./build.sh windows` runs it.
#
#   tools/build-win64-deps.sh            build, or do nothing if up to date
#   tools/build-win64-deps.sh --refresh  also ask the archive for newer
#                                        Debian versions and rebuild if any
#
# What is built (cmake/mingw-w64.cmake is the toolchain for all of it):
#   SDL2       static + SDL2main
#   freetype   no harfbuzz, png, zlib, bzip2 or brotli
#   SDL2_ttf   against that freetype, no harfbuzz
#   SDL2_image PNG through its stb backend only: no libpng, libjpeg, tiff,
#              webp, avif or jxl
#
# Sources come from `apt-get source` under a private apt configuration in
# third_party/win64/apt (deb-src lines made from the system's deb lines);
# the system's apt configuration is never touched.
#
# Versions: the upstream series is pinned (SERIES below: a newer series
# fails loudly), the Debian revision is not, because a point release or a
# security update replaces the old .dsc on the mirror and an exact pin would
# stop building. The versions fetched are recorded in versions.txt, and the
# stamp (hash of this script and the toolchain file, plus those versions)
# makes a second run a no-op.
set -euo pipefail
cd "$(dirname "$0")/.."
top=$(pwd)
out=$top/third_party/win64
prefix=$out/prefix
apt_dir=$out/apt
jobs=$(nproc 2>/dev/null || echo 2)
refresh=0
[ "${1:-}" = --refresh ] && refresh=1

# Source package -> the upstream series this script is written for.
packages=(libsdl2 freetype libsdl2-ttf libsdl2-image)
declare -A SERIES=([libsdl2]=2.26 [freetype]=2.12 [libsdl2-ttf]=2.20 [libsdl2-image]=2.6)

log() { echo "build-win64-deps: $*" >&2; }
die() { log "$*"; exit 1; }

inputs_hash() {
    cat "$top/tools/build-win64-deps.sh" "$top/cmake/mingw-w64.cmake" | sha256sum | cut -d' ' -f1
}
stamp_text() { # versions-file
    echo "inputs $(inputs_hash)"
    cat "$1"
}

# --- fast path: nothing changed, no network -----------------------------------
if [ $refresh -eq 0 ] && [ -f "$out/stamp" ] && [ -f "$out/versions.txt" ] &&
    [ "$(stamp_text "$out/versions.txt")" = "$(cat "$out/stamp")" ]; then
    log "up to date ($(paste -sd' ' "$out/versions.txt"))"
    exit 0
fi
started=$SECONDS

# --- host tools -----------------------------------------------------------------
need=()
for p in gcc-mingw-w64-x86-64 g++-mingw-w64-x86-64 cmake ninja-build dpkg-dev pkg-config; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
    log "installing ${need[*]}"
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo=sudo
    $sudo apt-get -o DPkg::Lock::Timeout=600 update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get -o DPkg::Lock::Timeout=600 \
        install -y -qq --no-install-recommends "${need[@]}" >&2
fi

# --- private apt: deb-src twins of the system's deb sources -------------------
mkdir -p "$apt_dir/state/lists/partial" "$apt_dir/cache/archives/partial" "$apt_dir/sources.list.d"
{
    # deb822 files (/etc/apt/sources.list.d/*.sources): one stanza each.
    for f in /etc/apt/sources.list.d/*.sources; do
        [ -f "$f" ] || continue
        awk '
            function flush() {
                if (types ~ /(^| )deb( |$)/ && uris != "")
                    printf "Types: deb-src\nURIs: %s\nSuites: %s\nComponents: %s\n%s\n",
                        uris, suites, comps, (signed != "" ? "Signed-By: " signed "\n" : "")
                types = uris = suites = comps = signed = ""
            }
            /^[ \t]*#/ { next }
            /^[ \t]*$/ { flush(); next }
            { key = $1; sub(/:$/, "", key); $1 = ""; sub(/^ /, "") }
            key == "Types" { types = $0 } key == "URIs" { uris = $0 }
            key == "Suites" { suites = $0 } key == "Components" { comps = $0 }
            key == "Signed-By" { signed = $0 }
            END { flush() }' "$f"
    done
} >"$apt_dir/sources.list.d/debian-src.sources"
{
    # one-line files: each "deb ..." becomes "deb-src ...".
    cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
        sed -n 's/^[[:space:]]*deb[[:space:]]/deb-src /p' || true
} >"$apt_dir/sources.list"
[ -s "$apt_dir/sources.list.d/debian-src.sources" ] || [ -s "$apt_dir/sources.list" ] ||
    die "no deb sources found in /etc/apt to make deb-src entries from"

# Only the private lists count: Dir::Etc::SourceList (one-line deb-src) and
# SourceParts (deb822 deb-src) both point into $apt_dir.
apt_private() { # apt-get or apt-cache, then its arguments
    local tool=$1
    shift
    "$tool" -o Dir::Etc::SourceList="$apt_dir/sources.list" \
        -o Dir::Etc::SourceParts="$apt_dir/sources.list.d" \
        -o Dir::State="$apt_dir/state" -o Dir::Cache="$apt_dir/cache" \
        -o Dir::State::status=/var/lib/dpkg/status \
        -o APT::Sandbox::User=root -o Acquire::Languages=none \
        -o APT::Get::Only-Source=true "$@"
}

log "apt-get update (private deb-src lists in $apt_dir)"
apt_private apt-get update -qq >&2

# The newest version in the lists, as apt-get source would pick it.
candidate() { # source-package
    local best="" v
    for v in $(apt_private apt-cache showsrc --only-source "$1" 2>/dev/null | sed -n 's/^Version: //p'); do
        if [ -z "$best" ] || dpkg --compare-versions "$v" gt "$best"; then best=$v; fi
    done
    echo "$best"
}
: >"$out/versions.new"
for p in "${packages[@]}"; do
    v=$(candidate "$p")
    [ -n "$v" ] || die "no source package $p in the archive"
    case "${v#*:}" in
    "${SERIES[$p]}".*) ;;
    *) die "$p is $v, this script is written for ${SERIES[$p]}.x: update SERIES and check the options" ;;
    esac
    echo "$p $v" >>"$out/versions.new"
done
if [ -f "$out/stamp" ] && [ "$(stamp_text "$out/versions.new")" = "$(cat "$out/stamp")" ]; then
    mv "$out/versions.new" "$out/versions.txt"
    log "up to date after refresh ($(paste -sd' ' "$out/versions.txt"))"
    exit 0
fi

# --- fetch --------------------------------------------------------------------
rm -rf "$out/src" "$out/build" "$prefix" "$out/stamp"
mkdir -p "$out/src" "$out/build" "$prefix"
while read -r p v; do
    log "fetching $p $v"
    (cd "$out/src" && apt_private apt-get source -qq "$p=$v" >"$out/src/$p.log" 2>&1) ||
        { cat "$out/src/$p.log" >&2; die "apt-get source $p=$v failed"; }
done <"$out/versions.new"

srcdir() { # source-package: the extracted tree (upstream-version dir name)
    local d
    d=$(find "$out/src" -maxdepth 1 -mindepth 1 -type d -name "$1-[0-9]*" | head -1)
    [ -n "$d" ] || die "no extracted source for $1"
    echo "$d"
}

# --- build ----------------------------------------------------------------------
cmake_build() { # name source-dir [cmake args...]
    local name=$1 src=$2
    shift 2
    log "building $name"
    local b="$out/build/$name"
    cmake -S "$src" -B "$b" -G Ninja \
        -DCMAKE_TOOLCHAIN_FILE="$top/cmake/mingw-w64.cmake" \
        -DPAWN_WIN64_PREFIX="$prefix" \
        -DCMAKE_INSTALL_PREFIX="$prefix" \
        -DCMAKE_BUILD_TYPE=Release \
        -DBUILD_SHARED_LIBS=OFF \
        "$@" >"$b.log" 2>&1 &&
        cmake --build "$b" -j "$jobs" >>"$b.log" 2>&1 &&
        cmake --install "$b" >>"$b.log" 2>&1 ||
        { tail -40 "$b.log" >&2; die "$name failed (whole log: $b.log)"; }
}

cmake_build SDL2 "$(srcdir libsdl2)" \
    -DSDL_SHARED=OFF -DSDL_STATIC=ON -DSDL_TEST=OFF -DSDL2_DISABLE_SDL2MAIN=OFF

cmake_build freetype "$(srcdir freetype)" \
    -DFT_DISABLE_HARFBUZZ=ON -DFT_DISABLE_PNG=ON -DFT_DISABLE_ZLIB=ON \
    -DFT_DISABLE_BZIP2=ON -DFT_DISABLE_BROTLI=ON

cmake_build SDL2_ttf "$(srcdir libsdl2-ttf)" \
    -DSDL2TTF_VENDORED=OFF -DSDL2TTF_HARFBUZZ=OFF -DSDL2TTF_SAMPLES=OFF

cmake_build SDL2_image "$(srcdir libsdl2-image)" \
    -DSDL2IMAGE_VENDORED=OFF -DSDL2IMAGE_BACKEND_STB=ON -DSDL2IMAGE_BACKEND_WIC=OFF \
    -DSDL2IMAGE_PNG=ON -DSDL2IMAGE_JPG=OFF -DSDL2IMAGE_TIF=OFF -DSDL2IMAGE_WEBP=OFF \
    -DSDL2IMAGE_AVIF=OFF -DSDL2IMAGE_JXL=OFF -DSDL2IMAGE_SAMPLES=OFF -DSDL2IMAGE_TESTS=OFF

# SDL2_image's installed config asks for libpng whenever PNG is on, even
# though the stb backend is compiled in and the static target links no
# libpng: make that find_dependency(PNG) depend on the backend too.
img_cfg=$prefix/lib/cmake/SDL2_image/SDL2_imageConfig.cmake
sed -i 's/^if(SDL2IMAGE_PNG AND NOT SDL2IMAGE_VENDORED/if(SDL2IMAGE_PNG AND NOT SDL2IMAGE_BACKEND_STB AND NOT SDL2IMAGE_VENDORED/' "$img_cfg"
grep -q "SDL2IMAGE_PNG AND NOT SDL2IMAGE_BACKEND_STB" "$img_cfg" ||
    die "could not make $img_cfg stop asking for libpng"

mv "$out/versions.new" "$out/versions.txt"
stamp_text "$out/versions.txt" >"$out/stamp"
log "done in $((SECONDS - started)) s: $(paste -sd' ' "$out/versions.txt")"
