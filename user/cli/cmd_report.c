// SPDX-License-Identifier: GPL-2.0
/*
 * netstage report: show a result, attribute the gap between two, name the
 * cause of lost UDP throughput, draw it all in one HTML page, or draw a
 * sweep's figures.
 */
#define _GNU_SOURCE /* asprintf */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "user/cli/cli.h"
#include "user/cli/commands.h"
#include "analysis/anomaly.h"
#include "analysis/attribution.h"
#include "analysis/html.h"
#include "analysis/raw.h"
#include "analysis/result.h"
#include "analysis/series.h"
#include "analysis/table.h"

enum { OPT_FORMAT = 'f', OPT_RAW = 256, OPT_PATHS, OPT_HTML };

static const struct cli_opt opts[] = {
    {OPT_FORMAT, "format", 'f', "text|json", "output format (default text)"},
    {OPT_HTML, "html", 0, "OUT.html",
     "also write one self-contained page: tables, latency histograms, CPU per byte, "
     "a sweep's figures"},
    {OPT_RAW, "raw", 0, "EVENTS.gz",
     "show the per-packet paths of a --raw file instead: what fired, in what order"},
    {OPT_PATHS, "paths", 0, "N", "with --raw: print the first N packets' paths (default 10)"},
    {0},
};

static const struct cli_cmd cmd = {
    .name = "report",
    .usage = "report RESULT.json [BASELINE.json] [--html OUT.html] [--format text|json]\n"
	     "       report SWEEP_DIR | R1.json R2.json R3.json... [--html OUT.html]\n"
	     "       report --raw EVENTS.gz [--paths N]",
    .summary = "Show a result; with a baseline, split the throughput gap between the two over\n"
	       "the kernel stages; name the cause of lost throughput of UDP runs and runs\n"
	       "with loss; with a sweep, throughput against container pairs per kind.",
    .details = "A result may be given as several files of one configuration joined by commas\n"
	       "(A1.json,A2.json): they are pooled, and every figure gets a standard error.\n"
	       "docs/ATTRIBUTION.md explains the method and its limits.",
    .opts = opts,
};
const struct cli_cmd *const report_cli = &cmd; /* for the manual page */

/* One side of a comparison: the runs of one configuration. */
struct side {
	char arg[1024];
	int n;
	struct result *runs;
	const struct result **ptrs;
};

static void side_free(struct side *s)
{
	for (int i = 0; i < s->n; i++)
		result__free(&s->runs[i]);
	free(s->runs);
	free(s->ptrs);
	memset(s, 0, sizeof(*s));
}

/* Read "A.json" or "A1.json,A2.json": every file named, every error naming its file. */
static int side_load(struct side *s, const char *arg)
{
	char *copy = strdup(arg), *save = NULL, *tok;
	char err[512];
	int cap = 1;

	memset(s, 0, sizeof(*s));
	snprintf(s->arg, sizeof(s->arg), "%s", arg);
	for (const char *p = arg; *p; p++)
		cap += *p == ',';
	s->runs = calloc(cap, sizeof(*s->runs));
	s->ptrs = calloc(cap, sizeof(*s->ptrs));
	if (!copy || !s->runs || !s->ptrs) {
		free(copy);
		cli__error(&cmd, "out of memory");
		return -1;
	}
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (result__read(tok, &s->runs[s->n], err, sizeof(err))) {
			cli__error(&cmd, "%s", err);
			free(copy);
			return -1;
		}
		table__sort_stages(&s->runs[s->n]);
		s->ptrs[s->n] = &s->runs[s->n];
		s->n++;
	}
	free(copy);
	if (!s->n) {
		cli__error(&cmd, "'%s' names no result file", arg);
		return -1;
	}
	return 0;
}

static bool is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The *.json result files of a sweep directory, sorted. */
static int list_dir(const char *dir, char ***out, int *n)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int cap = 0;

	*out = NULL;
	*n = 0;
	if (!d) {
		cli__error(&cmd, "%s: cannot open the folder: %s", dir, strerror(errno));
		return -1;
	}
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);
		char **p;

		if (len < 6 || strcmp(e->d_name + len - 5, ".json"))
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			p = realloc(*out, cap * sizeof(*p));
			if (!p)
				break;
			*out = p;
		}
		if (asprintf(&(*out)[*n], "%s/%s", dir, e->d_name) < 0)
			break;
		(*n)++;
	}
	closedir(d);
	if (*n)
		qsort(*out, *n, sizeof(**out), cmp_str);
	return 0;
}

static void print_json(json_object *o)
{
	printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
							     JSON_C_TO_STRING_NOSLASHESCAPE));
}

static json_object *inputs_json(struct side *sides, int n)
{
	json_object *arr = json_object_new_array();

	for (int i = 0; i < n; i++)
		json_object_array_add(arr, json_object_new_string(sides[i].arg));
	return arr;
}

