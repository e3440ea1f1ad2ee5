/*
 * The `siphon` binary's verbs. main.c dispatches on argv[1] through
 * sp_cli_verbs; each verb lives in its own cmd_<verb>.c and gets the
 * arguments after the verb name (argv[0] is the verb). A verb returns the
 * process exit status: 0 success, 1 the verb's own "failed" result (an
 * invalid message for lint), 2 usage or I/O error.
 */
#ifndef SIPHON_CLI_H
#define SIPHON_CLI_H

enum {
	SP_EXIT_OK = 0,
	SP_EXIT_FAIL = 1,
	SP_EXIT_USAGE = 2,
};

struct sp_cli_verb {
	const char *name;
	const char *summary; /* one line for `siphon --help` */
	int (*run)(int argc, char **argv);
};

/* The verb table, terminated by an entry with name == NULL. */
extern const struct sp_cli_verb sp_cli_verbs[];

/* `siphon lint [--json] [--stream] FILE...|-` (cmd_lint.c). */
int sp_cmd_lint(int argc, char **argv);

/* `siphon serve [options]` (cmd_serve.c). */
int sp_cmd_serve(int argc, char **argv);

/* `siphon user add|del|list|passwd|import ...` (cmd_user.c). */
int sp_cmd_user(int argc, char **argv);

/* `siphon domain add|set|del|list ...` (cmd_domain.c). */
int sp_cmd_domain(int argc, char **argv);

/* `siphon location list` (cmd_location.c). */
int sp_cmd_location(int argc, char **argv);

/* The softphone (docs/cli.md; phone_common.c holds what they share):
 * `siphon register` (cmd_register.c), `siphon call URI` (cmd_call.c),
 * `siphon answer` (cmd_answer.c), `siphon transfer URI --to URI2`
 * (cmd_transfer.c), `siphon options URI` and `siphon
 * message URI TEXT` (cmd_options.c), `siphon wav-compare REF REC`
 * (cmd_wavcmp.c). */
int sp_cmd_register(int argc, char **argv);
int sp_cmd_call(int argc, char **argv);
int sp_cmd_answer(int argc, char **argv);
int sp_cmd_transfer(int argc, char **argv);
int sp_cmd_options(int argc, char **argv);
int sp_cmd_message(int argc, char **argv);
int sp_cmd_wav_compare(int argc, char **argv);

/* The version string, e.g. "0.1.0". */
extern const char sp_cli_version[];

#endif
