/*
 * scope.c — which containers servicio manages. See scope.h.
 */
#include "scope.h"

#include <stdio.h>
#include <string.h>

#include "config.h"
#include "gestor.h"

bool scope_label_is(const struct docker_container *c, const char *k, const char *v)
{
	const char *x = docker_container_label(c, k);

	return x && strcmp(x, v) == 0;
}

bool scope_managed(const struct docker_container *c, const char *scope)
{
	char key[CONFIG_STR_MAX];
	const char *eq;

	if (!scope_label_is(c, GESTOR_LABEL_MANAGED, "true"))
		return false;
	if (!scope || !scope[0])
		return true;
	eq = strchr(scope, '=');
	if (!eq)
		return false;
	snprintf(key, sizeof(key), "%.*s", (int)(eq - scope), scope);
	return scope_label_is(c, key, eq + 1);
}
