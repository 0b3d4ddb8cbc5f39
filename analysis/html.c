// SPDX-License-Identifier: GPL-2.0
/* The HTML report page (html.h). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "analysis/hist.h"
#include "analysis/html.h"
#include "analysis/plot.h"
#include "analysis/stage.h"
#include "analysis/strbuf.h"

static const char style[] =
    "body{font-family:'DejaVu Sans',Arial,sans-serif;margin:24px auto;max-width:1240px;"
    "color:#222;line-height:1.4}"
    "h1{font-size:1.5em;margin-bottom:0}h2{font-size:1.2em;border-bottom:1px solid #ccc;"
    "margin-top:2em}h3{font-size:1.05em}"
    "table{border-collapse:collapse;margin:8px 0;font-size:0.8em}"
    "th,td{border:1px solid #ccc;padding:2px 6px;text-align:right;white-space:nowrap}"
    "th{background:#f0f0f0}td.l,th.l{text-align:left}"
    "tr.total td{font-weight:bold;background:#fafafa}tr.wait td{color:#555}"
    "tr.other td{color:#777;font-style:italic}"
    "td.pos{color:#a0301a}td.neg{color:#1a6a30}"
    ".plots{display:flex;flex-wrap:wrap;gap:10px}"
    "figure{margin:6px 0;border:1px solid #e4e4e4;padding:4px}"
    "figcaption{font-size:0.82em;color:#555;max-width:760px}"
    ".finding{margin:6px 0 12px 0}.cause{font-weight:bold}"
    ".wide{overflow-x:auto}.note{color:#555;font-size:0.9em}code{background:#f4f4f4;padding:0 3px}";

static void page_start(struct strbuf *b, const char *title)
{
	strbuf__printf(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
			  "<meta name=\"generator\" content=\"netstage\">\n<title>");
	strbuf__html(b, title);
	strbuf__printf(b, "</title>\n<style>%s</style>\n</head>\n<body>\n<h1>", style);
	strbuf__html(b, title);
	strbuf__printf(b, "</h1>\n");
}

static void page_end(struct strbuf *b)
{
	strbuf__printf(b, "<p class=\"note\">Made by <code>netstage report</code>. The method and "
			  "its limits: docs/ATTRIBUTION.md; the stage model: docs/STAGES.md. "
			  "Plots drawn by gnuplot.</p>\n</body>\n</html>\n");
}

static int write_file(const struct strbuf *b, const char *path, char *err, size_t errlen)
{
	FILE *f;
	int rc = 0;

	if (b->oom || !b->s) {
		snprintf(err, errlen, "%s: out of memory making the page", path);
		return -ENOMEM;
	}
	f = fopen(path, "w");
	if (!f) {
		snprintf(err, errlen, "%s: cannot write the page: %s", path, strerror(errno));
		return -errno;
	}
	if (fwrite(b->s, 1, b->len, f) != b->len || fflush(f)) {
		rc = -EIO;
		snprintf(err, errlen, "%s: writing the page failed: %s", path, strerror(errno));
	}
	if (fclose(f) && !rc) {
		rc = -errno;
		snprintf(err, errlen, "%s: closing the page failed: %s", path, strerror(errno));
	}
	return rc;
}

/* A figure with an inline plot, or the reason it is missing (a hard error: plots are wanted). */
static int figure(struct strbuf *b, const char *id, int rc, char *svg, const char *caption,
		  char *err)
{
	if (rc) {
		free(svg);
		return rc;
	}
	strbuf__printf(b, "<figure class=\"plot\" id=\"%s\">\n%s\n<figcaption>", id, svg);
	strbuf__html(b, caption);
	strbuf__printf(b, "</figcaption>\n</figure>\n");
	free(svg);
	(void)err;
	return 0;
}

static void td_num(struct strbuf *b, const char *fmt, double v, bool present)
{
	strbuf__printf(b, "<td>");
	if (present && isfinite(v))
		strbuf__printf(b, fmt, v);
	else
		strbuf__printf(b, "&ndash;");
	strbuf__printf(b, "</td>");
}

