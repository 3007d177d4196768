# Developer tools that are not part of the game binary.
#
# gen_sprites draws assets/pieces/look0.png .. look9.png (committed; see
# assets/README.md):  build/gen_sprites assets/pieces
find_package(PkgConfig QUIET)
if(PkgConfig_FOUND)
  pkg_check_modules(PAWN_TOOLS_SDL2 QUIET IMPORTED_TARGET sdl2)
  pkg_check_modules(PAWN_TOOLS_SDL2_IMAGE QUIET IMPORTED_TARGET SDL2_image)
endif()

if(PAWN_TOOLS_SDL2_FOUND AND PAWN_TOOLS_SDL2_IMAGE_FOUND)
  add_executable(gen_sprites tools/gen_sprites.c)
  target_link_libraries(gen_sprites PkgConfig::PAWN_TOOLS_SDL2_IMAGE PkgConfig::PAWN_TOOLS_SDL2 m)
  set_target_properties(gen_sprites PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR})
else()
  message(STATUS "gen_sprites not built: pkg-config sdl2 / SDL2_image not found (apt-get install libsdl2-image-dev)")
endif()
