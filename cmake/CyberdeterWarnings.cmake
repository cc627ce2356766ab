# cyberdeter_set_warnings(target): project warning set, errors when asked.
# Sanitizers and invariant checks ride along so that every target is built alike.
function(cyberdeter_set_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow
    -Wnon-virtual-dtor -Wold-style-cast -Wcast-align -Woverloaded-virtual
    -Wconversion -Wsign-conversion -Wdouble-promotion
    -Wimplicit-fallthrough)
  if(CYBERDETER_WARNINGS_AS_ERRORS)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

if(CYBERDETER_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=address,undefined)
endif()
if(CYBERDETER_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "CYBERDETER_FUZZ needs Clang (libFuzzer): use the `fuzz` preset")
  endif()
  # Every target is instrumented for coverage and checked; only the fuzz programs link
  # libFuzzer's main (tests/fuzz/CMakeLists.txt).
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer
                      -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()
if(CYBERDETER_CHECKS)
  add_compile_definitions(CYBERDETER_CHECKS=1)
endif()
