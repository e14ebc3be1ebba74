/* stats.h — `servicio stats`: one measurement of every container, as a table or JSON. */
#ifndef SERVICIO_STATS_H
#define SERVICIO_STATS_H
/* argv[0] is "stats". Returns the process exit status. */
int stats_main(int argc, char **argv);
#endif