static void td_kb(struct strbuf *b, double ns_per_byte, double se, bool present)
{
	strbuf__printf(b, "<td>");
	if (!present)
		strbuf__printf(b, "&ndash;");
	else if (se > 0)
		strbuf__printf(b, "%.1f &plusmn; %.1f", ns_per_byte * 1000, se * 1000);
	else
		strbuf__printf(b, "%.1f", ns_per_byte * 1000);
	strbuf__printf(b, "</td>");
}

static void td_text(struct strbuf *b, const char *cls, const char *text)
{
	strbuf__printf(b, "<td%s%s%s>", cls ? " class=\"" : "", cls ? cls : "", cls ? "\"" : "");
	strbuf__html(b, text && *text ? text : "-");
	strbuf__printf(b, "</td>");
}

static void runs_table(struct strbuf *b, const struct html_input *in)
{
	const struct attribution *at = in->at;

	strbuf__printf(b,
		       "<h2>Runs</h2>\n<div class=\"wide\"><table id=\"runs\">\n<tr><th></th><th "
		       "class=\"l\">run"
		       "</th><th class=\"l\">files</th><th>throughput, Gbit/s</th><th>wall ns "
		       "per kB</th><th>iperf3 CPU, sender / receiver</th><th>kernel</th></tr>\n");
	for (int s = 0; s < at->n_sides; s++) {
		const struct attr_side *sd = &at->side[s];

		strbuf__printf(b, "<tr><td>%c</td>", at->n_sides == 2 ? "AB"[s] : ' ');
		td_text(b, "l", sd->name);
		td_text(b, "l", in->names[s]);
		strbuf__printf(b, "<td>%.2f", sd->bps / 1e9);
		if (sd->bps_se > 0)
			strbuf__printf(b, " &plusmn; %.2f (%d repeats)", sd->bps_se / 1e9,
				       sd->n_samples);
		strbuf__printf(b, "</td>");
		td_kb(b, sd->wall_ns_per_byte, sd->wall_se, true);
		if (sd->has_process_cpu)
			strbuf__printf(b, "<td>%.0f%% / %.0f%%</td>", sd->sender_cpu,
				       sd->receiver_cpu);
		else
			strbuf__printf(b, "<td>&ndash;</td>");
		td_text(b, NULL, in->runs[s][0]->kernel_release);
		strbuf__printf(b, "</tr>\n");
	}
	strbuf__printf(b, "</table></div>\n");
	/* A stopped run's figures cover only part of its load: say so beside the table. */
	for (int s = 0; s < at->n_sides; s++)
		for (int i = 0; i < in->n_per[s]; i++) {
			const struct result *r = in->runs[s][i];
			int repeat = r->config.repeat > 0 ? r->config.repeat : 1;

			if (!r->stop.interrupted)
				continue;
			strbuf__printf(b, "<p class=\"note\"><b>Interrupted:</b> ");
			strbuf__html(b, in->names[s] ? in->names[s] : "");
			strbuf__printf(b, " was stopped by ");
			strbuf__html(b, r->stop.signal[0] ? r->stop.signal : "a signal");
			strbuf__printf(b,
				       " after %.1f s of the planned %.0f s of load; its figures "
				       "cover what was measured until then.",
				       r->stop.load_seconds, r->config.duration * repeat);
			for (int m = 0; m < r->stop.n_missing && m < RESULT_MAX_MISSING; m++) {
				strbuf__printf(b, " Missing: ");
				strbuf__html(b, r->stop.missing[m]);
				strbuf__printf(b, ".");
			}
			strbuf__printf(b, "</p>\n");
		}
}

