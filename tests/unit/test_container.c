// SPDX-License-Identifier: GPL-2.0
/* Naming a container from its cgroup, as the engines lay them out. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include "user/container.h"

/* Arrays, not pointers: Criterion copies parameters into its worker processes. */
struct cg_case {
	char cgroup[160], want[48];
};

ParameterizedTestParameters(container, short_names)
{
	static struct cg_case cases[] = {
	    {"/system.slice/docker-0123456789abcdef0123456789.scope", "docker 0123456789ab"},
	    {"/machine.slice/libpod-fedcba9876543210fedc.scope", "libpod fedcba987654"},
	    {"/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod1.slice/"
	     "cri-containerd-abcdef012345abcdef.scope",
	     "cri-containerd abcdef012345"},
	    {"/kubepods/besteffort/pod1/0123456789abcdef0123", "container 0123456789ab"},
	    {"/docker/89abcdef0123456789abcdef", "container 89abcdef0123"},
	    {"/user.slice/user-0.slice/session-1.scope", ""},
	    {"/", ""},
	};
	return cr_make_param_array(struct cg_case, cases, sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct cg_case *c, container, short_names)
{
	char out[96];

	container__short_cgroup(c->cgroup, out, sizeof(out));
	cr_assert_str_eq(out, c->want, "%s", c->cgroup);
}

/* What each engine's `inspect` says of a container, as netstage reads it. */
Test(container, reads_podman_docker_and_crictl_inspect)
{
	struct container_ref c;

	cr_assert_eq(container__parse_inspect(
			 "docker",
			 "[{\"Id\": \"0123456789abcdef0123\", \"Name\": \"/web\", \"State\": "
			 "{\"Status\": \"running\", \"Running\": true, \"Pid\": 4242}, "
			 "\"HostConfig\": {\"NetworkMode\": \"bridge\"}}]",
			 &c),
		     0);
	cr_expect_str_eq(c.name, "web", "docker's leading slash is dropped");
	cr_expect_str_eq(c.id, "0123456789abcdef0123");
	cr_expect_str_eq(c.status, "running");
	cr_expect_eq(c.pid, 4242);
	cr_expect_not(c.host_network);

	cr_assert_eq(container__parse_inspect(
			 "podman",
			 "[{\"Id\": \"fedcba\", \"Name\": \"db\", \"State\": {\"Status\": "
			 "\"exited\", \"Pid\": 0}, \"HostConfig\": {\"NetworkMode\": \"host\"}}]",
			 &c),
		     0);
	cr_expect_str_eq(c.name, "db");
	cr_expect_str_eq(c.status, "exited");
	cr_expect_eq(c.pid, 0);
	cr_expect(c.host_network);
	cr_expect_str_eq(c.engine, "podman");

	cr_assert_eq(container__parse_inspect(
			 "crictl",
			 "{\"status\": {\"id\": \"abc123\", \"metadata\": {\"name\": \"nginx\"}, "
			 "\"state\": \"CONTAINER_RUNNING\"}, \"info\": {\"pid\": 77}}",
			 &c),
		     0);
	cr_expect_str_eq(c.name, "nginx");
	cr_expect_str_eq(c.id, "abc123");
	cr_expect_str_eq(c.status, "CONTAINER_RUNNING");
	cr_expect_eq(c.pid, 77);

	cr_expect_neq(container__parse_inspect("podman", "[]", &c), 0, "an empty answer");
	cr_expect_neq(container__parse_inspect("docker", "Error: no such", &c), 0, "not JSON");
}
