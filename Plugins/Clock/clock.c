#include "toolhost_plugin.h"
