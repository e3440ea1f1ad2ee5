/*
 * libFuzzer target for NAPTR substitution expressions (RFC 3402 §3.2,
 * sp_dns_naptr_subst in dns.h): the regexp field of an ENUM record is
 * untrusted DNS data that reaches regcomp(). The input is the expression,
 * optionally followed by '\n' and the string to apply it to (default an
 * ENUM AUS). Besides "no crash, no sanitizer report, no blow-up" (libFuzzer
 * reports slow inputs and memory growth), every run checks the contract:
 *  - the result is a length, -ENOENT, -EINVAL, -ENOSPC or -ENOMEM;
 *  - a result is NUL-terminated at its length, inside the buffer;
 *  - the same call with a buffer of exactly length + 1 gives the same
 *    bytes, and one byte less is -ENOSPC;
 *  - expressions longer than 255 bytes are refused.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "siphon/dns.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok)
{
	if (!ok)
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sp_str re = {(const char *)data, size};
	struct sp_str aus = SP_STR("+441632960083");
	const char *nl = size ? memchr(data, '\n', size) : NULL;
	if (nl) {
		re.len = (size_t)(nl - re.p);
		aus = (struct sp_str){nl + 1, size - re.len - 1};
	}

	char out[SP_DNS_ENUM_URI_MAX + 1];
	long n = sp_dns_naptr_subst(re, aus, out, sizeof(out));
	check(n >= 0 || n == -ENOENT || n == -EINVAL || n == -ENOSPC || n == -ENOMEM);
	if (re.len > 255)
		check(n == -EINVAL);
	if (n < 0)
		return 0;
	check((size_t)n < sizeof(out) && out[n] == 0);

	/* Exact-size buffers, so ASan sees a write one past the end. */
	char *exact = malloc((size_t)n + 1);
	check(exact != NULL);
	check(sp_dns_naptr_subst(re, aus, exact, (size_t)n + 1) == n);
	check(memcmp(exact, out, (size_t)n + 1) == 0);
	free(exact);
	char *small = malloc((size_t)n + 1);
	check(small != NULL);
	check(sp_dns_naptr_subst(re, aus, small, (size_t)n) == -ENOSPC);
	free(small);
	return 0;
}
