# Benchmark peers (issue 5): the same protocol v1 and the same rules
# (net/world.c) as pawnparty host, with other I/O models, so that the same
# bots and stress tester drive them. Included from CMakeLists.txt.
#
#   peer_threads  a thread per client (reader + writer), one world mutex
#   peer_select   one thread, select(): at most ~1,000 connections (FD_SETSIZE)
#   peer_uv       one libuv loop thread (pkg-config libuv; apt-get install libuv1-dev)
#
# Each prints "listening on 127.0.0.1:PORT" and stops with exit 0 on
# SIGINT/SIGTERM; tests/integration/peer_smoke.sh checks that with bots.

add_library(pawnpeer STATIC bench/peer_common.c)
target_include_directories(pawnpeer PUBLIC bench)
target_link_libraries(pawnpeer PUBLIC pawnnet Threads::Threads)

set(PAWN_PEERS threads select)
add_executable(peer_threads bench/peer_threads.c)
target_link_libraries(peer_threads pawnpeer)
add_executable(peer_select bench/peer_select.c)
target_link_libraries(peer_select pawnpeer)

find_package(PkgConfig QUIET)
if(PkgConfig_FOUND)
  pkg_check_modules(PAWN_LIBUV QUIET IMPORTED_TARGET libuv)
endif()
if(PAWN_LIBUV_FOUND)
  add_executable(peer_uv bench/peer_uv.c)
  target_link_libraries(peer_uv pawnpeer PkgConfig::PAWN_LIBUV)
  list(APPEND PAWN_PEERS uv)
else()
  message(STATUS "peer_uv not built: pkg-config libuv not found (apt-get install libuv1-dev)")
endif()

foreach(m ${PAWN_PEERS})
  set_target_properties(peer_${m} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR})
endforeach()

# Smoke tests: each peer with --port 0, 20 bots for 3 s with --check, then
# SIGTERM and exit 0. "smoke" is the whole-board view (everyone sees
# everyone), "bigworld" the 400x400 board with view 7 and 20,000 players.
if(BUILD_TESTING AND TARGET pawnparty)
  foreach(m ${PAWN_PEERS})
    add_test(NAME peer_${m}_smoke
      COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/tests/integration/peer_smoke.sh
              $<TARGET_FILE:peer_${m}> $<TARGET_FILE:pawnparty> 20
              --board 16x16 --max-players 64)
    add_test(NAME peer_${m}_bigworld
      COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/tests/integration/peer_smoke.sh
              $<TARGET_FILE:peer_${m}> $<TARGET_FILE:pawnparty> 200
              --board 400x400 --view 7 --max-players 20000)
    set_tests_properties(peer_${m}_smoke peer_${m}_bigworld PROPERTIES
      TIMEOUT 60 LABELS "integration;peers"
      ENVIRONMENT "PAWNPARTY_DISCOVERY_ADDR=127.0.0.1")
    if(COMMAND pawn_stress_smoke)
      pawn_stress_smoke(peer_${m} $<TARGET_FILE:peer_${m}>)
    endif()
  endforeach()
endif()
