/*
 * Rows of a user import file (user_csv.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "user_csv.h"

/* Splits a CSV line in place (RFC 4180 quoting: "a,b" and "" inside
 * quotes). Returns the number of fields, or -1 on a bad quote or too many
 * fields. */
static int split_csv(char *line, char **field, int max)
{
	int n = 0;
	char *r = line, *w = line;

	for (;;) {
		if (n == max)
			return -1;
		field[n++] = w;
		if (*r == '"') {
			r++;
			for (;;) {
				if (*r == '\0')
					return -1;
				if (*r == '"' && r[1] == '"') {
					*w++ = '"';
					r += 2;
				} else if (*r == '"') {
					r++;
					break;
				} else {
					*w++ = *r++;
				}
			}
			if (*r != ',' && *r != '\0')
				return -1;
		} else {
			while (*r && *r != ',')
				*w++ = *r++;
		}
		if (*r == '\0') {
			*w = '\0';
			return n;
		}
		*w++ = '\0';
		r++;
	}
}

/* A hex HA1 of len digits (either case) into dst[len + 1] lowercase; ""
 * stays "". */
static bool take_hex(char *dst, const char *v, size_t len)
{
	size_t n = strlen(v);
	if (n == 0) {
		dst[0] = '\0';
		return true;
	}
	if (n != len)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = v[i];
		if (c >= 'A' && c <= 'F')
			c = (char)(c - 'A' + 'a');
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return false;
		dst[i] = c;
	}
	dst[n] = '\0';
	return true;
}

int sp_user_csv_row(char *line, bool *seen_row, const struct sp_cli_domains *d,
		    struct sp_store_subscriber *sub, char *why, size_t cap)
{
	char *f[5];

	if (line[0] == '\0' || line[0] == '#')
		return 0;
	int n = split_csv(line, f, 5);
	bool first = !*seen_row;
	*seen_row = true;
	if (first && n >= 1 && strcasecmp(f[0], "user") == 0)
		return 0; /* the optional header */
	if (n != 3 && n != 4) {
		snprintf(why, cap, "want user,domain,password or user,domain,ha1_md5,ha1_sha256");
		return -EINVAL;
	}
	size_t ulen = strlen(f[0]);
	if (ulen == 0 || ulen >= sizeof(sub->user)) {
		snprintf(why, cap, "bad user");
		return -EINVAL;
	}
	memcpy(sub->user, f[0], ulen + 1);
	if (sp_cli_domain_resolve(d, f[1], sub->domain, why, cap) != 0)
		return -EINVAL;
	if (n == 3) {
		if (!f[2][0] || sp_cli_ha1(sub, f[2]) != 0) {
			snprintf(why, cap, "empty password");
			return -EINVAL;
		}
		explicit_bzero(f[2], strlen(f[2]));
	} else if (!take_hex(sub->ha1_md5, f[2], 32) || !take_hex(sub->ha1_sha256, f[3], 64) ||
		   (!sub->ha1_md5[0] && !sub->ha1_sha256[0])) {
		snprintf(why, cap,
			 "want ha1_md5 as 32 and ha1_sha256 as 64 hex digits (one may be empty)");
		return -EINVAL;
	}
	return 1;
}
