/*
 * NAPTR substitution expressions (RFC 3402 §3.2) and the ENUM First Well
 * Known Rule (RFC 6116 §3.1-§3.2): the pure string work of ENUM, apart
 * from any DNS traffic so it can be fuzzed and unit-tested alone.
 *
 *   subst-expr = delim-char ere delim-char repl delim-char *flags
 *   repl       = *(string / backref)      backref = "\" POS-DIGIT
 *   flags      = "i"
 *
 * The expression comes from DNS and is untrusted. glibc's regcomp() takes
 * exponential time and memory on repetition of repetition, and
 * back-references inside an ERE (a glibc extension, not POSIX ERE) make
 * matching exponential: ere_small() refuses both, before regcomp sees the
 * pattern (found by fuzz/fuzz_enum_regex.c).
 */
#include <ctype.h>
#include <errno.h>
#include <regex.h>
#include <stdbool.h>
#include <string.h>

#include "dns_int.h"

#define RE_MAX	  255 /* a <character-string> (RFC 1035 §3.3) */
#define AUS_MAX	  255
#define TREE_MAX  4096 /* estimated regcomp tree nodes */
#define DEPTH_MAX 16   /* nested groups */
#define DUP_MAX	  255  /* largest m or n in {m,n} */

/* Parses the "{m,n}" / "{m,}" / "{m}" / "{,n}" at s[i] (s[i] == '{').
 * Returns the index of its '}', the copies glibc makes of the operand in
 * *copies and m in *min; or 0 if this '{' is no bound. */
static size_t bound(const char *s, size_t n, size_t i, unsigned long *copies, unsigned long *min)
{
	unsigned long v[2] = {0, 0};
	bool have[2] = {false, false}, comma = false;
	size_t j;

	for (j = i + 1; j < n && s[j] != '}'; j++) {
		if (s[j] >= '0' && s[j] <= '9') {
			unsigned long *x = &v[comma];
			*x = *x * 10 + (unsigned long)(s[j] - '0');
			if (*x > DUP_MAX)
				*x = DUP_MAX + 1;
			have[comma] = true;
		} else if (s[j] == ',' && !comma) {
			comma = true;
		} else {
			return 0;
		}
	}
	if (j >= n || (!have[0] && !have[1]))
		return 0;
	/* {m}: m copies; {m,n} and {,n}: n; {m,}: m + 1 (the last starred). */
	unsigned long c = !comma ? v[0] : have[1] ? v[1] : v[0] + 1;
	if (c < v[0])
		c = v[0];
	*copies = c ? c : 1;
	*min = v[0];
	return j;
}

/* Skips the bracket expression at s[i] (s[i] == '['); returns the index
 * of its closing ']' (or n). */
static size_t bracket(const char *s, size_t n, size_t i)
{
	size_t j = i + 1;
	if (j < n && s[j] == '^')
		j++;
	if (j < n && s[j] == ']')
		j++;
	while (j < n && s[j] != ']') {
		if (s[j] == '[' && j + 1 < n &&
		    (s[j + 1] == ':' || s[j + 1] == '=' || s[j + 1] == '.')) {
			char t = s[j + 1];
			j += 2;
			while (j + 1 < n && !(s[j] == t && s[j + 1] == ']'))
				j++;
			j += 2;
			continue;
		}
		j++;
	}
	return j;
}

/* True if glibc's regcomp() and regexec() will handle ere quickly. glibc
 * expands repetition by copying its operand ("x+" is "xx*", "x{m,n}" holds
 * n copies) and walks epsilon paths through nested optional parts, so
 * repetition of repetition ("x?????+++", "((x?)+)+") costs exponential
 * time and memory, and a repeated group with several ways to match
 * nothing ("(|a|)*", "(^|a|$)*") makes regexec() loop: fuzzing found
 * both in inputs under 150 bytes. ENUM patterns need none of it
 * ("^\+44(.*)$", "^\+1([0-9]{3})$"). So:
 *  - a quantifier applies only to an atom that holds no quantifier and
 *    cannot match the empty string (star height 1, no nullable groups);
 *  - GNU escapes ("\w", "\b", "\<", "\`"...) and back-references are
 *    refused: POSIX leaves an escaped letter or digit undefined;
 *  - bounds are at most DUP_MAX, groups nest at most DEPTH_MAX deep, and
 *    the tree, counting the copies bounds make, stays under TREE_MAX.
 * Measured with glibc 2.36: what passes compiles in under 10 ms. */
