# cmake --install: aslc, the runtime (libaslrt.a and its public header),
# aslrt.pc and the CMake package (find_package(aslc)), laid out so that the
# prefix can move: aslc finds PREFIX/lib/aslc relative to PREFIX/bin, the
# .pc file uses ${pcfiledir} and the package its own folder.  CPack makes a
# Debian package of the same tree (cpack -G DEB).
install(TARGETS aslc RUNTIME DESTINATION ${ASLC_INSTALL_BINDIR})
install(TARGETS aslrt aslrt_express ARCHIVE DESTINATION ${ASLC_INSTALL_RTLIBDIR})
install(FILES ${CMAKE_SOURCE_DIR}/runtime/aslrt.h DESTINATION ${ASLC_INSTALL_RTINCDIR})
install(FILES ${CMAKE_SOURCE_DIR}/runtime/startup.order ${CMAKE_SOURCE_DIR}/runtime/startup.ld
    DESTINATION ${ASLC_INSTALL_RTLIBDIR})

# The static libraries a generated executable links: Debian ships all five
# as .a in their -dev packages, so they are not copied; their file names
# go into aslrt.pc and the package (link with -l:NAME from the system path).
foreach(v ASLC_JSONC_STATIC ASLC_CRYPTO_STATIC ASLC_PCRE2_STATIC ASLC_EXPAT_STATIC
    ASLC_SQLITE_STATIC)
  get_filename_component(n "${${v}}" NAME)
  list(APPEND ASLRT_DEP_LIBS "-l:${n}")
endforeach()
list(JOIN ASLRT_DEP_LIBS " " ASLRT_DEP_LIBS_STR)
configure_file(${CMAKE_CURRENT_LIST_DIR}/aslrt.pc.in ${CMAKE_BINARY_DIR}/aslrt.pc @ONLY)
install(FILES ${CMAKE_BINARY_DIR}/aslrt.pc DESTINATION lib/pkgconfig)

include(CMakePackageConfigHelpers)
configure_file(${CMAKE_CURRENT_LIST_DIR}/aslcConfig.cmake.in ${CMAKE_BINARY_DIR}/aslcConfig.cmake @ONLY)
write_basic_package_version_file(${CMAKE_BINARY_DIR}/aslcConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_BINARY_DIR}/aslcConfig.cmake ${CMAKE_BINARY_DIR}/aslcConfigVersion.cmake
  DESTINATION lib/cmake/aslc)

set(CPACK_PACKAGE_NAME aslc)
set(CPACK_PACKAGE_VENDOR "aslc")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
  "ahead-of-time compiler for the Amazon States Language (AWS Step Functions)")
set(CPACK_PACKAGE_CONTACT "aslc maintainers <aslc@localhost>")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION devel)
# aslc itself: shared libraries found by dpkg-shlibdeps (libLLVM-16, ...).
# What `aslc build` runs and links: a C compiler and the static libraries.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# libcurl4 and libmicrohttpd12 are what dynamic executables dlopen for HTTP
# Tasks, AWS calls and --listen (static ones have them built in, over
# libmbedtls-dev).
set(CPACK_DEBIAN_PACKAGE_DEPENDS "gcc | c-compiler, libc6-dev, libjson-c-dev, libssl-dev, libpcre2-dev, libexpat1-dev, libsqlite3-dev, libmbedtls-dev")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "pkg-config, lld")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "libcurl4, libmicrohttpd12, cmake, podman, runc, ca-certificates")
include(CPack)
