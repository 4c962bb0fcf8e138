# src/social/module.cmake - social analytics (issue 4, S2 and S3): the posts
# importer reads CSV with libcsv and JSON with jansson.
target_link_libraries(es_social PUBLIC PkgConfig::JANSSON ${CSV_LIB} ${M_LIB})
target_include_directories(es_social PRIVATE ${CSV_INCLUDE})
