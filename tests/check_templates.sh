#!/bin/sh
# Fails when a template does not start with HTML auto-escaping, or when one
# switches escaping off with :none: escaping is the template layer's job.
dir=${1:-templates}
status=0
for t in "$dir"/*.tpl; do
    [ -e "$t" ] || continue
    first=$(head -c 40 "$t")
    case "$first" in
    '{{%AUTOESCAPE context="HTML"}}'*) ;;
    *) echo "template check: $t does not start with {{%AUTOESCAPE context=\"HTML\"}}" >&2; status=1 ;;
    esac
    if grep -n ':none' "$t" >/dev/null; then
        echo "template check: $t uses :none (unescaped output) at line $(grep -n ':none' "$t" | cut -d: -f1 | tr '\n' ' ')" >&2
        status=1
    fi
done
exit $status
