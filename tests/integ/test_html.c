// SPDX-License-Identifier: GPL-2.0
/*
 * The HTML report in a real browser: Debian's chromium, headless, loads the
 * page of `netstage report A B --html` and of a sweep folder, dumps the DOM
 * and takes a screenshot (kept in build/html/ for a person to look at). The
 * attribution table must be there and every plot rendered: an inline <svg>
 * with drawn paths, nothing fetched, no image. Bad result files must give an
 * error that names the file and what is wrong. Needs no root.
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "analysis/result.h"

#define NETSTAGE "build/netstage"
#define DATA	 "tests/integ/data/"
#define SHOTS	 "build/html"

static char tmp[64];

static void setup(void)
{
	strcpy(tmp, "/tmp/netstage-html-XXXXXX");
	cr_assert_not_null(mkdtemp(tmp));
}

static void teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp);
	if (system(cmd))
		fprintf(stderr, "could not remove %s\n", tmp);
}

TestSuite(html, .init = setup, .fini = teardown);

/* Run a shell command: its stdout into a malloc'd string, its exit code. */
static int sh(const char *cmd, char **out)
{
	FILE *f = popen(cmd, "r");
	size_t cap = 1 << 16, n = 0, got;
	char *buf = malloc(cap);
	int status;

	cr_assert_not_null(f);
	cr_assert_not_null(buf);
	while ((got = fread(buf + n, 1, cap - n - 1, f)) > 0) {
		n += got;
		if (n + 1 == cap) {
			buf = realloc(buf, cap *= 2);
			cr_assert_not_null(buf);
		}
	}
	buf[n] = '\0';
	status = pclose(f);
	if (out)
		*out = buf;
	else
		free(buf);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void need(const char *prog, const char *package)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "command -v %s >/dev/null 2>&1", prog);
	if (sh(cmd, NULL))
		cr_skip_test("skipped: needs %s (Debian's %s; make deps)", prog, package);
}

static int count(const char *hay, const char *needle)
{
	int n = 0;

	for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}

/* Load a page in headless chromium: its DOM as the browser built it, and a screenshot. */
static char *browse(const char *page, const char *shot)
{
	static const char flags[] =
	    "--headless --no-sandbox --disable-gpu --disable-quic --no-first-run "
	    "--disable-background-networking --disable-component-update --disable-sync "
	    "--hide-scrollbars --window-size=1280,2400";
	char cmd[1024], *dom = NULL;

	snprintf(cmd, sizeof(cmd),
		 "timeout 120 chromium %s --user-data-dir=%s/profile-dom --dump-dom file://%s "
		 "2>/dev/null",
		 flags, tmp, page);
	cr_assert_eq(sh(cmd, &dom), 0, "chromium --dump-dom %s failed", page);
	snprintf(cmd, sizeof(cmd),
		 "mkdir -p " SHOTS " && timeout 120 chromium %s --user-data-dir=%s/profile-shot "
		 "--screenshot=%s file://%s >/dev/null 2>&1",
		 flags, tmp, shot, page);
	cr_assert_eq(sh(cmd, NULL), 0, "chromium --screenshot %s failed", page);
	return dom;
}

/*
 * Every plot rendered: each <figure class="plot"> holds an <svg> closed in
 * the DOM, with paths that draw something (a "d" with a move and a line).
 */
static int check_plots(const char *dom, const char *page)
{
	int n = 0;

	for (const char *p = strstr(dom, "<figure class=\"plot\""); p;
	     p = strstr(p + 1, "<figure class=\"plot\"")) {
		const char *end = strstr(p, "</figure>");
		char *fig;
		int drawn = 0;

		cr_assert_not_null(end, "%s: figure %d is not closed", page, n);
		fig = strndup(p, end - p);
		cr_assert(strstr(fig, "<svg") && strstr(fig, "</svg>"), "%s: figure %d has no svg",
			  page, n);
		for (const char *d = strstr(fig, " d=\""); d; d = strstr(d + 1, " d=\"")) {
			size_t len = strcspn(d + 4, "\"");

			/* A move, then a line drawn from it. */
			drawn += d[4] == 'M' && strcspn(d + 4, "LlHhVv") < len;
		}
		cr_expect_gt(drawn, 2, "%s: figure %d draws %d paths: %.200s", page, n, drawn, fig);
		cr_expect(strstr(fig, "<figcaption>"), "%s: figure %d has no caption", page, n);
		free(fig);
		n++;
	}
	return n;
}

