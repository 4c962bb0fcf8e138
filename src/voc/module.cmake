# src/voc/module.cmake - the voice-of-the-customer module (issue 4) fits
# key-driver regressions with GSL and draws the locations' QR codes with
# libqrencode.
pkg_check_modules(GSL REQUIRED IMPORTED_TARGET gsl)
pkg_check_modules(QRENCODE REQUIRED IMPORTED_TARGET libqrencode)
target_link_libraries(es_voc PUBLIC PkgConfig::GSL PkgConfig::QRENCODE ${M_LIB})
# jansson writes the drivers report, plans and scores as JSON (voc_json.c,
# scores_out.c) and reads checklists and audits (audit_json.c); libcsv and
# jansson read invitation lists (invite_list.c); libcsv reads and writes
# locations (location_csv.c) and reads survey responses (survey_import.c).
target_link_libraries(es_voc PUBLIC PkgConfig::JANSSON ${CSV_LIB})
target_include_directories(es_voc PUBLIC ${CSV_INCLUDE})
# The QR form's one-time tokens are HMAC-SHA256 (webtoken.c).
target_link_libraries(es_voc PUBLIC PkgConfig::CRYPTO)
