/*
 * main.c — servicio's entry point: `servicio stats ...` prints one
 * measurement of the containers (stats.c); anything else runs the manager
 * (manager.c).
 */
#include <string.h>

#include "manager.h"
#include "stats.h"

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "stats") == 0)
		return stats_main(argc - 1, argv + 1);
	return manager_main(argc, argv);
}
