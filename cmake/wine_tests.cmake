# Tests of the Windows build under Wine (issue 4), in a Linux tree:
#
#   cmake ... -DPAWN_WIN_EXE=/path/to/build-win64/pawnparty.exe
#   ctest -L wine
#
# ./build.sh test passes PAWN_WIN_EXE to build/, runs the Linux suites with
# -LE wine, then `./build.sh windows`, then `ctest -L wine` here. The Linux
# programs of this tree (itest, pawnparty, winegui) drive the Windows exe:
#
#   wine_prefix_start / wine_prefix_stop  the fixture `wine`: a private
#       WINEPREFIX in this tree and its persistent wineserver
#       (tests/wine/prefix.sh says why); the stop runs even when tests fail;
#       wine_gui_prefix_start / _stop the same for the window's own prefix
#   it_iocp_CASE   the integration suite against `wine pawnparty.exe host
#       --headless --port 0` (IOCP), driven by Linux clients; the bots case
#       runs the Windows bots against the Windows host
#   wine_cross_linux_bots_windows_host, wine_cross_windows_bots_linux_host
#       the wire format both ways (tests/wine/cross_bots.sh)
#   wine_gui_golden  the Windows window under Wine + Xvfb joins a Linux
#       host and draws the same pixels as the Linux window
#       (tests/wine/winegui.c)
#
# Every test gets the prefix, WINEDEBUG=-all and discovery on loopback.
# Without wine one test, wine_unavailable, says so and is skipped (77).

set(PAWN_WIN_EXE "" CACHE FILEPATH "pawnparty.exe to test under Wine (ctest -L wine)")
find_program(PAWN_WINE_PROGRAM NAMES wine)

if(NOT PAWN_WINE_PROGRAM)
  message(WARNING "PAWN_WIN_EXE is set but wine is not installed: the Wine tests are skipped")
  add_test(NAME wine_unavailable
    COMMAND sh -c "echo 'SKIPPED: wine is not installed (apt-get install wine wine64); no Windows test ran'; exit 77")
  set_tests_properties(wine_unavailable PROPERTIES SKIP_RETURN_CODE 77 LABELS wine)
  return()
endif()

set(pawn_wine_dir ${CMAKE_CURRENT_SOURCE_DIR}/tests/wine)

# A fixture NAME: prefix DIR created and its wineserver started before the
# tests that require NAME, stopped after them (even when they fail).
# Two prefixes: the window needs one of its own. The first program in a
# prefix that touches user32 starts the prefix's desktop process
# (explorer.exe) with its own DISPLAY, and every later program draws
# through that desktop's driver: after a headless test (no display) had
# started it, the window could not be created ("Couldn't create window").
function(pawn_wine_fixture name dir)
  set(env "WINEPREFIX=${dir}" "WINEDEBUG=-all" "WINEARCH=win64" "PAWNPARTY_DISCOVERY_ADDR=127.0.0.1")
  add_test(NAME ${name}_prefix_start COMMAND sh ${pawn_wine_dir}/prefix.sh start ${dir})
  add_test(NAME ${name}_prefix_stop COMMAND sh ${pawn_wine_dir}/prefix.sh stop ${dir})
  set_tests_properties(${name}_prefix_start PROPERTIES
    FIXTURES_SETUP ${name} TIMEOUT 180 SKIP_RETURN_CODE 77 LABELS wine ENVIRONMENT "${env}")
  set_tests_properties(${name}_prefix_stop PROPERTIES
    FIXTURES_CLEANUP ${name} TIMEOUT 60 LABELS wine ENVIRONMENT "${env}")
  set(pawn_${name}_env "${env}" PARENT_SCOPE)
endfunction()

pawn_wine_fixture(wine ${CMAKE_BINARY_DIR}/wine-prefix)

# The headless tests have no display: Wine then uses its null driver.
set(pawn_wine_tests "")
foreach(c ${PAWN_ITEST_CASES})
  add_test(NAME it_iocp_${c}
    COMMAND itest --host "${PAWN_WINE_PROGRAM} ${PAWN_WIN_EXE}" --backend iocp --case ${c})
  list(APPEND pawn_wine_tests it_iocp_${c})
endforeach()

add_test(NAME wine_cross_linux_bots_windows_host
  COMMAND sh ${pawn_wine_dir}/cross_bots.sh windows-host ${PAWN_WINE_PROGRAM} ${PAWN_WIN_EXE} $<TARGET_FILE:pawnparty>)
add_test(NAME wine_cross_windows_bots_linux_host
  COMMAND sh ${pawn_wine_dir}/cross_bots.sh linux-host ${PAWN_WINE_PROGRAM} ${PAWN_WIN_EXE} $<TARGET_FILE:pawnparty>)
list(APPEND pawn_wine_tests wine_cross_linux_bots_windows_host wine_cross_windows_bots_linux_host)

set_tests_properties(${pawn_wine_tests} PROPERTIES
  FIXTURES_REQUIRED wine TIMEOUT 180 SKIP_RETURN_CODE 77 LABELS wine
  ENVIRONMENT "${pawn_wine_env};DISPLAY=")

# The window: needs the GUI test plumbing (cmake/gui_tests.cmake).
# --text-shift 1: the win64 SDL2_ttf has no HarfBuzz, so kerned text sits
# 1 px to the side of the Linux window's (tests/wine/winegui.c explains);
# 0 once tools/build-win64-deps.sh builds SDL2_ttf with HarfBuzz.
if(TARGET guitest)
  add_executable(winegui
    tests/wine/winegui.c
    tests/gui/gproc.c
    tests/gui/xvfb.c
    tests/gui/shot.c
    tests/integration/harness.c)
  target_include_directories(winegui PRIVATE tests/gui tests/integration)
  target_link_libraries(winegui pawnnet
    PkgConfig::PAWN_GUITEST_SDL2_IMAGE PkgConfig::PAWN_GUITEST_SDL2 Threads::Threads)
  pawn_wine_fixture(wine_gui ${CMAKE_BINARY_DIR}/wine-prefix-gui)
  add_test(NAME wine_gui_golden
    COMMAND winegui --game $<TARGET_FILE:pawnparty> --wine ${PAWN_WINE_PROGRAM} --exe ${PAWN_WIN_EXE}
            --artifacts ${CMAKE_BINARY_DIR}/wine-artifacts --text-shift 1)
  set_tests_properties(wine_gui_golden PROPERTIES
    FIXTURES_REQUIRED wine_gui TIMEOUT 180 SKIP_RETURN_CODE 77 LABELS wine RESOURCE_LOCK pawn_gui
    ENVIRONMENT "${pawn_wine_gui_env}")
else()
  message(STATUS "wine_gui_golden not registered: this tree has no GUI tests")
endif()
