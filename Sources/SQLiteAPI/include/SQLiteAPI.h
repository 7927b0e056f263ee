// The part of SQLite's C interface that Ponte's writer connection uses.
//
// The library itself is the copy that sqlite-nio compiles into every build, whose functions
// carry a `sqlite_nio_` prefix; these are their declarations, as in its header. Using that
// same copy matters: two copies of SQLite in one process do not see each other's file locks.
#ifndef PONTE_SQLITE_API_H
#define PONTE_SQLITE_API_H

#include <stdint.h>

typedef struct sqlite3 sqlite3;
typedef struct sqlite3_stmt sqlite3_stmt;

#define PONTE_SQLITE_OK 0
#define PONTE_SQLITE_BUSY 5
#define PONTE_SQLITE_ROW 100
#define PONTE_SQLITE_DONE 101
#define PONTE_SQLITE_INTEGER 1
#define PONTE_SQLITE_FLOAT 2
#define PONTE_SQLITE_TEXT 3
#define PONTE_SQLITE_BLOB 4
#define PONTE_SQLITE_NULL 5
#define PONTE_SQLITE_OPEN_READWRITE 0x00000002
#define PONTE_SQLITE_OPEN_CREATE 0x00000004
#define PONTE_SQLITE_OPEN_FULLMUTEX 0x00010000
#define PONTE_SQLITE_PREPARE_PERSISTENT 0x01
#define PONTE_SQLITE_UTF8 1

int sqlite_nio_sqlite3_open_v2(const char *filename, sqlite3 **ppDb, int flags, const char *zVfs);
int sqlite_nio_sqlite3_close_v2(sqlite3 *db);
int sqlite_nio_sqlite3_busy_timeout(sqlite3 *db, int ms);
int sqlite_nio_sqlite3_extended_errcode(sqlite3 *db);
const char *sqlite_nio_sqlite3_errmsg(sqlite3 *db);
int sqlite_nio_sqlite3_get_autocommit(sqlite3 *db);

int sqlite_nio_sqlite3_prepare_v3(sqlite3 *db, const char *zSql, int nByte, unsigned int prepFlags,
                                  sqlite3_stmt **ppStmt, const char **pzTail);
int sqlite_nio_sqlite3_finalize(sqlite3_stmt *pStmt);
int sqlite_nio_sqlite3_reset(sqlite3_stmt *pStmt);
int sqlite_nio_sqlite3_clear_bindings(sqlite3_stmt *pStmt);
int sqlite_nio_sqlite3_step(sqlite3_stmt *pStmt);

int sqlite_nio_sqlite3_bind_parameter_count(sqlite3_stmt *pStmt);
int sqlite_nio_sqlite3_bind_null(sqlite3_stmt *pStmt, int index);
int sqlite_nio_sqlite3_bind_int64(sqlite3_stmt *pStmt, int index, int64_t value);
int sqlite_nio_sqlite3_bind_double(sqlite3_stmt *pStmt, int index, double value);
int sqlite_nio_sqlite3_bind_text64(sqlite3_stmt *pStmt, int index, const char *text, uint64_t length,
                                   void (*destructor)(void *), unsigned char encoding);
int sqlite_nio_sqlite3_bind_blob64(sqlite3_stmt *pStmt, int index, const void *bytes, uint64_t length,
                                   void (*destructor)(void *));

int sqlite_nio_sqlite3_column_count(sqlite3_stmt *pStmt);
const char *sqlite_nio_sqlite3_column_name(sqlite3_stmt *pStmt, int column);
int sqlite_nio_sqlite3_column_type(sqlite3_stmt *pStmt, int column);
int64_t sqlite_nio_sqlite3_column_int64(sqlite3_stmt *pStmt, int column);
double sqlite_nio_sqlite3_column_double(sqlite3_stmt *pStmt, int column);
const unsigned char *sqlite_nio_sqlite3_column_text(sqlite3_stmt *pStmt, int column);
const void *sqlite_nio_sqlite3_column_blob(sqlite3_stmt *pStmt, int column);
int sqlite_nio_sqlite3_column_bytes(sqlite3_stmt *pStmt, int column);

/// SQLITE_TRANSIENT: SQLite copies a bound value before the call returns.
static inline void (*ponte_sqlite_transient(void))(void *) { return (void (*)(void *))-1; }

#endif
