# The game binary with its SDL2 window (included from CMakeLists.txt).
#
# pawnparty = game/*.c (window, menus, rendering; SDL only) + tools/bots.c,
# linked with pawnnet (host core, client thread, discovery; no SDL). The
# assets/ tree is copied next to the binary on every build, so the game
# finds assets/pieces and assets/fonts through SDL_GetBasePath() from any
# working directory.
find_package(PkgConfig REQUIRED)
pkg_check_modules(SDL2 REQUIRED IMPORTED_TARGET sdl2)
pkg_check_modules(SDL2_TTF REQUIRED IMPORTED_TARGET SDL2_ttf)
pkg_check_modules(SDL2_IMAGE REQUIRED IMPORTED_TARGET SDL2_image)
pkg_check_modules(FONTCONFIG REQUIRED IMPORTED_TARGET fontconfig)

file(GLOB PAWN_GAME_SOURCES CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/game/*.c)
add_executable(pawnparty ${PAWN_GAME_SOURCES} tools/bots.c)
target_include_directories(pawnparty PRIVATE game tools)
target_link_libraries(pawnparty pawnnet
  PkgConfig::SDL2_TTF PkgConfig::SDL2_IMAGE PkgConfig::SDL2 PkgConfig::FONTCONFIG m)
set_target_properties(pawnparty PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR})

# Copied on every build (a few small files): simpler and safer than
# tracking each asset, and new sprites or fonts show up without a reconfigure.
add_custom_target(pawnparty_assets ALL
  COMMAND ${CMAKE_COMMAND} -E copy_directory
          ${CMAKE_CURRENT_SOURCE_DIR}/assets ${CMAKE_BINARY_DIR}/assets
  COMMENT "Copying assets/ next to pawnparty")
add_dependencies(pawnparty pawnparty_assets)

# --- unit tests of the game's pure parts ------------------------------------
if(BUILD_TESTING)
  add_executable(test_path tests/unit/test_path.c game/path.c)
  target_include_directories(test_path PRIVATE tests/unit game)

  add_executable(test_view tests/unit/test_view.c game/view.c)
  target_include_directories(test_view PRIVATE tests/unit game)
  target_link_libraries(test_view pawnproto m)

  foreach(t path view)
    add_test(NAME unit_${t} COMMAND test_${t})
    set_tests_properties(unit_${t} PROPERTIES TIMEOUT 60 LABELS unit
      ENVIRONMENT "SDL_VIDEODRIVER=dummy;PAWNPARTY_DISCOVERY_ADDR=127.0.0.1")
  endforeach()
endif()
