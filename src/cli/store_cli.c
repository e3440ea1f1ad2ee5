/*
 * Helpers of the store's verbs (store_cli.h): the data directory, domain
 * resolution with the default domain's aliases, password input and HA1s.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "siphon/digest.h"
#include "siphon/mem.h"

#include "cli.h"
#include "store_cli.h"

int sp_cli_store_open(const char *verb, const char *dir, struct sp_store **out)
{
	if (!dir)
		dir = SP_CLI_DATA_DEFAULT;
	int err = sp_store_open(out, "sqlite", dir);
	if (err) {
		fprintf(stderr, "siphon %s: cannot open the store in %s: %s\n", verb, dir,
			err == -ENOTSUP ? "written by a newer siphon" : strerror(-err));
		return SP_EXIT_USAGE;
	}
	return SP_EXIT_OK;
}

static int add_domain(const struct sp_store_domain *dom, void *arg)
{
	struct sp_cli_domains *d = arg;
	struct sp_store_domain *v = sp_realloc(d->v, (d->n + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	d->v = v;
	d->v[d->n++] = *dom;
	return 0;
}

int sp_cli_domains_load(const char *verb, struct sp_store *s, struct sp_cli_domains *d)
{
	d->n = 0;
	d->v = NULL;
	int err = sp_store_domain_list(s, add_domain, d);
	if (err) {
		fprintf(stderr, "siphon %s: cannot read the domains: %s\n", verb, strerror(-err));
		sp_cli_domains_free(d);
		return SP_EXIT_USAGE;
	}
	return SP_EXIT_OK;
}

void sp_cli_domains_free(struct sp_cli_domains *d)
{
	sp_free(d->v);
	d->v = NULL;
	d->n = 0;
}

int sp_cli_domain_resolve(const struct sp_cli_domains *d, const char *dom, char *out, char *why,
			  size_t why_size)
{
	char low[SP_STORE_DOMAIN_MAX];

	if (!dom || !*dom) {
		if (d->n > 1) {
			snprintf(why, why_size, "%zu domains are served: say USER@DOMAIN", d->n);
			return -EINVAL;
		}
		snprintf(out, SP_STORE_DOMAIN_MAX, "%s",
			 d->n ? d->v[0].name : SP_STORE_DEFAULT_DOMAIN);
		return 0;
	}
	size_t n = strlen(dom);
	if (n >= sizeof(low)) {
		snprintf(why, why_size, "domain too long");
		return -EINVAL;
	}
	for (size_t i = 0; i <= n; i++)
		low[i] = (dom[i] >= 'A' && dom[i] <= 'Z') ? (char)(dom[i] - 'A' + 'a') : dom[i];
	if (d->n == 0) {
		if (sp_store_default_alias(low)) {
			snprintf(out, SP_STORE_DOMAIN_MAX, "%s", SP_STORE_DEFAULT_DOMAIN);
			return 0;
		}
		snprintf(why, why_size,
			 "domain '%s' is not served (no domain configured: only the default "
			 "domain, localhost); add it with `siphon domain add %s`",
			 low, low);
		return -ENOENT;
	}
	for (size_t i = 0; i < d->n; i++) {
		if (strcmp(d->v[i].name, low) == 0) {
			snprintf(out, SP_STORE_DOMAIN_MAX, "%s", low);
			return 0;
		}
	}
	snprintf(why, why_size, "domain '%s' is not served; add it with `siphon domain add %s`",
		 low, low);
	return -ENOENT;
}

int sp_cli_aor(const char *verb, const struct sp_cli_domains *d, const char *arg,
	       struct sp_store_subscriber *sub)
{
	char why[512];
	const char *at = strrchr(arg, '@');
	size_t ulen = at ? (size_t)(at - arg) : strlen(arg);

	if (ulen == 0 || ulen >= sizeof(sub->user)) {
		fprintf(stderr, "siphon %s: '%s': want USER[@DOMAIN]\n", verb, arg);
		return SP_EXIT_USAGE;
	}
	memcpy(sub->user, arg, ulen);
	sub->user[ulen] = '\0';
	int err = sp_cli_domain_resolve(d, at ? at + 1 : NULL, sub->domain, why, sizeof(why));
	if (err) {
		fprintf(stderr, "siphon %s: %s\n", verb, why);
		return err == -ENOENT ? SP_EXIT_FAIL : SP_EXIT_USAGE;
	}
	return SP_EXIT_OK;
}

/* One line from f without its line end; false at EOF or when too long. */
static bool read_line(FILE *f, char *buf, size_t size)
{
	if (!fgets(buf, (int)size, f))
		return false;
	size_t n = strcspn(buf, "\r\n");
	if (buf[n] == '\0' && !feof(f))
		return false; /* longer than the buffer */
	buf[n] = '\0';
	return true;
}

