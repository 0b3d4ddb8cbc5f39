// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include <ctype.h>
#include <stdbool.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <json-c/json.h>
#include "user/container.h"

static void read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");

	buf[0] = '\0';
	if (!f)
		return;
	if (fgets(buf, len, f))
		buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
}

void container__short_cgroup(const char *cgroup, char *out, size_t len)
{
	static const char *const engines[] = {"docker-",	 "libpod-",	"crio-",
					      "cri-containerd-", "containerd-", NULL};
	const char *last = strrchr(cgroup, '/');
	char id[64];

	out[0] = '\0';
	last = last ? last + 1 : cgroup;
	for (int i = 0; engines[i]; i++) {
		size_t n = strlen(engines[i]);

		if (strncmp(last, engines[i], n))
			continue;
		/* <engine><64 hex>.scope: the first 12 characters, as `docker ps` shows them. */
		snprintf(id, sizeof(id), "%.12s", last + n);
		snprintf(out, len, "%.*s %s", (int)(n - 1), engines[i], id);
		return;
	}
	/* Kubernetes without a runtime prefix, or a plain 64-hex id (Docker on cgroup v1). */
	if (strlen(last) >= 12) {
		bool hex = true;

		for (int i = 0; i < 12; i++)
			hex &= isxdigit((unsigned char)last[i]) != 0;
		if (hex)
			snprintf(out, len, "container %.12s", last);
	}
}

