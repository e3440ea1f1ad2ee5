/*
 * The softphone verbs' profile file: settings applied before the command
 * line, so that a password (and the server, user, ...) need not be typed.
 * The file is --profile FILE, else $SIPHON_PROFILE, else
 * ~/.config/siphon/profile when it exists. Each line is "name value" or
 * "name = value" where name is one of the verb's common or media long
 * options without its dashes (server, user, password, transport, dns,
 * codecs, dscp-sip, ...); flags without a value take yes/no; lines
 * starting with '#' are comments (a value may hold '#'). A profile holding a password must not be readable by group or
 * others (as ssh does with keys): the verb refuses it otherwise.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "phone_common.h"

#define PROFILE_MAX 8192

/* The file's text, cut into NUL-terminated values in place: the settings
 * point into it for the life of the process. */
static char text[PROFILE_MAX + 1];

static const char *profile_path(int argc, char **argv, char *buf, size_t cap, bool *explicit)
{
	*explicit = true;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
			return NULL; /* the help needs no profile */
		if (!strcmp(argv[i], "--profile") && i + 1 < argc)
			return argv[i + 1];
		if (!strncmp(argv[i], "--profile=", 10))
			return argv[i] + 10;
		if (!strcmp(argv[i], "--"))
			break;
	}
	const char *env = getenv("SIPHON_PROFILE");
	if (env && *env)
		return env;
	*explicit = false;
	const char *home = getenv("HOME");
	if (!home || !*home)
		return NULL;
	snprintf(buf, cap, "%s/.config/siphon/profile", home);
	return buf;
}

static int bad_line(const struct sp_phone *p, const char *path, unsigned line, const char *why)
{
	fprintf(stderr, "siphon %s: %s:%u: %s\n", p->verb, path, line, why);
	return SP_EXIT_USAGE;
}

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	char *e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = 0;
	return s;
}

/* Applies "name value" through the option table. */
static int apply(struct sp_phone *p, const struct option *opts, const char *path, unsigned ln,
		 char *name, char *value)
{
	for (const struct option *o = opts; o->name; o++) {
		if (strcmp(o->name, name) != 0)
			continue;
		if (o->has_arg == no_argument) {
			if (!strcasecmp(value, "no") || !strcasecmp(value, "false") ||
			    !strcmp(value, "0"))
				return 0;
			if (*value && strcasecmp(value, "yes") && strcasecmp(value, "true") &&
			    strcmp(value, "1"))
				return bad_line(p, path, ln, "want yes or no");
		} else if (!*value) {
			return bad_line(p, path, ln, "a value is missing");
		}
		int rc = sp_phone_opt(p, o->val, value);
		if (rc == 1)
			return 0;
		return rc ? rc : bad_line(p, path, ln, "not a setting a profile may hold");
	}
	return bad_line(p, path, ln, "unknown setting");
}

int sp_phone_profile(struct sp_phone *p, int argc, char **argv, const struct option *opts)
{
	char def[512];
	bool explicit;
	const char *path = profile_path(argc, argv, def, sizeof(def), &explicit);
	if (!path)
		return 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (!explicit && errno == ENOENT)
			return 0;
		fprintf(stderr, "siphon %s: profile %s: %s\n", p->verb, path, strerror(errno));
		return SP_EXIT_USAGE;
	}
	struct stat st;
	ssize_t n = fstat(fd, &st) == 0 ? read(fd, text, PROFILE_MAX + 1) : -1;
	close(fd);
	if (n < 0 || n > PROFILE_MAX) {
		fprintf(stderr, "siphon %s: profile %s: %s\n", p->verb, path,
			n < 0 ? strerror(errno) : "larger than 8 KiB");
		return SP_EXIT_USAGE;
	}
	text[n] = 0;
	unsigned ln = 0;
	for (char *line = text, *next; line && *line; line = next) {
		ln++;
		next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		line = trim(line);
		if (!*line || *line == '#')
			continue;
		size_t k = strcspn(line, " \t=");
		char *value = line + k;
		if (*value)
			*value++ = 0;
		value = trim(value);
		if (*value == '=')
			value = trim(value + 1);
		if (!strcmp(line, "password") && (st.st_mode & 077))
			return bad_line(p, path, ln,
					"holds a password but others may read the file (chmod 600)");
		int rc = apply(p, opts, path, ln, line, value);
		if (rc)
			return rc;
	}
	return 0;
}
