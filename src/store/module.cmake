# src/store/module.cmake - libraries of the store module beyond SQLite:
# libsodium for the users part (users.c): argon2id password hashes
# (crypto_pwhash_str), random session ids, SHA-256 and the CSRF MAC.
pkg_check_modules(SODIUM REQUIRED IMPORTED_TARGET libsodium)
target_link_libraries(es_store PUBLIC PkgConfig::SODIUM)
