/*
 * opts.h — the one option parser of gestor's programs: a table of options
 * (name, type, field, range, help), applied in rising precedence from the
 * program's defaults, an INI file (opts_ini.h), environment variables
 * <PREFIX><NAME> and command-line flags --<name> (getopt_long).
 *
 * One spelling everywhere: a flag is --name VALUE or --name=VALUE; a
 * boolean is --name alone, or --name=VALUE with VALUE one of true/false,
 * 1/0, yes/no, on/off (any case), in the environment and the INI file too;
 * -h is --help, which prints the usage on stdout and exits 0. Every value
 * is range-checked and an error names the option. Nothing here prints
 * except opts_usage().
 */
#ifndef GESTOR_OPTS_H
#define GESTOR_OPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum opts_type {
	OPTS_BOOL, /* bool */
	OPTS_INT, /* int, in [min, max] */
	OPTS_UINT, /* unsigned, in [min, max] */
	OPTS_SIZE, /* size_t, in [min, max] */
	OPTS_DOUBLE, /* double, in [min, max] */
	OPTS_STR, /* char[size] */
	OPTS_ENUM, /* one of choices: its index (an int field) or its text (a char[]) */
};

/* Flags of an option. */
#define OPTS_NOENV 1u /* not read from the environment nor the INI file */
#define OPTS_NONEMPTY 2u /* a string that may not be empty */

struct opts_opt {
	const char *name; /* the flag without "--" */
	enum opts_type type;
	size_t off, size; /* the field in the settings struct, and its size */
	double min, max;
	const char *const *choices; /* OPTS_ENUM: NULL-terminated */
	const char *arg; /* the value's name in --help; NULL for booleans */
	const char *help;
	unsigned flags;
};

/* OPTS_FIELD(struct config, port): the off and size members of a row. */
#define OPTS_FIELD(type, field) offsetof(type, field), sizeof(((type *)0)->field)

/* The rows every program's table ends with, alike: --help (type: the
 * settings' struct, with a bool help), and with --version and --print-config
 * (bools version, print_config; file: the INI file --print-config makes). */
/* clang-format off */
#define OPTS_ROW_HELP(type)                                                    \
	{ "help", OPTS_BOOL, OPTS_FIELD(type, help), 0, 0, NULL, NULL,         \
	  "print this help and exit", OPTS_NOENV }
#define OPTS_ROWS_PROG(type, file)                                             \
	OPTS_ROW_HELP(type),                                                   \
	{ "version", OPTS_BOOL, OPTS_FIELD(type, version), 0, 0, NULL, NULL,   \
	  "print the version and exit", OPTS_NOENV },                          \
	{ "print-config", OPTS_BOOL, OPTS_FIELD(type, print_config), 0, 0,     \
	  NULL, NULL, "print a configuration file of every option at its "     \
	  "default, commented, and exit (the shipped " file " is this output)", \
	  OPTS_NOENV }
/* clang-format on */

struct opts_spec {
	const struct opts_opt *opts;
	size_t n;
	const char *env_prefix; /* "GESTOR_": GESTOR_KEEP_HIGH for --keep-high */
	const char *ini_section; /* the INI section read besides the top ("servicio") */
};

/* The option called name ('-' or '_' alike, any case); NULL when none. */
const struct opts_opt *opts_find(const struct opts_spec *sp, const char *name);

/* Apply one textual value to o's field of obj; shown names it in errors.
 * 0, -EINVAL (malformed), -ERANGE (out of range). */
int opts_set(const struct opts_opt *o, void *obj, const char *shown, const char *val, char *err,
	     size_t errlen);

/*
 * The process's environment: the one place gestor's programs read it
 * (the getenv_fn of opts_load_env, and the variables conventions name:
 * JOURNAL_STREAM, NO_COLOR, libpq's PGSSLMODE). NULL when unset.
 */
const char *opts_getenv(const char *name);

/* Apply every <PREFIX><NAME> variable getenv_fn finds. 0 or -errno. */
int opts_load_env(const struct opts_spec *sp, void *obj, const char *(*getenv_fn)(const char *),
		  char *err, size_t errlen);

/*
 * Apply argv[1..] (getopt_long). pick (NULL: all) chooses which options are
 * applied; the others are still checked for syntax (a value where one is
 * needed), so a first pass can pick --config and --help. Positional
 * arguments are refused. 0, -ENOENT (unknown option) or -EINVAL/-ERANGE.
 */
int opts_load_args(const struct opts_spec *sp, void *obj, int argc, char **argv,
		   bool (*pick)(const struct opts_opt *o), char *err, size_t errlen);

/* The default of o in defaults as text (a boolean on/off, an empty string
 * "none"), as --help shows it. */
void opts_default(const struct opts_opt *o, const void *defaults, char *buf, size_t cap);

/* The usage lines of every option: flag, help, and (from defaults, when
 * given) the default and the environment variable. */
void opts_usage(const struct opts_spec *sp, FILE *out, const void *defaults);

/*
 * A program's command line as --help shows it and as it ends, the same in
 * every gestor program (servicio, its stats and top, admin_logs).
 */
struct opts_prog {
	const struct opts_spec *spec;
	const char *name; /* "servicio stats": starts the errors and --version's line */
	const char *synopsis; /* after "Usage: " (more lines may follow) */
	const char *about; /* the paragraph after it */
	const void *defaults; /* the settings at their defaults, shown per option */
	/*
	 * Or defaults made at run time (when .defaults is NULL): defaults_of
	 * fills a zeroed struct of defaults_size bytes; help true for the ones
	 * --help shows (a value found at start may read as its description),
	 * false for --print-config's file.
	 */
	void (*defaults_of)(void *d, bool help);
	size_t defaults_size;
	const char *version; /* --version's; NULL: no such flag */
	/* --print-config's file (opts_print_ini), 0 or -errno; NULL: no such flag */
	int (*print_config)(const struct opts_prog *p, FILE *out);
	const char *ini_header; /* opts_print_ini's header */
};

/*
 * p's defaults made by defaults_of (help: as --help shows them), in an
 * allocation the caller frees; NULL when p has no defaults_of or memory
 * ran out (then p->defaults, which may be NULL too).
 */
void *opts_prog_defaults(const struct opts_prog *p, bool help);

/* A pick for opts_load_args: --help alone (a first pass, so that --help
 * wins over a bad value elsewhere on the line). */
bool opts_pick_help(const struct opts_opt *o);

/* A pick for a program with an INI file's first pass: the options that
 * choose the file (--config) or end the program (--help, --version,
 * --print-config). */
bool opts_pick_first(const struct opts_opt *o);

/* What the first pass asked for besides running. */
struct opts_prog_req {
	bool help, version, print_config;
};

/*
 * --help's text: "Usage: SYNOPSIS", a blank line, ABOUT, a blank line, the
 * options (with their precedence when there is an environment prefix and
 * an INI section) and, for an INI section, the file's description.
 */
void opts_help(const struct opts_prog *p, FILE *out);

/*
 * Whether the command line ends the program before its work, and how, alike
 * everywhere: a load error (ret < 0, err says which) prints "NAME: ERR" on
 * stderr, status 2; --help prints opts_help() on stdout, status 0 (it wins
 * over anything else on the line: only the first pass must have
 * succeeded); --version prints "NAME VERSION", status 0; --print-config the
 * file, status 0 or 1 when it could not be written. true with *status set
 * when the program must exit; false when it goes on (rq may be NULL).
 */
bool opts_prog_exit(const struct opts_prog *p, const struct opts_prog_req *rq, int ret,
		    const char *err, int *status);

#endif
