// SPDX-License-Identifier: GPL-2.0
/* Option tables: parsing, range checks with clear errors, generated help. */
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <stdlib.h>
#include "user/cli/cli.h"

enum { OPT_N = 'n', OPT_RATE = 256, OPT_LIST, OPT_FLAG };

static const struct cli_opt opts[] = {
    {OPT_N, "pairs", 'n', "N", "pairs (default 1)"},
    {OPT_RATE, "bitrate", 0, "RATE", "rate"},
    {OPT_LIST, "list", 0, "A,B", "numbers"},
    {OPT_FLAG, "reverse", 0, NULL, "a flag"},
    {0},
};
static const struct cli_cmd cmd = {"t", "t [options]", "A test command.", NULL, opts};

static int parse(int argc, char **argv, long *n, unsigned long long *rate, long *list, int *nlist,
		 int *flag)
{
	struct cli_parser p;
	int id;

	cli__init(&p, &cmd, argc, argv);
	while ((id = cli__next(&p)) > 0) {
		if (id == OPT_N && cli__int(&p, 1, 256, n))
			return -1;
		if (id == OPT_RATE && cli__rate(&p, rate))
			return -1;
		if (id == OPT_LIST && (*nlist = cli__int_list(&p, 1, 128, list, 8)) < 0)
			return -1;
		if (id == OPT_FLAG)
			*flag = 1;
	}
	return id;
}

Test(cli, parses_long_and_short_options)
{
	char *argv[] = {"t", "-n", "4", "--bitrate", "2.5G", "--list", "1,2,4", "--reverse", NULL};
	long n = 0, list[8];
	unsigned long long rate = 0;
	int nlist = 0, flag = 0;

	cr_assert_eq(parse(8, argv, &n, &rate, list, &nlist, &flag), 0);
	cr_assert_eq(n, 4);
	cr_assert_eq(rate, 2500000000ULL);
	cr_assert_eq(nlist, 3);
	cr_assert_eq(list[2], 4);
	cr_assert_eq(flag, 1);
}

Test(cli, out_of_range_number_names_the_option_and_range, .init = cr_redirect_stderr)
{
	char *argv[] = {"t", "--pairs", "100000", NULL};
	long n = 0, list[8];
	unsigned long long rate = 0;
	int nlist = 0, flag = 0;

	cr_assert_eq(parse(3, argv, &n, &rate, list, &nlist, &flag), -1);
	fflush(stderr);
	cr_assert_stderr_eq_str(
	    "netstage t: --pairs: '100000' is not a whole number between 1 and 256\n");
}

Test(cli, trailing_garbage_is_refused, .init = cr_redirect_stderr)
{
	char *argv[] = {"t", "--pairs", "4x", NULL};
	long n = 0, list[8];
	unsigned long long rate = 0;
	int nlist = 0, flag = 0;

	cr_assert_eq(parse(3, argv, &n, &rate, list, &nlist, &flag), -1);
	cr_assert_eq(n, 0);
}

Test(cli, bad_rate_and_list, .init = cr_redirect_stderr)
{
	char *a1[] = {"t", "--bitrate", "fast", NULL};
	char *a2[] = {"t", "--list", "1,,2", NULL};
	long n = 0, list[8];
	unsigned long long rate = 0;
	int nlist = 0, flag = 0;

	cr_assert_eq(parse(3, a1, &n, &rate, list, &nlist, &flag), -1);
	cr_assert_eq(parse(3, a2, &n, &rate, list, &nlist, &flag), -1);
}

Test(cli, unknown_option, .init = cr_redirect_stderr)
{
	char *argv[] = {"t", "--pears", "2", NULL};
	long n = 0, list[8];
	unsigned long long rate = 0;
	int nlist = 0, flag = 0;

	cr_assert_eq(parse(3, argv, &n, &rate, list, &nlist, &flag), -1);
	fflush(stderr);
	cr_assert_stderr_eq_str("netstage t: unknown option '--pears'; see netstage t --help\n");
}

Test(cli, help_lists_every_option_of_the_table)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	cli__help(&cmd, f);
	fclose(f);
	for (const struct cli_opt *o = opts; o->name; o++)
		cr_assert(strstr(buf, o->name), "--%s missing from:\n%s", o->name, buf);
	cr_assert(strstr(buf, "--help"));
	cr_assert(strstr(buf, "usage: netstage t [options]"));
	free(buf);
}
