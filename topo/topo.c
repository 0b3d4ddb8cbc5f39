// SPDX-License-Identifier: GPL-2.0
/*
 * The topo API around the build (build.c): the lock, the run state,
 * leftovers of crashed runs, signals during a build (SIGINT/SIGTERM/SIGHUP
 * are held and end in a rollback), keeping a topology after the process
 * ends, listing and removing runs.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <libmnl/libmnl.h>
#include <linux/magic.h>
#include <linux/rtnetlink.h>
#include <arpa/inet.h>

#include "internal.h"

/* Signals that end a build in a rollback instead of leaving half a topology. */
static void block_signals(sigset_t *old)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, old);
}

static void restore_signals(const sigset_t *old)
{
	pthread_sigmask(SIG_SETMASK, old, NULL);
}

/* Enough descriptors for a namespace file and a socket per namespace. */
static void raise_nofile(int need)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_cur >= (rlim_t)need)
		return;
	rl.rlim_cur =
	    rl.rlim_max == RLIM_INFINITY || rl.rlim_max > (rlim_t)need ? (rlim_t)need : rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
}

int topo_remove_run(const char *run, FILE *log, struct topo_err *err)
{
	char prefix[64];
	char(*names)[NAME_MAX + 1];
	int n, r;

	if (run)
		snprintf(prefix, sizeof(prefix), TOPO_NS_PREFIX "%s-", run);
	else
		snprintf(prefix, sizeof(prefix), TOPO_NS_PREFIX);
	n = netns_list(prefix, &names);
	if (n < 0) {
		topo_err_set(err, "topo: cannot read %s: %s", TOPO_NETNS_DIR, strerror(-n));
		return n;
	}
	r = n ? build_remove_named(names, n, log, err) : 0;
	free(names);
	return r;
}

/* Leftovers: netstage namespaces whose run is neither in use nor kept. Named in err. */
static int find_leftovers(struct topo_err *err)
{
	char(*names)[NAME_MAX + 1];
	char run[TOPO_RUN_ID_LEN + 1], last[TOPO_RUN_ID_LEN + 1] = "";
	char list[384] = "";
	bool last_live = true;
	int n, found = 0;

	n = netns_list(TOPO_NS_PREFIX, &names);
	if (n <= 0)
		return 0;
	for (int i = 0; i < n; i++) {
		struct topo_run_state st;

		if (topo_ns_name_parse(names[i], run, NULL, NULL))
			continue;
		if (strcmp(run, last)) {
			memcpy(last, run, sizeof(last));
			last_live = !state_read(run, &st) && state_live(&st);
		}
		if (last_live)
			continue;
		if (found < 3) {
			size_t l = strlen(list);

			snprintf(list + l, sizeof(list) - l, "%s%s", found ? ", " : "", names[i]);
		}
		found++;
	}
	free(names);
	if (!found)
		return 0;
	if (found > 3)
		topo_err_set(err,
			     "topo: leftovers of a crashed run exist: %s and %d more; remove "
			     "them with `netstage topo down --all`",
			     list, found - 3);
	else
		topo_err_set(err,
			     "topo: leftovers of a crashed run exist: %s; remove them with "
			     "`netstage topo down --all`",
			     list);
	return -EEXIST;
}

static int pick_run_id(char run[TOPO_RUN_ID_LEN + 1], struct topo_err *err)
{
	static const char chars[] = "0123456789abcdefghijklmnopqrstuvwxyz";

	for (int tries = 0; tries < 100; tries++) {
		unsigned char rnd[TOPO_RUN_ID_LEN];
		struct topo_run_state st;
		char prefix[32];
		char(*names)[NAME_MAX + 1];
		int n;

		if (getrandom(rnd, sizeof(rnd), 0) != sizeof(rnd)) {
			for (int i = 0; i < TOPO_RUN_ID_LEN; i++)
				rnd[i] = rand();
		}
		for (int i = 0; i < TOPO_RUN_ID_LEN; i++)
			run[i] = chars[rnd[i] % 36];
		run[TOPO_RUN_ID_LEN] = '\0';
		if (!state_read(run, &st))
			continue;
		snprintf(prefix, sizeof(prefix), TOPO_NS_PREFIX "%s-", run);
		n = netns_list(prefix, &names);
		free(names);
		if (n == 0)
			return 0;
	}
	topo_err_set(err, "topo: cannot find a free run id; remove old runs with `netstage topo "
			  "down --all`");
	return -EEXIST;
}