/* The attribution's heading, the gap in words, how to read the table, and its header row. */
static void attribution_head(struct strbuf *b, const struct attribution *at)
{
	bool two = at->n_sides == 2;

	strbuf__printf(b, "<h2>%s</h2>\n", two ? "Attribution of the gap" : "Where the CPU goes");
	if (two)
		strbuf__printf(
		    b,
		    "<p id=\"gap\">Gap: A takes <b>%+.3f ns per byte</b> against B "
		    "(%+.1f%%, &plusmn; %.3f). The measured stages explain <b>%.0f%%</b> "
		    "of it, the estimate outside the stages (iperf3's CPU) %.0f%%; "
		    "<b>%.0f%% is unexplained</b>.</p>\n",
		    at->gap,
		    at->side[1].wall_ns_per_byte > 0 ? 100 * at->gap / at->side[1].wall_ns_per_byte
						     : 0,
		    at->gap_se, 100 * at->explained, 100 * at->outside, 100 * at->unexplained);
	strbuf__printf(b,
		       "<p class=\"note\">CPU time per kB (1000 bytes) delivered, by stage; "
		       "stages never overlap in time. Bound by <b>%s</b>: the rows on it are "
		       "ranked by %s and add up; rows marked * run on another CPU and are shown "
		       "apart. Latency p50/p99 is the interval's own, in ns.</p>\n",
		       attr_bind__name(at->bind), two ? "share of the gap" : "CPU per kB");
	strbuf__printf(b, "<div class=\"wide\"><table id=\"attribution\">\n<tr><th>#</th><th "
			  "class=\"l\">stage</th>"
			  "<th class=\"l\">path</th><th class=\"l\">where</th>");
	if (two)
		strbuf__printf(b, "<th>A ns/kB</th><th>B ns/kB</th><th>A&minus;B ns/kB</th>"
				  "<th>share of gap</th><th>A ns/packet</th><th>B ns/packet</th>"
				  "<th>A p50/p99</th><th>B p50/p99</th></tr>\n");
	else
		strbuf__printf(b, "<th>ns/kB</th><th>ns/packet</th><th>packets</th>"
				  "<th>p50/p99</th></tr>\n");
}

/* One stage row: CPU (pass 0, with its share of the gap) or waiting (pass 1). */
static void attribution_row(struct strbuf *b, const struct attribution *at,
			    const struct attr_row *r, int pass, int n)
{
	bool two = at->n_sides == 2;
	bool synth = r->cls >= ATTR_SOFTIRQ_OTHER && r->cls <= ATTR_OUTSIDE;
	char where[128], lat[64];

	strbuf__printf(b, "<tr%s><td>%d</td>",
		       pass		? " class=\"wait\""
		       : !r->on_binding ? " class=\"other\""
					: "",
		       n);
	snprintf(where, sizeof(where), "%s%s", r->label, pass || r->on_binding ? "" : " *");
	td_text(b, "l", where);
	td_text(b, "l", synth ? "" : attr_dir__name(r->dir));
	if (two)
		snprintf(where, sizeof(where), "%s | %s", r->v[0].present ? r->v[0].where : "-",
			 r->v[1].present ? r->v[1].where : "-");
	else
		snprintf(where, sizeof(where), "%s", r->v[0].where);
	td_text(b, "l", synth ? "" : where);
	for (int s = 0; s < at->n_sides; s++) {
		if (pass == 0)
			td_kb(b, r->v[s].ns_per_byte, r->v[s].ns_per_byte_se, r->v[s].present);
		else if (two)
			strbuf__printf(b, "<td>&ndash;</td>");
	}
	if (two) {
		if (pass == 0) {
			strbuf__printf(b, "<td class=\"%s\">%+.1f", r->delta > 0 ? "pos" : "neg",
				       r->delta * 1000);
			if (r->delta_se > 0)
				strbuf__printf(b, " &plusmn; %.1f", r->delta_se * 1000);
			strbuf__printf(b, "</td><td>%+.0f%%", 100 * r->share);
			if (r->share_se > 0 && isfinite(r->share_se))
				strbuf__printf(b, " &plusmn; %.0f", 100 * r->share_se);
			strbuf__printf(b, "</td>");
		} else {
			strbuf__printf(b, "<td>&ndash;</td><td>&ndash;</td>");
		}
	}
	for (int s = 0; s < at->n_sides; s++)
		td_num(b, "%.0f", r->v[s].ns_per_packet, r->cpu && !synth && r->v[s].count);
	if (!two)
		td_num(b, "%.0f", (double)r->v[0].count, !synth);
	for (int s = 0; s < at->n_sides; s++) {
		if (synth || !r->v[s].count) {
			strbuf__printf(b, "<td>&ndash;</td>");
			continue;
		}
		snprintf(lat, sizeof(lat), "%.0f / %.0f", r->v[s].p50, r->v[s].p99);
		td_text(b, NULL, lat);
	}
	strbuf__printf(b, "</tr>\n");
}

