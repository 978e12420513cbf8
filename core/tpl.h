/*
 * HTML templates: a C face on ctemplate (the bridge is tpl.cc).
 *
 * Every template starts with {{%AUTOESCAPE context="HTML"}}, so values set
 * here are escaped by ctemplate for where they land; handlers pass raw
 * values and never escape by hand. Parsed templates are cached by
 * ctemplate and shared by all threads.
 */
#ifndef GH_TPL_H
#define GH_TPL_H

#include "buf.h"
#include "error.h"

#ifdef __cplusplus
extern "C" {
#endif

struct tpl_dict;

/* Point the cache at the template directory and parse every *.tpl in it now. */
int tpl_init(const char *dir, struct gh_error *err);

/* A new top-level dictionary; free it with tpl_dict_free(). */
struct tpl_dict *tpl_dict_new(void);
void tpl_dict_free(struct tpl_dict *d);
/*
 * Keys and section names must be string literals (or otherwise live as long
 * as the process): each thread interns them once, by address.
 */
/* Set {{KEY}} to value (copied). */
void tpl_set(struct tpl_dict *d, const char *key, const char *value);
void tpl_set_int(struct tpl_dict *d, const char *key, long long value);
/* Show {{#NAME}}...{{/NAME}} once more, with the returned dictionary (owned by d). */
struct tpl_dict *tpl_section(struct tpl_dict *d, const char *name);
/* Show {{#NAME}} once, with d's own values. */
void tpl_show(struct tpl_dict *d, const char *name);
/* Fill {{>NAME}} with the template file; returns its dictionary (owned by d). */
struct tpl_dict *tpl_include(struct tpl_dict *d, const char *name, const char *file);
/* Expand file with d, appending to out. */
int tpl_render(const char *file, struct tpl_dict *d, struct buf *out, struct gh_error *err);

#ifdef __cplusplus
}
#endif

#endif