static int probe_kind_cached(const struct topo_spec *spec, struct topo_err *err)
{
	if (spec->kind != TOPO_MACVLAN && spec->kind != TOPO_IPVLAN && spec->kind != TOPO_OVS &&
	    spec->kind != TOPO_NAT && spec->kind != TOPO_VXLAN)
		return 0;
	return topo__probe_kind(spec->kind, spec->mode, err);
}

int topo__up(const struct topo_spec *spec, struct topo **out, struct topo_err *err)
{
	struct topo_run_state st = {0};
	char run[TOPO_RUN_ID_LEN + 1];
	struct topo *t = NULL;
	sigset_t old;
	int lock, r;

	*out = NULL;
	r = topo__validate(spec, err);
	if (r)
		return r;
	r = probe_kind_cached(spec, err);
	if (r)
		return r;
	block_signals(&old);
	lock = state_lock(err);
	if (lock < 0) {
		restore_signals(&old);
		return lock;
	}
	r = netns_dir_prepare(err);
	if (!r)
		r = find_leftovers(err);
	if (!r)
		r = pick_run_id(run, err);
	if (!r)
		r = topo_plan(spec, run, &t, err);
	if (r)
		goto out;
	raise_nofile(2 * t->n_ns + 64);
	memcpy(st.run, run, sizeof(st.run));
	st.pid = getpid();
	st.start = state_self_start();
	st.spec = t->spec;
	snprintf(topo_priv(t)->state_path, sizeof(topo_priv(t)->state_path), TOPO_RUNS_DIR "/%s",
		 run);
	/* The state goes first: a build killed from here on leaves leftovers known as such. */
	r = state_write(&st, err);
	if (r)
		goto fail_free;
	r = build_topology(t, err);
	if (!r && topo_signal_pending())
		r = -EINTR;
	if (r)
		goto fail;
	st.up = true;
	r = state_write(&st, err);
	if (r)
		goto fail;
	*out = t;
	goto out;
fail:
	if (r == -EINTR)
		topo_err_set(err, "topo: interrupted while building run %s; removed what was made",
			     run);
	build_teardown(t, NULL);
	topo_remove_run(run, NULL, &(struct topo_err){{0}});
	state_remove(run);
fail_free:
	topo_free(t);
out:
	state_unlock(lock);
	restore_signals(&old);
	return r;
}

void topo__down(struct topo *t)
{
	struct topo_err err;
	sigset_t old;
	int lock;

	if (!t)
		return;
	if (t->owned && t->run_id[0]) {
		block_signals(&old);
		lock = state_lock(&err); /* removal goes ahead even without the lock */
		if (build_teardown(t, &err))
			fprintf(stderr, "netstage: %s\n", err.msg);
		state_remove(t->run_id);
		state_unlock(lock);
		restore_signals(&old);
	}
	topo_free(t);
}

int topo__keep(struct topo *t, struct topo_err *err)
{
	struct topo_run_state st;
	int r;

	if (!t || !t->owned || !t->run_id[0]) {
		topo_err_set(err, "topo: only a topology built by this process can be kept");
		return -EINVAL;
	}
	r = state_read(t->run_id, &st);
	if (r) {
		topo_err_set(err, "topo: run %s has no state file: %s", t->run_id, strerror(-r));
		return r;
	}
	st.kept = true;
	r = state_write(&st, err);
	if (!r)
		t->owned = false;
	return r;
}

