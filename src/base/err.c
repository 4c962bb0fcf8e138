/*
 * err.c - names of the error codes. The message that says what and where
 * lives on each handle; this is only the code's name.
 */
#include "earshot/earshot.h"

const char *es_strerror(int code)
{
    switch (code) {
    case ES_OK: return "success";
    case ES_ENOMEM: return "out of memory";
    case ES_EINVAL: return "invalid argument";
    case ES_EIO: return "input/output error";
    case ES_ENOTFOUND: return "not found";
    case ES_EEXIST: return "already exists";
    case ES_ELIMIT: return "limit exceeded";
    case ES_EPARSE: return "malformed input";
    case ES_EUTF8: return "invalid UTF-8";
    case ES_EDB: return "database error";
    case ES_ECORRUPT: return "corrupt or incompatible data";
    case ES_EUNSUPPORTED: return "not supported";
    case ES_EBUSY: return "resource busy";
    case ES_END: return "end of input";
    case ES_REJECTED: return "record rejected";
    default: return "unknown error";
    }
}
