// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "user/cli/cli.h"
#include "user/session.h"

static const struct cli_opt common_opts[] = {
    {CLI_OPT_HELP, "help", 'h', NULL, "show this help and exit"},
    {CLI_OPT_VERBOSE, "verbose", 'v', NULL, "print libbpf's and the loader's debug messages"},
};

#define N_COMMON ((int)(sizeof(common_opts) / sizeof(common_opts[0])))
#define MAX_OPTS 64

void cli__error(const struct cli_cmd *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "netstage %s: ", cmd->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void cli__init(struct cli_parser *p, const struct cli_cmd *cmd, int argc, char **argv)
{
	memset(p, 0, sizeof(*p));
	p->cmd = cmd;
	p->argc = argc;
	p->argv = argv;
	optind = 1;
	opterr = 0;
}

static const struct cli_opt *find_opt(const struct cli_cmd *cmd, int id)
{
	for (const struct cli_opt *o = cmd->opts; o && o->name; o++)
		if (o->id == id)
			return o;
	for (int i = 0; i < N_COMMON; i++)
		if (common_opts[i].id == id)
			return &common_opts[i];
	return NULL;
}

int cli__next(struct cli_parser *p)
{
	struct option longs[MAX_OPTS + 1];
	char shorts[2 * MAX_OPTS + 2] = ":";
	const struct cli_opt *all[MAX_OPTS];
	int n = 0, id, idx = -1;
	size_t sl = 1;

	for (const struct cli_opt *o = p->cmd->opts; o && o->name && n < MAX_OPTS - N_COMMON; o++)
		all[n++] = o;
	for (int i = 0; i < N_COMMON; i++)
		all[n++] = &common_opts[i];
	for (int i = 0; i < n; i++) {
		longs[i] = (struct option){
		    all[i]->name, all[i]->arg ? required_argument : no_argument, NULL, all[i]->id};
		if (all[i]->short_name) {
			shorts[sl++] = all[i]->short_name;
			if (all[i]->arg)
				shorts[sl++] = ':';
		}
	}
	shorts[sl] = '\0';
	memset(&longs[n], 0, sizeof(longs[n]));

	id = getopt_long(p->argc, p->argv, shorts, longs, &idx);
	p->rest = optind;
	if (id == -1)
		return 0;
	if (id == '?' || id == ':') {
		const char *bad = p->argv[optind - 1];

		if (id == ':')
			cli__error(p->cmd, "%s needs a value; see netstage %s --help", bad,
				   p->cmd->name);
		else
			cli__error(p->cmd, "unknown option '%s'; see netstage %s --help", bad,
				   p->cmd->name);
		return -1;
	}
	p->arg = optarg;
	{
		const struct cli_opt *o = find_opt(p->cmd, id);

		p->opt_name = o ? o->name : "?";
	}
	if (id == CLI_OPT_HELP) {
		cli__help(p->cmd, stdout);
		p->help = true;
		return 0;
	}
	if (id == CLI_OPT_VERBOSE) {
		session_verbose = true;
		return cli__next(p);
	}
	return id;
}

static void help_line(const struct cli_opt *o, FILE *out)
{
	char left[64];

	if (o->short_name)
		snprintf(left, sizeof(left), "-%c, --%s%s%s", o->short_name, o->name,
			 o->arg ? " " : "", o->arg ? o->arg : "");
	else
		snprintf(left, sizeof(left), "    --%s%s%s", o->name, o->arg ? " " : "",
			 o->arg ? o->arg : "");
	if (strlen(left) > 26)
		fprintf(out, "  %s\n  %-26s  %s\n", left, "", o->help);
	else
		fprintf(out, "  %-26s  %s\n", left, o->help);
}

void cli__help(const struct cli_cmd *cmd, FILE *out)
{
	fprintf(out, "usage: netstage %s\n\n%s\n", cmd->usage, cmd->summary);
	if (cmd->details)
		fprintf(out, "\n%s\n", cmd->details);
	fprintf(out, "\noptions:\n");
	for (const struct cli_opt *o = cmd->opts; o && o->name; o++)
		help_line(o, out);
	for (int i = 0; i < N_COMMON; i++)
		help_line(&common_opts[i], out);
}

int cli__int(const struct cli_parser *p, long min, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(p->arg, &end, 10);
	if (errno || end == p->arg || *end || v < min || v > max) {
		cli__error(p->cmd, "--%s: '%s' is not a whole number between %ld and %ld",
			   p->opt_name, p->arg, min, max);
		return -1;
	}
	*out = v;
	return 0;
}

int cli__double(const struct cli_parser *p, double min, double max, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(p->arg, &end);
	if (errno || end == p->arg || *end || !isfinite(v) || v < min || v > max) {
		cli__error(p->cmd, "--%s: '%s' is not a number between %g and %g", p->opt_name,
			   p->arg, min, max);
		return -1;
	}
	*out = v;
	return 0;
}

int cli__rate(const struct cli_parser *p, unsigned long long *out)
{
	char *end;
	double v, mult = 1;

	errno = 0;
	v = strtod(p->arg, &end);
	if (end != p->arg && *end && !end[1]) {
		switch (*end) {
		case 'k':
		case 'K':
			mult = 1e3;
			end++;
			break;
		case 'm':
		case 'M':
			mult = 1e6;
			end++;
			break;
		case 'g':
		case 'G':
			mult = 1e9;
			end++;
			break;
		default:
			break;
		}
	}
	if (errno || end == p->arg || *end || !isfinite(v) || v < 0 || v * mult > 1e12) {
		cli__error(p->cmd,
			   "--%s: '%s' is not a rate; give bits per second such as 500M, 2G or "
			   "0 for as fast as possible",
			   p->opt_name, p->arg);
		return -1;
	}
	*out = (unsigned long long)(v * mult);
	return 0;
}

int cli__int_list(const struct cli_parser *p, long min, long max, long *out, int max_n)
{
	const char *s = p->arg;
	int n = 0;

	while (*s) {
		char *end;
		long v;

		errno = 0;
		v = strtol(s, &end, 10);
		if (errno || end == s || (*end && *end != ',') || v < min || v > max ||
		    n == max_n) {
			cli__error(p->cmd,
				   "--%s: '%s' is not a comma-separated list of at most %d whole "
				   "numbers between %ld and %ld",
				   p->opt_name, p->arg, max_n, min, max);
			return -1;
		}
		out[n++] = v;
		s = *end ? end + 1 : end;
	}
	if (n == 0) {
		cli__error(p->cmd, "--%s: the list is empty", p->opt_name);
		return -1;
	}
	return n;
}

int cli__parse_no_args(const struct cli_cmd *cmd, int argc, char **argv)
{
	struct cli_parser p;
	int id;

	cli__init(&p, cmd, argc, argv);
	while ((id = cli__next(&p)) > 0)
		;
	return cli__finish(&p, id);
}

int cli__finish(const struct cli_parser *p, int id)
{
	if (id < 0)
		return 2;
	if (p->help)
		return 0;
	if (p->rest < p->argc) {
		cli__error(p->cmd, "unexpected argument '%s'", p->argv[p->rest]);
		return 2;
	}
	return -1;
}
