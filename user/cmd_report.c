// SPDX-License-Identifier: GPL-2.0
/* netstage report: show a result file. */
#include <string.h>
#include "user/cli.h"
#include "user/commands.h"
#include "analysis/raw.h"
#include "analysis/result.h"
#include "analysis/table.h"

enum { OPT_FORMAT = 'f', OPT_RAW = 256, OPT_PATHS };

static const struct cli_opt opts[] = {
	{ OPT_FORMAT, "format", 'f', "text|json", "output format (default text)" },
	{ OPT_RAW, "raw", 0, "EVENTS.gz",
	  "show the per-packet paths of a --raw file instead: what fired, in what order" },
	{ OPT_PATHS, "paths", 0, "N", "with --raw: print the first N packets' paths (default 10)" },
	{ 0 },
};

static const struct cli_cmd cmd = {
	.name = "report",
	.usage = "report RESULT.json [--format text|json] | report --raw EVENTS.gz [--paths N]",
	.summary = "Show what a result file of `netstage run` or `netstage profile` holds.",
	.opts = opts,
};

int cmd_report(int argc, char **argv)
{
	const char *format = "text", *raw = NULL;
	long paths = 10;
	struct cli_parser p;
	struct result r;
	char err[512];
	int id;

	cli__init(&p, &cmd, argc, argv);
	while ((id = cli__next(&p)) > 0) {
		if (id == OPT_RAW)
			raw = p.arg;
		if (id == OPT_PATHS && cli__int(&p, 0, 1000000, &paths))
			return 2;
		if (id == OPT_FORMAT) {
			if (strcmp(p.arg, "text") && strcmp(p.arg, "json")) {
				cli__error(&cmd, "--format: '%s' is neither text nor json", p.arg);
				return 2;
			}
			format = p.arg;
		}
	}
	if (id < 0)
		return 2;
	if (p.help)
		return 0;
	if (raw) {
		struct raw_reader rr;
		int rc;

		if (raw_reader__open(&rr, raw, err, sizeof(err))) {
			cli__error(&cmd, "%s", err);
			return 1;
		}
		rc = raw_reader__print(&rr, stdout, (int)paths);
		raw_reader__close(&rr);
		if (rc)
			cli__error(&cmd, "%s: the file is truncated or damaged", raw);
		return rc ? 1 : 0;
	}
	if (p.rest != argc - 1) {
		cli__error(&cmd, "give one result file (written by netstage run -o FILE)");
		return 2;
	}
	if (result__read(argv[p.rest], &r, err, sizeof(err))) {
		cli__error(&cmd, "%s", err);
		return 1;
	}
	if (!strcmp(format, "json")) {
		json_object *o = result__to_json(&r);

		printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
								   JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(o);
	} else {
		table__sort_stages(&r);
		table__print_result(&r, stdout);
	}
	result__free(&r);
	return 0;
}