static int prompt(FILE *tty, const char *text, char *buf, size_t size)
{
	struct termios old, quiet;
	int fd = fileno(tty);
	bool echo_off = tcgetattr(fd, &old) == 0;

	fputs(text, tty);
	fflush(tty);
	if (echo_off) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		quiet.c_lflag |= ECHONL;
		tcsetattr(fd, TCSAFLUSH, &quiet);
	}
	bool ok = read_line(tty, buf, size);
	if (echo_off)
		tcsetattr(fd, TCSAFLUSH, &old);
	return ok ? 0 : -EIO;
}

int sp_cli_password(const char *verb, const char *given, bool confirm, char *buf, size_t size)
{
	const char *env = getenv("SIPHON_PASSWORD");

	if (given || env) {
		const char *pw = given ? given : env;
		if (strlen(pw) >= size) {
			fprintf(stderr, "siphon %s: password too long\n", verb);
			return SP_EXIT_USAGE;
		}
		snprintf(buf, size, "%s", pw);
	} else if (!isatty(STDIN_FILENO)) {
		if (!read_line(stdin, buf, size)) {
			fprintf(stderr, "siphon %s: no password on standard input\n", verb);
			return SP_EXIT_USAGE;
		}
	} else {
		FILE *tty = fopen("/dev/tty", "r+");
		if (!tty) {
			fprintf(stderr, "siphon %s: no terminal to ask the password on\n", verb);
			return SP_EXIT_USAGE;
		}
		char again[256];
		int err = prompt(tty, "Password: ", buf, size);
		if (!err && confirm) {
			err = prompt(tty, "Retype password: ", again, sizeof(again));
			if (!err && strcmp(buf, again) != 0) {
				fclose(tty);
				explicit_bzero(again, sizeof(again));
				fprintf(stderr, "siphon %s: the passwords differ\n", verb);
				return SP_EXIT_FAIL;
			}
		}
		explicit_bzero(again, sizeof(again));
		fclose(tty);
		if (err) {
			fprintf(stderr, "siphon %s: cannot read the password\n", verb);
			return SP_EXIT_USAGE;
		}
	}
	if (!buf[0]) {
		fprintf(stderr, "siphon %s: empty password\n", verb);
		return SP_EXIT_USAGE;
	}
	return SP_EXIT_OK;
}

static void put_hex(char *dst, const struct sp_digest_hex *h)
{
	memcpy(dst, h->hex, h->len);
	dst[h->len] = '\0';
}

int sp_cli_ha1(struct sp_store_subscriber *sub, const char *pw)
{
	struct sp_digest_hex md5, sha;
	struct sp_str u = sp_str_c(sub->user), r = sp_str_c(sub->domain), p = sp_str_c(pw);

	if (sp_digest_ha1(SP_DIGEST_MD5, u, r, p, &md5) != 0 ||
	    sp_digest_ha1(SP_DIGEST_SHA256, u, r, p, &sha) != 0)
		return -EINVAL;
	put_hex(sub->ha1_md5, &md5);
	put_hex(sub->ha1_sha256, &sha);
	return 0;
}
