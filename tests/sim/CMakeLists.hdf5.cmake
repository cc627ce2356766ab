# Tests of the HDF5 writer (sim/src/hdf5.cpp): Catch2 unit tests, and a round trip in which
# tests/python/test_hdf5_roundtrip.py reads a file from hdf5_roundtrip_writer with h5py,
# pandas and h5dump. Included from tests/sim/CMakeLists.txt.
find_package(Catch2 2 REQUIRED)
if(NOT COMMAND catch_discover_tests)
  include(${Catch2_DIR}/Catch.cmake)
endif()

add_executable(test_sim_hdf5 ${CMAKE_CURRENT_LIST_DIR}/test_hdf5.cpp
  ${CMAKE_CURRENT_LIST_DIR}/test_hdf5_chunks.cpp ${CMAKE_CURRENT_LIST_DIR}/test_chunk_filter.cpp)
target_link_libraries(test_sim_hdf5 PRIVATE cyberdeter::sim ZLIB::ZLIB Catch2::Catch2WithMain)
# test_chunk_filter.cpp tests the library's internal filter steps (sim/src/chunk_filter.hpp).
target_include_directories(test_sim_hdf5 PRIVATE ${PROJECT_SOURCE_DIR}/sim/src)
cyberdeter_set_warnings(test_sim_hdf5)
catch_discover_tests(test_sim_hdf5 TEST_PREFIX "hdf5: ")

add_executable(hdf5_roundtrip_writer ${CMAKE_CURRENT_LIST_DIR}/hdf5_roundtrip_writer.cpp)
target_link_libraries(hdf5_roundtrip_writer PRIVATE cyberdeter::sim)
cyberdeter_set_warnings(hdf5_roundtrip_writer)

# Debian's interpreter, which sees python3-h5py and python3-pandas; `python3` on PATH may not.
# No cache or bytecode is written into the source tree.
if(NOT DEFINED CYBERDETER_PYTHON)
  set(CYBERDETER_PYTHON /usr/bin/python3)
endif()
add_test(NAME python_hdf5_roundtrip
  COMMAND ${CYBERDETER_PYTHON} -m pytest -q -p no:cacheprovider
          ${CMAKE_CURRENT_LIST_DIR}/../python/test_hdf5_roundtrip.py)
set_tests_properties(python_hdf5_roundtrip PROPERTIES
  ENVIRONMENT "CYBERDETER_HDF5_WRITER=$<TARGET_FILE:hdf5_roundtrip_writer>;PYTHONDONTWRITEBYTECODE=1")
