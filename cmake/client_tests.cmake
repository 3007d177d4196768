# Tests for net/client*.c and net/discovery.c (included inside BUILD_TESTING,
# after the other tests). Every one sets PAWNPARTY_DISCOVERY_ADDR=127.0.0.1
# so that discovery can never leave the machine; the discovery cases pick
# their own PAWNPARTY_DISCOVERY_PORT at run time.

add_executable(test_discovery tests/unit/test_discovery.c)
target_include_directories(test_discovery PRIVATE tests/unit)
target_link_libraries(test_discovery pawnnet)
add_test(NAME unit_discovery COMMAND test_discovery)
set_tests_properties(unit_discovery PROPERTIES
  TIMEOUT 60 LABELS unit
  ENVIRONMENT "PAWNPARTY_DISCOVERY_ADDR=127.0.0.1")

add_executable(client_test tests/integration/client_test.c tests/integration/harness.c)
target_include_directories(client_test PRIVATE tests/integration tests/unit)
target_link_libraries(client_test pawnnet)

# Against the real host, on every Linux backend (a refused io_uring skips
# with 77, as in itest).
set(PAWN_CLIENT_HOST_CASES
  join two_clients host_quits game_full stop_logout move_threads quick_stop)
foreach(backend uring epoll)
  foreach(c ${PAWN_CLIENT_HOST_CASES})
    add_test(NAME client_${backend}_${c}
      COMMAND client_test --host $<TARGET_FILE:pawnparty> --backend ${backend} --case ${c})
    set_tests_properties(client_${backend}_${c} PROPERTIES
      TIMEOUT 180 SKIP_RETURN_CODE 77 LABELS integration
      ENVIRONMENT "PAWNPARTY_DISCOVERY_ADDR=127.0.0.1")
  endforeach()
endforeach()

# No host process: a refused connect, a scripted host, discovery in-process.
set(PAWN_CLIENT_LOCAL_CASES
  refused fake_stream fake_bad_stream fake_stop_early
  discovery_find discovery_garbage discovery_two discovery_bad_addr)
foreach(c ${PAWN_CLIENT_LOCAL_CASES})
  add_test(NAME client_${c}
    COMMAND client_test --host $<TARGET_FILE:pawnparty> --case ${c})
  set_tests_properties(client_${c} PROPERTIES
    TIMEOUT 120 LABELS integration
    ENVIRONMENT "PAWNPARTY_DISCOVERY_ADDR=127.0.0.1")
endforeach()
