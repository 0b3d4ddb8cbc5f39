/* SPDX-License-Identifier: GPL-2.0 */
/*
 * system: the "system" object of a result file, the machine a result was
 * measured on (distribution, CPUs, iperf3's version, the sysctls that shape
 * throughput). user/sysinfo.c reads it from the machine.
 */
#ifndef NETSTAGE_SYSTEM_H
#define NETSTAGE_SYSTEM_H

#include <json-c/json.h>
#include "analysis/result.h"

json_object *system__to_json(const struct result_system *s);
/* Fill s from a result file's "system" object; what it lacks is left empty. */
void system__from_json(json_object *o, struct result_system *s);

#endif /* NETSTAGE_SYSTEM_H */
