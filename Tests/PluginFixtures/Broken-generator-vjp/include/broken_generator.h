/* Fixture: a generator plugin whose VJP is wrong (see fixture.c). */
#ifndef BROKEN_GENERATOR_H
#define BROKEN_GENERATOR_H
#include <dipp_plugin.h>
const dipp_plugin_info *dipp_plugin_entry(uint32_t host_abi_major);
#endif
