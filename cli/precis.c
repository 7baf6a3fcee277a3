/*  precis: the command-line tool. Dispatches to the subcommands, each of
    which lives with the stage whose socket or code it uses. */
#include "precis.h"
#include "precis_push.h"
#include "precis_sub.h"
#include "precis_summarize_cmd.h"
#include <stdio.h>
#include <string.h>

typedef struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} command_t;

static const command_t commands[] = {
    {"push", precis_cmd_push, "push articles to the ingest socket"},
    {"sub", precis_cmd_sub, "subscribe to summaries and print them"},
    {"summarize", precis_cmd_summarize, "summarize offline, no sockets"},
    {"split", precis_cmd_split, "split text into sentences"},
    {"keygen", precis_cmd_keygen, "make a CURVE key pair for encrypted sockets"},
    {"stats", precis_cmd_stats, "print the live figures of running stages"},
    {"ping", precis_cmd_ping, "ask running stages whether they are alive"},
};

#define COMMAND_COUNT (sizeof commands / sizeof commands[0])

static void print_usage(FILE *stream)
{
    fprintf(stream, "Usage: precis COMMAND [OPTIONS] [ARGS]\n\nCommands:\n");
    for (size_t i = 0; i < COMMAND_COUNT; i++)
        fprintf(stream, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(stream,
            "\n'precis COMMAND --help' describes each. 'precis --version' prints %s.\n",
            PRECIS_VERSION);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        print_usage(stderr);
        return 2;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        print_usage(stdout);
        return 0;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("precis %s\n", PRECIS_VERSION);
        return 0;
    }
    for (size_t i = 0; i < COMMAND_COUNT; i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "error: unknown command '%s'\n", argv[1]);
    print_usage(stderr);
    return 2;
}
