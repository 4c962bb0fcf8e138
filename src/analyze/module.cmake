# src/analyze/module.cmake - build steps of the analyze module: the VADER
# lexicon from the npm package vader-sentiment is converted at build time
# (gen/lexgen.c) into a C source compiled into es_analyze, which checks its
# entry count and checksum when it loads it.
set(ES_VADER_LEXICON ${CMAKE_SOURCE_DIR}/node_modules/vader-sentiment/vader_lexicon.txt)
if(NOT EXISTS ${ES_VADER_LEXICON})
  message(FATAL_ERROR "The VADER lexicon ${ES_VADER_LEXICON} is missing: "
                      "run scripts/setup (it installs the npm packages of package-lock.json).")
endif()

add_executable(es_lexgen ${CMAKE_CURRENT_LIST_DIR}/gen/lexgen.c)
target_link_libraries(es_lexgen PRIVATE PkgConfig::XXHASH)

set(ES_LEXICON_C ${CMAKE_BINARY_DIR}/generated/es_lexicon_data.c)
add_custom_command(
  OUTPUT ${ES_LEXICON_C}
  COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/generated
  COMMAND es_lexgen ${ES_VADER_LEXICON} ${ES_LEXICON_C}
  DEPENDS es_lexgen ${ES_VADER_LEXICON}
  COMMENT "Converting the VADER lexicon"
  VERBATIM)
target_sources(es_analyze PRIVATE ${ES_LEXICON_C})
# Scores must equal NLTK's to the last bit: no fused multiply-add.
target_compile_options(es_analyze PRIVATE -ffp-contract=off)
target_link_libraries(es_analyze PUBLIC PkgConfig::UTF8PROC PkgConfig::XXHASH Threads::Threads)
