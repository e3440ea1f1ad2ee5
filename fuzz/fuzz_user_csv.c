/*
 * libFuzzer target for the rows of a `siphon user import` file
 * (src/cli/user_csv.c): RFC 4180 quoting, the optional header, user and
 * served domain, a password or two hex HA1s. The input is the file; each
 * line goes through sp_user_csv_row as the importer passes it (served
 * domains localhost and example.com). Checks:
 *  - the result is 1, 0 or -EINVAL, and -EINVAL says why;
 *  - a row taken has a non-empty user, one of the served domains, and
 *    each HA1 empty or lowercase hex of its length (32, 64), not both
 *    empty.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../src/cli/user_csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool hex_or_empty(const char *s, size_t len)
{
	size_t n = strlen(s);
	if (n == 0)
		return true;
	if (n != len)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sp_store_domain served[2] = { { .name = "localhost" },
						    { .name = "example.com" } };
	const struct sp_cli_domains d = { .n = 2, .v = served };
	bool seen_row = false;
	char line[4096], why[512];

	for (size_t at = 0; at < size;) {
		const uint8_t *nl = memchr(data + at, '\n', size - at);
		size_t end = nl ? (size_t)(nl - data) : size, len = end - at;
		if (len >= sizeof(line))
			len = sizeof(line) - 1; /* the importer refuses longer lines */
		memcpy(line, data + at, len);
		line[len] = 0;
		line[strcspn(line, "\r")] = 0;
		at = end + 1;

		struct sp_store_subscriber sub;
		memset(&sub, 0, sizeof(sub));
		why[0] = 0;
		int rc = sp_user_csv_row(line, &seen_row, &d, &sub, why, sizeof(why));
		if (rc == -EINVAL) {
			if (!why[0])
				abort();
			continue;
		}
		if (rc == 0)
			continue;
		if (rc != 1 || !sub.user[0] ||
		    (strcmp(sub.domain, "localhost") != 0 && strcmp(sub.domain, "example.com") != 0) ||
		    !hex_or_empty(sub.ha1_md5, 32) || !hex_or_empty(sub.ha1_sha256, 64) ||
		    (!sub.ha1_md5[0] && !sub.ha1_sha256[0]))
			abort();
	}
	return 0;
}
