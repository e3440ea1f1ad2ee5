/*
 * `siphon user add|del|list|passwd|import`: the subscribers of the
 * embedded store (docs/cli.md, docs/store.md). Works on the data directory
 * of `siphon serve`, also while the server runs (SQLite WAL: the server
 * sees the change on its next lookup). Passwords are never stored: `add`
 * and `passwd` keep H(user:domain:password) for MD5 and SHA-256.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "siphon/store.h"

#include "cli.h"
#include "store_cli.h"
#include "user_csv.h"

#define PW_MAX	     256
#define CSV_LINE_MAX 4096

static void usage(FILE *out)
{
	fprintf(out,
		"usage: siphon user add USER[@DOMAIN] [--password PW] [--data DIR]\n"
		"       siphon user passwd USER[@DOMAIN] [--password PW] [--data DIR]\n"
		"       siphon user del USER[@DOMAIN] [--data DIR]\n"
		"       siphon user list [DOMAIN] [--data DIR]\n"
		"       siphon user import FILE|- [--data DIR]\n"
		"\n"
		"  --data DIR          data directory of the embedded store (default: ./var)\n"
		"  --password PW       the password (else $SIPHON_PASSWORD, else a line of\n"
		"                      standard input when it is not a terminal, else a prompt)\n"
		"  -h, --help          this text\n"
		"\n"
		"USER alone means the only served domain, or the default domain (localhost)\n"
		"when none is configured; then localhost, the host name and IP addresses all\n"
		"name it. import reads CSV lines user,domain,password or\n"
		"user,domain,ha1_md5,ha1_sha256 (header optional), all in one transaction;\n"
		"existing users are replaced. docs/store.md has the details.\n");
}

static int usage_error(const char *what)
{
	fprintf(stderr, "siphon user: %s\nTry 'siphon user --help'.\n", what);
	return SP_EXIT_USAGE;
}

static int store_fail(const char *what, int err)
{
	fprintf(stderr, "siphon user: %s: %s\n", what, strerror(-err));
	return SP_EXIT_USAGE;
}

/* add (replace false) and passwd (replace true, must exist). */
static int set_password(struct sp_store *s, const struct sp_cli_domains *d, const char *aor,
			const char *given, bool passwd)
{
	struct sp_store_subscriber sub = {0}, old;
	char pw[PW_MAX];
	int rc = sp_cli_aor("user", d, aor, &sub);
	if (rc)
		return rc;
	int err = sp_store_subscriber_get(s, sub.user, sub.domain, &old);
	if (err && err != -ENOENT)
		return store_fail("read", err);
	if (passwd && err == -ENOENT) {
		fprintf(stderr, "siphon user: no user %s@%s\n", sub.user, sub.domain);
		return SP_EXIT_FAIL;
	}
	if (!passwd && err == 0) {
		fprintf(stderr, "siphon user: %s@%s exists (use `siphon user passwd`)\n", sub.user,
			sub.domain);
		return SP_EXIT_FAIL;
	}
	rc = sp_cli_password("user", given, true, pw, sizeof(pw));
	if (rc)
		return rc;
	err = sp_cli_ha1(&sub, pw);
	explicit_bzero(pw, sizeof(pw));
	if (err)
		return store_fail("hash", err);
	err = sp_store_subscriber_put(s, &sub, passwd);
	if (err == -EEXIST) {
		fprintf(stderr, "siphon user: %s@%s exists\n", sub.user, sub.domain);
		return SP_EXIT_FAIL;
	}
	if (err)
		return store_fail("write", err);
	explicit_bzero(&sub, sizeof(sub));
	return SP_EXIT_OK;
}

static int del_user(struct sp_store *s, const struct sp_cli_domains *d, const char *aor)
{
	struct sp_store_subscriber sub = {0};
	int rc = sp_cli_aor("user", d, aor, &sub);
	if (rc)
		return rc;
	int err = sp_store_subscriber_del(s, sub.user, sub.domain);
	if (err == -ENOENT) {
		fprintf(stderr, "siphon user: no user %s@%s\n", sub.user, sub.domain);
		return SP_EXIT_FAIL;
	}
	return err ? store_fail("delete", err) : SP_EXIT_OK;
}

static int print_sub(const struct sp_store_subscriber *sub, void *arg)
{
	(void)arg;
	printf("%s@%s\n", sub->user, sub->domain);
	return 0;
}

static int list_users(struct sp_store *s, const struct sp_cli_domains *d, const char *dom)
{
	char name[SP_STORE_DOMAIN_MAX], why[512];

	if (dom) {
		int err = sp_cli_domain_resolve(d, dom, name, why, sizeof(why));
		if (err) {
			fprintf(stderr, "siphon user: %s\n", why);
			return err == -ENOENT ? SP_EXIT_FAIL : SP_EXIT_USAGE;
		}
	}
	int err = sp_store_subscriber_list(s, dom ? name : NULL, print_sub, NULL);
	if (fflush(stdout) != 0)
		return SP_EXIT_USAGE;
	return err ? store_fail("list", err) : SP_EXIT_OK;
}

