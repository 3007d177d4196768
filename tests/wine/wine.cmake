# pawn_wine_fixture(NAME DIR): a private WINEPREFIX in DIR, created and its
# wineserver started before the tests that require the fixture NAME, and
# stopped after them (even when they fail); tests/wine/prefix.sh says why.
# Sets pawn_NAME_env to the environment those tests run with.
function(pawn_wine_fixture name dir)
  set(env "WINEPREFIX=${dir}" "WINEDEBUG=-all" "WINEARCH=win64" "PAWNPARTY_DISCOVERY_ADDR=127.0.0.1")
  set(script ${PROJECT_SOURCE_DIR}/tests/wine/prefix.sh)
  add_test(NAME ${name}_prefix_start COMMAND sh ${script} start ${dir})
  add_test(NAME ${name}_prefix_stop COMMAND sh ${script} stop ${dir})
  set_tests_properties(${name}_prefix_start PROPERTIES
    FIXTURES_SETUP ${name} TIMEOUT 180 SKIP_RETURN_CODE 77 LABELS wine ENVIRONMENT "${env}")
  set_tests_properties(${name}_prefix_stop PROPERTIES
    FIXTURES_CLEANUP ${name} TIMEOUT 60 LABELS wine ENVIRONMENT "${env}")
  set(pawn_${name}_env "${env}" PARENT_SCOPE)
endfunction()
