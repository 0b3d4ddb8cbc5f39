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
		{ "/system.slice/docker-0123456789abcdef0123456789.scope", "docker 0123456789ab" },
		{ "/machine.slice/libpod-fedcba9876543210fedc.scope", "libpod fedcba987654" },
		{ "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod1.slice/"
		  "cri-containerd-abcdef012345abcdef.scope",
		  "cri-containerd abcdef012345" },
		{ "/kubepods/besteffort/pod1/0123456789abcdef0123", "container 0123456789ab" },
		{ "/docker/89abcdef0123456789abcdef", "container 89abcdef0123" },
		{ "/user.slice/user-0.slice/session-1.scope", "" },
		{ "/", "" },
	};
	return cr_make_param_array(struct cg_case, cases, sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct cg_case *c, container, short_names)
{
	char out[96];

	container__short_cgroup(c->cgroup, out, sizeof(out));
	cr_assert_str_eq(out, c->want, "%s", c->cgroup);
}
