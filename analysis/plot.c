// SPDX-License-Identifier: GPL-2.0
/* Plots drawn by gnuplot as SVG (plot.h). */
#define _GNU_SOURCE /* pipe2 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include "analysis/hist.h"
#include "analysis/plot.h"
#include "analysis/strbuf.h"

#define TERMINAL                                                                                   \
	"set terminal svg size %d,%d font 'DejaVu Sans,11' background rgb 'white'\n"               \
	"set termoption noenhanced\nset encoding utf8\n"

/* Colours that stay apart in print and for the colour-blind (Okabe and Ito), then greys. */
static const char *const colours[] = {
    "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00",
    "#F0E442", "#000000", "#999999", "#666666", "#BBBBBB", "#444444",
};
#define N_COLOURS (sizeof(colours) / sizeof(colours[0]))

const char *plot__program(void)
{
	const char *p = getenv("NETSTAGE_GNUPLOT");

	return p && *p ? p : "gnuplot";
}

/* The first line of a file, for an error message. */
static void first_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");

	buf[0] = '\0';
	if (!f)
		return;
	if (fgets(buf, (int)len, f))
		buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
}

/* The <svg> element alone, with every id and reference to one prefixed. */
static char *inline_svg(const char *raw, const char *prefix)
{
	static const char *const marks[] = {"id='", "id=\"", "href='#", "href=\"#", "url(#"};
	const char *p = strstr(raw, "<svg");
	struct strbuf b = {0};

	if (!p)
		return NULL;
	while (*p) {
		size_t best = strlen(p), which = 0, m;

		for (m = 0; m < sizeof(marks) / sizeof(marks[0]); m++) {
			const char *q = strstr(p, marks[m]);

			if (q && (size_t)(q - p) < best) {
				best = (size_t)(q - p);
				which = m;
			}
		}
		if (best == strlen(p)) {
			strbuf__append(&b, p, best);
			break;
		}
		strbuf__append(&b, p, best + strlen(marks[which]));
		strbuf__printf(&b, "%s-", prefix);
		p += best + strlen(marks[which]);
	}
	if (b.oom) {
		strbuf__free(&b);
		return NULL;
	}
	return b.s;
}

