/*
 * One table maps every project error code to its text; errno values fall
 * through to strerror(). Kept here so the CLI, logs and tests all print the
 * same words for the same failure.
 */
#include <string.h>

#include "siphon/err.h"

static const struct {
	int code;
	const char *text;
} project_errors[] = {
	{ SP_EINCOMPLETE, "incomplete message: more bytes needed" },
	{ SP_ETOOBIG, "limit exceeded" },
	{ SP_EVERSION, "SIP version not supported" },
};

const char *sp_strerror(int err)
{
	for (size_t i = 0; i < sizeof(project_errors) / sizeof(project_errors[0]); i++)
		if (project_errors[i].code == err)
			return project_errors[i].text;
	if (err < 0 && err > -SP_ERR_BASE)
		return strerror(-err);
	return "unknown error";
}
