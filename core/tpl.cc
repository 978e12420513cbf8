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

void tpl_set(struct tpl_dict *d, const char *key, const char *value)
{
    dict(d)->SetValue(key, value ? value : "");
}

void tpl_set_int(struct tpl_dict *d, const char *key, long long value)
{
    dict(d)->SetValue(key, std::to_string(value));
}

struct tpl_dict *tpl_section(struct tpl_dict *d, const char *name)
{
    return wrap(dict(d)->AddSectionDictionary(name));
}

void tpl_show(struct tpl_dict *d, const char *name)
{
    dict(d)->ShowSection(name);
}

struct tpl_dict *tpl_include(struct tpl_dict *d, const char *name, const char *file)
{
    TemplateDictionary *sub = dict(d)->AddIncludeDictionary(name);

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
