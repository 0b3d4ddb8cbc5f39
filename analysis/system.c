// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include "analysis/system.h"
#include "analysis/json_read.h"

json_object *system__to_json(const struct result_system *s)
{
	json_object *o = json_object_new_object(), *sys = json_object_new_object();

	json_object_object_add(o, "distribution", json_object_new_string(s->distribution));
	json_object_object_add(o, "cpu_model", json_object_new_string(s->cpu_model));
	json_object_object_add(o, "cpus", json_object_new_int(s->cpus));
	json_object_object_add(o, "iperf3", json_object_new_string(s->iperf_version));
	for (int i = 0; i < s->n_sysctls; i++)
		json_object_object_add(sys, s->sysctls[i].name,
				       json_object_new_string(s->sysctls[i].value));
	json_object_object_add(o, "sysctls", sys);
	return o;
}

static void copy(char *dst, size_t len, json_object *o, const char *k)
{
	snprintf(dst, len, "%s", jr_text(jr_get(o, k)));
}

void system__from_json(json_object *o, struct result_system *s)
{
	json_object *sys = jr_object(o, "sysctls");

	s->present = true;
	copy(s->distribution, sizeof(s->distribution), o, "distribution");
	copy(s->cpu_model, sizeof(s->cpu_model), o, "cpu_model");
	copy(s->iperf_version, sizeof(s->iperf_version), o, "iperf3");
	s->cpus = jr_int(o, "cpus");
	if (!sys)
		return;
	json_object_object_foreach(sys, k, v)
	{
		if (s->n_sysctls == RESULT_MAX_SYSCTLS)
			break;
		snprintf(s->sysctls[s->n_sysctls].name, sizeof(s->sysctls[0].name), "%s", k);
		snprintf(s->sysctls[s->n_sysctls].value, sizeof(s->sysctls[0].value), "%s",
			 jr_text(v));
		s->n_sysctls++;
	}
}
