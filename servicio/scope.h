/*
 * scope.h — which containers servicio manages: the label
 * GESTOR_LABEL_MANAGED=true and, with --scope KEY=VALUE, that label too.
 * Below the stages that ask it (measure.c, decide.c, promexp.c, manager.c),
 * so none of them calls up into another.
 */
#ifndef GESTOR_SCOPE_H
#define GESTOR_SCOPE_H

#include <stdbool.h>

#include "docker.h"

/* c carries the label k with the value v. */
bool scope_label_is(const struct docker_container *c, const char *k, const char *v);

/* Labelled gestor.managed=true and, with a scope ("key=value"; NULL or ""
 * none), carrying that label too. A scope without '=' matches nothing. */
bool scope_managed(const struct docker_container *c, const char *scope);

#endif
