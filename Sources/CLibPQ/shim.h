#ifndef CHORUS_CLIBPQ_SHIM_H
#define CHORUS_CLIBPQ_SHIM_H
// libpq is visible to the `Postgres` module only; no other module imports CLibPQ.
#include <libpq-fe.h>
#endif
