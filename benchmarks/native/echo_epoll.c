/*
 * A one-thread epoll TCP echo server: the same-machine limit that Chorus's echo listener is compared
 * with (benchmarks/compare.sh). Bytes go back as they arrive (RFC 862). While a reply is only partly
 * written the connection is not read, so a peer that does not read cannot grow the server: at most one
 * read (READ_BYTES) is pending per connection.
 *
 * Build: cc -O2 -o echo_epoll echo_epoll.c      Run: ./echo_epoll PORT [HOST]
 */
#define _GNU_SOURCE /* accept4 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define READ_BYTES 65536

struct conn {
    int fd;
    char *out;     /* bytes read but not yet written back */
    size_t len;
};

static int epfd;

static void watch(struct conn *c, int op) {
    struct epoll_event ev = {0};
    /* Read only while nothing waits to go out: backpressure is the peer's own socket buffer. */
    ev.events = c->len ? EPOLLOUT : EPOLLIN;
    ev.data.ptr = c;
    epoll_ctl(epfd, op, c->fd, &ev);
}

static void drop(struct conn *c) {
    close(c->fd);
    free(c->out);
    free(c);
}

/* Writes what is pending; returns -1 if the connection failed. */
static int flush_out(struct conn *c) {
    while (c->len) {
        ssize_t n = write(c->fd, c->out, c->len);
        if (n < 0) return errno == EAGAIN ? 0 : -1;
        memmove(c->out, c->out + n, c->len - n);
        c->len -= n;
    }
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s PORT [HOST]\n", argv[0]);
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    int one = 1;
    int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(atoi(argv[1]))};
    inet_pton(AF_INET, argc > 2 ? argv[2] : "127.0.0.1", &addr.sin_addr);
    if (bind(lfd, (struct sockaddr *)&addr, sizeof addr) || listen(lfd, 4096)) {
        perror("bind/listen");
        return 1;
    }
    epfd = epoll_create1(0);
    struct epoll_event lev = {.events = EPOLLIN, .data.ptr = NULL};
    epoll_ctl(epfd, EPOLL_CTL_ADD, lfd, &lev);
    static char buf[READ_BYTES];
    struct epoll_event events[256];
    for (;;) {
        int n = epoll_wait(epfd, events, 256, -1);
        for (int i = 0; i < n; i++) {
            struct conn *c = events[i].data.ptr;
            if (!c) {
                int fd;
                while ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
                    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    c = calloc(1, sizeof *c);
                    c->fd = fd;
                    watch(c, EPOLL_CTL_ADD);
                }
                continue;
            }
            if (c->len) {                         /* writable again: finish, then read again */
                if (flush_out(c)) { drop(c); continue; }
                if (!c->len) watch(c, EPOLL_CTL_MOD);
                continue;
            }
            ssize_t r = read(c->fd, buf, sizeof buf);
            if (r == 0 || (r < 0 && errno != EAGAIN)) { drop(c); continue; }
            if (r < 0) continue;
            ssize_t w = write(c->fd, buf, r);
            if (w < 0 && errno != EAGAIN) { drop(c); continue; }
            if (w < 0) w = 0;
            if (w < r) {                          /* the peer is slow: keep the rest, stop reading */
                c->out = realloc(c->out, r - w);
                memcpy(c->out, buf + w, r - w);
                c->len = r - w;
                watch(c, EPOLL_CTL_MOD);
            }
        }
    }
}