/* One or two results: tables (or JSON), anomalies, and the page. */
static int report_runs(struct side *sides, int n, const char *format, const char *html)
{
	struct attribution at;
	struct anomaly an[2];
	const struct result *tcp_ref[2] = {NULL, NULL};
	char err[512];
	int rc = 0;

	if (attribution__compute(sides[0].ptrs, sides[0].n, n > 1 ? sides[1].ptrs : NULL,
				 n > 1 ? sides[1].n : 0, &at, err, sizeof(err))) {
		cli__error(&cmd, "%s", err);
		return 1;
	}
	/* A TCP run beside a UDP one is the reference for packets per byte. */
	if (n == 2) {
		for (int i = 0; i < 2; i++)
			if (!strcmp(sides[i].runs[0].config.proto, "udp") &&
			    !strcmp(sides[1 - i].runs[0].config.proto, "tcp"))
				tcp_ref[i] = &sides[1 - i].runs[0];
	}
	for (int i = 0; i < n; i++)
		anomaly__check(sides[i].ptrs, sides[i].n, tcp_ref[i], &an[i]);

	if (!strcmp(format, "json")) {
		json_object *o = json_object_new_object(), *arr = json_object_new_array();

		json_object_object_add(o, "schema", json_object_new_string(REPORT_SCHEMA));
		json_object_object_add(o, "inputs", inputs_json(sides, n));
		if (n == 1 && sides[0].n == 1)
			json_object_object_add(o, "result", result__to_json(&sides[0].runs[0]));
		json_object_object_add(o, "attribution", attribution__to_json(&at));
		for (int i = 0; i < n; i++)
			json_object_array_add(arr, anomaly__to_json(&an[i]));
		json_object_object_add(o, "anomalies", arr);
		print_json(o);
		json_object_put(o);
	} else {
		if (n == 1)
			for (int i = 0; i < sides[0].n; i++)
				table__print_result(&sides[0].runs[i], stdout);
		else
			for (int i = 0; i < n; i++)
				printf("\n%c: %s\n", "AB"[i], sides[i].arg);
		table__print_attribution(&at, stdout);
		for (int i = 0; i < n; i++)
			if (an[i].applies)
				table__print_anomaly(&an[i], n > 1 ? "AB"[i] : 0, stdout);
	}
	if (html) {
		struct html_input in = {
		    .at = &at,
		    .n_runs = n,
		    .tcp_ref = {tcp_ref[0], tcp_ref[1]},
		};

		for (int i = 0; i < n; i++) {
			in.runs[i] = sides[i].ptrs;
			in.n_per[i] = sides[i].n;
			in.names[i] = sides[i].arg;
			in.anomalies[i] = &an[i];
		}
		if (html__write_report(&in, html, err, sizeof(err))) {
			cli__error(&cmd, "%s", err);
			rc = 1;
		} else if (strcmp(format, "json")) {
			printf("\nwrote %s\n", html);
		}
	}
	attribution__free(&at);
	return rc;
}

/* A sweep: many results, throughput against pairs per kind, a panel per protocol and MTU. */
static int report_sweep(char **files, int n, const char *format, const char *html)
{
	struct result *runs = calloc(n, sizeof(*runs));
	struct series_set set;
	char err[512];
	int rc = 1, got = 0;

	if (!runs) {
		cli__error(&cmd, "out of memory");
		return 1;
	}
	for (int i = 0; i < n; i++) {
		if (result__read(files[i], &runs[got], err, sizeof(err))) {
			cli__error(&cmd, "%s", err);
			goto out;
		}
		got++;
	}
	if (series__build(runs, got, &set, err, sizeof(err))) {
		cli__error(&cmd, "%s", err);
		goto out;
	}
	if (!strcmp(format, "json")) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "schema", json_object_new_string(REPORT_SCHEMA));
		json_object_object_add(o, "sweep", series__to_json(&set));
		print_json(o);
		json_object_put(o);
	} else {
		table__print_series(&set, stdout);
	}
	rc = 0;
	if (html) {
		if (html__write_sweep(&set, runs, got, html, err, sizeof(err))) {
			cli__error(&cmd, "%s", err);
			rc = 1;
		} else if (strcmp(format, "json")) {
			printf("\nwrote %s\n", html);
		}
	}
	series__free(&set);
out:
	for (int i = 0; i < got; i++)
		result__free(&runs[i]);
	free(runs);
	return rc;
}

int cmd_report(int argc, char **argv)
{
	const char *format = "text", *raw = NULL, *html = NULL;
	struct side sides[2] = {0};
	long paths = 10;
	struct cli_parser p;
	int id, nargs, rc;

	cli__init(&p, &cmd, argc, argv);
	while ((id = cli__next(&p)) > 0) {
		if (id == OPT_RAW)
			raw = p.arg;
		if (id == OPT_HTML)
			html = p.arg;
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
		char err[512];

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
	nargs = argc - p.rest;
	if (nargs < 1) {
		cli__error(&cmd,
			   "give a result file (written by netstage run -o FILE), a result and "
			   "a baseline, or a sweep folder");
		return 2;
	}
	if (nargs > 2 || is_dir(argv[p.rest])) {
		char **files = NULL;
		int n = 0;

		if (nargs == 1) {
			if (list_dir(argv[p.rest], &files, &n))
				return 1;
			if (!n) {
				cli__error(&cmd, "%s: no *.json result file in the folder",
					   argv[p.rest]);
				free(files);
				return 1;
			}
			rc = report_sweep(files, n, format, html);
			for (int i = 0; i < n; i++)
				free(files[i]);
			free(files);
			return rc;
		}
		for (int i = p.rest; i < argc; i++)
			if (is_dir(argv[i])) {
				cli__error(&cmd, "%s: give one sweep folder, or result files",
					   argv[i]);
				return 2;
			}
		return report_sweep(argv + p.rest, nargs, format, html);
	}
	for (int i = 0; i < nargs; i++) {
		if (side_load(&sides[i], argv[p.rest + i])) {
			side_free(&sides[0]);
			side_free(&sides[1]);
			return 1;
		}
	}
	rc = report_runs(sides, nargs, format, html);
	side_free(&sides[0]);
	side_free(&sides[1]);
	return rc;
}
