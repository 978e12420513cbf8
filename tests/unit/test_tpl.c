/* The template bridge escapes what handlers hand it. */
#include "../../core/tpl.h"
#include "check.h"

static void write_file(const char *name, const char *text)
{
    char path[512];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", check_tmpdir, name);
    f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
}

static void values_are_escaped_for_html(void)
{
    struct gh_error err;
    struct buf out = BUF_INIT;
    struct tpl_dict *d, *row, *inc;

    write_file("page.tpl", "{{%AUTOESCAPE context=\"HTML\"}}<p title=\"{{T}}\">{{T}}</p>"
                           "{{#ROWS}}<li>{{V}}</li>{{/ROWS}}{{>INC}}");
    write_file("inc.tpl", "{{%AUTOESCAPE context=\"HTML\"}}<b>{{X}}</b>");
    CHECK_INT(tpl_init(check_tmpdir, &err), 0);
    d = tpl_dict_new();
    tpl_set(d, "T", "<script>alert(\"x\")</script> & 'q'");
    row = tpl_section(d, "ROWS");
    tpl_set_int(row, "V", 1);
    row = tpl_section(d, "ROWS");
    tpl_set(row, "V", "\"onmouseover=");
    inc = tpl_include(d, "INC", "inc.tpl");
    tpl_set(inc, "X", "</b><img src=x>");
    CHECK_INT(tpl_render("page.tpl", d, &out, &err), 0);
    CHECK(strstr(buf_str(&out), "<script>") == NULL);
    CHECK(strstr(buf_str(&out), "<img") == NULL);
    CHECK_CONTAINS(buf_str(&out),
                   "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;q&#39;");
    CHECK_CONTAINS(buf_str(&out), "<li>1</li><li>&quot;onmouseover=</li>");
    CHECK_CONTAINS(buf_str(&out), "<b>&lt;/b&gt;&lt;img src=x&gt;</b>");
    tpl_dict_free(d);
    buf_free(&out);
}

static void a_broken_template_stops_start_up(void)
{
    struct gh_error err;

    write_file("broken.tpl", "{{%AUTOESCAPE context=\"HTML\"}}{{#OPEN}} never closed");
    CHECK_INT(tpl_init(check_tmpdir, &err), -1);
    CHECK_CONTAINS(err.message, "do not parse");
}

static void the_project_templates_parse(void)
{
    struct gh_error err;

    CHECK_INT(tpl_init("templates", &err), 0);
}

const struct unit_test tpl_tests[] = {
    {"tpl: values are escaped for HTML, in sections and includes", values_are_escaped_for_html},
    {"tpl: a broken template stops start-up", a_broken_template_stops_start_up},
    {"tpl: templates/ parse", the_project_templates_parse},
    {NULL, NULL},
};
