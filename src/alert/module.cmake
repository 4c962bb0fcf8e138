# src/alert/module.cmake - the alert module delivers over HTTP and SMTP with
# libcurl, signs webhooks with OpenSSL's HMAC-SHA256 and builds payloads
# with jansson.
pkg_check_modules(CURL REQUIRED IMPORTED_TARGET libcurl)
if(ES_alert_SRC)
  target_link_libraries(es_alert PUBLIC PkgConfig::CURL PkgConfig::CRYPTO PkgConfig::JANSSON)
endif()