/* Nothing that could break in a page read offline: no image, no outside resource, no script. */
static void check_self_contained(const char *dom, const char *page)
{
	cr_expect_eq(count(dom, "<img"), 0, "%s: an <img>", page);
	cr_expect_eq(count(dom, "<script"), 0, "%s: a script", page);
	cr_expect_eq(count(dom, "src=\"http"), 0, "%s: fetches something", page);
	cr_expect_eq(count(dom, "href=\"http"), 0, "%s: links out", page);
	cr_expect_eq(count(dom, "<link"), 0, "%s: a stylesheet link", page);
}

static void check_shot(const char *shot)
{
	struct stat st;

	cr_assert_eq(stat(shot, &st), 0, "no screenshot %s", shot);
	cr_expect_gt(st.st_size, 20000, "%s is %lld bytes: a blank page?", shot,
		     (long long)st.st_size);
}

Test(html, attribution_page_renders_every_plot, .timeout = 300)
{
	char cmd[512], page[128], *out = NULL, *dom, *src;
	FILE *f;
	long len;
	int figures, in_source;

	need("chromium", "chromium");
	need("gnuplot", "gnuplot-nox");
	snprintf(page, sizeof(page), "%s/report.html", tmp);
	snprintf(cmd, sizeof(cmd),
		 NETSTAGE " report " DATA "veth-bridge-udp.json " DATA "veth-bridge-tcp.json "
			  "--html %s 2>&1",
		 page);
	cr_assert_eq(sh(cmd, &out), 0, "report --html failed:\n%s", out);
	free(out);

	f = fopen(page, "r");
	cr_assert_not_null(f);
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	src = calloc(1, len + 1);
	cr_assert_eq(fread(src, 1, len, f), (size_t)len);
	fclose(f);
	in_source = count(src, "<figure class=\"plot\"");
	free(src);

	dom = browse(page, SHOTS "/report.png");
	cr_assert(strstr(dom, "<table id=\"attribution\""), "no attribution table in the DOM");
	cr_expect_gt(count(strstr(dom, "<table id=\"attribution\""), "<tr"), 10);
	cr_expect(strstr(dom, "bridge: forward"), "the bridge's row is missing");
	cr_expect(strstr(dom, "Lost throughput"), "the UDP run's findings are missing");
	cr_expect(strstr(dom, "Dominant cause:"), "no dominant cause");
	cr_expect(strstr(dom, "id=\"cpu-stack\""), "no stacked bar of CPU per byte");
	figures = check_plots(dom, page);
	cr_expect_eq(figures, in_source, "the browser built %d plots of the %d in the page",
		     figures, in_source);
	cr_expect_gt(figures, 5, "a stacked bar and latency histograms: %d plots", figures);
	check_self_contained(dom, page);
	check_shot(SHOTS "/report.png");
	free(dom);
}

