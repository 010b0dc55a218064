/*
 * An independent fan-out latency probe: a few subscriber connections, written in C, that time the same
 * payloads `chorus-bench load fanout` publishes. Run it next to the generator (with that many fewer
 * generator subscribers) and compare the two latency distributions: if they agree, the generator
 * measures the server and not itself.
 *
 * It finds the payload marker CHB1 in the raw stream and reads the 16 hex digits after it: the
 * publisher's System.nanoTime(), which is CLOCK_MONOTONIC on Linux, the clock read here. Its clock
 * starts with the first payload, that is when publishing starts: with the generator's --warmup W and
 * --duration D, WARMUP_S = W and MEASURE_S = D cover the generator's measured window.
 *
 * Build: cc -O2 -o fanout_probe fanout_probe.c
 * Run:   ./fanout_probe PORT CONNECTIONS WARMUP_S MEASURE_S 'SUBSCRIBE bench\r\n'   (empty line: send nothing)
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_SAMPLES (64 << 20)
#define PAYLOAD_HEADER 20 /* "CHB1" + 16 hex digits of send time */

struct sub {
    int fd;
    char tail[PAYLOAD_HEADER]; /* a header cut off by the end of the last read */
    int tail_len;
};

static long long now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int cmp(const void *a, const void *b) {
    long long x = *(const long long *)a, y = *(const long long *)b;
    return x < y ? -1 : x > y;
}

static long long *samples;
static long nsamples;
static int measuring;
static long long first_payload;   /* when the first payload arrived; 0 before */

static int hex(char c) {
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static void header(const char *h, long long now) {
    long long sent = 0;
    for (int i = 4; i < PAYLOAD_HEADER; i++) {
        int v = hex(h[i]);
        if (v < 0) return;
        sent = sent << 4 | v;
    }
    if (!first_payload) first_payload = now;
    if (measuring && nsamples < MAX_SAMPLES) samples[nsamples++] = now - sent;
}

static void scan(struct sub *s, const char *buf, int n, long long now) {
    if (s->tail_len) {                     /* finish the header the last read cut off */
        int take = PAYLOAD_HEADER - s->tail_len;
        if (take > n) take = n;
        memcpy(s->tail + s->tail_len, buf, take);
        s->tail_len += take;
        if (s->tail_len < PAYLOAD_HEADER) return;
        if (!memcmp(s->tail, "CHB1", 4)) header(s->tail, now);
        s->tail_len = 0;
    }
    for (const char *p = buf; (p = memmem(p, buf + n - p, "CHB1", 4)) != NULL; p += 4) {
        if (buf + n - p >= PAYLOAD_HEADER) {
            header(p, now);
        } else {
            s->tail_len = buf + n - p;
            memcpy(s->tail, p, s->tail_len);
            break;
        }
    }
    /* A marker cut inside its own 4 bytes is missed; with 64 B payloads that is rare and only thins the sample. */
}

int main(int argc, char **argv) {
    if (argc < 6) {
        fprintf(stderr, "usage: %s PORT CONNECTIONS WARMUP_S MEASURE_S SUBSCRIBE_LINE\n", argv[0]);
        return 2;
    }
    int port = atoi(argv[1]), conns = atoi(argv[2]);
    double warmup = atof(argv[3]), measure = atof(argv[4]);
    /* The subscribe line, with \r and \n written as escapes on the command line. */
    char line[256];
    int len = 0;
    for (const char *p = argv[5]; *p && len < 250; p++) {
        if (p[0] == '\\' && p[1] == 'r') { line[len++] = '\r'; p++; }
        else if (p[0] == '\\' && p[1] == 'n') { line[len++] = '\n'; p++; }
        else line[len++] = *p;
    }
    samples = malloc(sizeof(long long) * MAX_SAMPLES);
    int ep = epoll_create1(0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(port)};
    inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
    for (int i = 0; i < conns; i++) {
        struct sub *s = calloc(1, sizeof *s);
        s->fd = socket(AF_INET, SOCK_STREAM, 0);
        int one = 1;
        setsockopt(s->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        if (connect(s->fd, (struct sockaddr *)&addr, sizeof addr)) { perror("connect"); return 1; }
        if (len && write(s->fd, line, len) != len) { perror("write"); return 1; }
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = s};
        epoll_ctl(ep, EPOLL_CTL_ADD, s->fd, &ev);
    }
    static char buf[65536];
    struct epoll_event events[256];
    long long give_up = now_ns() + 120 * 1000000000LL;  /* no payload in 2 minutes: stop */
    for (;;) {
        long long now = now_ns();
        if (!first_payload && now >= give_up) break;
        if (first_payload) {
            long long measure_at = first_payload + (long long)(warmup * 1e9);
            if (now >= measure_at + (long long)(measure * 1e9)) break;
            measuring = now >= measure_at;
        }
        int n = epoll_wait(ep, events, 256, 100);
        now = now_ns();
        for (int i = 0; i < n; i++) {
            struct sub *s = events[i].data.ptr;
            int r = read(s->fd, buf, sizeof buf);
            if (r <= 0) { if (r == 0 || errno != EAGAIN) { fprintf(stderr, "connection closed\n"); return 1; } continue; }
            scan(s, buf, r, now);
        }
    }
    qsort(samples, nsamples, sizeof *samples, cmp);
    if (!nsamples) { printf("{\"probe_samples\":0}\n"); return 1; }
#define PCT(p) (samples[(long)((nsamples - 1) * (p))] / 1000.0)
    printf("{\"probe_samples\":%ld,\"p50_us\":%.1f,\"p90_us\":%.1f,\"p99_us\":%.1f,\"p999_us\":%.1f,\"max_us\":%.1f}\n",
           nsamples, PCT(0.5), PCT(0.9), PCT(0.99), PCT(0.999), samples[nsamples - 1] / 1000.0);
    return 0;
}
