/* SPDX-License-Identifier: GPL-2.0 */
/* A growing string, for scripts and pages made piece by piece. */
#ifndef NETSTAGE_STRBUF_H
#define NETSTAGE_STRBUF_H

#include <stdbool.h>
#include <stddef.h>

struct strbuf {
	char *s;
	size_t len, cap;
	bool oom; /* an append failed: the text is incomplete */
};

void strbuf__printf(struct strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void strbuf__append(struct strbuf *b, const char *s, size_t n);
/* Text with <, >, &, " and ' escaped for HTML. */
void strbuf__html(struct strbuf *b, const char *s);
void strbuf__free(struct strbuf *b);

#endif /* NETSTAGE_STRBUF_H */
