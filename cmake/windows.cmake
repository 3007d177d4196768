# The Windows build (included from CMakeLists.txt when WIN32): the cross
# build here (cmake/mingw-w64.cmake, ./build.sh windows) and a build on a
# Windows machine (build.ps1, MinGW or MSVC).
#
#   pawnnet    the host core with the IOCP backend, the WSA client loop and
#              the Win32 sys layer (no io_uring, no epoll)
#   pawnparty  the game, linked with the SDL2 family
#   unit tests the pure-C ones; integration, GUI, stress and peer tests use
#              POSIX processes and stay Linux-only
#
# Subsystem: pawnparty.exe is a *console* program. The command-line contract
# needs a real stdout (`listening on ...`, exit codes, Ctrl+C) in cmd and
# PowerShell, which wait for a console program and hand it their console; a
# GUI-subsystem exe would return to the prompt at once and would have to
# re-attach with AttachConsole. A double-clicked console exe gets a console
# window of its own; the game hides it (when GetConsoleProcessList says it is
# the only process on that console, FreeConsole), which is the game's
# business, not the build's. -DPAWN_WIN_GUI=ON builds a GUI-subsystem exe
# instead (-mwindows, /SUBSYSTEM:WINDOWS): then the game must AttachConsole.
option(PAWN_WIN_GUI "Build pawnparty.exe for the GUI subsystem instead of the console one" OFF)
option(PAWN_WIN_PARTIAL "Build only what exists while the Windows net files are written" OFF)

# --- net ---------------------------------------------------------------------
# client.cmake lists the POSIX client loop; Windows has its own.
list(TRANSFORM PAWN_NET_CLIENT_SOURCES REPLACE "client_poll\\.c$" "client_wsa.c")
set(PAWN_WIN_NET_SOURCES
  net/sys_common.c net/sys_win32.c net/host_core.c net/host_backends_win32.c net/host_iocp.c
  ${PAWN_NET_CLIENT_SOURCES})

set(pawn_win_missing "")
foreach(f ${PAWN_WIN_NET_SOURCES})
  if(NOT EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/${f})
    list(APPEND pawn_win_missing ${f})
  endif()
endforeach()
if(pawn_win_missing)
  string(REPLACE ";" ", " pawn_win_missing_text "${pawn_win_missing}")
  if(NOT PAWN_WIN_PARTIAL)
    message(FATAL_ERROR
      "The Windows build needs ${pawn_win_missing_text} (the Windows port of net/, "
      "not written yet). -DPAWN_WIN_PARTIAL=ON builds the parts that exist: "
      "the protocol library, the unit tests and the game's objects.")
  endif()
  message(WARNING "PAWN_WIN_PARTIAL: no pawnnet and no pawnparty.exe (missing ${pawn_win_missing_text})")
endif()

# Threads: host_core.c uses pthreads; MinGW has them (winpthreads, linked
# statically with -static). FindThreads on Windows settles for Win32
# threads and links nothing, so ask for the library by name there.
if(MINGW)
  set(PAWN_WIN_THREADS pthread)
else()
  set(PAWN_WIN_THREADS Threads::Threads)
endif()

if(NOT pawn_win_missing)
  add_library(pawnnet STATIC ${PAWN_WIN_NET_SOURCES})
  target_include_directories(pawnnet PUBLIC net)
  target_compile_definitions(pawnnet PUBLIC WIN32_LEAN_AND_MEAN _WIN32_WINNT=0x0601)
  target_link_libraries(pawnnet PUBLIC pawnproto ${PAWN_WIN_THREADS} ws2_32 mswsock shell32)
endif()

# --- the SDL2 family ---------------------------------------------------------
# Static when every library has a static target (third_party/win64/prefix
# from tools/build-win64-deps.sh), else the shared ones (the official
# development zips that build.ps1 fetches), whose DLLs are copied next to
# the exe. SDL2main is not used: game/main.c has a plain main().
find_package(SDL2 CONFIG REQUIRED)
find_package(SDL2_ttf CONFIG REQUIRED)
find_package(SDL2_image CONFIG REQUIRED)
if(TARGET SDL2::SDL2-static AND TARGET SDL2_ttf::SDL2_ttf-static AND TARGET SDL2_image::SDL2_image-static)
  set(PAWN_SDL_LIBS SDL2_ttf::SDL2_ttf-static SDL2_image::SDL2_image-static SDL2::SDL2-static)
  set(PAWN_SDL_SHARED OFF)
else()
  set(PAWN_SDL_LIBS SDL2_ttf::SDL2_ttf SDL2_image::SDL2_image SDL2::SDL2)
  set(PAWN_SDL_SHARED ON)
endif()
message(STATUS "SDL2 family: ${PAWN_SDL_LIBS}")

