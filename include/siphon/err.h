/*
 * Errors: functions return 0 or a negative errno (-EBADMSG, -ENOMEM, ...),
 * or one of the project codes below, which live above the errno range so
 * the two never collide. A SIP status code is a result, never an error.
 */
#ifndef SIPHON_ERR_H
#define SIPHON_ERR_H

#include <errno.h>

enum {
	SP_ERR_BASE = 10000,
	SP_EINCOMPLETE = -(SP_ERR_BASE + 1), /* stream framing needs more bytes */
	SP_ETOOBIG = -(SP_ERR_BASE + 2),     /* a bound (size, count) was exceeded */
	SP_EVERSION = -(SP_ERR_BASE + 3),    /* SIP version other than 2.0 */
};

/* Text for any code this library returns (negative errno or SP_E*), e.g.
 * "bad message". Never NULL; unknown codes give "unknown error". */
const char *sp_strerror(int err);

#endif
