// Declarations only (see include/SQLiteAPI.h); the definitions come with sqlite-nio.
#include "SQLiteAPI.h"
