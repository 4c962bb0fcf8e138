# src/feed/module.cmake - the feed module (RSS/Atom, issue 3 L1) parses with
# libxml2 and fetches with libcurl; item ids are hashed with xxHash.
pkg_check_modules(LIBXML2 REQUIRED IMPORTED_TARGET libxml-2.0)
pkg_check_modules(CURL REQUIRED IMPORTED_TARGET libcurl)
target_link_libraries(es_feed PUBLIC PkgConfig::LIBXML2 PkgConfig::CURL PkgConfig::XXHASH)
# The command's configuration file (src/cli/config.c) is read with libinih.
# src/cli is not a module, so the library comes with earshot_lib from here:
# the command and its unit test (tests/unit/cli/test_config.c) link it.
pkg_check_modules(INIH REQUIRED IMPORTED_TARGET inih)
target_link_libraries(es_feed PUBLIC PkgConfig::INIH)
