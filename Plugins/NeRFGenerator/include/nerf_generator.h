/* The NeRF-style generator plugin exports only the DIPP entry symbol (see dipp_plugin.h). */
#ifndef NERF_GENERATOR_H
#define NERF_GENERATOR_H
#include <dipp_plugin.h>
const dipp_plugin_info *dipp_plugin_entry(uint32_t host_abi_major);
#endif
