/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Command line helpers: each command describes its options in one table,
 * from which both getopt_long's array and the help text are made.
 */
#ifndef NETSTAGE_CLI_H
#define NETSTAGE_CLI_H

#include <stdbool.h>
#include <stdio.h>

struct cli_opt {
	int id;		  /* returned by cli__next; use the short letter when there is one */
	const char *name; /* long name, without "--" */
	char short_name;  /* 0 for none */
	const char *arg;  /* argument placeholder for the help ("N"), NULL for a flag */
	const char *help; /* one line; mention the default */
};

struct cli_cmd {
	const char *name;	    /* "run" */
	const char *usage;	    /* "run --kind KIND [options]" */
	const char *summary;	    /* one line */
	const char *details;	    /* more paragraphs for --help, or NULL */
	const struct cli_opt *opts; /* ends with an entry whose name is NULL */
};

struct cli_parser {
	const struct cli_cmd *cmd;
	int argc;
	char **argv;
	const char *arg;      /* the current option's argument */
	const char *opt_name; /* "--pairs", for error messages */
	bool help;	      /* --help was given */
	int rest;	      /* index of the first non-option argument after parsing */
};

/* Options every command has. */
#define CLI_OPT_HELP	'h'
#define CLI_OPT_VERBOSE 'v'

void cli__init(struct cli_parser *p, const struct cli_cmd *cmd, int argc, char **argv);
/*
 * The next option's id; 0 at the end; -1 after printing an error (unknown
 * option, missing argument). --help prints the help and returns 0 with
 * p->help set.
 */
int cli__next(struct cli_parser *p);
void cli__help(const struct cli_cmd *cmd, FILE *out);
/*
 * After the option loop ended with cli__next's id: -1 to go on, or the exit
 * code (0 after --help, 2 after an error or a stray argument, which it names).
 */
int cli__finish(const struct cli_parser *p, int id);
/* For a command without arguments of its own: parse the common options (cli__finish). */
int cli__parse_no_args(const struct cli_cmd *cmd, int argc, char **argv);

/*
 * Number parsers with range checks: on error they print
 * "netstage CMD: --pairs: 'x' is not a whole number between 1 and 256" and return -1.
 */
int cli__int(const struct cli_parser *p, long min, long max, long *out);
int cli__double(const struct cli_parser *p, double min, double max, double *out);
/* A rate such as 100M, 2.5G, 0 (bits per second, k/M/G suffixes are powers of 1000). */
int cli__rate(const struct cli_parser *p, unsigned long long *out);
/* Comma-separated whole numbers into out[0..max-1]; returns how many, or -1. */
int cli__int_list(const struct cli_parser *p, long min, long max, long *out, int max_n);

/* "netstage CMD: " + message on stderr. */
void cli__error(const struct cli_cmd *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif /* NETSTAGE_CLI_H */
