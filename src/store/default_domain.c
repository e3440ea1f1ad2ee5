/*
 * The default domain's aliases (store.h): with no domain configured, the
 * store serves SP_STORE_DEFAULT_DOMAIN, and a request or a command line
 * naming "localhost", the host name or an IP address means it. Shared by
 * the CLI (`siphon user`) and the server so both read a domain the same way.
 */
#include <arpa/inet.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "siphon/store.h"

bool sp_store_default_alias(const char *dom)
{
	char host[256], ip[64];
	unsigned char bin[16];
	size_t n = strlen(dom);
	const char *lit = dom;

	if (strcmp(dom, SP_STORE_DEFAULT_DOMAIN) == 0)
		return true;
	/* Address literals before the host name: no system call for the
	 * common case of a phone that registers to the server's address. */
	if (n >= 2 && n < sizeof(ip) && dom[0] == '[' && dom[n - 1] == ']') {
		memcpy(ip, dom + 1, n - 2);
		ip[n - 2] = '\0';
		lit = ip;
	}
	if (inet_pton(AF_INET, lit, bin) == 1 || inet_pton(AF_INET6, lit, bin) == 1)
		return true;
	if (gethostname(host, sizeof(host)) == 0) {
		host[sizeof(host) - 1] = '\0';
		if (strcasecmp(dom, host) == 0)
			return true;
	}
	return false;
}