file(GLOB PAWN_GAME_SOURCES CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/game/*.c)

if(pawn_win_missing)
  # Compile the game alone, so Windows compile errors in game/ show now.
  add_library(pawngame_objects OBJECT ${PAWN_GAME_SOURCES})
  target_include_directories(pawngame_objects PRIVATE game tools net)
  target_link_libraries(pawngame_objects PRIVATE ${PAWN_SDL_LIBS})
else()
  add_executable(pawnparty ${PAWN_GAME_SOURCES} tools/bots.c)
  target_include_directories(pawnparty PRIVATE game tools)
  # The SDL libraries bring their own system libraries (user32, gdi32,
  # winmm, imm32, ole32, oleaut32, version, uuid, advapi32, setupapi,
  # shell32, dinput8); pawnnet brings ws2_32 and mswsock.
  target_link_libraries(pawnparty pawnnet ${PAWN_SDL_LIBS})
  set_target_properties(pawnparty PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR})
  if(PAWN_WIN_GUI)
    set_target_properties(pawnparty PROPERTIES WIN32_EXECUTABLE ON)
  elseif(MINGW)
    target_link_options(pawnparty PRIVATE -mconsole)
  endif()
  if(MINGW)
    # The player's exe carries no symbols (RelWithDebInfo keeps them).
    target_link_options(pawnparty PRIVATE $<$<CONFIG:Release>:-s>)
  endif()

  add_custom_target(pawnparty_assets ALL
    COMMAND ${CMAKE_COMMAND} -E copy_directory
            ${CMAKE_CURRENT_SOURCE_DIR}/assets ${CMAKE_BINARY_DIR}/assets
    COMMENT "Copying assets/ next to pawnparty.exe")
  add_dependencies(pawnparty pawnparty_assets)
  if(PAWN_SDL_SHARED)
    add_custom_command(TARGET pawnparty POST_BUILD
      COMMAND ${CMAKE_COMMAND} -E copy_if_different
              $<TARGET_RUNTIME_DLLS:pawnparty> $<TARGET_FILE_DIR:pawnparty>
      COMMAND_EXPAND_LISTS)
  endif()

  # What a player downloads: pawnparty.exe and assets/ (plus the SDL DLLs
  # in a shared build) at the top of pawnparty-win64.zip.
  set(pawn_zip_dir ${CMAKE_BINARY_DIR}/zip)
  set(pawn_zip_dlls "")
  if(PAWN_SDL_SHARED)
    set(pawn_zip_dlls COMMAND ${CMAKE_COMMAND} -E copy $<TARGET_RUNTIME_DLLS:pawnparty> ${pawn_zip_dir})
  endif()
  add_custom_target(pawnparty_zip
    COMMAND ${CMAKE_COMMAND} -E rm -rf ${pawn_zip_dir} ${CMAKE_BINARY_DIR}/pawnparty-win64.zip
    COMMAND ${CMAKE_COMMAND} -E make_directory ${pawn_zip_dir}
    COMMAND ${CMAKE_COMMAND} -E copy $<TARGET_FILE:pawnparty> ${pawn_zip_dir}
    COMMAND ${CMAKE_COMMAND} -E copy_directory ${CMAKE_CURRENT_SOURCE_DIR}/assets ${pawn_zip_dir}/assets
    ${pawn_zip_dlls}
    COMMAND ${CMAKE_COMMAND} -E chdir ${pawn_zip_dir}
            ${CMAKE_COMMAND} -E tar cf ${CMAKE_BINARY_DIR}/pawnparty-win64.zip --format=zip .
    DEPENDS pawnparty
    COMMAND_EXPAND_LISTS
    COMMENT "Packing pawnparty-win64.zip (pawnparty.exe + assets/)")
endif()

# --- unit tests (pure C) -----------------------------------------------------
# ctest runs them through Wine in a cross build (CMAKE_CROSSCOMPILING_EMULATOR
# in cmake/mingw-w64.cmake), natively on Windows.
if(BUILD_TESTING)
  foreach(t proto reasm world mirror)
    add_executable(test_${t} tests/unit/test_${t}.c)
    target_include_directories(test_${t} PRIVATE tests/unit)
    target_link_libraries(test_${t} pawnproto)
    add_test(NAME unit_${t} COMMAND test_${t})
    set_tests_properties(unit_${t} PROPERTIES TIMEOUT 60 LABELS unit)
  endforeach()
  add_executable(test_path tests/unit/test_path.c game/path.c)
  target_include_directories(test_path PRIVATE tests/unit game)
  add_executable(test_view tests/unit/test_view.c game/view.c)
  target_include_directories(test_view PRIVATE tests/unit game)
  target_link_libraries(test_view pawnproto)
  foreach(t path view)
    add_test(NAME unit_${t} COMMAND test_${t})
    set_tests_properties(unit_${t} PROPERTIES TIMEOUT 60 LABELS unit)
  endforeach()
endif()
