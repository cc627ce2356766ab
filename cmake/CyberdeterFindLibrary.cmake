# cyberdeter_find_library(TARGET PC_MODULE LIBRARY HEADER DEBIAN_PACKAGE)
# Defines the imported target TARGET for a C library that ships no CMake package: through
# pkg-config's PC_MODULE when it is there, or else the library LIBRARY and the header
# HEADER where the system keeps them. Stops with a message naming DEBIAN_PACKAGE when
# neither finds it.
find_package(PkgConfig QUIET)

function(cyberdeter_find_library target pc_module library header package)
  if(PKG_CONFIG_FOUND)
    pkg_check_modules(${target}_PC QUIET IMPORTED_TARGET GLOBAL ${pc_module})
  endif()
  if(TARGET PkgConfig::${target}_PC)
    add_library(${target} ALIAS PkgConfig::${target}_PC)
    return()
  endif()
  find_library(${target}_LIBRARY ${library})
  find_path(${target}_INCLUDE_DIR ${header})
  if(NOT ${target}_LIBRARY OR NOT ${target}_INCLUDE_DIR)
    message(FATAL_ERROR "cyberdeter: ${pc_module} not found (${header} and the library "
                        "${library}). Install it with scripts/install-deps.sh or "
                        "`apt-get install ${package}`.")
  endif()
  add_library(${target} UNKNOWN IMPORTED GLOBAL)
  set_target_properties(${target} PROPERTIES
    IMPORTED_LOCATION ${${target}_LIBRARY}
    INTERFACE_INCLUDE_DIRECTORIES ${${target}_INCLUDE_DIR})
endfunction()
