# library.cmake - libtirc.so.0 (versioned soname, only tirc_* exported) and libtirc.a, both
# built from api/ and the core (included from the top CMakeLists.txt).

# include/tirc.h states the version the project declares.
file(STRINGS ${CMAKE_SOURCE_DIR}/include/tirc.h TIR_HEADER_VERSION REGEX "^#define TIRC_VERSION_STRING ")
if(NOT TIR_HEADER_VERSION STREQUAL "#define TIRC_VERSION_STRING \"${PROJECT_VERSION}\"")
  message(FATAL_ERROR "include/tirc.h says '${TIR_HEADER_VERSION}', the project ${PROJECT_VERSION}")
endif()

# A program linked with static LLVM (TIR_LLVM_STATIC, for machines without LLVM 19) has no
# shared library: LLVM and jansson's static archives are not meant for one.
if(NOT TIR_LLVM_STATIC)
  add_library(tirc_shared SHARED ${TIR_API_SOURCES})
  target_link_libraries(tirc_shared PRIVATE tirc_core)
  target_include_directories(tirc_shared INTERFACE $<BUILD_INTERFACE:${CMAKE_SOURCE_DIR}/include>)
  target_link_options(tirc_shared PRIVATE -Wl,--version-script=${CMAKE_SOURCE_DIR}/cmake/libtirc.map)
  # Every symbol resolved at link time, except under the sanitizers, whose runtime (clang's) only
  # the executable carries.
  if(NOT TIR_SANITIZE AND NOT TIR_FUZZ)
    target_link_options(tirc_shared PRIVATE -Wl,--no-undefined)
  endif()
  set_target_properties(tirc_shared PROPERTIES OUTPUT_NAME tirc VERSION ${PROJECT_VERSION}
                        SOVERSION ${PROJECT_VERSION_MAJOR} C_VISIBILITY_PRESET hidden
                        LINK_DEPENDS ${CMAKE_SOURCE_DIR}/cmake/libtirc.map
                        INSTALL_RPATH "${TIR_LLVM_LINK_DIRS}")
endif()

# The static library carries the core's objects, so that -ltirc plus the system libraries the
# pkg-config file names is a whole link.
add_library(tirc_static STATIC $<TARGET_OBJECTS:tirc_api> $<TARGET_OBJECTS:tirc_core>)
set_target_properties(tirc_static PROPERTIES OUTPUT_NAME tirc)
