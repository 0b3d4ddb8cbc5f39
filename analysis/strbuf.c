// SPDX-License-Identifier: GPL-2.0
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "analysis/strbuf.h"

static bool reserve(struct strbuf *b, size_t more)
{
	size_t cap;
	char *p;

	if (b->oom)
		return false;
	if (b->len + more + 1 <= b->cap)
		return true;
	cap = b->cap ? b->cap : 4096;
	while (cap < b->len + more + 1)
		cap *= 2;
	p = realloc(b->s, cap);
	if (!p) {
		b->oom = true;
		return false;
	}
	b->s = p;
	b->cap = cap;
	return true;
}

void strbuf__append(struct strbuf *b, const char *s, size_t n)
{
	if (!reserve(b, n))
		return;
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

void strbuf__printf(struct strbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !reserve(b, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void strbuf__html(struct strbuf *b, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '<':
			strbuf__append(b, "&lt;", 4);
			break;
		case '>':
			strbuf__append(b, "&gt;", 4);
			break;
		case '&':
			strbuf__append(b, "&amp;", 5);
			break;
		case '"':
			strbuf__append(b, "&quot;", 6);
			break;
		case '\'':
			strbuf__append(b, "&#39;", 5);
			break;
		default:
			strbuf__append(b, s, 1);
		}
	}
}

void strbuf__free(struct strbuf *b)
{
	free(b->s);
	memset(b, 0, sizeof(*b));
}
