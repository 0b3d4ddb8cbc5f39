// SPDX-License-Identifier: GPL-2.0
/*
 * netstage run --kind ipvlan, as a user runs it, on a kernel that has ipvlan
 * (the VM tests run it on Debian's kernel): the stage table is filled for the
 * ipvlan hops, the result says which probes were used, nothing is left.
 */
#include "helpers.h"
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>

static int run_quiet(const char *cmd)
{
	int rc = system(cmd);

	return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static bool stage_on_kind(const struct result *r, int stage, int kind, int path)
{
	for (int i = 0; i < r->n_stages; i++)
		if (r->stages[i].stage == stage && r->stages[i].dev_kind == kind &&
		    r->stages[i].path == path && r->stages[i].hist.count > 0)
			return true;
	return false;
}

Test(ipvlan, run_fills_the_stage_table_for_ipvlan_hops, .timeout = 240)
{
	const char *out = "/tmp/netstage-test-ipvlan.json";
	struct topo_err terr = {{0}};
	struct result r;
	char err[512], cmd[256];
	const struct feature *modules = NULL;

	need_root_and_probes();
	if (topo__probe_kind(TOPO_IPVLAN, -1, &terr))
		cr_skip_test("skipped: %s", terr.msg);
	snprintf(cmd, sizeof(cmd),
		 "build/netstage run --kind ipvlan --mode l3 --duration 2 -o %s >/dev/null 2>&1",
		 out);
	cr_assert_eq(run_quiet(cmd), 0, "%s", cmd);
	cr_assert_eq(result__read(out, &r, err, sizeof(err)), 0, "%s", err);
	cr_expect_str_eq(r.config.kind, "ipvlan");
	cr_expect_str_eq(r.config.mode, "l3");
	cr_expect_gt(r.throughput.bits_per_second, 1e6);
	/* The data path: sent by the client's ipvlan, received on the server's. */
	cr_expect(stage_on_kind(&r, NS_STAGE_TX_START, NS_DEV_IPVLAN, RESULT_PATH_CLIENT));
	cr_expect(stage_on_kind(&r, NS_STAGE_RX_ENQUEUE, NS_DEV_IPVLAN, RESULT_PATH_CLIENT));
	cr_expect(stage_on_kind(&r, NS_STAGE_RX_CORE, NS_DEV_IPVLAN, RESULT_PATH_CLIENT));
	for (int i = 0; i < r.n_features; i++)
		if (!strcmp(r.features[i].name, "module_probes"))
			modules = &r.features[i];
	cr_assert_not_null(modules, "the result says whether module probes were used");
	for (int i = 0; i < r.n_features; i++)
		if (!strcmp(r.features[i].name, "fentry") && r.features[i].on) {
			/* Where fentry works, the ipvlan module's own functions are probed. */
			cr_expect(modules->on && strstr(modules->note, "ipvlan_start_xmit"), "%s",
				  modules->note);
			cr_expect(stage_on_kind(&r, NS_STAGE_DRV_XMIT, NS_DEV_IPVLAN,
						RESULT_PATH_CLIENT));
		}
	result__free(&r);
	unlink(out);
	cr_expect_eq(run_quiet("ip netns list | grep -q netstage-"), 1, "a namespace was left");
}
