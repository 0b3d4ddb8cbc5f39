// SPDX-License-Identifier: GPL-2.0
/* Names of kinds, modes, layouts and roles, and the netstage naming scheme (docs/TOPOLOGY.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

void topo_err_set(struct topo_err *err, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
}

static const char *const kind_names[TOPO_KIND_COUNT] = {
    [TOPO_VETH] = "veth",	[TOPO_VETH_BRIDGE] = "veth-bridge",
    [TOPO_MACVLAN] = "macvlan", [TOPO_IPVLAN] = "ipvlan",
    [TOPO_HOST] = "host",	[TOPO_CONTAINER] = "container",
    [TOPO_NAT] = "nat",		[TOPO_VXLAN] = "vxlan",
    [TOPO_OVS] = "ovs",
};

const char *topo_kind__name(enum topo_kind kind)
{
	if ((unsigned int)kind >= TOPO_KIND_COUNT)
		return "unknown";
	return kind_names[kind];
}

const char *topo_kind__list(void)
{
	static char list[160];

	if (!list[0]) {
		size_t n = 0;

		for (int i = 0; i < TOPO_KIND_COUNT; i++)
			n += snprintf(list + n, sizeof(list) - n, "%s%s",
				      i == 0			 ? ""
				      : i == TOPO_KIND_COUNT - 1 ? " or "
								 : ", ",
				      kind_names[i]);
	}
	return list;
}

int topo_kind__parse(const char *name)
{
	for (int i = 0; i < TOPO_KIND_COUNT; i++)
		if (name && !strcmp(name, kind_names[i]))
			return i;
	return -1;
}

struct mode_name {
	int mode;
	const char *name;
};

static const struct mode_name macvlan_modes[] = {
    {MACVLAN_MODE_BRIDGE, "bridge"},   {MACVLAN_MODE_VEPA, "vepa"},
    {MACVLAN_MODE_PRIVATE, "private"}, {MACVLAN_MODE_PASSTHRU, "passthru"},
    {MACVLAN_MODE_SOURCE, "source"},
};

static const struct mode_name ipvlan_modes[] = {
    {IPVLAN_MODE_L2, "l2"},
    {IPVLAN_MODE_L3, "l3"},
    {IPVLAN_MODE_L3S, "l3s"},
};

static const struct mode_name *modes_of(enum topo_kind kind, int *n)
{
	switch (kind) {
	case TOPO_MACVLAN:
		*n = sizeof(macvlan_modes) / sizeof(macvlan_modes[0]);
		return macvlan_modes;
	case TOPO_IPVLAN:
		*n = sizeof(ipvlan_modes) / sizeof(ipvlan_modes[0]);
		return ipvlan_modes;
	default:
		*n = 0;
		return NULL;
	}
}

int topo_mode_default(enum topo_kind kind)
{
	switch (kind) {
	case TOPO_MACVLAN:
		return MACVLAN_MODE_BRIDGE;
	case TOPO_IPVLAN:
		return IPVLAN_MODE_L3;
	default:
		return -1;
	}
}

const char *topo_mode__name(enum topo_kind kind, int mode)
{
	const struct mode_name *m;
	int n;

	if (mode < 0)
		mode = topo_mode_default(kind);
	m = modes_of(kind, &n);
	for (int i = 0; i < n; i++)
		if (m[i].mode == mode)
			return m[i].name;
	return mode < 0 ? "none" : "unknown";
}

int topo_mode__parse(enum topo_kind kind, const char *name)
{
	const struct mode_name *m;
	int n;

	m = modes_of(kind, &n);
	for (int i = 0; i < n && name; i++)
		if (!strcmp(name, m[i].name))
			return m[i].mode;
	return -1;
}

const char *topo_layout__name(enum topo_layout layout)
{
	switch (layout) {
	case TOPO_LOCAL:
		return "local";
	case TOPO_SWITCHED:
		return "switched";
	}
	return "unknown";
}

int topo_layout__parse(const char *name)
{
	if (name && !strcmp(name, "local"))
		return TOPO_LOCAL;
	if (name && !strcmp(name, "switched"))
		return TOPO_SWITCHED;
	return -1;
}

const char *ns_dev_kind__name(enum ns_dev_kind kind)
{
	switch (kind) {
	case NS_DEV_VETH:
		return "veth";
	case NS_DEV_BRIDGE:
		return "bridge";
	case NS_DEV_MACVLAN:
		return "macvlan";
	case NS_DEV_IPVLAN:
		return "ipvlan";
	case NS_DEV_LOOPBACK:
		return "loopback";
	case NS_DEV_VXLAN:
		return "vxlan";
	case NS_DEV_OVS:
		return "openvswitch";
	default:
		return "other";
	}
}

static const char topo_ns_letters[] = {
    [TOPO_NS_CLIENT] = 'c', [TOPO_NS_SERVER] = 's', [TOPO_NS_HOST] = 'h',
    [TOPO_NS_NODE] = 'n',   [TOPO_NS_POD] = 'p',    [TOPO_NS_OTHER] = 'x'};

char topo_ns_role_letter(enum topo_ns_role role)
{
	if ((unsigned int)role > TOPO_NS_OTHER)
		return 'x';
	return topo_ns_letters[role];
}

const char *topo_ns_role_name(enum topo_ns_role role)
{
	switch (role) {
	case TOPO_NS_CLIENT:
		return "client";
	case TOPO_NS_SERVER:
		return "server";
	case TOPO_NS_HOST:
		return "host";
	case TOPO_NS_NODE:
		return "node";
	case TOPO_NS_POD:
		return "pod";
	default:
		return "other";
	}
}

const char *topo_dev_role_name(enum topo_dev_role role)
{
	switch (role) {
	case TOPO_DEV_CLIENT_IF:
		return "client-if";
	case TOPO_DEV_SERVER_IF:
		return "server-if";
	case TOPO_DEV_CLIENT_PORT:
		return "client-port";
	case TOPO_DEV_SERVER_PORT:
		return "server-port";
	case TOPO_DEV_BRIDGE:
		return "bridge";
	case TOPO_DEV_LOWER:
		return "lower";
	case TOPO_DEV_LOWER_PEER:
		return "lower-peer";
	case TOPO_DEV_WIRE:
		return "wire";
	case TOPO_DEV_TUNNEL:
		return "tunnel";
	default:
		return "other";
	}
}

static bool run_char(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z');
}

bool topo_run_id_valid(const char *id)
{
	if (!id || strlen(id) != TOPO_RUN_ID_LEN)
		return false;
	for (int i = 0; i < TOPO_RUN_ID_LEN; i++)
		if (!run_char(id[i]))
			return false;
	return true;
}

void topo_ns_name(char *buf, size_t len, const char *run, enum topo_ns_role role, int index)
{
	snprintf(buf, len, TOPO_NS_PREFIX "%s-%c%d", run, topo_ns_role_letter(role), index);
}

int topo_ns_name_parse(const char *name, char run[TOPO_RUN_ID_LEN + 1], enum topo_ns_role *role,
		       int *index)
{
	size_t plen = strlen(TOPO_NS_PREFIX);
	const char *p;
	char *end;
	long n;
	int r;

	if (strncmp(name, TOPO_NS_PREFIX, plen))
		return -1;
	p = name + plen;
	for (int i = 0; i < TOPO_RUN_ID_LEN; i++)
		if (!run_char(p[i]))
			return -1;
	if (p[TOPO_RUN_ID_LEN] != '-')
		return -1;
	for (r = 0; r < TOPO_NS_OTHER; r++)
		if (p[TOPO_RUN_ID_LEN + 1] == topo_ns_letters[r])
			break;
	if (r == TOPO_NS_OTHER)
		return -1;
	p += TOPO_RUN_ID_LEN + 2;
	if (*p < '0' || *p > '9')
		return -1;
	n = strtol(p, &end, 10);
	if (*end || n < 0 || n > 100000)
		return -1;
	if (run) {
		memcpy(run, name + plen, TOPO_RUN_ID_LEN);
		run[TOPO_RUN_ID_LEN] = '\0';
	}
	if (role)
		*role = r;
	if (index)
		*index = n;
	return 0;
}
