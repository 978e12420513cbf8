/* docs/openapi.json, built into the program so that it can never go missing. */
    .section .rodata
    .global gh_openapi_json
    .global gh_openapi_json_end
gh_openapi_json:
    .incbin "docs/openapi.json"
gh_openapi_json_end:
    .byte 0
    .section .note.GNU-stack,"",@progbits
