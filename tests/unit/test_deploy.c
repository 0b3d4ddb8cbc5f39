// SPDX-License-Identifier: GPL-2.0
/*
 * The DaemonSet of deploy/kubernetes, read with a YAML parser (libyaml): every
 * key netstage needs on a node is there (host PID and network, privileged,
 * the BTF, bpffs, tracefs and netns mounts, the metrics port the command
 * listens on), and kubectl accepts it where it can tell.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <yaml.h>

#define MANIFEST "deploy/kubernetes/netstage-daemonset.yaml"

static yaml_document_t docs[4];
static int n_docs;

static void load(void)
{
	FILE *f = fopen(MANIFEST, "r");
	yaml_parser_t p;

	cr_assert_not_null(f, "%s is in the repository", MANIFEST);
	cr_assert(yaml_parser_initialize(&p));
	yaml_parser_set_input_file(&p, f);
	for (n_docs = 0; n_docs < 4; n_docs++) {
		cr_assert(yaml_parser_load(&p, &docs[n_docs]), "%s: YAML error: %s at line %zu",
			  MANIFEST, p.problem, p.problem_mark.line + 1);
		if (!yaml_document_get_root_node(&docs[n_docs])) {
			yaml_document_delete(&docs[n_docs]);
			break;
		}
	}
	yaml_parser_delete(&p);
	fclose(f);
}

static void unload(void)
{
	for (int i = 0; i < n_docs; i++)
		yaml_document_delete(&docs[i]);
	n_docs = 0;
}

TestSuite(deploy, .init = load, .fini = unload);

static const char *scalar(yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

/* The value under key in a mapping, or NULL. */
static yaml_node_t *get(yaml_document_t *d, yaml_node_t *n, const char *key)
{
	if (!n || n->type != YAML_MAPPING_NODE)
		return NULL;
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top;
	     p++) {
		const char *k = scalar(yaml_document_get_node(d, p->key));

		if (k && !strcmp(k, key))
			return yaml_document_get_node(d, p->value);
	}
	return NULL;
}

/* A dotted path of keys, "[i]" for a sequence's item: "spec.template.spec.containers[0]". */
static yaml_node_t *at(yaml_document_t *d, yaml_node_t *n, const char *path)
{
	char buf[256], *save, *part;

	snprintf(buf, sizeof(buf), "%s", path);
	for (part = strtok_r(buf, ".", &save); part && n; part = strtok_r(NULL, ".", &save)) {
		char *br = strchr(part, '[');

		if (br)
			*br = '\0';
		n = get(d, n, part);
		if (br && n) {
			long i = strtol(br + 1, NULL, 10);

			if (n->type != YAML_SEQUENCE_NODE ||
			    i >= n->data.sequence.items.top - n->data.sequence.items.start)
				return NULL;
			n = yaml_document_get_node(d, n->data.sequence.items.start[i]);
		}
	}
	return n;
}

static int seq_len(yaml_node_t *n)
{
	return n && n->type == YAML_SEQUENCE_NODE
		   ? (int)(n->data.sequence.items.top - n->data.sequence.items.start)
		   : 0;
}

static yaml_node_t *item(yaml_document_t *d, yaml_node_t *seq, int i)
{
	return yaml_document_get_node(d, seq->data.sequence.items.start[i]);
}

/* The DaemonSet document, and its pod template's spec. */
static yaml_document_t *daemonset(yaml_node_t **root)
{
	for (int i = 0; i < n_docs; i++) {
		yaml_node_t *r = yaml_document_get_root_node(&docs[i]);
		const char *kind = scalar(get(&docs[i], r, "kind"));

		if (kind && !strcmp(kind, "DaemonSet")) {
			*root = r;
			return &docs[i];
		}
	}
	cr_assert_fail("%s has no DaemonSet", MANIFEST);
	return NULL;
}

static void expect_scalar(yaml_document_t *d, yaml_node_t *r, const char *path, const char *want)
{
	const char *v = scalar(at(d, r, path));

	cr_expect(v && !strcmp(v, want), "%s: %s is '%s', wants '%s'", MANIFEST, path,
		  v ? v : "(missing)", want);
}