static bool ere_small(const char *s, size_t n)
{
	struct {
		unsigned long total;  /* nodes so far */
		bool quantified;      /* holds a quantifier */
		bool nullable;	      /* a finished branch can match "" */
		bool branch_nullable; /* the current branch can, so far */
	} st[DEPTH_MAX + 1];
	unsigned d = 0;
	/* The last atom of the current branch. */
	bool have_atom = false, atom_q = false, atom_null = false, before_null = true;
	unsigned long atom = 0, copies, min;
	size_t end;

	memset(&st[0], 0, sizeof(st[0]));
	st[0].branch_nullable = true;
	for (size_t i = 0; i < n; i++) {
		bool null = false, q = false;
		unsigned long size = 1;
		switch (s[i]) {
		case '\\':
			if (++i >= n || isalnum((unsigned char)s[i]) || s[i] == '`' || s[i] == '\'')
				return false;
			break;
		case '[':
			i = bracket(s, n, i);
			break;
		case '^':
		case '$':
			null = true;
			break;
		case '(':
			if (++d > DEPTH_MAX)
				return false;
			memset(&st[d], 0, sizeof(st[d]));
			st[d].branch_nullable = true;
			have_atom = false;
			continue;
		case ')':
			if (d == 0)
				break; /* a literal ')' */
			null = st[d].nullable || st[d].branch_nullable;
			q = st[d].quantified;
			size = st[d].total + 1;
			d--;
			st[d].quantified |= q;
			break;
		case '|':
			st[d].nullable |= st[d].branch_nullable;
			st[d].branch_nullable = true;
			st[d].total++;
			have_atom = false;
			continue;
		case '*':
		case '?':
		case '+':
		case '{':
			copies = s[i] == '+' ? 2 : 1;
			min = s[i] == '+' ? 1 : 0;
			end = i;
			if (s[i] == '{' && (end = bound(s, n, i, &copies, &min)) == 0)
				break; /* a literal '{' */
			if (!have_atom || atom_q || atom_null || copies > DUP_MAX)
				return false;
			st[d].total += atom * (copies - 1) + 1;
			st[d].quantified = true;
			atom_q = true;
			atom_null = min == 0;
			st[d].branch_nullable = before_null && atom_null;
			i = end;
			goto check;
		}
		/* An atom: a byte, an escape, a bracket expression, an anchor
		 * or a group. */
		st[d].total += size;
		atom = size;
		have_atom = true;
		atom_q = q;
		atom_null = null;
		before_null = st[d].branch_nullable;
		st[d].branch_nullable = before_null && null;
	check:
		if (st[d].total > TREE_MAX)
			return false;
	}
	return true;
}

