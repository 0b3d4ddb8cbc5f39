/* SPDX-License-Identifier: GPL-2.0 */
/* session: what every long command shares: Ctrl-C handling, progress lines, verbosity. */
#ifndef NETSTAGE_SESSION_H
#define NETSTAGE_SESSION_H

#include <signal.h>
#include <stdbool.h>

/* Set by SIGINT/SIGTERM (to the signal's number); long steps poll it and unwind. */
extern volatile sig_atomic_t session_stop;
/* Debug messages wanted (the front end's -v): libbpf's and the probes' own. */
extern bool session_verbose;

/*
 * Catch SIGINT and SIGTERM into session_stop (no SA_RESTART: blocking calls
 * return EINTR), and ignore SIGPIPE so a closed pipe cannot cut the cleanup short.
 */
void session__catch_signals(void);

/* A progress line on stderr: rewritten in place on a terminal, one line per call otherwise. */
void session__progress(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* End the progress line. */
void session__progress_done(void);
/* An informational line on stderr ("netstage run: ..."). */
void session__note(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif /* NETSTAGE_SESSION_H */
