/*
 * The kernel floor of bench/proxy/run.sh: a UDP relay that does nothing a
 * SIP proxy must do (no parsing beyond finding Call-ID, no Via, no
 * Record-Route, no transactions), only the datagram work: it receives
 * every message of a call and sends it on, the same count of datagrams a
 * stateless proxy handles. A datagram from anywhere but the callee goes
 * to the callee, its source remembered by Call-ID; one from the callee
 * goes back to the source remembered for its Call-ID.
 *
 * The CPU it uses per call is what the kernel charges any proxy on this
 * machine for receiving and sending those datagrams (loopback delivery to
 * the peer included); a proxy's CPU above it is its own work. It blocks in
 * recvmmsg (no epoll, no timers): the cheapest way to wait for datagrams.
 *
 * usage: null_relay LISTEN_PORT CALLEE_PORT   (both on 127.0.0.1)
 * Runs until killed. Not part of siphon: a measuring instrument.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define BATCH 32
#define MAXLEN 4096
#define SLOTS (1u << 16) /* Call-ID hash table, open addressing */

struct slot {
	uint64_t key; /* hash of the Call-ID, 0: free */
	struct sockaddr_in from;
};

static struct slot table[SLOTS];

static uint64_t hash(const char *p, size_t n)
{
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)p[i]) * 1099511628211ull;
	return h ? h : 1;
}

/* The Call-ID value of a message, or a zero-length one. */
static const char *call_id(const char *m, size_t len, size_t *n)
{
	static const char name[] = "\nCall-ID:";
	const char *p = memmem(m, len, name, sizeof(name) - 1);
	*n = 0;
	if (!p)
		return NULL;
	p += sizeof(name) - 1;
	while (p < m + len && *p == ' ')
		p++;
	const char *e = memchr(p, '\r', (size_t)(m + len - p));
	if (!e)
		return NULL;
	*n = (size_t)(e - p);
	return p;
}

static struct slot *find(uint64_t key, int add)
{
	for (uint32_t i = (uint32_t)key & (SLOTS - 1);; i = (i + 1) & (SLOTS - 1)) {
		if (table[i].key == key)
			return &table[i];
		if (!table[i].key) {
			if (!add)
				return NULL;
			table[i].key = key;
			return &table[i];
		}
	}
}

int main(int argc, char **argv)
{
	static char bufs[BATCH][MAXLEN];
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	struct sockaddr_in names[BATCH], me = {.sin_family = AF_INET}, callee = me;
	unsigned long used = 0;

	if (argc != 3) {
		fprintf(stderr, "usage: null_relay LISTEN_PORT CALLEE_PORT\n");
		return 2;
	}
	me.sin_port = htons((uint16_t)atoi(argv[1]));
	callee.sin_port = htons((uint16_t)atoi(argv[2]));
	inet_pton(AF_INET, "127.0.0.1", &me.sin_addr);
	callee.sin_addr = me.sin_addr;
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	int big = 4 << 20;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	if (fd < 0 || bind(fd, (struct sockaddr *)&me, sizeof(me)) != 0) {
		perror("null_relay: bind");
		return 1;
	}
	for (;;) {
		for (int i = 0; i < BATCH; i++) {
			iov[i] = (struct iovec){bufs[i], MAXLEN};
			msgs[i].msg_hdr = (struct msghdr){.msg_name = &names[i],
							  .msg_namelen = sizeof(names[i]),
							  .msg_iov = &iov[i],
							  .msg_iovlen = 1};
		}
		int n = recvmmsg(fd, msgs, BATCH, MSG_WAITFORONE, NULL);
		for (int i = 0; i < n; i++) {
			size_t len = msgs[i].msg_len, cl;
			const char *cid = call_id(bufs[i], len, &cl);
			if (!cid)
				continue;
			uint64_t key = hash(cid, cl);
			const struct sockaddr_in *to = &callee;
			if (names[i].sin_port == callee.sin_port &&
			    names[i].sin_addr.s_addr == callee.sin_addr.s_addr) {
				struct slot *s = find(key, 0);
				if (!s)
					continue;
				to = &s->from;
			} else {
				struct slot *s = find(key, 1);
				if (!s->from.sin_port && ++used > SLOTS / 2) {
					/* Full enough: start over (a bench run
					 * never gets here). */
					memset(table, 0, sizeof(table));
					used = 1;
					s = find(key, 1);
				}
				s->from = names[i];
			}
			sendto(fd, bufs[i], len, MSG_DONTWAIT, (const struct sockaddr *)to, sizeof(*to));
		}
	}
}