/* Totals after the CPU rows: measured, outside, unexplained, measured gap. */
static void attribution_totals(struct strbuf *b, const struct attribution *at, const double meas[2])
{
	bool two = at->n_sides == 2;

	strbuf__printf(b, "<tr class=\"total\"><td></td><td class=\"l\">measured "
			  "stages</td><td></td><td></td>");
	for (int s = 0; s < at->n_sides; s++)
		td_kb(b, meas[s], 0, true);
	if (two)
		strbuf__printf(b, "<td>%+.1f</td><td>%.0f%%</td>", (meas[0] - meas[1]) * 1000,
			       100 * at->explained);
	strbuf__printf(b, "<td colspan=\"%d\"></td></tr>\n", two ? 4 : 3);
	for (int i = 0; i < at->n_rows; i++) {
		const struct attr_row *r = &at->rows[i];

		if (r->cls != ATTR_OUTSIDE)
			continue;
		strbuf__printf(b, "<tr class=\"total\"><td></td>");
		td_text(b, "l", r->label);
		strbuf__printf(b, "<td></td><td></td>");
		for (int s = 0; s < at->n_sides; s++)
			td_kb(b, r->v[s].ns_per_byte, r->v[s].ns_per_byte_se, true);
		if (two)
			strbuf__printf(b, "<td>%+.1f</td><td>%.0f%%</td>", r->delta * 1000,
				       100 * at->outside);
		strbuf__printf(b, "<td colspan=\"%d\"></td></tr>\n", two ? 4 : 3);
	}
	if (two) {
		strbuf__printf(b,
			       "<tr class=\"total\"><td></td><td class=\"l\">"
			       "unexplained</td><td></td><td></td><td></td><td>"
			       "</td><td>%+.1f</td><td>%.0f%%</td><td colspan=\"4\">"
			       "</td></tr>\n",
			       at->gap * at->unexplained * 1000, 100 * at->unexplained);
		strbuf__printf(b, "<tr class=\"total\"><td></td><td class=\"l\">"
				  "measured gap (wall time per kB)</td><td></td><td>"
				  "</td>");
		td_kb(b, at->side[0].wall_ns_per_byte, at->side[0].wall_se, true);
		td_kb(b, at->side[1].wall_ns_per_byte, at->side[1].wall_se, true);
		strbuf__printf(b,
			       "<td>%+.1f</td><td>100%%</td><td colspan=\"4\"></td>"
			       "</tr>\n",
			       at->gap * 1000);
	}
}

static void attribution_table(struct strbuf *b, const struct attribution *at)
{
	double meas[2] = {0, 0};
	int n = 0;

	attribution_head(b, at);
	for (int pass = 0; pass < 2; pass++) {
		for (int i = 0; i < at->n_rows; i++) {
			const struct attr_row *r = &at->rows[i];

			/* Pass 0: the measured CPU rows; pass 1: waiting rows. */
			if (pass == 0 && (!r->cpu || r->cls == ATTR_OUTSIDE))
				continue;
			if (pass == 1 && r->cpu)
				continue;
			if (pass == 0 && r->on_binding)
				for (int s = 0; s < at->n_sides; s++)
					meas[s] += r->v[s].ns_per_byte;
			attribution_row(b, at, r, pass, ++n);
		}
		if (pass == 0)
			attribution_totals(b, at, meas);
	}
	strbuf__printf(b, "</table></div>\n");
	if (at->note[0]) {
		strbuf__printf(b, "<p class=\"note\">");
		strbuf__html(b, at->note);
		strbuf__printf(b, "</p>\n");
	}
}

