# src/http/module.cmake - the server's route tables come from several files
# (hooks.c, api_*.c); while the service is being built, router.c lists only
# the tables whose files exist.
foreach(part hooks users cases alerts sla)
  if(part STREQUAL "hooks")
    set(f ${CMAKE_SOURCE_DIR}/src/http/hooks.c)
  else()
    set(f ${CMAKE_SOURCE_DIR}/src/http/api_${part}.c)
  endif()
  if(EXISTS ${f})
    string(TOUPPER ${part} P)
    target_compile_definitions(es_http PRIVATE ES_ROUTES_${P}=1)
  endif()
endforeach()
if(EXISTS ${CMAKE_SOURCE_DIR}/src/http/auth.c)
  target_compile_definitions(es_http PRIVATE ES_HAVE_AUTH=1)
endif()
