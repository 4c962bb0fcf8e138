# src/sla/module.cmake - the SLA and reply module posts replies with libcurl
# and signs them with OpenSSL's HMAC; it uses utf8proc to count characters.
pkg_check_modules(CURL REQUIRED IMPORTED_TARGET libcurl)
target_link_libraries(es_sla PUBLIC PkgConfig::CURL PkgConfig::CRYPTO PkgConfig::UTF8PROC
                                    ${M_LIB})