long sp_dns_naptr_subst(struct sp_str re, struct sp_str aus, char *out, size_t cap)
{
	char ere[RE_MAX + 1], str[AUS_MAX + 1];
	size_t en = 0, i;
	int cflags = REG_EXTENDED;

	if (re.len < 3 || re.len > RE_MAX || memchr(re.p, 0, re.len))
		return -EINVAL;
	if (aus.len > AUS_MAX || (aus.len && memchr(aus.p, 0, aus.len)))
		return -EINVAL;
	char delim = re.p[0];
	if ((delim >= '1' && delim <= '9') || delim == 'i' || delim == '\\')
		return -EINVAL;

	/* The ERE, up to the next unescaped delimiter; "\<delim>" is the
	 * delimiter character itself. */
	for (i = 1; i < re.len && re.p[i] != delim; i++) {
		char c = re.p[i];
		if (c == '\\') {
			if (i + 1 >= re.len)
				return -EINVAL;
			char n = re.p[++i];
			if (n >= '1' && n <= '9')
				return -EINVAL; /* back-reference inside the ERE */
			if (n != delim)
				ere[en++] = '\\';
			ere[en++] = n;
			continue;
		}
		ere[en++] = c;
	}
	if (i >= re.len || en == 0 || !ere_small(ere, en))
		return -EINVAL;
	ere[en] = 0;

	/* The replacement, up to the third unescaped delimiter. */
	size_t rs = ++i;
	for (; i < re.len && re.p[i] != delim; i++)
		if (re.p[i] == '\\' && ++i >= re.len)
			return -EINVAL;
	if (i >= re.len)
		return -EINVAL;
	size_t re_end = i++;
	for (; i < re.len; i++) {
		if (re.p[i] != 'i')
			return -EINVAL;
		cflags |= REG_ICASE;
	}

	regex_t rx;
	int rc = regcomp(&rx, ere, cflags);
	if (rc)
		return rc == REG_ESPACE ? -ENOMEM : -EINVAL;
	if (aus.len)
		memcpy(str, aus.p, aus.len);
	str[aus.len] = 0;
	regmatch_t m[10];
	rc = regexec(&rx, str, 10, m, 0);
	size_t nsub = rx.re_nsub;
	regfree(&rx);
	if (rc == REG_NOMATCH)
		return -ENOENT;
	if (rc)
		return rc == REG_ESPACE ? -ENOMEM : -EINVAL;

	/* The result is repl with its back-references filled in. */
	size_t n = 0;
	for (i = rs; i < re_end; i++) {
		const char *piece = &re.p[i];
		size_t plen = 1;
		if (re.p[i] == '\\') {
			char c = re.p[++i];
			if (c >= '1' && c <= '9') {
				unsigned k = (unsigned)(c - '0');
				if (k > nsub)
					return -EINVAL;
				if (m[k].rm_so < 0) {
					plen = 0;
				} else {
					piece = str + m[k].rm_so;
					plen = (size_t)(m[k].rm_eo - m[k].rm_so);
				}
			} else {
				piece = &re.p[i]; /* "\\", "\<delim>", "\x": the byte */
			}
		}
		if (plen >= cap || n > cap - 1 - plen)
			return -ENOSPC;
		memcpy(out + n, piece, plen);
		n += plen;
	}
	if (n >= cap)
		return -ENOSPC;
	out[n] = 0;
	return (long)n;
}

int sp_dns_enum_domain(struct sp_str number, const char *suffix, char *aus, size_t cap,
		       char *domain, size_t dcap)
{
	char digits[16];
	size_t nd = 0, i = 0;

	/* RFC 3966 visual separators may come anywhere; "+" first. */
	while (i < number.len && strchr("-.()", number.p[i]) && number.p[i])
		i++;
	if (i >= number.len || number.p[i] != '+')
		return -EINVAL;
	for (i++; i < number.len; i++) {
		char c = number.p[i];
		if (c >= '0' && c <= '9') {
			if (nd == 15) /* E.164: at most 15 digits */
				return -EINVAL;
			digits[nd++] = c;
		} else if (c == 0 || !strchr("-.()", c)) {
			return -EINVAL;
		}
	}
	if (nd == 0)
		return -EINVAL;
	size_t slen = strlen(suffix);
	if (cap < nd + 2 || dcap < 2 * nd + slen + 1)
		return -ENOSPC;
	aus[0] = '+';
	memcpy(aus + 1, digits, nd);
	aus[nd + 1] = 0;
	size_t n = 0;
	for (size_t k = nd; k-- > 0;) {
		domain[n++] = digits[k];
		domain[n++] = '.';
	}
	memcpy(domain + n, suffix, slen + 1);
	return 0;
}
