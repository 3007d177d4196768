# CMake toolchain file: cross-build for 64-bit Windows with Debian's
# mingw-w64 (x86_64-w64-mingw32-gcc), against the static SDL2 family that
# tools/build-win64-deps.sh installs into third_party/win64/prefix.
#
#   cmake -S . -B build-win64 -G Ninja -DCMAKE_TOOLCHAIN_FILE=cmake/mingw-w64.cmake
#
# The deps script uses this same file for SDL2, freetype, SDL2_ttf and
# SDL2_image, so the libraries and the game are built alike. Everything is
# linked statically (-static: libgcc, winpthread and the C runtime glue), so
# the exe needs only DLLs that ship with Windows.
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)

set(PAWN_MINGW_TRIPLE x86_64-w64-mingw32)
set(CMAKE_C_COMPILER ${PAWN_MINGW_TRIPLE}-gcc)
set(CMAKE_CXX_COMPILER ${PAWN_MINGW_TRIPLE}-g++)
set(CMAKE_RC_COMPILER ${PAWN_MINGW_TRIPLE}-windres)
set(CMAKE_AR ${PAWN_MINGW_TRIPLE}-ar CACHE FILEPATH "")
set(CMAKE_RANLIB ${PAWN_MINGW_TRIPLE}-ranlib CACHE FILEPATH "")

# Where the SDL2 family lives. -DPAWN_WIN64_PREFIX=... overrides it (the
# deps script passes it explicitly); try_compile projects inherit it.
if(NOT PAWN_WIN64_PREFIX)
  get_filename_component(PAWN_WIN64_PREFIX
    "${CMAKE_CURRENT_LIST_DIR}/../third_party/win64/prefix" ABSOLUTE)
endif()
set(PAWN_WIN64_PREFIX "${PAWN_WIN64_PREFIX}" CACHE PATH "Prefix of the static win64 SDL2 family")
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES PAWN_WIN64_PREFIX)

# Headers, libraries and package configs come from the mingw sysroot and the
# prefix only, never from the Linux host; programs (pkg-config, ninja) are
# the host's.
set(CMAKE_FIND_ROOT_PATH /usr/${PAWN_MINGW_TRIPLE} "${PAWN_WIN64_PREFIX}")
set(CMAKE_PREFIX_PATH "${PAWN_WIN64_PREFIX}")
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# pkg-config sees the prefix's .pc files and not the host's.
set(ENV{PKG_CONFIG_LIBDIR} "${PAWN_WIN64_PREFIX}/lib/pkgconfig")
set(ENV{PKG_CONFIG_PATH} "")

# A self-contained exe: no libgcc_s, libwinpthread or libstdc++ DLLs.
set(CMAKE_EXE_LINKER_FLAGS_INIT "-static -static-libgcc")
set(CMAKE_SHARED_LINKER_FLAGS_INIT "-static-libgcc")

# Tests built here are Windows programs: run them through Wine when it is
# installed (ctest in a cross build tree), else they are only built.
find_program(PAWN_WINE NAMES wine64 wine)
if(PAWN_WINE)
  set(CMAKE_CROSSCOMPILING_EMULATOR "${PAWN_WINE}")
endif()
