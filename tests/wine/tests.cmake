# The Windows build under Wine, driven from the Linux tree (included from
# tests/CMakeLists.txt when PAWN_WIN_EXE is set):
#
#   cmake ... -DPAWN_WIN_EXE=/path/to/build-win64/pawnparty.exe
#   ctest -L wine
#
# ./build.sh test runs the Linux suites with -LE wine, then
# `./build.sh windows` (which also runs the Windows unit tests under Wine
# in build-win64/), then `ctest -L wine` here. The Linux programs of this
# tree (itest, pawnparty, winegui) drive the Windows exe:
#
#   it_iocp_CASE   the integration suite against `wine pawnparty.exe host
#       --headless --port 0` (IOCP), driven by Linux clients; the bots case
#       runs the Windows bots against the Windows host
#   wine_cross_linux_bots_windows_host, wine_cross_windows_bots_linux_host
#       the wire format both ways (tests/wine/cross_bots.sh)
#   wine_gui_golden  the Windows window under Wine + Xvfb joins a Linux
#       host and draws the same pixels as the Linux window
#       (tests/wine/winegui.c)
#
# Two prefixes: the window needs one of its own. The first program in a
# prefix that touches user32 starts the prefix's desktop process
# (explorer.exe) with its own DISPLAY, and every later program draws
# through that desktop's driver: after a headless test (no display) had
# started it, the window could not be created ("Couldn't create window").
# Without wine one test, wine_unavailable, says so and is skipped (77).
find_program(PAWN_WINE_PROGRAM NAMES wine)
if(NOT PAWN_WINE_PROGRAM)
  message(WARNING "PAWN_WIN_EXE is set but wine is not installed: the Wine tests are skipped")
  add_test(NAME wine_unavailable
    COMMAND sh -c "echo 'SKIPPED: wine is not installed (apt-get install wine wine64); no Windows test ran'; exit 77")
  set_tests_properties(wine_unavailable PROPERTIES SKIP_RETURN_CODE 77 LABELS wine)
  return()
endif()

set(pawn_wine_dir ${CMAKE_CURRENT_SOURCE_DIR}/wine)
pawn_wine_fixture(wine ${CMAKE_BINARY_DIR}/wine-prefix)

# The headless tests have no display: Wine then uses its null driver.
set(pawn_wine_tests "")
foreach(c ${PAWN_ITEST_CASES})
  add_test(NAME it_iocp_${c}
    COMMAND itest --host "${PAWN_WINE_PROGRAM} ${PAWN_WIN_EXE}" --backend iocp --case ${c})
  list(APPEND pawn_wine_tests it_iocp_${c})
endforeach()
# The attacks on the host (tests/integration/attack.c) against the IOCP host.
foreach(c ${PAWN_ATTACK_CASES})
  add_test(NAME attack_iocp_${c}
    COMMAND attack --host "${PAWN_WINE_PROGRAM} ${PAWN_WIN_EXE}" --backend iocp --case ${c})
  list(APPEND pawn_wine_tests attack_iocp_${c})
endforeach()
add_test(NAME wine_cross_linux_bots_windows_host
  COMMAND sh ${pawn_wine_dir}/cross_bots.sh windows-host ${PAWN_WINE_PROGRAM} ${PAWN_WIN_EXE} $<TARGET_FILE:pawnparty>)
add_test(NAME wine_cross_windows_bots_linux_host
  COMMAND sh ${pawn_wine_dir}/cross_bots.sh linux-host ${PAWN_WINE_PROGRAM} ${PAWN_WIN_EXE} $<TARGET_FILE:pawnparty>)
list(APPEND pawn_wine_tests wine_cross_linux_bots_windows_host wine_cross_windows_bots_linux_host)
set_tests_properties(${pawn_wine_tests} PROPERTIES
  FIXTURES_REQUIRED wine TIMEOUT 180 SKIP_RETURN_CODE 77 LABELS wine
  ENVIRONMENT "${pawn_wine_env};DISPLAY=")

# The window. --text-shift 1: the win64 SDL2_ttf has no HarfBuzz, so kerned
# text sits 1 px to the side of the Linux window's (tests/wine/winegui.c
# explains); 0 once tools/build-win64-deps.sh builds SDL2_ttf with HarfBuzz.
add_executable(winegui wine/winegui.c)
target_link_libraries(winegui pawn_guikit)
pawn_wine_fixture(wine_gui ${CMAKE_BINARY_DIR}/wine-prefix-gui)
add_test(NAME wine_gui_golden
  COMMAND winegui --game $<TARGET_FILE:pawnparty> --wine ${PAWN_WINE_PROGRAM} --exe ${PAWN_WIN_EXE}
          --artifacts ${CMAKE_BINARY_DIR}/wine-artifacts --text-shift 1)
set_tests_properties(wine_gui_golden PROPERTIES
  FIXTURES_REQUIRED wine_gui TIMEOUT 180 SKIP_RETURN_CODE 77 LABELS wine RESOURCE_LOCK pawn_gui
  ENVIRONMENT "${pawn_wine_gui_env}")
