/*
 * manager.h — the manager daemon: start (Docker, admin_logs, cron, metrics
 * source), the cycle (measure, classify, keep/remove, table, logs) and the
 * clean stop on SIGINT/SIGTERM (flush, graphs, cron removed). See manager.c.
 */
#ifndef SERVICIO_MANAGER_H
#define SERVICIO_MANAGER_H
/* The whole program when not a subcommand. Returns the exit status. */
int manager_main(int argc, char **argv);
#endif
