# GUI tests: the real game window under a private Xvfb, driven by xdotool,
# checked through screenshots (ImageMagick import + SDL2_image) and real
# test clients (tests/integration/harness.c). Included inside BUILD_TESTING.
#
# Each case starts its own Xvfb (-displayfd picks a free display) and kills
# everything it started by PID. Without Xvfb, xdotool or import a case
# prints a SKIP line and exits 77. Screenshots and logs are kept in
# ${CMAKE_BINARY_DIR}/gui-artifacts/CASE/.
if(NOT TARGET pawnparty OR NOT EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/cmake/game.cmake)
  message(STATUS "GUI tests not registered: this tree has no game window")
  return()
endif()

find_package(PkgConfig REQUIRED)
pkg_check_modules(PAWN_GUITEST_SDL2 REQUIRED IMPORTED_TARGET sdl2)
pkg_check_modules(PAWN_GUITEST_SDL2_IMAGE REQUIRED IMPORTED_TARGET SDL2_image)

add_executable(guitest
  tests/gui/guitest.c
  tests/gui/gproc.c
  tests/gui/xvfb.c
  tests/gui/shot.c
  tests/integration/harness.c)
target_include_directories(guitest PRIVATE tests/gui tests/integration)
target_link_libraries(guitest pawnnet
  PkgConfig::PAWN_GUITEST_SDL2_IMAGE PkgConfig::PAWN_GUITEST_SDL2 Threads::Threads)

set(PAWN_GUI_CASES host_three_bots arrow_keys click_walk join_korean errors)
set(PAWN_GUI_ARTIFACTS ${CMAKE_BINARY_DIR}/gui-artifacts)
set(pawn_gui_port 29300)
foreach(c ${PAWN_GUI_CASES})
  add_test(NAME gui_${c}
    COMMAND guitest --game $<TARGET_FILE:pawnparty> --case ${c} --artifacts ${PAWN_GUI_ARTIFACTS}
            --lsan-suppressions ${CMAKE_CURRENT_SOURCE_DIR}/tests/gui/lsan.supp)
  # The driver gives every process it starts a discovery port of its own;
  # this one is the driver's.
  set_tests_properties(gui_${c} PROPERTIES
    TIMEOUT 180 SKIP_RETURN_CODE 77 LABELS gui RESOURCE_LOCK pawn_gui
    ENVIRONMENT "PAWNPARTY_DISCOVERY_ADDR=127.0.0.1;PAWNPARTY_DISCOVERY_PORT=${pawn_gui_port}")
  math(EXPR pawn_gui_port "${pawn_gui_port} + 1")
endforeach()
