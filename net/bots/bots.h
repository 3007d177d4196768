/*
 * `pawnparty bots`: N scripted clients in one thread that log in, walk at
 * random, and measure how fast and how correctly the host answers. The
 * command line and the summary line are a contract (docs/protocol.md and
 * the integration tests parse the last line of stdout).
 */
#ifndef PAWN_TOOLS_BOTS_H
#define PAWN_TOOLS_BOTS_H

/*
 * argv[0] is "bots"; the rest is
 *   HOST[:PORT] [--count N] [--rate MOVES_PER_S] [--seconds S]
 *   [--name PREFIX] [--chat] [--check]
 * Returns the process exit status: 0 when every bot logged in and nothing
 * was wrong, 1 otherwise (or when the host cannot be reached), 2 for a
 * usage error. Blocks the stop signals (Ctrl+C; SIGINT and SIGTERM on
 * POSIX) with sys_stop_signals_block while it runs: the first ends the run
 * cleanly, summary and all, and from then on a second ends the process.
 * Before returning it gives them back (sys_stop_signals_unblock). Call it
 * with no other threads running.
 */
int bots_main(int argc, char **argv);

#endif
