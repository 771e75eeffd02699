# install.cmake - `make install PREFIX=...` (cmake --install): the tirc program, libtirc.so and
# libtirc.a, include/tirc.h, stdlib/ when the tree has one, the CMake package (find_package(tirc):
# tirc::tirc and tirc::tirc_static), the pkg-config file tirc.pc and the man page tirc(1).  Every
# installed file finds the others relative to itself, so the tree may be moved.

include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

# LLVM's directory stays on the run path of what links libLLVM, wherever it is installed.
set_target_properties(tirc PROPERTIES INSTALL_RPATH "${TIR_LLVM_LINK_DIRS}")
install(TARGETS tirc RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
set(TIR_INSTALL_LIBS tirc_static)
if(TARGET tirc_shared)
  list(APPEND TIR_INSTALL_LIBS tirc_shared)
endif()
install(TARGETS ${TIR_INSTALL_LIBS}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(FILES include/tirc.h DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY stdlib/ DESTINATION ${CMAKE_INSTALL_DATADIR}/tirc/stdlib
        FILES_MATCHING PATTERN "*.tir")
install(FILES docs/tirc.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)

# What a static link of libtirc.a needs besides it: ISL before LLVM (TOOLCHAIN.md), jansson,
# LLVM's libraries and theirs, threads, libm, libdl.
set(TIR_PRIVATE_LIBS -lisl -ljansson)
foreach(flag IN LISTS TIR_LLVM_LDFLAGS TIR_LLVM_LIBS TIR_LLVM_SYSTEM_LIBS)
  if(flag MATCHES "^-[lL]")
    list(APPEND TIR_PRIVATE_LIBS ${flag})
  elseif(flag MATCHES "^[A-Za-z0-9_+]+$")
    list(APPEND TIR_PRIVATE_LIBS -l${flag})
  endif()
endforeach()
list(APPEND TIR_PRIVATE_LIBS -lpthread -lm -ldl)
list(JOIN TIR_PRIVATE_LIBS " " TIR_PC_LIBS_PRIVATE)

configure_file(cmake/tirc.pc.in ${CMAKE_BINARY_DIR}/tirc.pc @ONLY)
install(FILES ${CMAKE_BINARY_DIR}/tirc.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

set(TIR_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/tirc)
# From the package's directory back to the prefix: as many ".." as TIR_CMAKE_DIR has parts.
string(REGEX REPLACE "[^/]+" ".." TIR_CMAKE_TO_PREFIX ${TIR_CMAKE_DIR})
configure_file(cmake/tircConfig.cmake.in ${CMAKE_BINARY_DIR}/tircConfig.cmake @ONLY)
write_basic_package_version_file(${CMAKE_BINARY_DIR}/tircConfigVersion.cmake
                                 VERSION ${PROJECT_VERSION} COMPATIBILITY SameMajorVersion)
install(FILES ${CMAKE_BINARY_DIR}/tircConfig.cmake ${CMAKE_BINARY_DIR}/tircConfigVersion.cmake
        DESTINATION ${TIR_CMAKE_DIR})