static int list_runs(char (**runs)[TOPO_RUN_ID_LEN + 1], int **netns_count)
{
	char(*names)[NAME_MAX + 1];
	char(*v)[TOPO_RUN_ID_LEN + 1];
	int *cnt, n, nr = 0;
	DIR *d;
	struct dirent *de;

	n = netns_list(TOPO_NS_PREFIX, &names);
	if (n < 0)
		return n;
	v = calloc(n + 256, sizeof(*v));
	cnt = calloc(n + 256, sizeof(int));
	if (!v || !cnt) {
		free(names);
		free(v);
		free(cnt);
		return -ENOMEM;
	}
	for (int i = 0; i < n; i++) {
		char run[TOPO_RUN_ID_LEN + 1];

		if (topo_ns_name_parse(names[i], run, NULL, NULL))
			continue;
		if (!nr || strcmp(v[nr - 1], run))
			memcpy(v[nr++], run, sizeof(run));
		cnt[nr - 1]++;
	}
	free(names);
	/* Runs with a state file but no namespace (a build killed before its first). */
	d = opendir(TOPO_RUNS_DIR);
	while (d && (de = readdir(d)) && nr < n + 256) {
		bool seen = false;

		if (!topo_run_id_valid(de->d_name))
			continue;
		for (int i = 0; i < nr && !seen; i++)
			seen = !strcmp(v[i], de->d_name);
		if (!seen)
			memcpy(v[nr++], de->d_name, TOPO_RUN_ID_LEN + 1);
	}
	if (d)
		closedir(d);
	*runs = v;
	*netns_count = cnt;
	return nr;
}

int topo__list(FILE *out, struct topo_err *err)
{
	char(*runs)[TOPO_RUN_ID_LEN + 1];
	int *cnt, n;

	n = list_runs(&runs, &cnt);
	if (n < 0) {
		topo_err_set(err, "topo: cannot list %s: %s", TOPO_NETNS_DIR, strerror(-n));
		return n;
	}
	if (!n) {
		fprintf(out, "no netstage topology\n");
		free(runs);
		free(cnt);
		return 0;
	}
	fprintf(out, "%-5s %-16s %-12s %-9s %5s %6s %-9s %4s %s\n", "RUN", "STATE", "KIND", "MODE",
		"PAIRS", "MTU", "LAYOUT", "IPV6", "NAMESPACES");
	for (int i = 0; i < n; i++) {
		struct topo_run_state st;
		char state[32];
		bool has = !state_read(runs[i], &st);

		if (!has)
			snprintf(state, sizeof(state), "leftover");
		else if (st.kept)
			snprintf(state, sizeof(state), "kept");
		else if (state_live(&st))
			snprintf(state, sizeof(state), "%s pid %d", st.up ? "in use" : "building",
				 st.pid);
		else
			snprintf(state, sizeof(state), "leftover");
		if (has && (unsigned int)st.spec.kind < TOPO_KIND_COUNT)
			fprintf(out, "%-5s %-16s %-12s %-9s %5d %6d %-9s %4s %d\n", runs[i], state,
				topo_kind__name(st.spec.kind),
				topo_mode__name(st.spec.kind, st.spec.mode), st.spec.pairs,
				st.spec.mtu, topo_layout__name(st.spec.layout),
				st.spec.ipv6 ? "yes" : "no", cnt[i]);
		else
			fprintf(out, "%-5s %-16s %-12s %-9s %5s %6s %-9s %4s %d\n", runs[i], state,
				"?", "?", "?", "?", "?", "?", cnt[i]);
	}
	free(runs);
	free(cnt);
	return 0;
}

/* Interfaces of ours in the calling thread's namespace: netstage never makes any, but a
 * kernel or tool of another version might have; only "nst*" with a "netstage" alias go. */
struct stray_ctx {
	int idx[64];
	char names[64][IFNAMSIZ];
	int n;
};

static int stray_cb(const struct nlmsghdr *nlh, void *data)
{
	struct stray_ctx *c = data;
	const struct ifinfomsg *ifm = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a;
	const char *name = NULL, *alias = NULL;

	mnl_attr_for_each(a, nlh, sizeof(*ifm))
	{
		if (mnl_attr_get_type(a) == IFLA_IFNAME)
			name = mnl_attr_get_str(a);
		else if (mnl_attr_get_type(a) == IFLA_IFALIAS)
			alias = mnl_attr_get_str(a);
	}
	if (name && alias && !strncmp(name, TOPO_IF_PREFIX, strlen(TOPO_IF_PREFIX)) &&
	    !strncmp(alias, "netstage ", 9) && c->n < 64) {
		c->idx[c->n] = ifm->ifi_index;
		snprintf(c->names[c->n], IFNAMSIZ, "%s", name);
		c->n++;
	}
	return 0;
}