static void anomaly_section(struct strbuf *b, const struct anomaly *a, char tag)
{
	strbuf__printf(b, "<h3>");
	strbuf__html(b, a->name);
	if (tag)
		strbuf__printf(b, " (%c)", tag);
	strbuf__printf(b,
		       "</h3>\n<table class=\"loss\"><tr><th></th><th>%s</th><th>kernel drops "
		       "on the flow's path</th><th class=\"l\">where</th><th>kernel against "
		       "iperf3</th></tr>\n<tr><td class=\"l\">count</td>",
		       a->udp ? "iperf3 lost / sent" : "iperf3 retransmissions");
	if (a->udp)
		strbuf__printf(b, "<td>%.0f / %.0f (%.2f%%)</td>", a->lost, a->sent,
			       a->sent > 0 ? 100 * a->lost / a->sent : 0);
	else
		strbuf__printf(b, "<td>%.0f</td>", a->retransmits);
	strbuf__printf(b, "<td>%.0f</td>", a->kernel_drops);
	td_text(b, "l", a->drop_detail);
	if (a->udp && a->lost > 0)
		strbuf__printf(b, "<td>%+.1f%%</td>", 100 * a->drop_diff);
	else
		strbuf__printf(b, "<td>&ndash;</td>");
	strbuf__printf(b, "</tr></table>\n");
	for (int i = -1; i < a->n_findings; i++) {
		const struct anomaly_finding *f;

		if (i == -1 && a->dominant < 0)
			continue;
		if (i >= 0 && i == a->dominant)
			continue;
		f = &a->findings[i < 0 ? a->dominant : i];
		strbuf__printf(b, "<div class=\"finding%s\"><span class=\"cause\">%s</span> ",
			       i < 0 ? " dominant" : "", i < 0 ? "Dominant cause:" : "Also:");
		strbuf__html(b, f->what);
		strbuf__printf(b, "<br>");
		strbuf__html(b, f->evidence);
		strbuf__printf(b, "</div>\n");
	}
	if (a->dominant < 0) {
		strbuf__printf(b, "<p>");
		strbuf__html(b, a->summary);
		strbuf__printf(b, "</p>\n");
	}
}

/* Which stage set made the table, and how much of the probes' own time was taken out. */
static void probe_note(struct strbuf *b, const struct result *r)
{
	double taken = 0, n = 0;

	for (int i = 0; i < r->n_stages; i++)
		if (r->stages[i].from != NS_STAGE_NONE) {
			taken += (double)r->stages[i].hist.probe_ns;
			n += (double)r->stages[i].hist.count;
		}
	strbuf__printf(b, "<p class=\"note\">Stages %s",
		       r->config.stages[0] ? r->config.stages : "all");
	if (taken > 0)
		strbuf__printf(b,
			       "; intervals corrected for the probes' own run time: %.0f ns taken "
			       "out of an interval on average (the JSON keeps the raw figures)",
			       taken / n);
	strbuf__printf(b, ".</p>");
}

