# The Debian package: `cpack -G DEB` in the build folder (tests/install/
# package_test.py builds, inspects, installs and purges it). It holds what
# `cmake --install` installs, under /usr, and the service: a hardened systemd
# unit, the template of /etc/meldcode/meldcoded.json and the docs (component
# "deb", which a plain `cmake --install` leaves out: its paths are the
# package's), with maintainer scripts (cmake/deb/) that make the system user
# meldcode, /etc/meldcode (configuration and a fresh key ring) and
# /var/lib/meldcode (the store).
set(MELDCODE_DEB_PREFIX /usr)
set(MELDCODE_BIN_DIR "${MELDCODE_DEB_PREFIX}/${CMAKE_INSTALL_BINDIR}")
set(MELDCODE_DOC_DIR "${MELDCODE_DEB_PREFIX}/share/doc/meldcode")
set(MELDCODE_PLUGIN_INSTALLED "${MELDCODE_DEB_PREFIX}/${CMAKE_INSTALL_LIBDIR}/libmeldcode.so.1")
foreach(file meldcoded.service meldcoded.json)
    configure_file("${CMAKE_CURRENT_LIST_DIR}/deb/${file}.in" "${PROJECT_BINARY_DIR}/deb/${file}"
                   @ONLY)
endforeach()
install(FILES "${PROJECT_BINARY_DIR}/deb/meldcoded.service" DESTINATION lib/systemd/system
        COMPONENT deb EXCLUDE_FROM_ALL)
install(FILES "${PROJECT_BINARY_DIR}/deb/meldcoded.json" DESTINATION share/meldcode
        COMPONENT deb EXCLUDE_FROM_ALL)
install(FILES "${PROJECT_SOURCE_DIR}/README.md" DESTINATION share/doc/meldcode
        COMPONENT deb EXCLUDE_FROM_ALL)
install(DIRECTORY "${PROJECT_SOURCE_DIR}/docs/" DESTINATION share/doc/meldcode
        COMPONENT deb EXCLUDE_FROM_ALL)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME meldcode)
set(CPACK_PACKAGE_CONTACT "meldcode maintainers <meldcode@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "the Dutch meldcode as a plugin for housing software, and its HTTP sidecar")
set(CPACK_PACKAGING_INSTALL_PREFIX "${MELDCODE_DEB_PREFIX}")
set(CPACK_STRIP_FILES ON)  # no debug information, so no build paths
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_GROUPING ALL_COMPONENTS_IN_ONE)
set(CPACK_COMPONENTS_ALL Unspecified deb)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION misc)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "passwd")  # useradd in postinst
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA "${CMAKE_CURRENT_LIST_DIR}/deb/postinst"
    "${CMAKE_CURRENT_LIST_DIR}/deb/prerm" "${CMAKE_CURRENT_LIST_DIR}/deb/postrm")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)
include(CPack)
