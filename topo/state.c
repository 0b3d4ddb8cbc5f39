// SPDX-License-Identifier: GPL-2.0
/*
 * What netstage keeps under /run/netstage: a lock that lets one topology
 * change run at a time, and a small file per run saying who built it, for
 * how long it is meant to live, and what it is. A run whose builder is gone
 * and that was not kept on purpose (`topo up`) is a leftover.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "internal.h"

static int ensure_dirs(struct topo_err *err)
{
	if (mkdir(TOPO_STATE_DIR, 0755) && errno != EEXIST)
		goto fail;
	if (mkdir(TOPO_RUNS_DIR, 0755) && errno != EEXIST)
		goto fail;
	return 0;
fail:
	topo_err_set(err, "topo: cannot create %s: %s; netstage must run as root", TOPO_RUNS_DIR,
		     strerror(errno));
	return -errno;
}

int state_lock(struct topo_err *err)
{
	struct timespec pause = {0, 20 * 1000 * 1000};
	char pid[32], holder[32] = "";
	int fd, r, waited = 0;

	r = ensure_dirs(err);
	if (r)
		return r;
	fd = open(TOPO_LOCK_PATH, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		r = -errno;
		topo_err_set(err, "topo: cannot open the lock %s: %s", TOPO_LOCK_PATH,
			     strerror(-r));
		return r;
	}
	while (flock(fd, LOCK_EX | LOCK_NB)) {
		if (errno == EINTR)
			continue;
		if (errno != EWOULDBLOCK) {
			r = -errno;
			topo_err_set(err, "topo: cannot take the lock %s: %s", TOPO_LOCK_PATH,
				     strerror(-r));
			close(fd);
			return r;
		}
		if (waited++ >= TOPO_LOCK_WAIT_S * 50) {
			ssize_t n = pread(fd, holder, sizeof(holder) - 1, 0);

			holder[n > 0 ? n : 0] = '\0';
			holder[strcspn(holder, "\n")] = '\0';
			topo_err_set(err,
				     "topo: another topology change (pid %s) has held %s for "
				     "%d s; wait for it or stop that process",
				     holder[0] ? holder : "?", TOPO_LOCK_PATH, TOPO_LOCK_WAIT_S);
			close(fd);
			return -EBUSY;
		}
		nanosleep(&pause, NULL);
	}
	snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
	if (ftruncate(fd, 0) == 0 && pwrite(fd, pid, strlen(pid), 0) < 0) {
		/* The pid in the lock file is only for the message above. */
	}
	return fd;
}

void state_unlock(int fd)
{
	if (fd >= 0)
		close(fd); /* drops the flock */
}

unsigned long long state_pid_start(int pid)
{
	char path[64], buf[1024], *p;
	unsigned long long start = 0;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	/* Field 22 (starttime); the command name (field 2) may hold spaces, so count from ')'. */
	p = strrchr(buf, ')');
	if (!p)
		return 0;
	for (int field = 2; field < 22 && p; field++)
		p = strchr(p + 1, ' ');
	if (p)
		start = strtoull(p + 1, NULL, 10);
	return start;
}

unsigned long long state_self_start(void)
{
	return state_pid_start(getpid());
}

static void state_path(char *buf, size_t len, const char *run)
{
	snprintf(buf, len, TOPO_RUNS_DIR "/%s", run);
}

int state_write(const struct topo_run_state *st, struct topo_err *err)
{
	char path[PATH_MAX], tmp[PATH_MAX + 8];
	FILE *f;
	int r;

	r = ensure_dirs(err);
	if (r)
		return r;
	state_path(path, sizeof(path), st->run);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "we");
	if (!f)
		goto fail;
	fprintf(f,
		"pid %d\nstart %llu\nkept %d\nup %d\nkind %s\nmode %d\npairs %d\nmtu %d\n"
		"layout %s\nipv6 %d\n",
		st->pid, st->start, st->kept, st->up, topo_kind__name(st->spec.kind), st->spec.mode,
		st->spec.pairs, st->spec.mtu, topo_layout__name(st->spec.layout), st->spec.ipv6);
	if (fclose(f))
		goto fail;
	/* Atomic: a reader sees the old state or the new one, never half. */
	if (rename(tmp, path))
		goto fail;
	return 0;
fail:
	r = -errno;
	topo_err_set(err, "topo: cannot write the run state %s: %s", path, strerror(-r));
	unlink(tmp);
	return r;
}

int state_read(const char *run, struct topo_run_state *st)
{
	char path[PATH_MAX], key[32], val[64];
	FILE *f;

	memset(st, 0, sizeof(*st));
	snprintf(st->run, sizeof(st->run), "%s", run);
	st->spec.mode = -1;
	state_path(path, sizeof(path), run);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fscanf(f, "%31s %63s", key, val) == 2) {
		char *end;
		long long v = strtoll(val, &end, 10);
		bool num = *end == '\0';

		if (!strcmp(key, "pid") && num)
			st->pid = v;
		else if (!strcmp(key, "start") && num)
			st->start = v;
		else if (!strcmp(key, "kept") && num)
			st->kept = v;
		else if (!strcmp(key, "up") && num)
			st->up = v;
		else if (!strcmp(key, "kind"))
			st->spec.kind = topo_kind__parse(val);
		else if (!strcmp(key, "mode") && num)
			st->spec.mode = v;
		else if (!strcmp(key, "pairs") && num)
			st->spec.pairs = v;
		else if (!strcmp(key, "mtu") && num)
			st->spec.mtu = v;
		else if (!strcmp(key, "layout"))
			st->spec.layout =
			    topo_layout__parse(val) == TOPO_SWITCHED ? TOPO_SWITCHED : TOPO_LOCAL;
		else if (!strcmp(key, "ipv6") && num)
			st->spec.ipv6 = v;
	}
	fclose(f);
	return 0;
}

void state_remove(const char *run)
{
	char path[PATH_MAX];

	state_path(path, sizeof(path), run);
	unlink(path);
}

bool state_live(const struct topo_run_state *st)
{
	if (st->kept)
		return true;
	if (st->pid <= 0)
		return false;
	if (kill(st->pid, 0) && errno == ESRCH)
		return false;
	/* The pid may have been reused by another process since. */
	return state_pid_start(st->pid) == st->start;
}