int plot__run(const char *script, const char *id_prefix, char **svg, char *err, size_t errlen)
{
	char spath[] = "/tmp/netstage-plot-XXXXXX", epath[] = "/tmp/netstage-plot-err-XXXXXX";
	int sfd = mkstemp(spath), efd = -1, pfd[2] = {-1, -1}, status = 0, rc = 0;
	struct strbuf out = {0};
	char buf[8192], line[256];
	size_t len = strlen(script);
	pid_t pid = -1;
	ssize_t n;

	*svg = NULL;
	if (sfd < 0) {
		snprintf(err, errlen, "plot: cannot make a temporary file in /tmp: %s",
			 strerror(errno));
		return -errno;
	}
	efd = mkstemp(epath);
	if (efd < 0 || write(sfd, script, len) != (ssize_t)len || pipe2(pfd, O_CLOEXEC)) {
		rc = -errno;
		snprintf(err, errlen, "plot: cannot prepare gnuplot's input in /tmp: %s",
			 strerror(errno));
		goto out;
	}
	pid = fork();
	if (pid < 0) {
		rc = -errno;
		snprintf(err, errlen, "plot: fork: %s", strerror(errno));
		goto out;
	}
	if (pid == 0) {
		dup2(pfd[1], STDOUT_FILENO);
		dup2(efd, STDERR_FILENO);
		signal(SIGPIPE, SIG_DFL);
		execlp(plot__program(), plot__program(), spath, (char *)NULL);
		_exit(127);
	}
	close(pfd[1]);
	pfd[1] = -1;
	while ((n = read(pfd[0], buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		strbuf__append(&out, buf, (size_t)n);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
		rc = -ENOENT;
		snprintf(err, errlen,
			 "plot: cannot run '%s': install Debian's gnuplot-nox (make deps), or name "
			 "another gnuplot in NETSTAGE_GNUPLOT",
			 plot__program());
		goto out;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || !out.s || out.oom) {
		first_line(epath, line, sizeof(line));
		rc = -EIO;
		snprintf(err, errlen, "plot: %s failed (%s%s%s)", plot__program(),
			 WIFEXITED(status) ? "exit status" : "killed by a signal",
			 line[0] ? ": " : "", line[0] ? line : "");
		goto out;
	}
	*svg = inline_svg(out.s, id_prefix);
	if (!*svg) {
		rc = -EIO;
		snprintf(err, errlen, "plot: %s wrote no SVG", plot__program());
	}
out:
	strbuf__free(&out);
	if (pfd[0] >= 0)
		close(pfd[0]);
	if (pfd[1] >= 0)
		close(pfd[1]);
	close(sfd);
	unlink(spath);
	if (efd >= 0) {
		close(efd);
		unlink(epath);
	}
	return rc;
}

/* Run a script built in b (an allocation failure while building it is an error), then free it. */
static int run_built(struct strbuf *b, const char *id_prefix, char **svg, char *err, size_t errlen)
{
	int rc;

	if (b->oom) {
		strbuf__free(b);
		snprintf(err, errlen, "plot: out of memory");
		return -ENOMEM;
	}
	rc = plot__run(b->s, id_prefix, svg, err, errlen);
	strbuf__free(b);
	return rc;
}

/* A title for gnuplot: double quotes and backslashes out. */
static void quoted(struct strbuf *b, const char *s)
{
	strbuf__append(b, "\"", 1);
	for (; *s; s++)
		if (*s != '"' && *s != '\\')
			strbuf__append(b, s, 1);
	strbuf__append(b, "\"", 1);
}

static void row_title(const struct attribution *at, const struct attr_row *r, char *buf, size_t len)
{
	if (at->directions && r->dir != ATTR_DIR_BOTH)
		snprintf(buf, len, "%s (%s)", r->label, attr_dir__name(r->dir));
	else
		snprintf(buf, len, "%s", r->label);
}

int plot__cpu_stack(const struct attribution *at, const char *const names[], const char *id_prefix,
		    char **svg, char *err, size_t errlen)
{
	enum { MAX_COLS = 9 };
	const struct attr_row *cols[MAX_COLS];
	const struct attr_row *outside = NULL;
	struct strbuf b = {0};
	char title[96];
	int nc = 0;
	bool rest = false;

	/* The largest stages by their larger side; the rest summed; the outside estimate last. */
	for (int i = 0; i < at->n_rows; i++) {
		const struct attr_row *r = &at->rows[i];
		double v = fmax(r->v[0].ns_per_byte, at->n_sides > 1 ? r->v[1].ns_per_byte : 0);

		/* Only what runs on the CPU that binds adds up to its time. */
		if (!r->cpu || !r->on_binding || v <= 0)
			continue;
		if (r->cls == ATTR_OUTSIDE) {
			outside = r;
			continue;
		}
		if (nc < MAX_COLS - 1) {
			int k = nc++;

			while (k > 0 &&
			       fmax(cols[k - 1]->v[0].ns_per_byte,
				    at->n_sides > 1 ? cols[k - 1]->v[1].ns_per_byte : 0) < v) {
				cols[k] = cols[k - 1];
				k--;
			}
			cols[k] = r;
		} else {
			rest = true;
		}
	}
	strbuf__printf(&b, TERMINAL, 760, 420);
	strbuf__printf(&b, "$d << EOD\n\"run\"");
	for (int c = 0; c < nc; c++) {
		row_title(at, cols[c], title, sizeof(title));
		strbuf__append(&b, " ", 1);
		quoted(&b, title);
	}
	if (rest)
		strbuf__printf(&b, " \"other stages\"");
	if (outside)
		strbuf__printf(&b, " \"outside the stages (iperf3 CPU, estimate)\"");
	strbuf__append(&b, "\n", 1);
	for (int s = 0; s < at->n_sides; s++) {
		double shown = 0, all = 0;

		quoted(&b, names[s]);
		for (int c = 0; c < nc; c++) {
			strbuf__printf(&b, " %.3f", cols[c]->v[s].ns_per_byte * 1000);
			shown += cols[c]->v[s].ns_per_byte;
		}
		for (int i = 0; i < at->n_rows; i++)
			if (at->rows[i].on_binding && at->rows[i].cls != ATTR_OUTSIDE)
				all += at->rows[i].v[s].ns_per_byte;
		if (rest)
			strbuf__printf(&b, " %.3f", (all - shown) * 1000);
		if (outside)
			strbuf__printf(&b, " %.3f", outside->v[s].ns_per_byte * 1000);
		strbuf__append(&b, "\n", 1);
	}
	strbuf__printf(&b, "EOD\n$w << EOD\n");
	for (int s = 0; s < at->n_sides; s++)
		strbuf__printf(&b, "%d %.3f\n", s, at->side[s].wall_ns_per_byte * 1000);
	strbuf__printf(
	    &b, "EOD\n"
		"set style data histograms\nset style histogram rowstacked\n"
		"set style fill solid 0.9 border rgb '#333333'\nset boxwidth 0.55\n"
		"set key outside right top vertical Left reverse noautotitle\n"
		"set ylabel 'CPU ns per kB delivered'\nset yrange [0:*]\n"
		"set grid ytics lc rgb '#dddddd'\nset xtics nomirror\n"
		"set title 'CPU time per kB by stage, with the wall time per kB (1/throughput)'\n");
	strbuf__printf(&b, "plot for [i=2:%d] $d using i:xtic(1) title columnheader(i)",
		       nc + 1 + rest + (outside != NULL));
	strbuf__printf(&b, ", $w using 1:2 with points pt 7 ps 1.6 lc rgb 'black' "
			   "title 'wall time per kB'\n");
	/* Colours per column, in order. */
	{
		struct strbuf s = {0};
		int ncol = nc + rest + (outside != NULL);

		for (int c = 0; c < ncol; c++)
			strbuf__printf(&s, "set linetype %d lc rgb '%s'\n", c + 1,
				       outside && c == ncol - 1 ? "#dddddd"
								: colours[c % N_COLOURS]);
		strbuf__append(&s, b.s, b.len);
		strbuf__free(&b);
		b = s;
	}
	return run_built(&b, id_prefix, svg, err, errlen);
}

int plot__latency(const struct attr_row *row, int n_sides, const char *const names[],
		  const char *id_prefix, char **svg, char *err, size_t errlen)
{
	unsigned int first = NS_HIST_BUCKETS, last = 0;
	struct strbuf b = {0};
	int lines = 0;

	for (int s = 0; s < n_sides; s++)
		for (unsigned int i = 0; i < NS_HIST_BUCKETS; i++)
			if (row->v[s].hist.buckets[i]) {
				if (i < first)
					first = i;
				if (i > last)
					last = i;
			}
	if (first == NS_HIST_BUCKETS) {
		snprintf(err, errlen, "plot: %s has no samples", row->label);
		return -ENODATA;
	}
	strbuf__printf(&b, TERMINAL, 460, 250);
	for (int s = 0; s < n_sides; s++) {
		__u64 total = 0;

		for (unsigned int i = first; i <= last; i++)
			total += row->v[s].hist.buckets[i];
		strbuf__printf(&b, "$s%d << EOD\n", s);
		/* Steps: each bucket's share from its low edge to the next; 0 at both ends. */
		strbuf__printf(
		    &b, "%llu 0\n",
		    (unsigned long long)(hist__bucket_low(first) ? hist__bucket_low(first) : 1));
		for (unsigned int i = first; i <= last && total; i++)
			strbuf__printf(
			    &b, "%llu %.4f\n",
			    (unsigned long long)(hist__bucket_low(i) ? hist__bucket_low(i) : 1),
			    100.0 * row->v[s].hist.buckets[i] / total);
		strbuf__printf(&b, "%llu 0\nEOD\n",
			       (unsigned long long)(last + 1 < NS_HIST_BUCKETS
							? hist__bucket_low(last + 1)
							: hist__bucket_low(last) * 2));
	}
	strbuf__printf(&b, "set logscale x 10\nset format x '%%.0s%%c'\nset xlabel 'ns'\n"
			   "set ylabel '%% of packets'\nset yrange [0:*]\n"
			   "set grid lc rgb '#dddddd'\nset key top right\n"
			   "set title ");
	quoted(&b, row->label);
	strbuf__printf(&b, "\nplot ");
	for (int s = 0; s < n_sides; s++) {
		if (!row->v[s].count)
			continue;
		strbuf__printf(&b, "%s$s%d using 1:2 with steps lw 2 lc rgb '%s' title ",
			       lines++ ? ", " : "", s, colours[s]);
		quoted(&b, names[s]);
	}
	strbuf__append(&b, "\n", 1);
	return run_built(&b, id_prefix, svg, err, errlen);
}

int plot__sweep_panel(const struct series_panel *p, const char *id_prefix, char **svg, char *err,
		      size_t errlen)
{
	struct strbuf b = {0};
	char title[64];
	int maxp = 1;

	strbuf__printf(&b, TERMINAL, 560, 380);
	for (int s = 0; s < p->n; s++) {
		strbuf__printf(&b, "$s%d << EOD\n", s);
		for (int t = 0; t < p->series[s].n; t++) {
			const struct series_point *pt = &p->series[s].pts[t];

			strbuf__printf(&b, "%d %.4f %.4f\n", pt->pairs, pt->bps / 1e9,
				       pt->bps_se / 1e9);
			if (pt->pairs > maxp)
				maxp = pt->pairs;
		}
		strbuf__printf(&b, "EOD\n");
	}
	strbuf__printf(&b, "set logscale x 2\nset xrange [0.8:%d]\nset xtics (", maxp * 5 / 4 + 1);
	for (int v = 1, first = 1; v <= maxp; v *= 2, first = 0)
		strbuf__printf(&b, "%s%d", first ? "" : ", ", v);
	strbuf__printf(&b, ")\nset xlabel 'container pairs'\nset ylabel 'throughput, Gbit/s'\n"
			   "set yrange [0:*]\nset grid lc rgb '#dddddd'\nset key top right\n"
			   "set title ");
	quoted(&b, series__panel_title(p, title, sizeof(title)));
	strbuf__printf(&b, "\nplot ");
	for (int s = 0; s < p->n; s++) {
		strbuf__printf(&b,
			       "%s$s%d using 1:2:3 with yerrorlines lw 2 pt 7 ps 0.8 lc rgb '%s' "
			       "title ",
			       s ? ", " : "", s, colours[s % N_COLOURS]);
		quoted(&b, p->series[s].kind);
	}
	strbuf__append(&b, "\n", 1);
	return run_built(&b, id_prefix, svg, err, errlen);
}
