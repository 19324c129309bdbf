# Every third-party package comes from Debian (scripts/setup installs them).
find_package(PkgConfig REQUIRED)
pkg_check_modules(SODIUM REQUIRED IMPORTED_TARGET libsodium)
# The PostgreSQL store adapter (Debian libpq-dev).
pkg_check_modules(LIBPQ REQUIRED IMPORTED_TARGET libpq)
# cjose: the JOSE library that verifies OpenID Connect ID tokens (web UI sign-in).
pkg_check_modules(CJOSE REQUIRED IMPORTED_TARGET cjose)
find_package(SQLite3 REQUIRED)
find_package(nlohmann_json 3.10 REQUIRED)
find_package(Threads REQUIRED)
# Boost 1.74 has no Boost::dll target: Boost.DLL is headers + filesystem + libdl.
find_package(Boost 1.74 REQUIRED COMPONENTS filesystem program_options)
find_package(Catch2 2 REQUIRED)
# Howard Hinnant's date (civil dates) and tz (Europe/Amsterdam from the
# system's tzdata): Debian's libhowardhinnant-date-dev.
find_package(date REQUIRED)

# valijson: Debian's libvalijson-dev drags in Qt5 and Poco through its
# dependencies; its headers alone are enough, so scripts/setup unpacks the
# package into .deps/ (see DESIGN.md §8).
find_path(VALIJSON_INCLUDE_DIR valijson/validator.hpp
          HINTS "${PROJECT_SOURCE_DIR}/.deps/valijson/usr/include"
          NO_CMAKE_SYSTEM_PATH)
if(NOT VALIJSON_INCLUDE_DIR)
    find_path(VALIJSON_INCLUDE_DIR valijson/validator.hpp)
endif()
if(NOT VALIJSON_INCLUDE_DIR)
    message(FATAL_ERROR "valijson headers not found: run scripts/setup")
endif()
add_library(valijson INTERFACE)
target_include_directories(valijson SYSTEM INTERFACE "${VALIJSON_INCLUDE_DIR}")
target_compile_definitions(valijson INTERFACE VALIJSON_USE_EXCEPTIONS=1)

# The Java binding and its tests: JDK 17 and Debian's JNA. UseJava is included
# once for the whole tree (it keeps its settings in the including directory).
find_package(Java 17 COMPONENTS Runtime Development REQUIRED)
include(UseJava)
find_jar(MELDCODE_JNA_JAR jna PATHS /usr/share/java REQUIRED)
set(CMAKE_JAVA_COMPILE_FLAGS -Xlint:all -Werror -encoding UTF-8)
