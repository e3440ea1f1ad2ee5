/*
 * Test harness for the src/dns tests: starts tests/support/dns_server.py
 * (an authoritative server for tests/support/dns_zone.json) on 127.0.0.1
 * with an ephemeral port, counts the queries it received from its query
 * log, and runs an sp_loop until a callback has fired.
 *
 * The server is a child process with a pipe on its stdin: it exits when
 * the pipe closes, so it never outlives the test, even one that crashes
 * (PR_SET_PDEATHSIG backs that up). Header-only: each test binary is one
 * file plus test_util.c.
 */
#ifndef SIPHON_DNS_HARNESS_H
#define SIPHON_DNS_HARNESS_H

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "siphon/loop.h"

#define DNS_SUPPORT SIPHON_VECTORS "/../support"

struct dns_srv {
	pid_t pid;
	int in_fd; /* the server's stdin: closing it stops the server */
	int port;
	char addr[32]; /* "127.0.0.1:PORT" */
	char log[64];
};

/* Starts the server; returns 0, or -1 after printing why. */
static inline int dns_srv_start(struct dns_srv *s)
{
	int in[2], out[2];
	memset(s, 0, sizeof(*s));
	snprintf(s->log, sizeof(s->log), "/tmp/siphon-dns-test-%d.log", (int)getpid());
	if (pipe(in) || pipe(out))
		return -1;
	pid_t parent = getpid();
	s->pid = fork();
	if (s->pid < 0)
		return -1;
	if (s->pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(1);
		dup2(in[0], 0);
		dup2(out[1], 1);
		close(in[1]);
		close(out[0]);
		execlp("python3", "python3", DNS_SUPPORT "/dns_server.py", "--zone",
		       DNS_SUPPORT "/dns_zone.json", "--log", s->log, "--exit-on-eof",
		       (char *)NULL);
		perror("exec python3");
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	s->in_fd = in[1];
	/* "PORT <n>\n", within 20 s. */
	char line[64];
	size_t n = 0;
	struct pollfd pfd = {out[0], POLLIN, 0};
	while (n < sizeof(line) - 1 && (n == 0 || line[n - 1] != '\n')) {
		if (poll(&pfd, 1, 20000) <= 0)
			break;
		ssize_t r = read(out[0], line + n, sizeof(line) - 1 - n);
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	close(out[0]);
	line[n] = 0;
	if (sscanf(line, "PORT %d", &s->port) != 1 || s->port <= 0) {
		fprintf(stderr, "dns_server.py did not start: '%s'\n", line);
		return -1;
	}
	snprintf(s->addr, sizeof(s->addr), "127.0.0.1:%d", s->port);
	return 0;
}

static inline void dns_srv_stop(struct dns_srv *s)
{
	if (s->pid <= 0)
		return;
	close(s->in_fd);
	int st;
	for (int i = 0; i < 200; i++) {
		if (waitpid(s->pid, &st, WNOHANG) == s->pid)
			goto out;
		usleep(10000);
	}
	kill(s->pid, SIGKILL);
	waitpid(s->pid, &st, 0);
out:
	unlink(s->log);
	s->pid = 0;
}

/* Forgets the queries logged so far. */
static inline void dns_srv_clear(struct dns_srv *s)
{
	int fd = open(s->log, O_WRONLY | O_TRUNC);
	if (fd >= 0)
		close(fd);
}

/* Queries for name and type ("A", "SRV", ...) since the last clear; type
 * NULL counts every type, name NULL every name. */
static inline unsigned dns_srv_count(const struct dns_srv *s, const char *name, const char *type)
{
	FILE *f = fopen(s->log, "r");
	char n[300], t[32];
	unsigned c = 0;
	if (!f)
		return 0;
	while (fscanf(f, "%299s %31s", n, t) == 2)
		if ((!name || strcmp(n, name) == 0) && (!type || strcmp(t, type) == 0))
			c++;
	fclose(f);
	return c;
}

static inline int64_t dns_wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Runs loop until *flag turns true or ms of wall time pass; returns
 * *flag. */
static inline bool dns_run_until(struct sp_loop *loop, const bool *flag, int ms)
{
	int64_t end = dns_wall_ms() + ms;
	while (!*flag && dns_wall_ms() < end)
		sp_loop_run_once(loop, 20);
	return *flag;
}

/* Runs loop for about ms of wall time. */
static inline void dns_run_for(struct sp_loop *loop, int ms)
{
	int64_t end = dns_wall_ms() + ms;
	while (dns_wall_ms() < end)
		sp_loop_run_once(loop, 10);
}

#endif
