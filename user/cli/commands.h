/* SPDX-License-Identifier: GPL-2.0 */
/* The subcommands of netstage; each returns the process exit code. */
#ifndef NETSTAGE_COMMANDS_H
#define NETSTAGE_COMMANDS_H

int cmd_doctor(int argc, char **argv);
int cmd_topo(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_sweep(int argc, char **argv);
int cmd_profile(int argc, char **argv);
int cmd_report(int argc, char **argv);

int cmd_man(int argc, char **argv);

/* Each command's option table, for the manual page (user/cli/man.c). */
struct cli_cmd;
extern const struct cli_cmd *const doctor_cli,
    *const topo_up_cli, *const topo_down_cli, *const topo_list_cli, *const run_cli,
									*const profile_cli,
									    *const sweep_cli,
										*const report_cli;

#endif /* NETSTAGE_COMMANDS_H */
