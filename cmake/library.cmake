# library.cmake - libtirc.so.0 (versioned soname, only tirc_* exported) and libtirc.a, both
# built from api/ and the core (included from the top CMakeLists.txt).

add_library(tirc_shared SHARED ${TIR_API_SOURCES})
target_link_libraries(tirc_shared PRIVATE tirc_core)
target_include_directories(tirc_shared INTERFACE $<BUILD_INTERFACE:${CMAKE_SOURCE_DIR}/include>)
target_link_options(tirc_shared PRIVATE -Wl,--version-script=${CMAKE_SOURCE_DIR}/cmake/libtirc.map
                    -Wl,--no-undefined)
set_target_properties(tirc_shared PROPERTIES OUTPUT_NAME tirc VERSION ${PROJECT_VERSION}
                      SOVERSION ${PROJECT_VERSION_MAJOR} C_VISIBILITY_PRESET hidden
                      LINK_DEPENDS ${CMAKE_SOURCE_DIR}/cmake/libtirc.map)

# The static library carries the core's objects, so that -ltirc plus the system libraries the
# pkg-config file names is a whole link.
add_library(tirc_static STATIC $<TARGET_OBJECTS:tirc_api> $<TARGET_OBJECTS:tirc_core>)
set_target_properties(tirc_static PROPERTIES OUTPUT_NAME tirc)