int container__find(__u32 netns_inum, struct container_info *ci)
{
	DIR *proc = opendir("/proc");
	struct dirent *de;
	char path[64];

	memset(ci, 0, sizeof(*ci));
	if (!proc)
		return -errno;
	while ((de = readdir(proc))) {
		struct stat st;
		char *end;
		long pid = strtol(de->d_name, &end, 10);

		if (*end || pid <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%ld/ns/net", pid);
		if (stat(path, &st) || st.st_ino != netns_inum)
			continue;
		/* The oldest process is the container's init: the best name for it. */
		if (!ci->pid || pid < ci->pid)
			ci->pid = pid;
	}
	closedir(proc);
	if (!ci->pid)
		return -ENOENT;
	snprintf(path, sizeof(path), "/proc/%d/comm", ci->pid);
	read_line(path, ci->comm, sizeof(ci->comm));
	snprintf(path, sizeof(path), "/proc/%d/cgroup", ci->pid);
	read_line(path, ci->cgroup, sizeof(ci->cgroup));
	/* "0::/system.slice/docker-<id>.scope" (v2) or "12:pids:/docker/<id>" (v1). */
	{
		char *colon = strrchr(ci->cgroup, ':');

		if (colon)
			memmove(ci->cgroup, colon + 1, strlen(colon + 1) + 1);
	}
	{
		char shortcg[80];

		container__short_cgroup(ci->cgroup, shortcg, sizeof(shortcg));
		if (shortcg[0])
			snprintf(ci->label, sizeof(ci->label), "%.31s (%.60s)", ci->comm, shortcg);
		else
			snprintf(ci->label, sizeof(ci->label), "%s", ci->comm);
	}
	return 0;
}

/* ---- containers by name, through the engines' own CLIs ---- */

static json_object *get_path(json_object *o, const char *const *keys)
{
	for (; o && *keys; keys++)
		if (!json_object_object_get_ex(o, *keys, &o))
			return NULL;
	return o;
}

static const char *get_string(json_object *o, const char *const *keys)
{
	o = get_path(o, keys);
	return o && json_object_is_type(o, json_type_string) ? json_object_get_string(o) : "";
}

int container__parse_inspect(const char *engine, const char *json, struct container_ref *c)
{
	json_object *root = json_tokener_parse(json), *o;
	int rc = -EINVAL;

	memset(c, 0, sizeof(*c));
	snprintf(c->engine, sizeof(c->engine), "%s", engine);
	if (!root)
		return -EINVAL;
	if (!strcmp(engine, "crictl")) {
		/* crictl: { status: { id, metadata: { name }, state }, info: { pid } } */
		static const char *const id[] = {"status", "id", NULL};
		static const char *const name[] = {"status", "metadata", "name", NULL};
		static const char *const state[] = {"status", "state", NULL};
		static const char *const pid[] = {"info", "pid", NULL};

		if (!get_path(root, id))
			goto out;
		snprintf(c->id, sizeof(c->id), "%s", get_string(root, id));
		snprintf(c->name, sizeof(c->name), "%s", get_string(root, name));
		snprintf(c->status, sizeof(c->status), "%s", get_string(root, state));
		o = get_path(root, pid);
		c->pid = o ? json_object_get_int(o) : 0;
		rc = 0;
		goto out;
	}
	/* podman, docker: [ { "Id", "Name", "State": { "Status", "Pid" }, "HostConfig" } ] */
	{
		static const char *const id[] = {"Id", NULL};
		static const char *const name[] = {"Name", NULL};
		static const char *const state[] = {"State", "Status", NULL};
		static const char *const pid[] = {"State", "Pid", NULL};
		static const char *const mode[] = {"HostConfig", "NetworkMode", NULL};
		const char *n;

		o = json_object_is_type(root, json_type_array) ? json_object_array_get_idx(root, 0)
							       : root;
		if (!o || !get_path(o, id))
			goto out;
		snprintf(c->id, sizeof(c->id), "%s", get_string(o, id));
		n = get_string(o, name);
		/* docker says "/web" */
		snprintf(c->name, sizeof(c->name), "%s", n[0] == '/' ? n + 1 : n);
		snprintf(c->status, sizeof(c->status), "%s", get_string(o, state));
		c->pid = get_path(o, pid) ? json_object_get_int(get_path(o, pid)) : 0;
		c->host_network = !strcmp(get_string(o, mode), "host");
		rc = 0;
	}
out:
	json_object_put(root);
	return rc;
}

static bool installed(const char *prog)
{
	const char *path = getenv("PATH");
	char buf[512];

	for (const char *p = path ? path : "/usr/sbin:/usr/bin:/sbin:/bin"; *p;) {
		size_t n = strcspn(p, ":");

		snprintf(buf, sizeof(buf), "%.*s/%s", (int)n, p, prog);
		if (n && access(buf, X_OK) == 0)
			return true;
		p += n + (p[n] == ':');
	}
	return false;
}

/*
 * Run argv, its stdout into out (up to len), the first line of its stderr into errline.
 * Its exit status (0-255), or -errno; killed after 10 s (an engine that does not answer).
 */
static int run(char *const argv[], char *out, size_t len, char *errline, size_t errlen)
{
	int op[2], ep[2], status;
	size_t got = 0, egot = 0;
	char ebuf[1024];
	pid_t pid;

	out[0] = errline[0] = '\0';
	if (pipe2(op, O_CLOEXEC))
		return -errno;
	if (pipe2(ep, O_CLOEXEC)) {
		close(op[0]);
		close(op[1]);
		return -errno;
	}
	pid = fork();
	if (pid < 0) {
		close(op[0]);
		close(op[1]);
		close(ep[0]);
		close(ep[1]);
		return -errno;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);

		dup2(null, STDIN_FILENO);
		dup2(op[1], STDOUT_FILENO);
		dup2(ep[1], STDERR_FILENO);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(op[1]);
	close(ep[1]);
	for (int open_fds = 2; open_fds;) {
		struct pollfd p[2] = {{op[0], POLLIN, 0}, {ep[0], POLLIN, 0}};
		int n = poll(p, 2, 10000);

		if (n <= 0) {
			kill(pid, SIGKILL);
			break;
		}
		for (int i = 0; i < 2; i++) {
			char tmp[4096];
			ssize_t r;

			if (p[i].fd < 0 || !(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			r = read(p[i].fd, tmp, sizeof(tmp));
			if (r <= 0) {
				close(i ? ep[0] : op[0]);
				if (i)
					ep[0] = -1;
				else
					op[0] = -1;
				open_fds--;
				continue;
			}
			if (i == 0 && got + r < len) {
				memcpy(out + got, tmp, r);
				got += r;
			} else if (i == 1 && egot + r < sizeof(ebuf)) {
				memcpy(ebuf + egot, tmp, r);
				egot += r;
			}
		}
	}
	if (op[0] >= 0)
		close(op[0]);
	if (ep[0] >= 0)
		close(ep[0]);
	out[got] = '\0';
	ebuf[egot] = '\0';
	snprintf(errline, errlen, "%.*s", (int)strcspn(ebuf, "\n"), ebuf);
	if (waitpid(pid, &status, 0) != pid)
		return -ECHILD;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -ETIMEDOUT;
}

static bool contains(const char *s, const char *word)
{
	return strcasestr(s, word) != NULL;
}

/* The engine has no such container (as opposed to a failure of the engine itself). */
static bool not_found(const char *errline)
{
	return contains(errline, "no such") || contains(errline, "not found") ||
	       contains(errline, "NotFound");
}

/* The engine's daemon or runtime cannot be reached. */
static bool unreachable(const char *errline)
{
	return contains(errline, "cannot connect") || contains(errline, "connection refused") ||
	       contains(errline, "failed to connect") ||
	       contains(errline, "is the docker daemon") ||
	       contains(errline, "connect: no such file or directory") ||
	       contains(errline, "validate service connection") ||
	       contains(errline, "deadline exceeded");
}

static const char *const engines[] = {"podman", "docker", "crictl", NULL};

/* One engine's inspect of what: 0 found, -ENOENT not there, -ECONNREFUSED/-EIO failed. */
static int inspect(const char *engine, const char *what, struct container_ref *c, char *why,
		   size_t whylen)
{
	static char out[1 << 18];
	char errline[256], id[80];
	int rc;

	if (!strcmp(engine, "crictl")) {
		char *ps[] = {"crictl", "ps", "-a", "-q", "--name", (char *)what, NULL};
		char *ins[] = {"crictl", "inspect", id, NULL};

		/* An id (or its prefix) first; a name through `crictl ps --name`. */
		snprintf(id, sizeof(id), "%s", what);
		rc = run(ins, out, sizeof(out), errline, sizeof(errline));
		if (rc != 0 && !unreachable(errline)) {
			rc = run(ps, out, sizeof(out), errline, sizeof(errline));
			if (rc == 0 && out[0]) {
				snprintf(id, sizeof(id), "%.*s", (int)strcspn(out, "\n"), out);
				rc = run(ins, out, sizeof(out), errline, sizeof(errline));
			} else if (rc == 0) {
				return -ENOENT;
			}
		}
	} else {
		char *argv[] = {(char *)engine, "inspect",    "--type",
				"container",	(char *)what, NULL};

		rc = run(argv, out, sizeof(out), errline, sizeof(errline));
	}
	if (rc == 0 && container__parse_inspect(engine, out, c) == 0)
		return 0;
	/* Unreachable first: crictl's "connect: no such file or directory" is no missing container.
	 */
	if (rc != 0 && unreachable(errline)) {
		snprintf(why, whylen, "%s", errline);
		return -ECONNREFUSED;
	}
	if (rc == 0 || not_found(errline))
		return -ENOENT;
	snprintf(why, whylen, "%s", errline[0] ? errline : "it failed without a word");
	return -EIO;
}

static bool valid_name(const char *s)
{
	if (!*s || strlen(s) > 127 || *s == '-')
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("_.-", *s))
			return false;
	return true;
}

int container__resolve(const char *what, struct container_ref *c, char *err, size_t errlen)
{
	char why[256] = "", down[16] = "", absent[64] = "";
	struct stat ns, host;
	int rc = -ENOEXEC;

	memset(c, 0, sizeof(*c));
	if (!valid_name(what)) {
		snprintf(err, errlen,
			 "--container '%s': not a container name or id (letters, digits, '_', '.', "
			 "'-')",
			 what);
		return -EINVAL;
	}
	for (int i = 0; engines[i] && rc; i++) {
		int r;

		if (!installed(engines[i]))
			continue;
		r = inspect(engines[i], what, c, why, sizeof(why));
		if (r == 0) {
			rc = 0;
		} else if (r == -ENOENT) {
			snprintf(absent + strlen(absent), sizeof(absent) - strlen(absent), "%s%s",
				 absent[0] ? ", " : "", engines[i]);
		} else if (!down[0]) {
			snprintf(down, sizeof(down), "%s", engines[i]);
			rc = r;
		}
		if (rc == -ENOEXEC && absent[0])
			rc = -ENOENT;
	}
	if (rc == -ENOEXEC) {
		snprintf(
		    err, errlen,
		    "--container %s: no container engine is installed (podman, docker or crictl "
		    "in PATH); install one, or give --netns /proc/PID/ns/net of a process in the "
		    "container",
		    what);
		return rc;
	}
	/* An engine that could not answer may have it: say so, and what the others said. */
	if (down[0] && rc) {
		char others[96] = "";

		if (absent[0])
			snprintf(others, sizeof(others), "no such container in %s; ", absent);
		snprintf(err, errlen, "--container %s: %s%s %s (%s); %s", what, others, down,
			 rc == -ECONNREFUSED ? "is installed but not running" : "inspect failed",
			 why,
			 !strcmp(down, "docker")   ? "start it (systemctl start docker)"
			 : !strcmp(down, "crictl") ? "start the CRI runtime or set its endpoint "
						     "(crictl config)"
						   : "check the engine");
		return rc;
	}
	if (rc == -ENOENT) {
		char first[16];

		snprintf(first, sizeof(first), "%.*s", (int)strcspn(absent, ","), absent);
		snprintf(err, errlen, "--container %s: no such container in %s (see '%s ps -a')",
			 what, absent, first);
		return rc;
	}
	snprintf(c->netns, sizeof(c->netns), "/proc/%d/ns/net", c->pid);
	if (c->pid <= 0 ||
	    (strcmp(c->status, "running") && strcmp(c->status, "CONTAINER_RUNNING"))) {
		snprintf(
		    err, errlen,
		    "--container %s: %s container %.12s is %s, not running; start it (%s start "
		    "%s)",
		    what, c->engine, c->id, c->status[0] ? c->status : "not running", c->engine,
		    what);
		return -ESRCH;
	}
	/* The host's network, whether the engine says so or the namespace tells. */
	if (c->host_network || (stat(c->netns, &ns) == 0 && stat("/proc/1/ns/net", &host) == 0 &&
				ns.st_ino == host.st_ino)) {
		snprintf(
		    err, errlen,
		    "--container %s: %s container %.12s has the host's network (no namespace of "
		    "its own); watch the host's devices with --dev IFNAME instead",
		    what, c->engine, c->id);
		return -EINVAL;
	}
	if (stat(c->netns, &ns)) {
		snprintf(err, errlen, "--container %s: %s: %s (is it in another PID namespace?)",
			 what, c->netns, strerror(errno));
		return -ESRCH;
	}
	return 0;
}