static void stage_tables(struct strbuf *b, const struct html_input *in)
{
	strbuf__printf(b, "<h2>Stage entries</h2>\n");
	for (int s = 0; s < in->n_runs; s++) {
		for (int k = 0; k < in->n_per[s]; k++) {
			const struct result *r = in->runs[s][k];

			strbuf__printf(b, "<details><summary>%s%s",
				       in->n_runs == 2 ? (s ? "B: " : "A: ") : "", "");
			strbuf__html(b, in->at->side[s].name);
			strbuf__printf(
			    b,
			    ", run %d: %d entries</summary>\n<table class=\"stages\">"
			    "<tr><th>path</th><th>hop</th><th class=\"l\">device</th>"
			    "<th class=\"l\">kind</th><th class=\"l\">stage</th>"
			    "<th class=\"l\">from</th><th>packets</th><th>p50 ns</th>"
			    "<th>p99 ns</th><th>max ns</th><th>CPU ns/packet</th></tr>\n",
			    k + 1, r->n_stages);
			for (int i = 0; i < r->n_stages; i++) {
				const struct stage_stat *st = &r->stages[i];
				bool entry = st->from == NS_STAGE_NONE;

				strbuf__printf(b, "<tr><td>%s</td><td>%d</td>",
					       st->path == RESULT_PATH_CLIENT	? "c&rarr;s"
					       : st->path == RESULT_PATH_SERVER ? "s&rarr;c"
										: "",
					       st->hop);
				{
					/* Containers' devices share names: say whose it is. */
					const struct netns_stat *ns =
					    result__find_netns(r, st->netns);
					char dev[192];

					snprintf(dev, sizeof(dev), "%s%s%s", st->ifname,
						 ns && ns->container[0] ? " in " : "",
						 ns && ns->container[0] ? ns->container : "");
					td_text(b, "l", dev);
				}
				td_text(b, "l", dev_kind__name(st->dev_kind));
				td_text(b, "l", stage__name(st->stage));
				td_text(b, "l", entry ? "-" : stage__name(st->from));
				strbuf__printf(b, "<td>%llu</td>",
					       (unsigned long long)st->hist.count);
				td_num(b, "%.0f", hist__quantile(&st->hist, 0.5), !entry);
				td_num(b, "%.0f", hist__quantile(&st->hist, 0.99), !entry);
				td_num(b, "%.0f", (double)st->hist.max, !entry);
				td_num(b, "%.0f", hist__mean(&st->hist),
				       !entry && stage__is_cpu(st->stage, st->from));
				strbuf__printf(b, "</tr>\n");
			}
			strbuf__printf(b, "</table>");
			probe_note(b, r);
			strbuf__printf(b, "</details>\n");
		}
	}
}

int html__write_report(const struct html_input *in, const char *path, char *err, size_t errlen)
{
	const struct attribution *at = in->at;
	struct strbuf b = {0};
	const char *names[2];
	char label[2][160], id[32], cap[256], title[256];
	char *svg = NULL;
	int rc, n = 0;

	for (int s = 0; s < at->n_sides; s++) {
		snprintf(label[s], sizeof(label[s]), "%s%s",
			 at->n_sides == 2 ? (s ? "B: " : "A: ") : "", at->side[s].name);
		names[s] = label[s];
	}
	if (at->n_sides == 2)
		snprintf(title, sizeof(title), "netstage: %s against %s", at->side[0].name,
			 at->side[1].name);
	else
		snprintf(title, sizeof(title), "netstage: %s", at->side[0].name);
	page_start(&b, title);
	runs_table(&b, in);
	attribution_table(&b, at);

	{
		static const char *const short_names[2] = {"A", "B"};

		rc = plot__cpu_stack(at, at->n_sides == 2 ? short_names : names, "cpu", &svg, err,
				     errlen);
	}
	if (figure(
		&b, "cpu-stack", rc, svg,
		at->n_sides == 2
		    ? "CPU time per kB delivered, stacked by stage, for A and B (see Runs); the "
		      "dot "
		      "is the wall time per kB (8 / throughput). The space between the bar and the "
		      "dot is time the stages and the iperf3 estimate do not cover."
		    : "CPU time per kB delivered, stacked by stage; the dot is the wall time per "
		      "kB "
		      "(8 / throughput). The space between the bar and the dot is time the stages "
		      "and the iperf3 estimate do not cover.",
		err))
		goto fail;

	for (int s = 0; s < in->n_runs; s++)
		if (in->anomalies[s] && in->anomalies[s]->applies) {
			if (!n++)
				strbuf__printf(&b, "<h2>Lost throughput</h2>\n");
			anomaly_section(&b, in->anomalies[s], in->n_runs == 2 ? "AB"[s] : 0);
		}

	strbuf__printf(&b, "<h2>Latency by stage</h2>\n<p class=\"note\">The interval from the "
			   "stage before, per packet: share of packets per log-spaced bucket "
			   "(4 per power of two).</p>\n<div class=\"plots\">\n");
	for (int i = 0; i < at->n_rows; i++) {
		const struct attr_row *r = &at->rows[i];
		bool any = false;

		for (int s = 0; s < at->n_sides; s++)
			any = any || r->v[s].count > 0;
		if (!any)
			continue;
		snprintf(id, sizeof(id), "lat%d", i);
		rc = plot__latency(r, at->n_sides, names, id, &svg, err, errlen);
		snprintf(cap, sizeof(cap), "%s, path %s (%s)", r->label, attr_dir__name(r->dir),
			 r->cpu ? "CPU" : "waiting");
		if (figure(&b, id, rc, svg, cap, err))
			goto fail;
	}
	strbuf__printf(&b, "</div>\n");
	stage_tables(&b, in);
	page_end(&b);
	rc = write_file(&b, path, err, errlen);
	strbuf__free(&b);
	return rc;
fail:
	strbuf__free(&b);
	return rc ? rc : -EIO;
}

