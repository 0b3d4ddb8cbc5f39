// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the result reader (analysis/result.c, result__read) and
 * what `netstage report FILE` (and `report DIR` of a sweep) then does with
 * what it read (attribution, anomaly checks, the text and JSON reports, a
 * sweep's CSV line and series), on any file.
 */
#include "fuzz_input.h"
#include "analysis/anomaly.h"
#include "analysis/attribution.h"
#include "analysis/result.h"
#include "analysis/series.h"
#include "analysis/table.h"
#include "analysis/throughput.h"

static void report(struct result *r)
{
	const struct result *runs[1] = {r};
	FILE *out = fuzz_sink();
	struct attribution at;
	struct series_set set;
	struct anomaly an;
	json_object *o;
	char err[512];

	table__sort_stages(r);
	table__print_result(r, out);
	if (attribution__compute(runs, 1, NULL, 0, &at, err, sizeof(err)) == 0) {
		table__print_attribution(&at, out);
		o = attribution__to_json(&at);
		fputs(json_object_to_json_string(o), out);
		json_object_put(o);
		attribution__free(&at);
	}
	anomaly__check(runs, 1, NULL, &an);
	if (an.applies)
		table__print_anomaly(&an, 0, out);
	o = anomaly__to_json(&an);
	fputs(json_object_to_json_string(o), out);
	json_object_put(o);
	o = result__to_json(r);
	fputs(json_object_to_json_string(o), out);
	json_object_put(o);
	throughput__csv_row(out, &r->config, &r->throughput, throughput__status(&r->throughput),
			    "fuzz.json", "");
	/* `netstage report DIR`: the file as a sweep of one point. */
	if (series__build(r, 1, &set, err, sizeof(err)) == 0) {
		table__print_series(&set, out);
		o = series__to_json(&set);
		fputs(json_object_to_json_string(o), out);
		json_object_put(o);
		series__free(&set);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct result r;
	char path[64], err[512];
	int fd = fuzz_input(data, size, path, sizeof(path));

	if (fd < 0)
		return 0;
	if (result__read(path, &r, err, sizeof(err)) == 0) {
		report(&r);
		result__free(&r);
	}
	close(fd);
	return 0;
}