/* ---- import ---- */

struct importer {
	FILE *f;
	const char *name;
	const struct sp_cli_domains *d;
	unsigned long line;
	bool seen_row;
	char why[600];
};

static int import_next(struct sp_store_subscriber *sub, void *arg)
{
	struct importer *im = arg;
	char line[CSV_LINE_MAX];

	for (;;) {
		if (!fgets(line, sizeof(line), im->f)) {
			if (ferror(im->f)) {
				snprintf(im->why, sizeof(im->why), "%s: read error", im->name);
				return -EIO;
			}
			return 0;
		}
		im->line++;
		size_t len = strcspn(line, "\r\n");
		if (line[len] == '\0' && !feof(im->f)) {
			snprintf(im->why, sizeof(im->why), "%s:%lu: line too long", im->name,
				 im->line);
			return -EINVAL;
		}
		line[len] = '\0';
		char why[512];
		int rc = sp_user_csv_row(line, &im->seen_row, im->d, sub, why, sizeof(why));
		if (rc < 0) {
			snprintf(im->why, sizeof(im->why), "%s:%lu: %s", im->name, im->line, why);
			return rc;
		}
		if (rc == 1)
			return 1;
	}
}

static int import_users(struct sp_store *s, const struct sp_cli_domains *d, const char *file)
{
	struct importer im = {.d = d, .name = file};
	size_t count = 0;

	if (strcmp(file, "-") == 0) {
		im.f = stdin;
		im.name = "<stdin>";
	} else if (!(im.f = fopen(file, "r"))) {
		fprintf(stderr, "siphon user: %s: %s\n", file, strerror(errno));
		return SP_EXIT_USAGE;
	}
	int err = sp_store_subscriber_import(s, import_next, &im, &count);
	if (im.f != stdin)
		fclose(im.f);
	if (err && im.why[0]) {
		fprintf(stderr, "siphon user: %s; nothing imported\n", im.why);
		return SP_EXIT_FAIL;
	}
	if (err)
		return store_fail("import (nothing imported)", err);
	printf("imported %zu users\n", count);
	return SP_EXIT_OK;
}

int sp_cmd_user(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"data", required_argument, NULL, 'd'},
	    {"password", required_argument, NULL, 'p'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *data = NULL, *password = NULL;
	int opt;

	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'd':
			data = optarg;
			break;
		case 'p':
			password = optarg;
			break;
		case 'h':
			usage(stdout);
			return SP_EXIT_OK;
		default:
			fputs("Try 'siphon user --help'.\n", stderr);
			return SP_EXIT_USAGE;
		}
	}
	if (optind >= argc)
		return usage_error("missing sub-command (add, del, list, passwd, import)");
	const char *cmd = argv[optind];
	int nargs = argc - optind - 1;
	char **args = argv + optind + 1;
	bool one = strcmp(cmd, "add") == 0 || strcmp(cmd, "del") == 0 ||
		   strcmp(cmd, "passwd") == 0 || strcmp(cmd, "import") == 0;
	if (one && nargs != 1)
		return usage_error(nargs ? "too many arguments" : "missing argument");
	if (strcmp(cmd, "list") == 0 && nargs > 1)
		return usage_error("too many arguments");
	if (!one && strcmp(cmd, "list") != 0) {
		fprintf(stderr, "siphon user: unknown sub-command '%s'\n", cmd);
		return usage_error("want add, del, list, passwd or import");
	}
	if (password && strcmp(cmd, "add") != 0 && strcmp(cmd, "passwd") != 0)
		return usage_error("--password is for add and passwd");
	if (data && !*data)
		return usage_error("--data: empty");

	struct sp_store *s;
	struct sp_cli_domains d;
	int rc = sp_cli_store_open("user", data, &s);
	if (rc)
		return rc;
	rc = sp_cli_domains_load("user", s, &d);
	if (rc) {
		sp_store_close(s);
		return rc;
	}
	if (strcmp(cmd, "add") == 0)
		rc = set_password(s, &d, args[0], password, false);
	else if (strcmp(cmd, "passwd") == 0)
		rc = set_password(s, &d, args[0], password, true);
	else if (strcmp(cmd, "del") == 0)
		rc = del_user(s, &d, args[0]);
	else if (strcmp(cmd, "list") == 0)
		rc = list_users(s, &d, nargs ? args[0] : NULL);
	else
		rc = import_users(s, &d, args[0]);
	sp_cli_domains_free(&d);
	sp_store_close(s);
	return rc;
}
