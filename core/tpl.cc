// The ctemplate bridge: the project's only C++ (see tpl.h).
// The C headers tpl.h depends on declare C functions: include them as such first.
extern "C" {
#include "buf.h"
#include "error.h"
#include "log.h"
}
#include "tpl.h"

#include <ctemplate/template.h>
#include <dirent.h>
#include <new>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>

using ctemplate::TemplateDictionary;

static TemplateDictionary *dict(struct tpl_dict *d)
{
    return reinterpret_cast<TemplateDictionary *>(d);
}

static struct tpl_dict *wrap(TemplateDictionary *d)
{
    return reinterpret_cast<struct tpl_dict *>(d);
}

int tpl_init(const char *dir, struct gh_error *err)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int problems = 0;

    if (d == NULL)
        return gh_fail(err, GH_INTERNAL, "cannot open template directory %s", dir);
    ctemplate::mutable_default_template_cache()->SetTemplateRootDirectory(dir);
    // Parse everything now, so a broken template stops start-up instead of a request.
    while ((e = readdir(d)) != NULL) {
        std::string name(e->d_name);
        if (name.size() < 5 || name.compare(name.size() - 4, 4, ".tpl") != 0)
            continue;
        if (!ctemplate::LoadTemplate(name, ctemplate::DO_NOT_STRIP)) {
            log_error("template %s/%s does not parse", dir, name.c_str());
            problems++;
        }
    }
    closedir(d);
    if (problems)
        return gh_fail(err, GH_INTERNAL, "%d template(s) in %s do not parse", problems, dir);
    return 0;
}

struct tpl_dict *tpl_dict_new(void)
{
    try {
        return wrap(new TemplateDictionary("page"));
    } catch (const std::bad_alloc &) {
        fatal("out of memory creating a template dictionary");
    }
}

void tpl_dict_free(struct tpl_dict *d)
{
    delete dict(d);
}

/*
 * Keys. ctemplate registers every key it is handed as a plain string in a
 * process-wide id-to-name map, under a reader-writer lock, on every
 * SetValue and AddSectionDictionary; with a pool of threads filling pages
 * of a hundred rows that lock was the hottest spot of a page. A key given
 * as a StaticTemplateString carries its id and skips the map. Keys are
 * string literals, so each thread interns each key once, by address
 * (checked against the text, so a reused buffer cannot alias).
 */
#define INTERNED_KEYS 256
struct interned_key {
    const char *key;                     /* the caller's literal */
    ctemplate::StaticTemplateString sts; /* its text and id */
};
static thread_local struct interned_key interned[INTERNED_KEYS];

static ctemplate::TemplateString key_of(const char *key)
{
    size_t len = strlen(key);
    size_t h = (reinterpret_cast<uintptr_t>(key) >> 3) % INTERNED_KEYS;

    for (size_t probe = 0; probe < INTERNED_KEYS; probe++, h = (h + 1) % INTERNED_KEYS) {
        struct interned_key *k = &interned[h];
        if (k->key == key && k->sts.do_not_use_directly_.length_ == len &&
            memcmp(k->sts.do_not_use_directly_.ptr_, key, len) == 0)
            return ctemplate::TemplateString(k->sts);
        if (k->key == NULL) {
            k->key = key;
            k->sts.do_not_use_directly_.ptr_ = key;
            k->sts.do_not_use_directly_.length_ = len;
            k->sts.do_not_use_directly_.id_ = 0;
            ctemplate::StaticTemplateStringInitializer computes_the_id(&k->sts);
            return ctemplate::TemplateString(k->sts);
        }
    }
    return ctemplate::TemplateString(key, len); /* full: the slow, locked way */
}

void tpl_set(struct tpl_dict *d, const char *key, const char *value)
{
    dict(d)->SetValue(key_of(key), value ? value : "");
}

void tpl_set_int(struct tpl_dict *d, const char *key, long long value)
{
    char text[24];

    snprintf(text, sizeof(text), "%lld", value);
    dict(d)->SetValue(key_of(key), text);
}

struct tpl_dict *tpl_section(struct tpl_dict *d, const char *name)
{
    return wrap(dict(d)->AddSectionDictionary(key_of(name)));
}

void tpl_show(struct tpl_dict *d, const char *name)
{
    dict(d)->ShowSection(key_of(name));
}

struct tpl_dict *tpl_include(struct tpl_dict *d, const char *name, const char *file)
{
    TemplateDictionary *sub = dict(d)->AddIncludeDictionary(key_of(name));

    sub->SetFilename(file);
    return wrap(sub);
}

int tpl_render(const char *file, struct tpl_dict *d, struct buf *out, struct gh_error *err)
{
    std::string text;

    try {
        if (!ctemplate::ExpandTemplate(file, ctemplate::DO_NOT_STRIP, dict(d), &text)) {
            log_error("template %s failed to expand", file);
            return gh_fail(err, GH_INTERNAL, "template %s failed to expand", file);
        }
    } catch (const std::bad_alloc &) {
        fatal("out of memory expanding template %s", file);
    }
    buf_append(out, text.data(), text.size());
    return 0;
}
