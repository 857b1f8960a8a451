/*
 * The Clock plugin exports exactly one symbol, toolhost_plugin_entry, declared by
 * TOOLHOST_PLUGIN() in toolhost_plugin.h. Nothing else is public; this header only
 * exists because SwiftPM C targets need an include/ directory.
 */
#ifndef TOOLHOST_CLOCK_H
#define TOOLHOST_CLOCK_H
#include "toolhost_plugin.h"
#endif
