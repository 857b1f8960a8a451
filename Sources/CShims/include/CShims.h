#ifndef TOOLHOST_CSHIMS_H
#define TOOLHOST_CSHIMS_H
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <signal.h>
#include <dlfcn.h>

/* accept4 is hidden behind _GNU_SOURCE in Glibc's Swift module; this wrapper is compiled with it. */
int cshims_accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags);
/* dlopen flags the Glibc module does not export. */
int cshims_rtld_nodelete(void);
/* Resolve the plugin entry symbol; NULL + dlerror() text on failure. */
void *cshims_dlsym(void *handle, const char *name);
#endif
