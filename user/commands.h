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

#endif /* NETSTAGE_COMMANDS_H */
