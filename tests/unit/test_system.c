// SPDX-License-Identifier: GPL-2.0
/* The machine a result was measured on, through the result file's "system" object and back. */
#include <criterion/criterion.h>
#include <string.h>
#include "analysis/system.h"

Test(system, the_machine_survives_its_json)
{
	struct result_system a = {.present = true, .cpus = 2, .n_sysctls = 2}, b = {0};
	json_object *o;

	strcpy(a.distribution, "Debian GNU/Linux 12 (bookworm)");
	strcpy(a.cpu_model, "AMD EPYC");
	strcpy(a.iperf_version, "3.12");
	strcpy(a.sysctls[0].name, "net.core.netdev_max_backlog");
	strcpy(a.sysctls[0].value, "1000");
	strcpy(a.sysctls[1].name, "net.ipv4.tcp_rmem");
	strcpy(a.sysctls[1].value, "4096 131072 33554432");
	o = system__to_json(&a);
	system__from_json(o, &b);
	json_object_put(o);
	cr_assert(b.present);
	cr_assert_str_eq(b.distribution, a.distribution);
	cr_assert_str_eq(b.cpu_model, a.cpu_model);
	cr_assert_str_eq(b.iperf_version, a.iperf_version);
	cr_assert_eq(b.cpus, 2);
	cr_assert_eq(b.n_sysctls, 2);
	for (int i = 0; i < 2; i++) {
		cr_assert_str_eq(b.sysctls[i].name, a.sysctls[i].name);
		cr_assert_str_eq(b.sysctls[i].value, a.sysctls[i].value);
	}
}

Test(system, what_the_file_lacks_is_left_empty)
{
	struct result_system s = {0};
	json_object *o = json_tokener_parse("{\"cpus\": 4}");

	system__from_json(o, &s);
	json_object_put(o);
	cr_assert(s.present);
	cr_assert_eq(s.cpus, 4);
	cr_assert_str_eq(s.distribution, "");
	cr_assert_eq(s.n_sysctls, 0);
}
