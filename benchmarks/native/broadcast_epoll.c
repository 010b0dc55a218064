/*
 * A one-thread epoll TCP broadcast server: every byte one connection sends goes to every other
 * connection. With the load generator on the same cores, this is the machine's fan-out limit that
 * Chorus chat and Redis pub/sub are compared with (benchmarks/compare.sh).
 *
 * Each connection has an output queue for what its socket would not take at once; a connection that
 * falls more than QUEUE_MAX behind is closed, so a subscriber that never reads cannot grow the server.
 *
 * Build: cc -O2 -o broadcast_epoll broadcast_epoll.c      Run: ./broadcast_epoll PORT [HOST]
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
#define QUEUE_MAX (16 << 20)
#define MAX_CONNS 65536

struct conn {
    int fd;
    int slot;       /* index in conns[] */
    int dead;
    char *out;      /* queued bytes, out[off, len) */
    size_t off, len, cap;
};

static int epfd;
static struct conn *conns[MAX_CONNS];
static int nconns;
static struct conn *closed[MAX_CONNS];   /* closed during this batch of events; freed after it */
static int nclosed;

static void watch(struct conn *c, int op) {
    struct epoll_event ev = {.events = EPOLLIN | (c->len > c->off ? EPOLLOUT : 0), .data.ptr = c};
    epoll_ctl(epfd, op, c->fd, &ev);
}

static void kill_conn(struct conn *c) {
    if (c->dead) return;
    c->dead = 1;
    epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    conns[c->slot] = conns[--nconns];     /* swap-remove */
    conns[c->slot]->slot = c->slot;
    closed[nclosed++] = c;                /* a later event of this batch may still name it */
}

static int queue(struct conn *c, const char *p, size_t n) {
    if (c->len - c->off + n > QUEUE_MAX) return -1;
    if (c->len + n > c->cap) {
        memmove(c->out, c->out + c->off, c->len - c->off);
        c->len -= c->off;
        c->off = 0;
        if (c->len + n > c->cap) {
            c->cap = (c->len + n) * 2;
            c->out = realloc(c->out, c->cap);
        }
    }
    memcpy(c->out + c->len, p, n);
    c->len += n;
    return 0;
}

/* Sends p to c: straight to the socket when nothing is queued, otherwise behind the queue. */
static void send_to(struct conn *c, const char *p, size_t n) {
    size_t done = 0;
    if (c->len == c->off) {
        ssize_t w = write(c->fd, p, n);
        if (w < 0 && errno != EAGAIN) { kill_conn(c); return; }
        done = w < 0 ? 0 : (size_t)w;
        if (done == n) return;
        if (queue(c, p + done, n - done)) { kill_conn(c); return; }
        watch(c, EPOLL_CTL_MOD);
        return;
    }
    if (queue(c, p, n)) kill_conn(c);
}

static void flush_out(struct conn *c) {
    while (c->len > c->off) {
        ssize_t w = write(c->fd, c->out + c->off, c->len - c->off);
        if (w < 0) {
            if (errno != EAGAIN) kill_conn(c);
            return;
        }
        c->off += w;
    }
    c->off = c->len = 0;
    watch(c, EPOLL_CTL_MOD);
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
                    if (nconns == MAX_CONNS) { close(fd); continue; }
                    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    c = calloc(1, sizeof *c);
                    c->fd = fd;
                    c->slot = nconns;
                    conns[nconns++] = c;
                    watch(c, EPOLL_CTL_ADD);
                }
                continue;
            }
            if (c->dead) continue;
            if (events[i].events & EPOLLOUT) flush_out(c);
            if (c->dead || !(events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))) continue;
            ssize_t r = read(c->fd, buf, sizeof buf);
            if (r == 0 || (r < 0 && errno != EAGAIN)) { kill_conn(c); continue; }
            if (r < 0) continue;
            for (int k = 0; k < nconns; k++) {
                if (conns[k] != c) {
                    struct conn *to = conns[k];
                    send_to(to, buf, r);
                    if (to->dead) k--;            /* swap-remove moved another connection into k */
                }
            }
        }
        /* Free the connections this batch closed, now that no event can name them any more. */
        while (nclosed) {
            struct conn *c = closed[--nclosed];
            free(c->out);
            free(c);
        }
    }
}
