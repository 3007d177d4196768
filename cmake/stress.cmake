# The stress tester: build/stress (docs/stress.md) and its smoke test.
#
# One process drives thousands of dummy players through epoll; the plot
# (--png) and the optional --window need SDL2 and SDL2_image.
find_package(PkgConfig QUIET)
if(PkgConfig_FOUND)
  pkg_check_modules(PAWN_STRESS_SDL2 QUIET IMPORTED_TARGET sdl2)
  pkg_check_modules(PAWN_STRESS_SDL2_IMAGE QUIET IMPORTED_TARGET SDL2_image)
endif()

if(NOT (PAWN_STRESS_SDL2_FOUND AND PAWN_STRESS_SDL2_IMAGE_FOUND))
  message(STATUS "stress not built: pkg-config sdl2 / SDL2_image not found (apt-get install libsdl2-image-dev)")
  return()
endif()

add_executable(stress
  tools/stress.c
  tools/stress_swarm.c
  tools/stress_plot.c
  tools/stress_window.c)
target_include_directories(stress PRIVATE tools)
target_link_libraries(stress pawnnet PkgConfig::PAWN_STRESS_SDL2_IMAGE PkgConfig::PAWN_STRESS_SDL2 m)
set_target_properties(stress PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR})

# pawn_stress_smoke(NAME SERVER ARGS...): the ramp for a few seconds
# against one server (our host here; cmake/peers.cmake adds the peers).
function(pawn_stress_smoke name)
  add_test(NAME stress_smoke_${name}
    COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/tests/integration/stress_smoke.sh
            $<TARGET_FILE:stress> ${CMAKE_CURRENT_BINARY_DIR}/stress_smoke_${name} ${ARGN})
  set_tests_properties(stress_smoke_${name} PROPERTIES
    TIMEOUT 120 LABELS smoke
    ENVIRONMENT "PAWNPARTY_DISCOVERY_ADDR=127.0.0.1")
endfunction()

if(BUILD_TESTING)
  foreach(backend uring epoll)
    pawn_stress_smoke(host_${backend} $<TARGET_FILE:pawnparty> host --headless --backend ${backend})
  endforeach()
endif()