Test(deploy, the_daemonset_has_what_a_node_needs)
{
	yaml_node_t *r, *labels, *sel;
	yaml_document_t *d = daemonset(&r);

	expect_scalar(d, r, "apiVersion", "apps/v1");
	cr_expect_not_null(scalar(at(d, r, "metadata.name")));
	cr_expect_not_null(scalar(at(d, r, "metadata.namespace")));
	expect_scalar(d, r, "spec.template.spec.hostPID", "true");
	expect_scalar(d, r, "spec.template.spec.hostNetwork", "true");
	expect_scalar(d, r, "spec.template.spec.containers[0].securityContext.privileged", "true");
	expect_scalar(d, r, "spec.template.spec.tolerations[0].operator", "Exists");
	cr_expect_not_null(scalar(at(d, r, "spec.template.spec.containers[0].image")));
	/* The selector picks the template's own pods. */
	sel = at(d, r, "spec.selector.matchLabels");
	labels = at(d, r, "spec.template.metadata.labels");
	cr_assert(sel && sel->type == YAML_MAPPING_NODE, "spec.selector.matchLabels");
	for (yaml_node_pair_t *p = sel->data.mapping.pairs.start; p < sel->data.mapping.pairs.top;
	     p++) {
		const char *k = scalar(yaml_document_get_node(d, p->key));
		const char *v = scalar(yaml_document_get_node(d, p->value));
		const char *l = scalar(get(d, labels, k));

		cr_expect(l && v && !strcmp(l, v),
			  "the template's label %s is '%s', the selector "
			  "wants '%s'",
			  k, l ? l : "(missing)", v);
	}
}

/* Every host folder the probes need is mounted from the host, by a volume that exists. */
Test(deploy, the_kernel_folders_are_mounted_from_the_host)
{
	static const char *const need[] = {"/sys/kernel/btf", "/sys/fs/bpf", "/sys/kernel/tracing",
					   "/var/run/netns"};
	yaml_node_t *r;
	yaml_document_t *d = daemonset(&r);
	yaml_node_t *mounts = at(d, r, "spec.template.spec.containers[0].volumeMounts");
	yaml_node_t *vols = at(d, r, "spec.template.spec.volumes");

	cr_assert_gt(seq_len(mounts), 0, "volumeMounts");
	cr_assert_gt(seq_len(vols), 0, "volumes");
	for (size_t k = 0; k < sizeof(need) / sizeof(need[0]); k++) {
		const char *name = NULL, *host = NULL;

		for (int i = 0; i < seq_len(mounts) && !name; i++) {
			const char *mp = scalar(get(d, item(d, mounts, i), "mountPath"));

			if (mp && !strcmp(mp, need[k]))
				name = scalar(get(d, item(d, mounts, i), "name"));
		}
		cr_expect_not_null(name, "%s is mounted in the container", need[k]);
		for (int i = 0; name && i < seq_len(vols); i++) {
			const char *vn = scalar(get(d, item(d, vols, i), "name"));

			if (vn && !strcmp(vn, name))
				host = scalar(at(d, item(d, vols, i), "hostPath.path"));
		}
		cr_expect(host && !strcmp(host, need[k]), "volume %s is the host's %s (it is %s)",
			  name ? name : "?", need[k], host ? host : "missing");
	}
	/* New pod namespaces show up in the container without a restart. */
	for (int i = 0; i < seq_len(mounts); i++) {
		const char *mp = scalar(get(d, item(d, mounts, i), "mountPath"));

		if (mp && !strcmp(mp, "/var/run/netns"))
			expect_scalar(d, item(d, mounts, i), "mountPropagation", "HostToContainer");
	}
}

