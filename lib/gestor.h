/*
 * gestor.h — constants servicio and admin_logs must agree on, defined once.
 */
#ifndef GESTOR_GESTOR_H
#define GESTOR_GESTOR_H

/* admin_logs' HTTP port (inside its container; servicio publishes it). */
#define GESTOR_LOG_PORT 8000

#endif
