#define _GNU_SOURCE
#include "CShims.h"

int cshims_accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags) {
    return accept4(fd, addr, len, flags);
}
int cshims_rtld_nodelete(void) { return RTLD_NODELETE; }
void *cshims_dlsym(void *handle, const char *name) { return dlsym(handle, name); }
