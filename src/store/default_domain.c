/*
 * The default domain's aliases (store.h): with no domain configured, the
 * store serves SP_STORE_DEFAULT_DOMAIN, and a request or a command line
 * naming "localhost", the host name or an IP address means it. Shared by
 * the CLI (`siphon user`) and the server so both read a domain the same way.
 */
#include <arpa/inet.h>
#include <pthread.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "siphon/store.h"

/* The host name, read once: a proxy asks for every request to a domain
 * that is not served (a system call each time cost more than the rest of
 * the check). A host renamed while the server runs is seen at restart. */
static char host_name[256];
static pthread_once_t host_once = PTHREAD_ONCE_INIT;

static void read_host_name(void)
{
	if (gethostname(host_name, sizeof(host_name)) != 0)
		host_name[0] = '\0';
	host_name[sizeof(host_name) - 1] = '\0';
}

bool sp_store_default_alias(const char *dom)
{
	char ip[64];
	unsigned char bin[16];
	size_t n = strlen(dom);
	const char *lit = dom;

	if (strcmp(dom, SP_STORE_DEFAULT_DOMAIN) == 0)
		return true;
	/* Address literals before the host name (the common case: a phone
	 * that registers to the server's address). */
	if (n >= 2 && n < sizeof(ip) && dom[0] == '[' && dom[n - 1] == ']') {
		memcpy(ip, dom + 1, n - 2);
		ip[n - 2] = '\0';
		lit = ip;
	}
	if (inet_pton(AF_INET, lit, bin) == 1 || inet_pton(AF_INET6, lit, bin) == 1)
		return true;
	pthread_once(&host_once, read_host_name);
	return host_name[0] && strcasecmp(dom, host_name) == 0;
}
