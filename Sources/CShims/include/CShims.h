#ifndef TOOLHOST_CSHIMS_H
#define TOOLHOST_CSHIMS_H
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <signal.h>
#include <dlfcn.h>

/* dlopen flags the Glibc module does not export. */
int cshims_rtld_nodelete(void);
/* Resolve the plugin entry symbol; NULL + dlerror() text on failure. */
void *cshims_dlsym(void *handle, const char *name);
/* memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING): anonymous memory a plugin is copied into. */
int cshims_memfd_create(const char *name);
/* Seals a memfd against any further change (write, grow, shrink, new seals). 0 or -1. */
int cshims_memfd_seal(int fd);
/* ---- HTTPServer helpers (epoll/eventfd/sockets without Glibc-module gaps) ---- */
#include <stdint.h>
#define CSHIMS_EPOLLIN 0x001u
#define CSHIMS_EPOLLOUT 0x004u
#define CSHIMS_EPOLLERR 0x008u
#define CSHIMS_EPOLLHUP 0x010u
#define CSHIMS_EPOLLRDHUP 0x2000u
#define CSHIMS_EPOLLET 0x80000000u
/* epoll_create1(EPOLL_CLOEXEC). */
int cshims_epoll_create(void);
/* epoll_ctl ADD/DEL with the 64-bit user data; avoids the packed struct epoll_event in Swift. */
int cshims_epoll_add(int epfd, int fd, uint32_t events, uint64_t data);
int cshims_epoll_del(int epfd, int fd);
/* epoll_wait unpacked into parallel arrays (max 256 events per call). Returns count or -1. */
int cshims_epoll_wait(int epfd, uint64_t *data, uint32_t *events, int maxevents, int timeout_ms);
/* eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC). */
int cshims_eventfd(void);
/* socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0). */
int cshims_stream_socket(int family);
/* accept4 non-blocking + cloexec, sets TCP_NODELAY, writes the peer IP as text into ip (may be empty). */
int cshims_accept_stream(int fd, char *ip, int iplen);
#endif
