// SPDX-License-Identifier: GPL-2.0
/*
 * The text report's stage table: each side's packets are headed by what
 * they are, for each protocol and direction.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "analysis/table.h"

/* Arrays, not pointers: Criterion copies the parameters into another process. */
struct heading {
	char proto[4];
	bool reverse;
	char client[64], server[64];
};

ParameterizedTestParameters(table, each_side_is_headed_by_what_it_holds)
{
	static struct heading h[] = {
	    {"tcp", false, "packets from the client (the data):",
	     "packets from the server (TCP's acknowledgements):"},
	    {"tcp", true, "packets from the client (TCP's acknowledgements):",
	     "packets from the server (the data):"},
	    /* A UDP run sends nothing back: the other way is iperf3's control connection. */
	    {"udp", false, "packets from the client (the data):",
	     "packets from the server (iperf3's control connection):"},
	    {"udp", true, "packets from the client (iperf3's control connection):",
	     "packets from the server (the data):"},
	};
	return cr_make_param_array(struct heading, h, sizeof(h) / sizeof(h[0]));
}

ParameterizedTest(struct heading *h, table, each_side_is_headed_by_what_it_holds)
{
	struct result r;
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	memset(&r, 0, sizeof(r));
	strcpy(r.config.proto, h->proto);
	r.config.reverse = h->reverse;
	for (int path = RESULT_PATH_CLIENT; path <= RESULT_PATH_SERVER; path++) {
		struct stage_stat *s = result__add_stage(&r);

		s->stage = NS_STAGE_TX_QUEUE;
		s->from = NS_STAGE_NONE;
		s->path = path;
		s->master_kind = -1;
		snprintf(s->ifname, sizeof(s->ifname), "nstab12%c0", path ? 's' : 'c');
		s->hist.count = 14;
	}
	table__print_stages(&r, out);
	fclose(out);
	cr_assert(strstr(text, h->client), "%s %s: no \"%s\" in:\n%s", h->proto,
		  h->reverse ? "reverse" : "", h->client, text);
	cr_assert(strstr(text, h->server), "%s %s: no \"%s\" in:\n%s", h->proto,
		  h->reverse ? "reverse" : "", h->server, text);
	cr_assert(strstr(text, h->client) < strstr(text, h->server), "the client's table first");
	free(text);
	result__free(&r);
}
