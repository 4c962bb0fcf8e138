# src/voc/module.cmake - the voice-of-the-customer module (issue 4) fits
# key-driver regressions with GSL and draws the locations' QR codes with
# libqrencode.
pkg_check_modules(GSL REQUIRED IMPORTED_TARGET gsl)
pkg_check_modules(QRENCODE REQUIRED IMPORTED_TARGET libqrencode)
target_link_libraries(es_voc PUBLIC PkgConfig::GSL PkgConfig::QRENCODE ${M_LIB})
# Locations as CSV (location_csv.c) with libcsv; checklists and audits as
# JSON (audit_json.c) with jansson.
target_link_libraries(es_voc PUBLIC PkgConfig::JANSSON ${CSV_LIB})
target_include_directories(es_voc PRIVATE ${CSV_INCLUDE})
