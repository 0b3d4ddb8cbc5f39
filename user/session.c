// SPDX-License-Identifier: GPL-2.0
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "user/session.h"

volatile sig_atomic_t session_stop;
bool session_verbose;
static bool progress_open;

static void on_signal(int sig)
{
	session_stop = sig;
}

void session__catch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	/* `netstage run | head` must not kill it before it removes what it built. */
	signal(SIGPIPE, SIG_IGN);
}

void session__progress(const char *fmt, ...)
{
	bool tty = isatty(STDERR_FILENO);
	va_list ap;

	if (tty)
		fputs("\r\033[K", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (!tty)
		fputc('\n', stderr);
	progress_open = tty;
	fflush(stderr);
}

void session__progress_done(void)
{
	if (progress_open)
		fputc('\n', stderr);
	progress_open = false;
}

void session__note(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	session__progress_done();
	fprintf(stderr, "netstage %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
