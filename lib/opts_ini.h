/*
 * opts_ini.h — the INI layer of opts.h (inih): 'name = value' lines at the
 * top or under the spec's section, names as the flags without "--" ('-' or
 * '_' alike). Apart from opts.c so that a program without an INI file does
 * not link inih.
 */
#ifndef GESTOR_OPTS_INI_H
#define GESTOR_OPTS_INI_H

#include <stddef.h>
#include <stdio.h>

#include "opts.h"

/* Apply the file at path. 0 or -errno, err says "<path>:<line>: why". */
int opts_load_ini(const struct opts_spec *sp, void *obj, const char *path, char *err,
		  size_t errlen);

/*
 * Write an INI file that sets every option read from a file to its value in
 * obj (the defaults, for the shipped example): header (each line prefixed
 * "; "), the spec's section, then per option its help as "; " comment lines
 * (wrapped) and "name = value" (name with '_'). Reading it back changes
 * nothing. 0 or -EIO.
 */
int opts_write_ini(const struct opts_spec *sp, FILE *out, const void *obj, const char *header);

/*
 * A program's --print-config (its opts_prog's print_config): the INI file
 * of its defaults (opts_prog_defaults, else .defaults) under its
 * ini_header. 0, -ENOMEM or -EIO.
 */
int opts_print_ini(const struct opts_prog *p, FILE *out);

#endif
