/*
 * top.h — `servicio top`: a live terminal view (ncurses) of the managed
 * containers as servicio last saw and decided them (its status file,
 * status.h): class, CPU, memory, decision and time to removal, sorted,
 * filtered, redrawn at servicio's interval without flicker.
 */
#ifndef SERVICIO_TOP_H
#define SERVICIO_TOP_H
/* argv[0] is "top". Returns the process exit status. */
int top_main(int argc, char **argv);
#endif
