/*
 * opts_ini.h — the INI layer of opts.h (inih): 'name = value' lines at the
 * top or under the spec's section, names as the flags without "--" ('-' or
 * '_' alike). Apart from opts.c so that a program without an INI file does
 * not link inih.
 */
#ifndef GESTOR_OPTS_INI_H
#define GESTOR_OPTS_INI_H

#include <stddef.h>

#include "opts.h"

/* Apply the file at path. 0 or -errno, err says "<path>:<line>: why". */
int opts_load_ini(const struct opts_spec *sp, void *obj, const char *path, char *err,
		  size_t errlen);

#endif
