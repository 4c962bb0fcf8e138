# src/voc/module.cmake - the voice-of-the-customer module (issue 4) fits
# key-driver regressions with GSL and draws the locations' QR codes with
# libqrencode.
pkg_check_modules(GSL REQUIRED IMPORTED_TARGET gsl)
pkg_check_modules(QRENCODE REQUIRED IMPORTED_TARGET libqrencode)
target_link_libraries(es_voc PUBLIC PkgConfig::GSL PkgConfig::QRENCODE ${M_LIB})
# Scores are written as JSON with jansson (scores_out.c); survey responses
# are imported from CSV with libcsv (survey_import.c).
target_link_libraries(es_voc PUBLIC PkgConfig::JANSSON ${CSV_LIB})
target_include_directories(es_voc PUBLIC ${CSV_INCLUDE})
