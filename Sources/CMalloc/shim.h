#ifndef CHORUS_CMALLOC_SHIM_H
#define CHORUS_CMALLOC_SHIM_H
// glibc's malloc tunables (`mallopt`), which the Glibc module leaves out: `chorus run` bounds its arenas.
#include <malloc.h>
#endif