/* A sweep folder of made-up results: the paper's figure, a panel per protocol and MTU. */
static void write_sweep(const char *dir)
{
	static const char *const kinds[] = {"veth-bridge", "macvlan"};
	static const char *const protos[] = {"tcp", "udp"};
	char path[256], err[256];

	mkdir(dir, 0755);
	for (int k = 0; k < 2; k++)
		for (int p = 0; p < 2; p++)
			for (int n = 1; n <= 8; n *= 2) {
				struct result r = {0};

				strcpy(r.config.command, "run");
				strcpy(r.config.kind, kinds[k]);
				strcpy(r.config.proto, protos[p]);
				strcpy(r.config.layout, "local");
				r.config.mtu = 1500;
				r.config.pairs = n;
				r.config.duration = 2;
				r.config.repeat = 3;
				r.throughput.present = true;
				r.throughput.n_repeats = 3;
				r.throughput.repeats = calloc(3, sizeof(*r.throughput.repeats));
				for (int i = 0; i < 3; i++) {
					double g =
					    (p ? 2 : 14) * (k ? 1.3 : 1) / (1 + 0.1 * n) + 0.3 * i;

					r.throughput.repeats[i].bits_per_second = g * 1e9;
					r.throughput.bits_per_second += g * 1e9 / 3;
				}
				snprintf(path, sizeof(path), "%s/%s-%s-%d.json", dir, kinds[k],
					 protos[p], n);
				cr_assert_eq(result__write(&r, path, err, sizeof(err)), 0, "%s",
					     err);
				result__free(&r);
			}
}

Test(html, sweep_page_draws_a_panel_per_protocol, .timeout = 300)
{
	char cmd[512], dir[128], page[128], *out = NULL, *dom;

	need("chromium", "chromium");
	need("gnuplot", "gnuplot-nox");
	snprintf(dir, sizeof(dir), "%s/sweep", tmp);
	snprintf(page, sizeof(page), "%s/sweep.html", tmp);
	write_sweep(dir);
	snprintf(cmd, sizeof(cmd), NETSTAGE " report %s --html %s 2>&1", dir, page);
	cr_assert_eq(sh(cmd, &out), 0, "report --html of a sweep failed:\n%s", out);
	cr_expect(strstr(out, "tcp, MTU 1500, local"), "%s", out);
	free(out);
	dom = browse(page, SHOTS "/sweep.png");
	cr_expect_eq(check_plots(dom, page), 2, "one panel per protocol");
	cr_expect(strstr(dom, ">veth-bridge<") && strstr(dom, ">macvlan<"), "both kinds listed");
	check_self_contained(dom, page);
	check_shot(SHOTS "/sweep.png");
	free(dom);
}

/* Bad inputs: one line on stderr that names the file and what is wrong with it. */
Test(html, bad_result_files_are_named_with_what_is_wrong)
{
	static const struct {
		const char *name, *content, *says;
	} bad[] = {
	    {"truncated.json", "{\"schema\": \"netstage/result/1\", \"stages\": [", "truncated"},
	    {"schema.json", "{\"schema\": \"netstage/result/9\", \"stages\": []}",
	     "netstage/result/9"},
	    {"text.json", "throughput: 12 Gbit/s\n", "not JSON"},
	    {"empty.json", "", "empty"},
	};
	char path[128], cmd[512], *out = NULL;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		FILE *f;

		snprintf(path, sizeof(path), "%s/%s", tmp, bad[i].name);
		f = fopen(path, "w");
		cr_assert_not_null(f);
		fputs(bad[i].content, f);
		fclose(f);
		/* As a result, as a baseline, and in a list of pooled runs alike. */
		snprintf(cmd, sizeof(cmd), NETSTAGE " report " DATA "veth-bridge-tcp.json,%s 2>&1",
			 path);
		cr_expect_eq(sh(cmd, &out), 1, "%s: exit status", bad[i].name);
		cr_expect(strstr(out, path) && strstr(out, bad[i].says),
			  "%s: the error should name the file and say '%s': %s", bad[i].name,
			  bad[i].says, out);
		free(out);
		snprintf(cmd, sizeof(cmd), NETSTAGE " report " DATA "veth-bridge-tcp.json %s 2>&1",
			 path);
		cr_expect_eq(sh(cmd, &out), 1);
		cr_expect(strstr(out, path) && strstr(out, bad[i].says), "%s", out);
		free(out);
	}
	snprintf(cmd, sizeof(cmd), NETSTAGE " report %s/missing.json 2>&1", tmp);
	cr_expect_eq(sh(cmd, &out), 1);
	cr_expect(strstr(out, "missing.json") && strstr(out, "No such file"), "%s", out);
	free(out);
}
