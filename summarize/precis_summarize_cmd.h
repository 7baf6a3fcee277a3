/*  precis_summarize_cmd - the `precis summarize` and `precis split` commands:
    the summarize stage's code run offline on files or stdin, no sockets. */
#ifndef PRECIS_SUMMARIZE_CMD_H
#define PRECIS_SUMMARIZE_CMD_H

/* argv[0] is the subcommand name. Return the process exit code. */
int precis_cmd_summarize(int argc, char **argv);
int precis_cmd_split(int argc, char **argv);

#endif
