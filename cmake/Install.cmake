# cmake --install: the headers (C ABI and C++ SDK), the plugin, a CMake package
# (find_package(meldcode)) and a pkg-config file, relocatable to any prefix.
# The Python package and the Java jar go to share/meldcode/ for hosts that
# want them (PYTHONPATH, classpath).
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

install(TARGETS meldcode LIBRARY DESTINATION "${CMAKE_INSTALL_LIBDIR}")
install(FILES "${PROJECT_SOURCE_DIR}/plugin_api/include/meldcode/meldcode.h"
              "${PROJECT_SOURCE_DIR}/host_adapters/cpp/include/meldcode/meldcode.hpp"
        DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}/meldcode")
install(DIRECTORY "${PROJECT_SOURCE_DIR}/host_adapters/python/meldcode"
        DESTINATION "${CMAKE_INSTALL_DATADIR}/meldcode/python"
        PATTERN "__pycache__" EXCLUDE)
install_jar(meldcode_java DESTINATION "${CMAKE_INSTALL_DATADIR}/meldcode/java")

set(MELDCODE_CMAKE_DIR "${CMAKE_INSTALL_LIBDIR}/cmake/meldcode")
# The file the loader opens: the soname link, as the system's loader would.
set(MELDCODE_PLUGIN_FILE "libmeldcode.so.1")
configure_package_config_file("${CMAKE_CURRENT_LIST_DIR}/meldcodeConfig.cmake.in"
    "${PROJECT_BINARY_DIR}/meldcodeConfig.cmake"
    INSTALL_DESTINATION "${MELDCODE_CMAKE_DIR}"
    PATH_VARS CMAKE_INSTALL_INCLUDEDIR CMAKE_INSTALL_LIBDIR)
write_basic_package_version_file("${PROJECT_BINARY_DIR}/meldcodeConfigVersion.cmake"
    COMPATIBILITY SameMajorVersion)
install(FILES "${PROJECT_BINARY_DIR}/meldcodeConfig.cmake"
              "${PROJECT_BINARY_DIR}/meldcodeConfigVersion.cmake"
        DESTINATION "${MELDCODE_CMAKE_DIR}")

# pkg-config finds the prefix relative to the .pc file (lib/ may be lib/<arch>/).
file(RELATIVE_PATH MELDCODE_PC_TO_PREFIX "/p/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/p")
configure_file("${CMAKE_CURRENT_LIST_DIR}/meldcode.pc.in" "${PROJECT_BINARY_DIR}/meldcode.pc" @ONLY)
install(FILES "${PROJECT_BINARY_DIR}/meldcode.pc"
        DESTINATION "${CMAKE_INSTALL_LIBDIR}/pkgconfig")

# The programs, the extension header, and the contract: every schema and the
# OpenAPI document (share/meldcode/schemas/, without the test examples).
install(TARGETS meldcoded meldcode_admin RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}")
install(FILES "${PROJECT_SOURCE_DIR}/plugin_api/include/meldcode/meldcode_extension.h"
        DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}/meldcode")
install(DIRECTORY "${PROJECT_SOURCE_DIR}/schemas/"
        DESTINATION "${CMAKE_INSTALL_DATADIR}/meldcode/schemas"
        FILES_MATCHING PATTERN "*.schema.json" PATTERN "openapi.yaml" PATTERN "examples" EXCLUDE)