/* The command is `netstage profile --listen ...:PORT --duration 0`, PORT the declared one. */
Test(deploy, the_command_listens_on_the_declared_port)
{
	yaml_node_t *r;
	yaml_document_t *d = daemonset(&r);
	yaml_node_t *c = at(d, r, "spec.template.spec.containers[0]");
	yaml_node_t *args = get(d, c, "args");
	const char *port = scalar(at(d, c, "ports[0].containerPort"));
	char cmd[2048] = "", want[64];

	cr_assert_gt(seq_len(args), 0, "the container has args");
	for (int i = 0; i < seq_len(args); i++) {
		strncat(cmd, scalar(item(d, args, i)), sizeof(cmd) - strlen(cmd) - 2);
		strcat(cmd, " ");
	}
	cr_assert_not_null(port, "ports[0].containerPort");
	expect_scalar(d, c, "ports[0].name", "metrics");
	cr_expect(strstr(cmd, "netstage profile"), "runs netstage profile: %s", cmd);
	snprintf(want, sizeof(want), ":%s\"", port);
	cr_expect(strstr(cmd, "--listen") && strstr(cmd, want), "listens on port %s: %s", port,
		  cmd);
	cr_expect(strstr(cmd, "--duration 0"), "runs until stopped: %s", cmd);
	cr_expect(strstr(cmd, "/proc/1/ns/net"), "watches the node's namespace: %s", cmd);
	{
		const char *scrape = scalar(
		    get(d, at(d, r, "spec.template.metadata.annotations"), "prometheus.io/port"));

		cr_expect(scrape && !strcmp(scrape, port),
			  "the prometheus.io/port annotation is the port (%s)", scrape);
	}
}

Test(deploy, kubectl_accepts_the_manifest)
{
	char line[512] = "";
	FILE *f;
	int rc;

	if (system("command -v kubectl >/dev/null 2>&1"))
		cr_skip_test("skipped: kubectl not installed");
	f = popen("kubectl create --dry-run=client --validate=false -f " MANIFEST " 2>&1", "r");
	cr_assert_not_null(f);
	{
		char buf[512];

		while (fgets(buf, sizeof(buf), f))
			if (!line[0] || strstr(buf, "error") || strstr(buf, "unable"))
				snprintf(line, sizeof(line), "%s", buf);
	}
	rc = pclose(f);
	/* Client-side dry runs still map kinds through an API server's discovery. */
	if (rc && (strstr(line, "connection refused") || strstr(line, "no such host") ||
		   strstr(line, "the server") || strstr(line, "dial tcp")))
		cr_skip_test("skipped: kubectl create --dry-run=client needs an API server to map "
			     "the kinds, and none answers here: %.160s",
			     line);
	cr_assert_eq(WEXITSTATUS(rc), 0, "kubectl refuses %s: %s", MANIFEST, line);
}

/*
 * The scrape configuration of deploy/prometheus passes promtool. Debian's
 * Prometheus is built without Kubernetes discovery, so there the rest of the
 * job (relabelling, limits) is checked with static targets in its place.
 */
Test(deploy, promtool_accepts_the_scrape_configuration)
{
	char tmp[] = "/tmp/netstage-test-scrape-XXXXXX", cmd[512], line[512] = "";
	int fd, rc;
	FILE *f;

	if (system("command -v promtool >/dev/null 2>&1"))
		cr_skip_test(
		    "skipped: promtool not installed (Debian's prometheus package has it)");
	rc = system("promtool check config deploy/prometheus/prometheus.yml >/dev/null 2>&1");
	if (WEXITSTATUS(rc) == 0)
		return;
	fd = mkstemp(tmp);
	cr_assert_geq(fd, 0);
	close(fd);
	snprintf(cmd, sizeof(cmd),
		 "sed '/kubernetes_sd_configs:/,/names: \\[netstage\\]/c\\    static_configs:\\n"
		 "      - targets: [\"127.0.0.1:9464\"]' deploy/prometheus/prometheus.yml > %s && "
		 "promtool check config %s 2>&1",
		 tmp, tmp);
	f = popen(cmd, "r");
	cr_assert_not_null(f);
	while (fgets(line, sizeof(line), f) && !strstr(line, "FAILED"))
		;
	rc = pclose(f);
	unlink(tmp);
	cr_assert_eq(WEXITSTATUS(rc), 0, "promtool refuses the scrape job: %s", line);
	cr_log_info("promtool has no kubernetes_sd_configs here: checked with static targets");
}