static int remove_strays(FILE *log, struct topo_err *err)
{
	struct mnl_socket *nl = nl_open(err);
	struct stray_ctx c = {.n = 0};
	char buf[NL_MSG_MAX];
	int removed = 0;

	if (!nl)
		return -errno;
	if (!nl_dump(nl, msg_getlink(buf, 0), stray_cb, &c, err)) {
		for (int i = 0; i < c.n; i++) {
			if (nl_request(nl, msg_dellink(buf, c.idx[i]), err, "deleting %s",
				       c.names[i]) == 0) {
				removed++;
				if (log)
					fprintf(log, "removed interface %s\n", c.names[i]);
			}
		}
	}
	nl_close(nl);
	return removed;
}

/* Every run's state file (and a half-written one): after --all, no run is left. */
static void remove_state_files(void)
{
	DIR *d = opendir(TOPO_RUNS_DIR);
	struct dirent *de;

	while (d && (de = readdir(d))) {
		if (topo_run_id_valid(de->d_name))
			state_remove(de->d_name);
		else if (strstr(de->d_name, ".tmp")) {
			char path[PATH_MAX];

			snprintf(path, sizeof(path), TOPO_RUNS_DIR "/%s", de->d_name);
			unlink(path);
		}
	}
	if (d)
		closedir(d);
}

int topo__down_all(FILE *log, struct topo_err *err)
{
	sigset_t old;
	int lock, r, s;

	block_signals(&old);
	lock = state_lock(err);
	if (lock < 0) {
		restore_signals(&old);
		return lock;
	}
	r = topo_remove_run(NULL, log, err);
	s = remove_strays(log, err);
	if (r >= 0 && s > 0)
		r += s;
	remove_state_files();
	state_unlock(lock);
	restore_signals(&old);
	return r;
}

int topo__down_kept(const char *run, FILE *log, struct topo_err *err)
{
	char(*runs)[TOPO_RUN_ID_LEN + 1];
	int *cnt, n, lock, removed = 0, ret = 0;
	sigset_t old;

	if (run && !topo_run_id_valid(run)) {
		topo_err_set(err,
			     "topo: '%s' is not a run id (4 characters of [0-9a-z]); see "
			     "`netstage topo list`",
			     run);
		return -EINVAL;
	}
	block_signals(&old);
	lock = state_lock(err);
	if (lock < 0) {
		restore_signals(&old);
		return lock;
	}
	n = list_runs(&runs, &cnt);
	if (n < 0) {
		ret = n;
		topo_err_set(err, "topo: cannot list %s: %s", TOPO_NETNS_DIR, strerror(-n));
		goto out;
	}
	for (int i = 0; i < n; i++) {
		struct topo_run_state st;
		bool has = !state_read(runs[i], &st);
		int r;

		if (run && strcmp(run, runs[i]))
			continue;
		if (!run && !(has && st.kept))
			continue;
		if (run && has && !st.kept && state_live(&st)) {
			topo_err_set(err,
				     "topo: run %s is in use by pid %d; stop that process (or "
				     "use --all)",
				     run, st.pid);
			ret = -EBUSY;
			break;
		}
		r = topo_remove_run(runs[i], log, err);
		if (r < 0) {
			ret = r;
			break;
		}
		state_remove(runs[i]);
		removed++;
	}
	if (!ret && run && !removed) {
		topo_err_set(err, "topo: no run %s; see `netstage topo list`", run);
		ret = -ENOENT;
	}
	free(runs);
	free(cnt);
out:
	state_unlock(lock);
	restore_signals(&old);
	return ret ? ret : removed;
}

int topo__plan(const struct topo_spec *spec, struct topo **out, struct topo_err *err)
{
	*out = NULL;
	if (topo__validate(spec, err))
		return -EINVAL;
	return topo_plan(spec, "plan", out, err); /* any valid run id: nothing is named yet */
}

void topo__free_plan(struct topo *t)
{
	topo_free(t);
}
