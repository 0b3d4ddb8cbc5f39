// SPDX-License-Identifier: GPL-2.0
/*
 * capture__start's error message: each allocation of netstage's own on the
 * way (the probes, their collection, the raw writer) fails in turn, and each
 * failure must say what failed and leave nothing started. The binary is
 * linked with -Wl,--wrap=calloc (the Makefile): netstage's calls to calloc
 * come here, libbpf's and libc's own do not.
 */
#include "helpers.h"
#include <sys/stat.h>
#include "user/capture.h"
#include "user/raw_writer.h"

static bool counting;
static int calls, fail_at;

void *__real_calloc(size_t n, size_t size);
void *__wrap_calloc(size_t n, size_t size)
{
	if (counting && ++calls == fail_at) {
		errno = ENOMEM;
		return NULL;
	}
	return __real_calloc(n, size);
}

static struct topo *topo;
static char dir[] = "/tmp/netstage-test-capture-XXXXXX", path[64];

static void teardown(void)
{
	topo__down(topo);
	topo = NULL;
	if (path[0])
		unlink(path);
	rmdir(dir);
}

TestSuite(capture, .fini = teardown);

/* capture__start with netstage's n-th calloc failing (0: none); the calls it made in *made. */
static int start_failing(int n, const struct probes_opts *o, const char *raw_path,
			 struct probes **l, struct raw_writer **raw, char *err, size_t errlen,
			 int *made)
{
	int rc;

	calls = 0;
	fail_at = n;
	counting = true;
	rc = capture__start(l, raw, o, raw_path, err, errlen);
	counting = false;
	*made = calls;
	return rc;
}

Test(capture, every_allocation_failure_says_what_failed_and_leaves_nothing, .timeout = 600)
{
	struct topo_spec spec = {
	    .kind = TOPO_VETH, .mode = -1, .pairs = 1, .mtu = 1500, .layout = TOPO_LOCAL};
	struct topo_err terr = {{0}};
	struct probes_opts o = {.raw_every = 16};
	struct probes *l = NULL;
	struct raw_writer *raw = NULL;
	bool seen_probes = false, seen_collect = false, seen_raw = false;
	unsigned int ids[64];
	char err[512];
	int rc, total, made, failed = 0;

	need_root_and_probes();
	cr_assert_eq(topo__up(&spec, &topo, &terr), 0, "topo up: %s", terr.msg);
	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/events.gz", dir);
	o.topo = topo;

	/* Without a failure: it starts, and says how many allocations it makes. */
	rc = start_failing(0, &o, path, &l, &raw, err, sizeof(err), &total);
	cr_assert_eq(rc, 0, "capture: %s", err);
	cr_assert_not_null(l);
	cr_assert_not_null(raw);
	raw_writer__stop(raw, NULL);
	probes__destroy(l);
	cr_assert_gt(total, 0, "no calloc came through the wrapper: is --wrap=calloc linked?");

	for (int n = 1; n <= total; n++) {
		snprintf(err, sizeof(err), "never written");
		l = (struct probes *)1;
		raw = (struct raw_writer *)1;
		rc = start_failing(n, &o, path, &l, &raw, err, sizeof(err), &made);
		if (!rc) {
			/*
			 * A failure it works around: the feature probe's look at the
			 * programs' tracepoints (probes__probe never fails). Still a start.
			 */
			raw_writer__stop(raw, NULL);
			probes__destroy(l);
			continue;
		}
		failed++;
		cr_assert_lt(rc, 0);
		cr_assert_gt(made, n - 1, "allocation %d was not reached", n);
		cr_assert(strcmp(err, "never written") && err[0],
			  "allocation %d of %d failed (%d) and the error was not written", n, total,
			  rc);
		cr_assert(strstr(err, "out of memory") || strstr(err, strerror(ENOMEM)),
			  "allocation %d of %d: the error does not say why: %s", n, total, err);
		cr_assert_null(strstr(err, "starting the probes failed"),
			       "allocation %d: no step said what failed (capture's fallback): %s",
			       n, err);
		cr_log_info("allocation %d of %d: %s", n, total, err);
		cr_assert_null(l, "allocation %d: the probes were left started", n);
		cr_assert_null(raw, "allocation %d: the raw writer was left started", n);
		cr_assert_eq(prog_ids_of(getpid(), ids, 64), 0,
			     "allocation %d (%s): BPF programs are left loaded", n, err);
		seen_probes |= strstr(err, "probes'") || strstr(err, "BPF object");
		seen_collect |= strstr(err, "collection") != NULL;
		seen_raw |= strstr(err, "raw event writer") != NULL;
	}
	cr_assert_gt(failed, 0);
	cr_assert(seen_probes, "no allocation of the probes' start failed");
	cr_assert(seen_collect, "no allocation of the collection's start failed");
	cr_assert(seen_raw, "no allocation of the raw writer's start failed");
}
