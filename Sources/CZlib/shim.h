#ifndef CHORUS_CZLIB_SHIM_H
#define CHORUS_CZLIB_SHIM_H
// zlib is visible to `ChorusFeeds` only (raw inflate and CRC-32 of zipped feed documents, `ZipArchive`).
#include <zlib.h>
#endif
