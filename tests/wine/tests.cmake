# The Windows build under Wine, driven from the Linux tree (included from
# tests/CMakeLists.txt when PAWN_WIN_EXE is set):
#
#   cmake ... -DPAWN_WIN_EXE=/path/to/build-win64/pawnparty.exe
#   ctest -L wine
#
# Two programs sit beside each other there, as in the zip: pawnparty.exe,
# the game (a GUI program: no console, no stdout a terminal could show),
# and pawnparty-console.exe, the same code as a console program, which is
# what every headless test runs (`host --headless`, the bots).
#
# ./build.sh test runs the Linux suites with -LE wine, then
# `./build.sh windows` (which also runs the Windows unit tests under Wine
# in build-win64/), then `ctest -L wine` here. The Linux programs of this
# tree (itest, pawnparty, winegui) drive the Windows exe:
#
#   it_iocp_CASE   the integration suite against `wine pawnparty-console.exe
#       host --headless --port 0` (IOCP), driven by Linux clients; the bots
#       case runs the Windows bots against the Windows host
#   wine_cross_linux_bots_windows_host, wine_cross_windows_bots_linux_host
#       the wire format both ways (tests/wine/cross_bots.sh)
#   wine_package   each exe's PE subsystem (GUI, console) and what the zip
#       holds (tests/wine/pe_check.sh)
#   wine_gui_golden  the Windows window, from the unpacked zip in a prefix
#       with no Korean font, joins a Linux host and draws the same pixels
#       as the Linux window (tests/wine/winegui.c)
#   wine_gui_nofont, wine_gui_double_click, wine_gui_default_name  a
#       message box when the zip's font is gone; a double-click opens the
#       game and no console; the same default name as on Linux
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
get_filename_component(pawn_win_dir ${PAWN_WIN_EXE} DIRECTORY)
set(PAWN_WIN_CONSOLE_EXE ${pawn_win_dir}/pawnparty-console.exe)
set(PAWN_WIN_ZIP ${pawn_win_dir}/pawnparty-win64.zip)
pawn_wine_fixture(wine ${CMAKE_BINARY_DIR}/wine-prefix)

# The headless tests have no display: Wine then uses its null driver.
set(pawn_wine_tests "")
foreach(c ${PAWN_ITEST_CASES})
  add_test(NAME it_iocp_${c}
    COMMAND itest --host "${PAWN_WINE_PROGRAM} ${PAWN_WIN_CONSOLE_EXE}" --backend iocp --case ${c})
  list(APPEND pawn_wine_tests it_iocp_${c})
endforeach()
# The attacks on the host (tests/integration/attack.c) against the IOCP host.
foreach(c ${PAWN_ATTACK_CASES})
  add_test(NAME attack_iocp_${c}
    COMMAND attack --host "${PAWN_WINE_PROGRAM} ${PAWN_WIN_CONSOLE_EXE}" --backend iocp --case ${c})
  list(APPEND pawn_wine_tests attack_iocp_${c})
endforeach()
add_test(NAME wine_cross_linux_bots_windows_host
  COMMAND sh ${pawn_wine_dir}/cross_bots.sh windows-host ${PAWN_WINE_PROGRAM} ${PAWN_WIN_CONSOLE_EXE} $<TARGET_FILE:pawnparty>)
add_test(NAME wine_cross_windows_bots_linux_host
  COMMAND sh ${pawn_wine_dir}/cross_bots.sh linux-host ${PAWN_WINE_PROGRAM} ${PAWN_WIN_CONSOLE_EXE} $<TARGET_FILE:pawnparty>)
list(APPEND pawn_wine_tests wine_cross_linux_bots_windows_host wine_cross_windows_bots_linux_host)
set_tests_properties(${pawn_wine_tests} PROPERTIES
  FIXTURES_REQUIRED wine TIMEOUT 180 SKIP_RETURN_CODE 77 LABELS wine
  ENVIRONMENT "${pawn_wine_env};DISPLAY=")

# The package: no Wine needed, but it is the Windows build's.
add_test(NAME wine_package COMMAND sh ${pawn_wine_dir}/pe_check.sh ${CMAKE_COMMAND} ${pawn_win_dir})
set_tests_properties(wine_package PROPERTIES TIMEOUT 60 LABELS wine)

# The window. --text-shift 1: the win64 SDL2_ttf has no HarfBuzz, so kerned
# text sits 1 px to the side of the Linux window's (tests/wine/winegui.c
# explains); 0 once tools/build-win64-deps.sh builds SDL2_ttf with HarfBuzz.
# The cases share a prefix of their own (with no Korean font, windows
# unmanaged: tests/wine/prefix.sh), one after the other.
add_executable(winegui wine/winegui.c)
target_link_libraries(winegui pawn_guikit)
pawn_wine_fixture(wine_gui ${CMAKE_BINARY_DIR}/wine-prefix-gui)
foreach(c golden nofont double_click default_name)
  add_test(NAME wine_gui_${c}
    COMMAND winegui --game $<TARGET_FILE:pawnparty> --wine ${PAWN_WINE_PROGRAM} --exe ${PAWN_WIN_EXE}
            --console-exe ${PAWN_WIN_CONSOLE_EXE} --zip ${PAWN_WIN_ZIP} --case ${c}
            --artifacts ${CMAKE_BINARY_DIR}/wine-artifacts --text-shift 1 --preload $<TARGET_FILE:pawn_noresolve>)
  set_tests_properties(wine_gui_${c} PROPERTIES
    FIXTURES_REQUIRED wine_gui TIMEOUT 180 SKIP_RETURN_CODE 77 LABELS wine RESOURCE_LOCK pawn_gui
    ENVIRONMENT "${pawn_wine_gui_env}")
endforeach()
