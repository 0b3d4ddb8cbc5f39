// SPDX-License-Identifier: GPL-2.0
/*
 * The documents a user reads agree with the program: the manual page is the
 * one the option tables make, and every option the README's command list
 * shows is one the command accepts. No root needed.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *slurp_cmd(const char *cmd)
{
	FILE *f = popen(cmd, "r");
	size_t cap = 1 << 16, n = 0, got;
	char *buf = malloc(cap);

	cr_assert_not_null(f);
	while ((got = fread(buf + n, 1, cap - n - 1, f)) > 0) {
		n += got;
		if (n + 1 == cap)
			buf = realloc(buf, cap *= 2);
	}
	buf[n] = '\0';
	pclose(f);
	return buf;
}

static char *slurp_file(const char *path)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "cat %s", path);
	return slurp_cmd(cmd);
}

Test(docs, the_manual_page_is_the_one_the_option_tables_make)
{
	char *made = slurp_cmd("build/netstage man");
	char *kept = slurp_file("docs/netstage.1");

	cr_assert_gt(strlen(made), 1000);
	cr_assert_str_eq(kept, made, "docs/netstage.1 is out of date: run `make man`");
	free(made);
	free(kept);
}

/* The README's "## Commands" block: lines of "netstage CMD [SUB] ... --option ...". */
Test(docs, every_option_in_the_readme_is_accepted_by_its_command)
{
	char *readme = slurp_file("README.md"), *block, *end, *line, *save;
	char sub[64] = "", cmd[64] = "";
	int checked = 0;

	block = strstr(readme, "## Commands");
	cr_assert_not_null(block, "README.md has a \"## Commands\" section");
	end = strstr(block + 3, "\n## ");
	if (end)
		*end = '\0';
	for (line = strtok_r(block, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *ns = strstr(line, "netstage "), *opt, help_cmd[256], *help;

		if (ns) {
			/* A new command line: its command (and topo's subcommand). */
			if (sscanf(ns, "netstage %63s %63s", cmd, sub) < 1)
				continue;
			if (strcmp(cmd, "topo"))
				sub[0] = '\0';
		} else if (!cmd[0] || !strstr(line, "--")) {
			continue; /* prose, or a continuation without options */
		}
		snprintf(help_cmd, sizeof(help_cmd), "build/netstage %s %s --help 2>&1", cmd, sub);
		help = slurp_cmd(help_cmd);
		for (opt = strstr(line, "--"); opt; opt = strstr(opt + 2, "--")) {
			char name[64];

			if (sscanf(opt, "--%63[a-z0-9-]", name) != 1)
				continue;
			{
				char want[72];

				snprintf(want, sizeof(want), "--%s", name);
				cr_expect(strstr(help, want),
					  "README shows `netstage %s %s %s`, but "
					  "its --help has no such option",
					  cmd, sub, want);
				checked++;
			}
		}
		free(help);
	}
	cr_assert_gt(checked, 20, "the command list shows the options");
	free(readme);
}

Test(docs, every_command_is_in_the_readme_and_the_manual)
{
	char *help = slurp_cmd("build/netstage --help"), *readme = slurp_file("README.md");
	char *man = slurp_file("docs/netstage.1"), *list = strstr(help, "commands:"), *line, *save;
	int checked = 0;

	cr_assert_not_null(list, "`netstage --help` has a \"commands:\" list");
	for (line = strtok_r(list, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char name[32], want[48];

		if (sscanf(line, " %31[a-z]", name) != 1 || line[0] != ' ')
			continue;
		snprintf(want, sizeof(want), "netstage %s", name);
		cr_expect(strstr(readme, want), "README.md does not show `%s`", want);
		cr_expect(strstr(man, want), "the manual page does not show `%s`", want);
		checked++;
	}
	/* A list that no longer parses would check nothing: the contract fixes six commands. */
	cr_assert_geq(checked, 6,
		      "only %d commands read from `netstage --help`; the command-line contract has "
		      "doctor, topo, run, sweep, profile and report",
		      checked);
	free(help);
	free(readme);
	free(man);
}