int html__write_sweep(const struct series_set *set, const struct result *runs, int n,
		      const char *path, char *err, size_t errlen)
{
	struct strbuf b = {0};
	char id[32], title[96];
	char *svg = NULL;
	int rc;

	page_start(&b, "netstage: throughput against container pairs");
	strbuf__printf(
	    &b,
	    "<p>%d results. Total throughput of all pairs with the standard error "
	    "of the repeats as error bars; a panel per protocol, MTU and layout, as "
	    "in Claassen et al., NOMS 2016 (figures 6 to 9).</p>\n<div class=\"plots\">\n",
	    set->n_results);
	for (int p = 0; p < set->n; p++) {
		snprintf(id, sizeof(id), "sweep%d", p);
		rc = plot__sweep_panel(&set->panels[p], id, &svg, err, errlen);
		if (figure(&b, id, rc, svg,
			   series__panel_title(&set->panels[p], title, sizeof(title)), err)) {
			strbuf__free(&b);
			return rc;
		}
	}
	strbuf__printf(&b, "</div>\n");
	for (int p = 0; p < set->n; p++) {
		const struct series_panel *pn = &set->panels[p];

		strbuf__printf(&b, "<h2>");
		strbuf__html(&b, series__panel_title(pn, title, sizeof(title)));
		strbuf__printf(&b,
			       "</h2>\n<table class=\"sweep\"><tr><th class=\"l\">kind</th>"
			       "<th>pairs</th><th>Gbit/s</th><th>&plusmn; stderr</th><th>samples"
			       "</th><th>packets/s</th>%s</tr>\n",
			       strcmp(pn->proto, "udp") ? "" : "<th>lost</th>");
		for (int s = 0; s < pn->n; s++)
			for (int t = 0; t < pn->series[s].n; t++) {
				const struct series_point *pt = &pn->series[s].pts[t];

				strbuf__printf(&b, "<tr>");
				td_text(&b, "l", pn->series[s].kind);
				strbuf__printf(&b,
					       "<td>%d</td><td>%.2f</td><td>%.2f</td><td>%d</td>"
					       "<td>%.0f</td>",
					       pt->pairs, pt->bps / 1e9, pt->bps_se / 1e9, pt->n,
					       pt->pps);
				if (!strcmp(pn->proto, "udp"))
					strbuf__printf(&b, "<td>%.1f%%</td>", 100 * pt->lost);
				strbuf__printf(&b, "</tr>\n");
			}
		strbuf__printf(&b, "</table>\n");
	}
	(void)runs;
	(void)n;
	page_end(&b);
	rc = write_file(&b, path, err, errlen);
	strbuf__free(&b);
	return rc;
}
